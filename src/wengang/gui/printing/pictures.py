"""Pages painted off the GUI thread: the document is laid out and drawn into one ``QPicture`` a
page on the worker thread (QPainter may paint QPictures from any thread), and the print
preview only replays them — a 1,000-row ledger's 27 pages no longer hold the window while they
are laid out (issue 18).
"""

from __future__ import annotations

from PySide6.QtGui import QPageLayout, QPainter, QPicture

from wengang.gui.printing.document import TableDocument
from wengang.gui.printing.painter import _PagePainter, a4_landscape


class PictureBook:
    """Quacks like the QPagedPaintDevice the painter writes on: page layout, resolution and
    ``newPage``; every page is a QPicture at screen resolution."""

    def __init__(self):
        self.pages: list[QPicture] = [QPicture()]
        self.painter: QPainter | None = None
        self._layout = QPageLayout()
        a4_landscape(self)

    # the parts of QPagedPaintDevice the painter uses
    def setPageLayout(self, layout: QPageLayout) -> bool:  # noqa: N802 - Qt
        self._layout = layout
        return True

    def pageLayout(self) -> QPageLayout:  # noqa: N802 - Qt
        return self._layout

    def resolution(self) -> int:
        return self.pages[0].logicalDpiX()

    def newPage(self) -> bool:  # noqa: N802 - Qt
        painter = self.painter
        transform = painter.transform()
        painter.end()
        self.pages.append(QPicture())
        painter.begin(self.pages[-1])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setTransform(transform)
        return True


def paint_pictures(doc: TableDocument) -> tuple[list[QPicture], int]:
    """``doc`` as one QPicture a page (any thread); returns (pages, their resolution in dpi)."""
    from wengang.gui.printing import _ensure_app  # noqa: PLC0415

    _ensure_app()
    book = PictureBook()
    painter = QPainter()
    painter.begin(book.pages[0])
    book.painter = painter
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        _PagePainter(doc, painter, book).run()
    finally:
        painter.end()
    return book.pages, book.resolution()


def replay(pages: list[QPicture], _dpi: int, printer) -> int:
    """Draw recorded pages on ``printer`` (the preview's, or a real one); QPainter scales a
    picture to the device's resolution itself. Returns the number of pages."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("无法开始打印（打印机不可用）")
    try:
        # drawPicture scales a picture from its resolution to the device's by itself.
        for n, page in enumerate(pages):
            if n:
                printer.newPage()
            painter.drawPicture(0, 0, page)
    finally:
        painter.end()
    return len(pages)
