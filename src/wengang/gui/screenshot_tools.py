"""What both screenshot scripts need: wait for the window to settle, save a widget as PNG."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

LAPTOP = (1366, 768)  # a township laptop's screen


def offscreen_on_a_laptop_screen(size: tuple[int, int] = LAPTOP) -> None:
    """Draw offscreen on a screen of ``size`` unless a platform is chosen already.

    Qt's offscreen screen is 800×800, and a window is made to fit its screen when shown: the
    pictures of a "1366×768" window came out 796 pixels wide, the cards cut at the right.
    The offscreen platform takes its screens from a JSON file (``configfile=``)."""
    if os.environ.get("QT_QPA_PLATFORM", "offscreen") != "offscreen":
        return
    width, height = size
    config = Path(tempfile.gettempdir()) / f"wengang-offscreen-{width}x{height}.json"
    if not config.exists():
        config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width,
                                                   "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
                                                   "dpr": 1}]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


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
