"""What the window benches share: the window opened offscreen, a heartbeat on the GUI thread
(the longest it did not answer) and a wait that keeps the events flowing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def open_window(path: Path):
    """(application, context, window) on ``path``, 1366×768, shown."""
    from PySide6.QtWidgets import QApplication

    from wengang.gui.context import AppContext
    from wengang.gui.main_window import MainWindow

    app = QApplication([])
    context = AppContext(path)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()
    return app, context, window


class Heartbeat:
    """A 20 ms timer on the GUI thread: ``worst`` is the longest gap between two ticks since
    :meth:`reset` (the longest the window did not repaint or answer a click)."""

    def __init__(self) -> None:
        self.worst, self._beat = 0.0, time.perf_counter()
        self._tick()

    def _tick(self) -> None:
        from PySide6.QtCore import QTimer

        now = time.perf_counter()
        self.worst, self._beat = max(self.worst, now - self._beat), now
        QTimer.singleShot(20, self._tick)

    def reset(self) -> None:
        self.worst, self._beat = 0.0, time.perf_counter()


def until(app, condition: Callable[[], bool], timeout: float = 180) -> bool:
    """Process events until ``condition()`` (or ``timeout`` seconds); its last value."""
    end = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)
    return condition()
