"""台账 out of the window: PDF, print preview and printing through the shared painter
(``gui.printing``: repeated header, A4 landscape, page numbers), the long ones off the GUI
thread, and the warning before unmasked personal data goes onto a USB stick.

Painting on a ``QPdfWriter`` or a ``QPrinter`` works in a worker thread (measured: 5,000
rows, 132 pages in ~2 s on the background thread); only the preview dialog paints on the
GUI thread, so it shows at most :data:`PREVIEW_ROW_LIMIT` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QMessageBox, QWidget

from wengang.gui.context import AppContext, Progress
from wengang.gui.widgets.progress import run_with_progress
from wengang.services.privacy import unmasked_export_warning

PREVIEW_ROW_LIMIT = 1000   # ~27 pages: painted on the GUI thread, re-painted on every page setup
PRINT_ROW_LIMIT = 5000     # ~130 pages; beyond this a ledger is a job for the Excel export
ROWS_PER_PAGE = 37         # A4 landscape at the ledger's font: for the "about N pages" hint
REPORT_EVERY = 200         # rows between progress reports


class ReportingQuery:
    """A ledger query whose rows report progress and stop on 取消 as they are painted."""

    def __init__(self, query, progress: Progress, total: int, message: str):
        self._query, self._progress, self._total, self._message = query, progress, total, message

    def __getattr__(self, name: str):
        return getattr(self._query, name)

    def iter_rows(self) -> Iterator[tuple]:
        for n, row in enumerate(self._query.iter_rows()):
            if n % REPORT_EVERY == 0:
                self._progress.check()
                self._progress.report(n, self._total, f"{self._message}（第 {n:,} / {self._total:,} 行）")
            yield row


def confirm_unmasked(parent: QWidget, path: Path, masked: bool) -> bool:
    """Ask before writing unmasked 证件号码/电话 to a removable drive; True = go ahead."""
    warning = unmasked_export_warning(path, masked)
    if warning is None:
        return True
    answer = QMessageBox.warning(parent, "导出到移动存储设备", warning,
                                 QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                 QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def write_pdf_in_background(context: AppContext, parent: QWidget, make_query: Callable, path: Path,
                            on_done: Callable[[int], None], limit: int | None = None):
    """Write the ledger ``make_query(db)`` builds (on the worker's connection) to ``path``;
    ``on_done(pages)`` on the GUI thread. A cancelled export leaves no half-written file."""
    from wengang.gui.printing import write_ledger_pdf  # noqa: PLC0415 - Qt printing on demand

    def work(db, progress):
        progress.report(0, 0, "正在生成台账…")
        query = make_query(db)
        total = query.count() if limit is None else min(query.count(), limit)
        try:
            return write_ledger_pdf(ReportingQuery(query, progress, total, "正在排版"), path, limit=limit)
        except BaseException:
            try:
                Path(path).unlink(missing_ok=True)  # a cancelled or failed PDF is no PDF
            except OSError:
                pass  # still held open by the writer (Windows): the error below says enough
            raise

    return run_with_progress(context, parent, parent.tr("正在导出PDF"), work, on_done)


def print_in_background(context: AppContext, parent: QWidget, make_query: Callable, rows: int,
                        on_done: Callable[[int], None] | None = None) -> bool:
    """Ask for the printer (print dialog), then paint up to :data:`PRINT_ROW_LIMIT` rows on it
    off the GUI thread. Returns False when the user cancelled the print dialog."""
    from wengang.gui.printing import print_ledger  # noqa: PLC0415

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印台账")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    limit = min(rows, PRINT_ROW_LIMIT)

    def work(db, progress):
        query = make_query(db)
        return print_ledger(ReportingQuery(query, progress, limit, "正在打印"), printer, limit=limit)

    run_with_progress(context, parent, parent.tr("正在打印台账"), work, on_done)
    return True


def pages_hint(rows: int) -> int:
    return max(1, -(-rows // ROWS_PER_PAGE))
