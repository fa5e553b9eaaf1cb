"""The window pictures are drawn on a laptop's screen, not on Qt's 800-pixel offscreen one."""

from __future__ import annotations

import os
import subprocess
import sys

SHOW = """
from wengang.gui.screenshot_tools import offscreen_on_a_laptop_screen
offscreen_on_a_laptop_screen()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1366, 768)
window.show()
app.processEvents()
screen = app.primaryScreen().geometry()
print(screen.width(), screen.height(), window.width())
"""


def _shown(platform: str | None) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    if platform:
        env["QT_QPA_PLATFORM"] = platform
    out = subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True)
    return [int(n) for n in out.stdout.split()]


def test_a_1366_pixel_window_is_pictured_1366_pixels_wide():
    # Before: a screen of 800×800, and the window made 796 pixels wide when shown.
    assert _shown("offscreen") == [1366, 768, 1366]
    assert _shown(None) == [1366, 768, 1366]


def test_a_platform_chosen_by_the_caller_is_left_alone(tmp_path):
    projector = tmp_path / "projector.json"
    projector.write_text('{"screens": [{"name": "p", "x": 0, "y": 0, "width": 1024, "height": 768}]}')
    assert _shown(f"offscreen:configfile={projector}")[:2] == [1024, 768]
