"""The one routine that lays a :class:`TableDocument` out on pages (PDF and printer alike).

Page 1: title, the 填报单位 / 数据截止日期 / 数据来源 / 单位 line, the merged header, rows. Every later page
repeats the header. After the last row: notes (注：…) and the 填报人/审核人/填报日期 footer;
every page carries 第 N 页 共 M 页. A table wider than the paper is scaled down to the width
(Excel's "fit to width"); a narrower one is stretched to fill it, as the seed tables do.

All rows have one height, so pagination is arithmetic and a 150k-row ledger is painted while
it streams, never held in memory.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPagedPaintDevice, QPageLayout, QPageSize, QPainter, QPen

from wengang.domain.words import break_lines, longest_word
from wengang.gui.fonts import form_font
from wengang.gui.printing.document import PrintRow, TableDocument

BODY_PT = 9.0
TITLE_PT = 15.0
MEASURE_ROWS = 500           # rows measured for column widths when the document gives none
HEADER_WRAP_CHARS = 4        # a header label may wrap to columns this narrow (seed: "2020年 就业 人数")
LINE_PT = 0.6                # grid line width


def a4_landscape(device: QPagedPaintDevice, margin_mm: float = 12.0) -> None:
    """A4 landscape with even margins (the seeds' forms are landscape tables)."""
    device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm),
                                     QPageLayout.Unit.Millimeter))


class _Layout:
    """Widths, heights and pagination in logical units (device pixels ÷ scale)."""

    def __init__(self, doc: TableDocument, painter: QPainter, page: QRectF):
        device = painter.device()
        self.doc = doc
        self.body = form_font(BODY_PT)
        self.bold = form_font(BODY_PT, bold=True)
        self.title_font = form_font(TITLE_PT, bold=True)
        self.fm = QFontMetricsF(self.body, device)
        self.fm_bold = QFontMetricsF(self.bold, device)
        self.pad = self.fm.horizontalAdvance("中") * 0.35
        self.line_width = LINE_PT / 72 * device.logicalDpiY()
        widths = self._natural_widths()
        natural = sum(widths)
        if natural <= page.width():
            self.scale = 1.0
            widths = [w * page.width() / natural for w in widths]
        else:
            self.scale = page.width() / natural
        self.widths = widths
        self.width = page.width() / self.scale
        self.height = page.height() / self.scale
        self.lefts = [sum(widths[:i]) for i in range(len(widths) + 1)]
        self.header_heights = self._header_heights()
        self.header_height = sum(self.header_heights)
        self.row_height = self.fm.height() + 2 * self.pad
        title_fm = QFontMetricsF(self.title_font, device)
        self.title_height = title_fm.height() * 1.6
        self.info_height = self.fm.height() * 1.8
        self.page_number_height = self.fm.height() * 1.8
        self.tail_height = self._tail_height()

    # --- widths and heights ------------------------------------------------------------------
    def _natural_widths(self) -> list[float]:
        doc, fm, char = self.doc, self.fm_bold, self.fm.horizontalAdvance("中")
        if doc.widths is not None:
            widths = [w * char * 0.62 + 2 * self.pad for w in doc.widths]  # Excel widths count narrow chars
        else:
            widths = [0.0] * doc.column_count
            rows = doc.rows if isinstance(doc.rows, list) else []
            for row in rows[:MEASURE_ROWS]:
                for i, text in enumerate(row.cells):
                    widths[i] = max(widths[i], fm.horizontalAdvance(text) + 2 * self.pad)
        for cell in doc.header_cells:
            if cell.colspan == 1:
                # Number columns may wrap their label narrow, as the seeds do; a name column
                # (乡镇（街道）) keeps its label on one line.
                full = fm.horizontalAdvance(cell.label)
                need = (full if cell.col in doc.text_columns else min(full, HEADER_WRAP_CHARS * char)) + 2 * self.pad
                # never narrower than the longest word: a header breaks between words, not in one
                need = max(need, longest_word(cell.label, fm.horizontalAdvance) + 2 * self.pad)
                widths[cell.col] = max(widths[cell.col], need)
        rows = doc.rows if isinstance(doc.rows, list) else []
        if doc.column_count and any(r.number is not None for r in rows):
            widths[0] += fm.horizontalAdvance("000") + self.pad
        return [max(w, 2 * char) for w in widths]

    def wrapped_height(self, text: str, width: float, fm: QFontMetricsF) -> float:
        flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
        return fm.boundingRect(QRectF(0, 0, max(width - 2 * self.pad, 1), 1e6), flags, text).height() + 2 * self.pad

    def header_text(self, label: str, width: float) -> str:
        """A header label broken into lines between words (``domain.words``)."""
        room = max(width - 2 * self.pad, 1)
        return "\n".join(break_lines(label, room, self.fm_bold.horizontalAdvance))

    def span_width(self, col: int, colspan: int) -> float:
        return self.lefts[col + colspan] - self.lefts[col]

    def _header_heights(self) -> list[float]:
        doc = self.doc
        heights = [self.fm.height() + 2 * self.pad] * doc.header_rows
        needs = [(c, self.wrapped_height(self.header_text(c.label, self.span_width(c.col, c.colspan)),
                                         self.span_width(c.col, c.colspan) + 1e4, self.fm_bold))
                 for c in doc.header_cells]
        for cell, need in needs:
            if cell.rowspan == 1:
                heights[cell.row] = max(heights[cell.row], need)
        for cell, need in needs:
            spanned = sum(heights[cell.row:cell.row + cell.rowspan])
            if cell.rowspan > 1 and need > spanned:
                heights[cell.row + cell.rowspan - 1] += need - spanned
        return heights

    def note_lines(self) -> list[str]:
        return list(self.doc.notes) + ([self.doc.footer] if self.doc.footer else [])

    def _tail_height(self) -> float:
        return sum(self.wrapped_height(line, self.width, self.fm) for line in self.note_lines()) + self.pad

    # --- pagination --------------------------------------------------------------------------
    def rows_per_page(self, first: bool) -> int:
        top = (self.title_height + self.info_height) if first else 0.0
        free = self.height - self.page_number_height - top - self.header_height
        return max(1, math.floor(free / self.row_height))

    def page_count(self) -> int:
        n, first, other = self.doc.row_count, self.rows_per_page(True), self.rows_per_page(False)
        pages = 1 if n <= first else 1 + math.ceil((n - first) / other)
        last_rows = n if pages == 1 else n - first - (pages - 2) * other
        top = (self.title_height + self.info_height) if pages == 1 else 0.0
        used = top + self.header_height + last_rows * self.row_height
        if used + self.tail_height > self.height - self.page_number_height:
            pages += 1  # notes and footer go on a page of their own
        return pages


