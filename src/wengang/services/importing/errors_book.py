"""The error workbook: the input rows as they were, a 错误说明 column, the bad cells in red.

The caseworker fixes the cells in this workbook (or in the original) and imports again; a
second sheet 错误清单 lists every problem with its row, for printing.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from wengang.services.importing.model import (
    ERROR,
    WARNING,
    default_errors_path,  # noqa: F401 - re-exported
)
from wengang.services.importing.parse import Parsed
from wengang.services.xlsx_stream import StreamedWorkbook, fast_sheet, style_attribute, wrapping_rows

RED = PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
ERROR_FONT = Font(color="FF9C0006")
BOLD = Font(bold=True)
ERROR_COLUMN = "错误说明"


def _safe(text: object) -> object:
    """Characters a worksheet cannot hold are dropped (the reader already drops most)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text) if isinstance(text, str) else text


def _display_width(text: object) -> int:
    """Width in Excel's character units: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text or ""))


def _column_widths(headers: list[str], rows: list[list[str]], sample: int = 500) -> list[float]:
    """Wide enough for the header and the first rows' cells (a 户编号 or 证件号码 read whole),
    capped so one long address does not push the rest off the screen."""
    widths = []
    for col, header in enumerate(headers):
        longest = max((_display_width(r[col]) for r in rows[:sample] if col < len(r)), default=0)
        widths.append(min(40, max(8, _display_width(header) + 2, longest + 2)))
    return widths


def write_errors_workbook(parsed: Parsed, path: Path) -> Path:
    """Write the workbook for ``parsed``: all rows kept, errors (then 提示, the warnings) per row.

    The 导入数据 sheet streams into the file (``StreamedWorkbook``) and a row with problems is
    written as plain values with a style attribute per cell (the red cells, the 错误说明 note),
    not as openpyxl cells: a rejected 244,303-spell file with 39,627 提示 rows took 3.8–4.3 s
    CPU here, 2.7–3.1 s now, most of it was styling each note cell (issue 20)."""
    table = parsed.table
    by_row: dict[int, list[str]] = defaultdict(list)
    for issue in parsed.errors:
        by_row[issue.row].append(f"{issue.field}：{issue.message}")
    for issue in parsed.warnings:  # listed after the errors; they never block an import
        by_row[issue.row].append(f"{WARNING} {issue.field}：{issue.message}")
    path.parent.mkdir(parents=True, exist_ok=True)
    book = StreamedWorkbook(path, "导入数据")
    try:
        _write_rows(book.sheet, table, by_row, parsed.bad_cells)
        _write_listing(fast_sheet(book.workbook, "错误清单"), parsed)
        book.save()
    except BaseException:
        book.abandon()
        raise
    return path


def _print_setup(sheet) -> None:
    """A4 landscape, the header on every page, as the caseworker prints it to fix by hand."""
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9
    sheet.print_title_rows = "1:1"


def _write_rows(ws, table, by_row: dict[int, list[str]], bad: set[tuple[int, int]]) -> None:
    """The 导入数据 sheet: the header, then every row as it was with its problems noted."""
    _print_setup(ws)
    widths = _column_widths(table.headers, table.rows) + [60]  # the 错误说明 column is read in full
    for col, width in enumerate(widths, start=1):  # before the rows: a write-only sheet streams out
        ws.column_dimensions[get_column_letter(col)].width = width
    header = []
    for text in [*table.headers, ERROR_COLUMN]:
        cell = WriteOnlyCell(ws, value=_safe(text))
        cell.font = BOLD
        header.append(cell)
    header_problems = by_row.get(table.header_row)
    if header_problems:
        header[-1] = WriteOnlyCell(ws, value="；".join(header_problems))
        header[-1].font = ERROR_FONT
    ws.append(header)
    red, error_note = style_attribute(ws, fill=RED), style_attribute(ws, font=ERROR_FONT)
    width = len(table.headers)
    for index, (row_no, row) in enumerate(zip(table.row_numbers, table.rows)):
        problems = by_row.get(row_no)
        if not problems:
            ws.append_values(row[:width])
            continue
        cells: list = list(row[:width])
        cells.extend([""] * (width - len(cells)))
        styles = [red if (index, col) in bad else "" for col in range(width)]
        cells.append(_safe(f"第{row_no}行 " + "；".join(problems)))
        styles.append(error_note if any(not p.startswith(WARNING) for p in problems) else "")
        ws.append_styled(cells, styles)


LISTING_WIDTHS = (10, 18, 70, 6)  # 原表行号, 字段, 问题, 类别


def _write_listing(listing, parsed: Parsed) -> None:
    """The 错误清单 sheet: every problem with its row, the errors first; 问题 wraps within its
    column (a code list's values ran on under 类别 and were cut off), printed one page wide."""
    for letter, width in zip("ABCD", LISTING_WIDTHS):
        listing.column_dimensions[letter].width = width
    _print_setup(listing)
    listing.page_setup.fitToWidth, listing.page_setup.fitToHeight = 1, 0
    listing.sheet_properties.pageSetUpPr.fitToPage = True
    titles = [WriteOnlyCell(listing, value=t) for t in ("原表行号", "字段", "问题", "类别")]
    for cell in titles:
        cell.font = BOLD
    listing.append(titles)
    append = wrapping_rows(listing, LISTING_WIDTHS, wrapped=(2,))
    issues = [(i, ERROR) for i in parsed.errors] + [(i, WARNING) for i in parsed.warnings]
    for issue, label in sorted(issues, key=lambda p: (p[1] != ERROR, p[0].row)):
        # a problem of the whole file, or of the ledger's own rows (a change made here), has no row
        append([issue.row or "", str(issue.field), str(issue.message), label])
