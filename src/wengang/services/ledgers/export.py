"""Writing a ledger to .xlsx (openpyxl write-only, streamed) or .csv (UTF-8 with BOM).

The Excel sheet: a merged title row, a line with 填报单位 / 数据截止日期 / 人数, the header,
then the rows; IDs and phones as text (an 18-digit number would lose its last digits), column
widths, frozen header, autofilter, A4 landscape fitted to width with the header repeated on
every printed page. Write-only mode keeps memory flat at 150k rows; the person rows go through
``xlsx_stream``'s fast path straight into the file's zip (74,303 rows: 10.5 s → see
bench/README.md). Several ledgers in the default order are read in one pass
(:func:`.query.rows_together`) and written side by side.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from wengang.domain.cells import neutralise
from wengang.domain.numbers import plain_amount
from wengang.domain.status import AsOf
from wengang.domain.text import file_name
from wengang.services.ledgers.declarations import SIX_LISTS, LedgerError, get_ledger
from wengang.services.ledgers.query import LedgerQuery, _as_of, can_read_together, ledger_query, rows_together
from wengang.services.xlsx_stream import (
    HEADER_FILL,
    HEADER_FONT_NAME,
    HEADER_FONT_SIZE,
    StreamedWorkbook,
    header_fit_width,
    print_a4_landscape,
)
from wengang.store.areas import heading
from wengang.store.atomic import atomic_open

ProgressFn = Callable[[int, int], None]
_PROGRESS_EVERY = 5000

_THIN = Side(style="thin")
_HEADER_FONT = Font(name=HEADER_FONT_NAME, size=HEADER_FONT_SIZE, bold=True)  # as measured
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def ledger_caption(db: sqlite_utils.Database, query: LedgerQuery, total: int) -> str:
    """The line under the title: 填报单位, 数据截止日期, 人数 (and 已脱敏 when masked)."""
    unit = heading(db).unit_name
    caption = f"填报单位：{unit}　　数据截止日期：{query.as_of.date:%Y年%m月%d日}　　共{total}人"
    return caption + ("　　（证件号码、联系电话已脱敏）" if query.mask else "")


class _XlsxLedger:
    """One ledger's workbook as its rows stream in (straight into the file's zip): title,
    caption and header first (the count is known before the rows: the caption says 共N人), rows
    appended, the file finished at the end."""

    def __init__(self, db, query: LedgerQuery, total: int, path: Path):
        self.query, self.written = query, 0
        self.book = StreamedWorkbook(path, query.ledger.title[:31])
        self.sheet = sheet = self.book.sheet
        self.last_col = get_column_letter(len(query.columns))
        # Each header fits its column at word boundaries: its text is an upload format read by
        # header name, so no line break may be put into it (xlsx_stream.header_fit_width).
        for i, (label, width) in enumerate(zip(query.columns, query.widths), start=1):
            sheet.column_dimensions[get_column_letter(i)].width = header_fit_width(label, width)
        sheet.freeze_panes = "A4"
        print_a4_landscape(sheet, "3:3")

        sheet.row_dimensions[1].height = 30  # must be set before the row is streamed out
        sheet.row_dimensions[3].height = 30
        title = WriteOnlyCell(sheet, query.ledger.title)
        title.font = Font(bold=True, size=16)
        title.alignment = Alignment(horizontal="center", vertical="center")
        sheet.append([title])
        sheet.append([ledger_caption(db, query, total)])
        header = []
        for label in query.columns:
            cell = WriteOnlyCell(sheet, label)
            cell.font, cell.fill, cell.border, cell.alignment = _HEADER_FONT, HEADER_FILL, _HEADER_BORDER, _CENTER
            header.append(cell)
        sheet.append(header)
        sheet.merged_cells.add(f"A1:{self.last_col}1")
        sheet.merged_cells.add(f"A2:{self.last_col}2")
        # IDs, phones and dates as text (an 18-digit number would lose its last digits);
        # numbers pass through untouched (the fast path).
        self._text_cols = [i for i, k in enumerate(query.kinds) if k in ("id", "phone", "date")]

    def append(self, row: tuple) -> None:
        for i in self._text_cols:
            value = row[i]
            if value is not None and type(value) is not str:
                row = (*row[:i], str(value), *row[i + 1:])
        self.sheet.append_values(row)
        self.written += 1

    def save(self) -> int:
        self.sheet.auto_filter.ref = f"A3:{self.last_col}{3 + max(self.written, 1)}"
        self.book.save()
        return self.written

    def abandon(self) -> None:
        self.book.abandon()  # no file written; a previous one of that name kept


def _write_xlsx(db, query: LedgerQuery, path: Path, progress: ProgressFn | None) -> int:
    total = query.count()
    book = _XlsxLedger(db, query, total, path)
    try:
        for row in query.iter_rows():
            book.append(row)
            if progress and book.written % _PROGRESS_EVERY == 0:
                progress(book.written, total)
    except BaseException:
        book.abandon()
        raise
    return book.save()


def _write_xlsx_together(db, queries: list[LedgerQuery], totals: list[int], paths: list[Path],
                         progress: Callable[[int, int, str], None] | None, message: str) -> list[int]:
    """Several ledgers' workbooks from ONE pass over their rows (:func:`.query.rows_together`),
    saved one after another once the pass is done: a cancel while saving keeps the files
    already saved, and none is ever half-written."""
    books = [_XlsxLedger(db, query, total, path) for query, total, path in zip(queries, totals, paths)]
    grand, done = sum(totals), 0
    written: list[int] = []
    try:
        for i, row in rows_together(queries):
            books[i].append(row)
            done += 1
            if progress and done % _PROGRESS_EVERY == 0:
                progress(done, grand, message)
        for book in books:
            if progress:
                progress(done, grand, f"正在保存{book.query.ledger.title}…")
            written.append(book.save())
    except BaseException:
        for book in books[len(written):]:  # the ones not saved
            book.abandon()
        raise
    return written


def _write_csv(query: LedgerQuery, path: Path, progress: ProgressFn | None) -> int:
    total = query.count() if progress else 0
    written = 0
    # utf-8-sig: the BOM makes Excel and WPS read the Chinese correctly.
    # atomic_open: a killed or failed export never leaves a short file that looks complete.
    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(c) for c in query.columns])
        money = [i for i, k in enumerate(query.kinds) if k == "money"]
        for row in query.iter_rows():
            if money:
                row = list(row)
                for i in money:
                    row[i] = plain_amount(row[i])
            writer.writerow([neutralise(v) for v in row])  # "=…" stays text (OWASP)
            written += 1
            if progress and written % _PROGRESS_EVERY == 0:
                progress(written, total)
    return written


def write_ledger(db: sqlite_utils.Database, ledger_id: str, as_of: AsOf | dt.date | str,
                 path: str | Path, *, mask: bool = False, area_id: int | None = None,
                 site_id: int | None = None, order_by: str | None = None,
                 progress: ProgressFn | None = None) -> int:
    """Write the ledger to ``path`` (.xlsx or .csv); returns the number of persons written.

    ``progress(done, total)`` is called every few thousand rows (the GUI's progress bar).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise LedgerError(f"台账只能导出为 .xlsx 或 .csv 文件，不支持“{path.suffix or path.name}”")
    query = ledger_query(db, ledger_id, _as_of(as_of), area_id=area_id, site_id=site_id,
                         order_by=order_by, mask=mask)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Cancelled (the GUI's progress raises) or failed: the writers write to a temporary file,
    # so no half-written ledger is left and a previous file of that name is kept.
    written = _write_xlsx(db, query, path, progress) if suffix == ".xlsx" else _write_csv(query, path, progress)
    if progress:
        progress(written, written)
    return written


def ledger_file_name(ledger_id: str, as_of: AsOf | dt.date | str, suffix: str = "xlsx") -> str:
    """``劳动力底数清单_2026-11-30.xlsx``: the title and date, as the window suggests them too."""
    return file_name(f"{get_ledger(ledger_id).title}_{_as_of(as_of).date.isoformat()}") + f".{suffix}"


def write_ledgers(db: sqlite_utils.Database, ledger_ids: list[str] | tuple[str, ...],
                  as_of: AsOf | dt.date | str, folder: str | Path, *, suffix: str = "xlsx",
                  mask: bool = False, area_id: int | None = None, site_id: int | None = None,
                  progress: Callable[[int, int, str], None] | None = None) -> list[tuple[str, Path, int]]:
    """Write several ledgers (the six lists for the monthly upload) into ``folder``, one file
    each (:func:`ledger_file_name`); the statuses at D are derived once for all of them, and
    .xlsx ledgers in the default order are read in one pass over their rows (the six lists at
    50,000 households: one query instead of six, see bench/README.md).

    ``progress(done, total, message)`` counts persons over all the files. Returns
    ``(ledger id, path, persons)`` per file. A cancel (the progress raising) leaves the files
    already finished (saved) and none half-written.
    """
    folder = Path(folder)
    when = _as_of(as_of)
    if progress:  # the statuses at D and the counts come first (1–2 s at 50k for a date never asked)
        progress(0, 0, "正在统计各台账人数…")
    queries = [ledger_query(db, i, when, area_id=area_id, site_id=site_id, mask=mask) for i in ledger_ids]
    totals = [query.count() for query in queries]
    paths = [folder / ledger_file_name(ledger_id, when, suffix) for ledger_id in ledger_ids]
    grand = sum(totals)
    if progress:
        progress(0, grand, f"共{grand:,}人次，开始写入…")
    written: dict[int, int] = {}
    # The ledgers in the default order (the six lists; all but the post and workshop ledgers)
    # in one pass, the others one by one.
    together = [i for i, query in enumerate(queries) if can_read_together([query])] if suffix == "xlsx" else []
    if len(together) > 1 and can_read_together([queries[i] for i in together]):
        folder.mkdir(parents=True, exist_ok=True)
        what = "六张清单" if tuple(ledger_ids) == SIX_LISTS else f"{len(together)}个台账"
        step = (lambda done, _total, message: progress(done, grand, message)) if progress else None
        counts = _write_xlsx_together(db, [queries[i] for i in together], [totals[i] for i in together],
                                      [paths[i] for i in together], step, f"正在导出{what}…")
        written = dict(zip(together, counts))
    _write_one_by_one(db, ledger_ids, when, paths, totals, written, progress,
                      mask=mask, area_id=area_id, site_id=site_id)
    return [(ledger_id, path, written[i]) for i, (ledger_id, path) in enumerate(zip(ledger_ids, paths))]


def _write_one_by_one(db, ledger_ids, when: AsOf, paths: list[Path], totals: list[int], written: dict[int, int],
                      progress: Callable[[int, int, str], None] | None, **scope) -> None:
    """The ledgers not in ``written`` yet, each read and written on its own; ``written`` filled in."""
    grand, before = sum(totals), sum(totals[i] for i in written)
    for i, (ledger_id, total, path) in enumerate(zip(ledger_ids, totals, paths)):
        if i in written:
            continue
        title = get_ledger(ledger_id).title
        step = (lambda done, _total, base=before, title=title: progress(base + done, grand, f"正在导出{title}…")) \
            if progress else None
        written[i] = write_ledger(db, ledger_id, when, path, progress=step, **scope)
        before += total
