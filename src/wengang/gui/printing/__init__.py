"""PDF and printing of forms and ledgers through Qt, with the bundled WenQuanYi font.

- :func:`write_form_pdf` / :func:`print_form` — a report ``FormResult``;
- :func:`write_ledger_pdf` / :func:`print_ledger` — a ledger query (``services.ledgers``).

PDF and printer go through the same painter (:mod:`.painter`), so what is printed is what the
PDF shows. A QGuiApplication must exist (one is created for command-line use).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter
from PySide6.QtPrintSupport import QPrinter

from wengang import APP_NAME
from wengang.gui.fonts import ensure_fonts
from wengang.gui.printing.document import TableDocument, form_document, ledger_document
from wengang.gui.printing.painter import a4_landscape, paint_document
from wengang.gui.printing.refcount import immortalise_none
from wengang.store.atomic import atomic_output

PDF_DPI = 300
_app = None


def _ensure_app() -> None:
    """Fonts and painting need a QGuiApplication; the CLI has none, so make one (offscreen ok)."""
    global _app
    immortalise_none()  # PySide6 6.12 + Python 3.11 leak a reference to None per painter call
    if QGuiApplication.instance() is None:
        _app = QGuiApplication([])
    ensure_fonts()


def write_document_pdf(doc: TableDocument, path: str | Path) -> int:
    """Write ``doc`` to a PDF file; returns the number of pages."""
    _ensure_app()
    path = Path(path)
    # A temporary file renamed into place when the painter has finished (store.atomic).
    with atomic_output(path) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(PDF_DPI)
        writer.setTitle(doc.title)
        writer.setCreator(APP_NAME)
        a4_landscape(writer)
        pages = paint_document(doc, writer)
        del writer  # the PDF is complete once the painter has ended and the writer is gone
    return pages


def print_document(doc: TableDocument, printer: QPrinter) -> int:
    """Print ``doc`` on ``printer`` (A4 landscape unless the printer is set otherwise)."""
    _ensure_app()
    if printer.pageLayout().orientation() != QPageLayout.Orientation.Landscape:
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    if printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.Letter:
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))  # Qt's default outside China
    return paint_document(doc, printer)


def write_form_pdf(result, path: str | Path) -> int:
    """A report ``FormResult`` → PDF (A4 landscape, header on every page); returns pages."""
    return write_document_pdf(form_document(result), path)


def print_form(result, printer: QPrinter) -> int:
    return print_document(form_document(result), printer)


def write_ledger_pdf(query, path: str | Path, *, limit: int | None = None) -> int:
    """A ledger query (``services.ledgers.ledger_query(...)``) → PDF; ``limit`` caps the rows."""
    return write_document_pdf(ledger_document(query, limit), path)


def print_ledger(query, printer: QPrinter, *, limit: int | None = None) -> int:
    return print_document(ledger_document(query, limit), printer)


__all__ = [
    "form_document",
    "ledger_document",
    "print_document",
    "print_form",
    "print_ledger",
    "write_document_pdf",
    "write_form_pdf",
    "write_ledger_pdf",
]
