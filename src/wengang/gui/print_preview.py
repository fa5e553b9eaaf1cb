"""Print preview of simple HTML documents (ledgers) — forms print through ``gui.printing``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from wengang.gui.fonts import form_font


def preview(parent: QWidget, paint: Callable[[QPrinter], None], landscape: bool = True) -> QPrintPreviewDialog:
    """Open a print preview that calls ``paint(printer)``; returns the dialog (already run)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle("打印预览")
    dialog.paintRequested.connect(paint)
    dialog.exec()
    return dialog


def preview_html(parent: QWidget, text: str) -> QPrintPreviewDialog:
    def paint(printer: QPrinter) -> None:
        doc = QTextDocument()
        doc.setDefaultFont(form_font(9))
        doc.setHtml(text)
        doc.print_(printer)
    return preview(parent, paint)
