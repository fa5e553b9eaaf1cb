"""Draw the application icon (resources/icons/wengang.png and .ico) with Qt.

Run once when the design changes: ``QT_QPA_PLATFORM=offscreen python build/make_icon.py``.
The icon is drawn, not downloaded, so its licence is ours; 稳 in the bundled WenQuanYi font.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wengang.gui.fonts import ensure_fonts  # noqa: E402


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    margin = size * 0.04
    path.addRoundedRect(QRectF(margin, margin, size - 2 * margin, size - 2 * margin), size * 0.18, size * 0.18)
    painter.fillPath(path, QColor("#b22222"))  # the red of an official seal
    font = QFont(ensure_fonts())
    font.setPixelSize(int(size * 0.66))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, -size * 0.03, size, size), Qt.AlignmentFlag.AlignCenter, "稳")
    painter.end()
    return image


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 - fonts need it
    out = ROOT / "resources" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(out / "wengang.png"))
    # Qt's ICO writer stores one size per file; 256 px scales down well in Explorer.
    if not draw(256).save(str(out / "wengang.ico")):
        raise SystemExit("Qt could not write .ico (imageformats plugin missing)")
    print("written", *sorted(p.name for p in out.iterdir()))


if __name__ == "__main__":
    main()
