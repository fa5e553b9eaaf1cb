"""The print preview dialog (A4 landscape): forms and ledgers paint into it through
``gui.printing``, the same painter as their PDF, so the preview is what the PDF shows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget


def preview(parent: QWidget, paint: Callable[[QPrinter], None], landscape: bool = True) -> QPrintPreviewDialog:
    """Open a print preview that calls ``paint(printer)``; returns the dialog (already run)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.printer_ref = printer  # the dialog does not own its printer: keep it as long as the dialog
    dialog.setWindowTitle("打印预览")
    dialog.paintRequested.connect(paint)
    dialog.exec()
    return dialog
