"""Bench: a caseworker drags the 台账's scroll bar deep into a list, in the window (offscreen).

    python bench/ledger_scroll.py --db /tmp/c200.db

Opens the window on the file (settings in a fresh folder), shows 台账, picks the posts list
and scrolls to row 5,001, then the labour list and row 20,001: deeper than the pages walked
in rank order, so every member is numbered first. Prints how long until the row shows, the
longest the GUI thread did not answer (a 20 ms timer, and the first read of the row, which
runs on it) and how long that first read took. Compare with another tree with
``PYTHONPATH=/that/tree/src``. The file is opened in place.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DEEP = (("乡村公益性岗位管理台账", 5000), ("劳动力底数清单", 20000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ledger_scroll_")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from wengang.gui.context import AppContext
    from wengang.gui.main_window import MainWindow

    app = QApplication([])
    context = AppContext(args.db)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()
    beat, worst = [time.perf_counter()], [0.0]

    def heartbeat() -> None:
        now = time.perf_counter()
        worst[0], beat[0] = max(worst[0], now - beat[0]), now
        QTimer.singleShot(20, heartbeat)

    def until(condition: Callable[[], bool], timeout: float = 120) -> bool:
        end = time.perf_counter() + timeout
        while not condition() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.005)
        return condition()

    heartbeat()
    tab = window.show_tab("台账")
    until(tab.is_ready)
    for name, row in DEEP:
        tab.picker.setCurrentRow(next(i for i in range(tab.picker.count()) if tab.picker.item(i).text() == name))
        until(lambda: not tab.is_ready())
        until(tab.is_ready)
        worst[0], beat[0] = 0.0, time.perf_counter()
        started = time.perf_counter()
        cell = tab.model.index(row, 0)
        tab.view.scrollTo(cell)
        first = time.perf_counter()
        cell.data()
        first = time.perf_counter() - first
        shown = until(lambda cell=cell, row=row: cell.data() == str(row + 1))
        print(f"{name}: row {row + 1} {'shown' if shown else 'NOT shown'} after {time.perf_counter() - started:.2f} s, "
              f"longest GUI stall {max(worst[0], first) * 1000:.0f} ms (the first read of the row {first * 1000:.0f} ms)")
    window.close()
    context.close()


if __name__ == "__main__":
    main()
