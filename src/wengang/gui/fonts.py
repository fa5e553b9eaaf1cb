"""Register the bundled Chinese font so screens and PDFs look the same on every machine.

WenQuanYi Micro Hei is bundled (resources/fonts): its text extracts correctly from PDFs that
Qt writes, unlike Noto CJK (ENGINEERING.md). Call :func:`ensure_fonts` after the
QGuiApplication exists; it is idempotent.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from wengang.paths import resource_path

FORM_FONT_FILE = "wqy-microhei.ttc"
_family: str | None = None


def ensure_fonts() -> str:
    """Load the bundled font once; returns its family name (used for forms and the UI)."""
    global _family
    if _family is None:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", FORM_FONT_FILE)))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        _family = families[0] if families else QGuiApplication.font().family()
    return _family


def form_font(point_size: float = 10.0, bold: bool = False) -> QFont:
    """The font printed forms use."""
    font = QFont(ensure_fonts())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font
