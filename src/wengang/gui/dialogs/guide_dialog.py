"""帮助 → 使用手册: the user guide (``docs/使用手册.md``) shown in the window, offline.

The guide is Markdown with its pictures beside it (``docs/screenshots``); ``QTextBrowser``
renders Markdown itself, and its search path finds the pictures. The file is found the same way
from a source checkout, an installed wheel and the frozen build (``installer.spec`` and
``pyproject.toml`` carry ``docs/`` as ``wengang/docs``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

GUIDE_NAME = "使用手册.md"
_PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/wengang


def guide_path() -> Path | None:
    """The bundled guide, or None when this installation has none."""
    candidates = [_PACKAGE_DIR / "docs", _PACKAGE_DIR.parents[1] / "docs"]  # wheel, source checkout
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.insert(0, Path(frozen_root) / "wengang" / "docs")
    for folder in candidates:
        if (folder / GUIDE_NAME).is_file():
            return folder / GUIDE_NAME
    return None


IMAGE_WIDTH = 820  # the screenshots are 1366 pixels wide: shown smaller, no sideways scrolling


def fit_images(document: QTextDocument, width: int) -> int:
    """Every picture at most ``width`` pixels wide (height in proportion); returns how many."""
    count = 0
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                image = fmt.toImageFormat()
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position())
                cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                image.setWidth(width)
                cursor.setCharFormat(image)
                count += 1
            it += 1
        block = block.next()
    return count


class GuideDialog(QDialog):
    """The guide, not modal: it stays open beside the window while the caseworker works."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("使用手册")
        self.resize(900, 680)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        path = guide_path()
        if path is None:
            layout.addWidget(QLabel("找不到使用手册（docs/使用手册.md），安装可能不完整。"))
        else:
            self.browser.setSearchPaths([str(path.parent)])
            self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path.parent) + "/"))
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))
            fit_images(self.browser.document(), IMAGE_WIDTH)
        self.path = path
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