class _PagePainter:
    def __init__(self, doc: TableDocument, painter: QPainter, device: QPagedPaintDevice):
        self.doc, self.painter, self.device = doc, painter, device
        page = QRectF(device.pageLayout().paintRectPixels(device.resolution()))
        self.layout = _Layout(doc, painter, QRectF(0, 0, page.width(), page.height()))
        self.pages = self.layout.page_count()
        self.page = 1
        self._last_group: str | None = None
        self._page_top = True

    def run(self) -> int:
        lay, p = self.layout, self.painter
        p.scale(lay.scale, lay.scale)
        y = self._title() + lay.title_height + lay.info_height
        y = self._header(y)
        left_on_page = lay.rows_per_page(True)
        for row in self.doc.rows:
            if left_on_page == 0:
                self._close_group(y)
                y = self._next_page()
                left_on_page = lay.rows_per_page(False)
            self._row(row, y)
            y += lay.row_height
            left_on_page -= 1
        self._close_group(y)
        if y + lay.tail_height > lay.height - lay.page_number_height:
            self._page_number()
            self.device.newPage()
            self.page += 1
            y = 0.0
        self._tail(y + lay.pad)
        self._page_number()
        return self.page

    # --- pieces ------------------------------------------------------------------------------
    def _title(self) -> float:
        lay, p = self.layout, self.painter
        p.setFont(lay.title_font)
        p.drawText(QRectF(0, 0, lay.width, lay.title_height), int(Qt.AlignmentFlag.AlignCenter), self.doc.title)
        p.setFont(lay.body)
        info = self.doc.info
        # Equal blocks across the page: the first flush left, the last flush right, any
        # between centred (填报单位 / 数据截止日期 / 数据来源 / 单位, as the seeds print them).
        step = lay.width / max(1, len(info))
        for i, text in enumerate(info):
            box = QRectF(i * step, lay.title_height, step, lay.info_height)
            align = (Qt.AlignmentFlag.AlignLeft if i == 0 else
                     Qt.AlignmentFlag.AlignRight if i == len(info) - 1 else Qt.AlignmentFlag.AlignHCenter)
            p.drawText(box, int(align) | int(Qt.AlignmentFlag.AlignVCenter), text)
        return 0.0

    def _pen(self) -> QPen:
        pen = QPen(Qt.GlobalColor.black)
        pen.setWidthF(self.layout.line_width)
        return pen

    def _header(self, top: float) -> float:
        lay, p = self.layout, self.painter
        p.setFont(lay.bold)
        p.setPen(self._pen())
        tops = [top + sum(lay.header_heights[:r]) for r in range(self.doc.header_rows + 1)]
        flags = int(Qt.AlignmentFlag.AlignCenter)  # lines already broken between words
        for cell in self.doc.header_cells:
            rect = QRectF(lay.lefts[cell.col], tops[cell.row], lay.span_width(cell.col, cell.colspan),
                          tops[cell.row + cell.rowspan] - tops[cell.row])
            p.drawRect(rect)
            p.drawText(rect.adjusted(lay.pad, lay.pad, -lay.pad, -lay.pad), flags,
                       lay.header_text(cell.label, rect.width()))
        return top + lay.header_height

    def _row(self, row: PrintRow, y: float) -> None:
        lay, p = self.layout, self.painter
        font, fm = (lay.bold, lay.fm_bold) if row.bold else (lay.body, lay.fm)
        p.setFont(font)
        merged = self.doc.merge_first_column and row.span == 1
        continues = merged and row.cells[0] == self._last_group and not self._page_top
        self._last_group = row.cells[0] if merged else None
        self._page_top = False
        i = 0
        while i < len(row.cells):
            span = row.span if i == 0 else 1
            rect = QRectF(lay.lefts[i], y, lay.lefts[i + span] - lay.lefts[i], lay.row_height)
            text = row.cells[i]
            if i == 0 and merged:
                # Only the verticals (and a top line when a new group starts): the group's cell
                # runs down until the next group, a page end or the table end closes it.
                p.drawLine(rect.topLeft(), rect.bottomLeft())
                p.drawLine(rect.topRight(), rect.bottomRight())
                if continues:
                    text = ""
                else:
                    p.drawLine(rect.topLeft(), rect.topRight())
            else:
                p.drawRect(rect)
            if text:
                self._cell_text(row, i, text, rect, fm)
            i += span

    def _cell_text(self, row: PrintRow, i: int, text: str, rect: QRectF, fm: QFontMetricsF) -> None:
        lay, p = self.layout, self.painter
        inner = rect.adjusted(lay.pad, 0, -lay.pad, 0)
        if i == 0 and row.number is not None:
            # A fixed slot keeps names aligned whether the rank has one digit or three.
            slot = fm.horizontalAdvance("000") + lay.pad
            p.drawText(QRectF(inner.left(), inner.top(), slot, inner.height()),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), row.number)
            inner.setLeft(inner.left() + slot)
        left = i in self.doc.text_columns and not (i == 0 and row.centre_first)
        align = Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignHCenter
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
        p.drawText(inner, int(align) | int(Qt.AlignmentFlag.AlignVCenter), shown)

    def _close_group(self, y: float) -> None:
        """The bottom line of a merged group cell, at a page end or the table end."""
        if self.doc.merge_first_column:
            self.painter.drawLine(QRectF(self.layout.lefts[0], y, 0, 0).topLeft(),
                                  QRectF(self.layout.lefts[1], y, 0, 0).topLeft())

    def _tail(self, y: float) -> None:
        lay, p = self.layout, self.painter
        p.setFont(lay.body)
        flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
        for line in lay.note_lines():
            height = lay.wrapped_height(line, lay.width, lay.fm)
            p.drawText(QRectF(0, y, lay.width, height), flags, line)
            y += height

    def _page_number(self) -> None:
        lay, p = self.layout, self.painter
        p.setFont(lay.body)
        box = QRectF(0, lay.height - lay.page_number_height, lay.width, lay.page_number_height)
        p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), f"第 {self.page} 页　共 {self.pages} 页")

    def _next_page(self) -> float:
        self._page_number()
        self.device.newPage()
        self.page += 1
        self._page_top = True
        self.painter.setPen(self._pen())
        return self._header(0.0)


def paint_document(doc: TableDocument, device: QPagedPaintDevice) -> int:
    """Paint ``doc`` on ``device`` (a QPdfWriter or QPrinter, page layout already set);
    returns the number of pages."""
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("无法开始打印或写入PDF（打印机不可用或文件无法写入）")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        return _PagePainter(doc, painter, device).run()
    finally:
        painter.end()

