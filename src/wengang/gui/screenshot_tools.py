"""What both screenshot scripts need: wait for the window to settle, save a widget as PNG."""

from __future__ import annotations

import time
from pathlib import Path


def settle(app, context=None, seconds: float = 0.3) -> None:
    """Process events until background work is done and painting has caught up."""
    deadline = time.monotonic() + seconds
    while True:
        app.processEvents()
        busy = context is not None and context.pool.activeThreadCount() > 0
        if not busy and time.monotonic() > deadline:
            break
        time.sleep(0.02)
    app.processEvents()


def save_png(widget, path: Path) -> Path:
    """A widget as it is painted now, to ``path``."""
    widget.grab().save(str(path))
    return path
