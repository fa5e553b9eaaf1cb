"""Writing a ledger to .xlsx (openpyxl write-only, streamed) or .csv (UTF-8 with BOM).

The Excel sheet: a merged title row, a line with 填报单位 / 数据截止日期 / 人数, the header,
then the rows; IDs and phones as text (an 18-digit number would lose its last digits), column
widths, frozen header, autofilter, A4 landscape fitted to width with the header repeated on
every printed page. Write-only mode keeps memory flat at 150k rows; the person rows go through
``xlsx_stream``'s fast path (74,303 rows: 10.5 s → see bench/README.md).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from wengang.domain.cells import neutralise
from wengang.domain.status import AsOf
from wengang.domain.text import file_name
from wengang.services.ledgers.declarations import LedgerError, get_ledger
from wengang.services.ledgers.query import LedgerQuery, _as_of, ledger_query
from wengang.services.xlsx_stream import fast_sheet, print_a4_landscape, save_workbook
from wengang.store.areas import installation
from wengang.store.atomic import atomic_open

ProgressFn = Callable[[int, int], None]
_PROGRESS_EVERY = 5000

_THIN = Side(style="thin")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def ledger_caption(db: sqlite_utils.Database, query: LedgerQuery, total: int) -> str:
    """The line under the title: 填报单位, 数据截止日期, 人数 (and 已脱敏 when masked)."""
    unit = installation(db).unit_name or ""
    caption = f"填报单位：{unit}　　数据截止日期：{query.as_of.date:%Y年%m月%d日}　　共{total}人"
    return caption + ("　　（证件号码、联系电话已脱敏）" if query.mask else "")


def _write_xlsx(db, query: LedgerQuery, path: Path, progress: ProgressFn | None) -> int:
    total = query.count()
    workbook = Workbook(write_only=True)
    sheet = fast_sheet(workbook, query.ledger.title[:31])
    ncols = len(query.columns)
    last_col = get_column_letter(ncols)
    for i, width in enumerate(query.widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
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
        cell.font, cell.fill, cell.border, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER, _CENTER
        header.append(cell)
    sheet.append(header)
    sheet.merged_cells.add(f"A1:{last_col}1")
    sheet.merged_cells.add(f"A2:{last_col}2")

    kinds = query.kinds
    # Only text-like columns need converting; numbers pass through untouched (fast path).
    text_cols = [i for i, k in enumerate(kinds) if k in ("id", "phone", "date")]
    written = 0
    try:
        for row in query.iter_rows():
            if text_cols:
                row = list(row)
                for i in text_cols:
                    if row[i] is not None:
                        row[i] = str(row[i])
            sheet.append_values(row)
            written += 1
            if progress and written % _PROGRESS_EVERY == 0:
                progress(written, total)
    except BaseException:
        sheet.close()  # finish openpyxl's streaming writer cleanly before the file is removed
        raise
    sheet.auto_filter.ref = f"A3:{last_col}{3 + max(written, 1)}"
    save_workbook(workbook, path)
    return written


def _write_csv(query: LedgerQuery, path: Path, progress: ProgressFn | None) -> int:
    total = query.count() if progress else 0
    written = 0
    # utf-8-sig: the BOM makes Excel and WPS read the Chinese correctly.
    # atomic_open: a killed or failed export never leaves a short file that looks complete.
    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(c) for c in query.columns])
        # Amounts as a caseworker writes them: 3500, not 3500.0 (SQLite's REAL comes back a float).
        money = [i for i, k in enumerate(query.kinds) if k == "money"]
        for row in query.iter_rows():
            if money:
                row = list(row)
                for i in money:
                    if isinstance(row[i], float) and row[i].is_integer():
                        row[i] = int(row[i])
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
    each (:func:`ledger_file_name`); the statuses at D are derived once for all of them.

    ``progress(done, total, message)`` counts persons over all the files. Returns
    ``(ledger id, path, persons)`` per file. A cancel (the progress raising) leaves the files
    already finished and none half-written.
    """
    folder = Path(folder)
    when = _as_of(as_of)
    totals = [ledger_query(db, i, when, area_id=area_id, site_id=site_id, mask=mask).count() for i in ledger_ids]
    grand, before, out = sum(totals), 0, []
    for ledger_id, total in zip(ledger_ids, totals):
        title = get_ledger(ledger_id).title
        step = (lambda done, _total, base=before, title=title: progress(base + done, grand, f"正在导出{title}…")) \
            if progress else None
        path = folder / ledger_file_name(ledger_id, when, suffix)
        written = write_ledger(db, ledger_id, when, path, mask=mask, area_id=area_id, site_id=site_id,
                               progress=step)
        out.append((ledger_id, path, written))
        before += total
    return out
