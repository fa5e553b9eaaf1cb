"""The error workbook: the input rows as they were, a 错误说明 column, the bad cells in red.

The caseworker fixes the cells in this workbook (or in the original) and imports again; a
second sheet 错误清单 lists every problem with its row, for printing.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from wengang.services.importing.model import default_errors_path  # noqa: F401 - re-exported
from wengang.services.importing.parse import Parsed
from wengang.services.xlsx_stream import fast_sheet, save_workbook

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
    """Write the workbook for ``parsed``: all rows kept, errors (then 提醒 warnings) per row."""
    table = parsed.table
    by_row: dict[int, list[str]] = defaultdict(list)
    for issue in parsed.errors:
        by_row[issue.row].append(f"{issue.field}：{issue.message}")
    for issue in parsed.warnings:  # listed after the errors; they never block an import
        by_row[issue.row].append(f"提醒 {issue.field}：{issue.message}")
    bad = parsed.bad_cells
    wb = Workbook(write_only=True)
    ws = fast_sheet(wb, "导入数据")  # rows without problems go in plain: 200,000 of them in seconds
    ws.freeze_panes = "A2"
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
    width = len(table.headers)
    for index, (row_no, row) in enumerate(zip(table.row_numbers, table.rows)):
        problems = by_row.get(row_no)
        if not problems:
            ws.append_values(row[:width])
            continue
        cells: list = list(row[:width])
        for col, text in enumerate(cells):
            if (index, col) in bad:
                cells[col] = WriteOnlyCell(ws, value=_safe(text))
                cells[col].fill = RED
        cells.extend([None] * (width - len(cells)))
        note = WriteOnlyCell(ws, value=_safe(f"第{row_no}行 " + "；".join(problems)))
        if any(not p.startswith("提醒") for p in problems):
            note.font = ERROR_FONT
        note.alignment = Alignment(wrap_text=False)
        cells.append(note)
        ws.append_values(cells)
    listing = fast_sheet(wb, "错误清单")
    for letter, width in zip("ABCD", (10, 18, 70, 6)):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A2"
    for sheet in (ws, listing):  # A4 landscape, as the caseworker prints it to fix by hand
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = 9
        sheet.print_title_rows = "1:1"
    titles = [WriteOnlyCell(listing, value=t) for t in ("原表行号", "字段", "问题", "类别")]
    for cell in titles:
        cell.font = BOLD
    listing.append(titles)
    issues = [(i, "错误") for i in parsed.errors] + [(i, "提醒") for i in parsed.warnings]
    for issue, label in sorted(issues, key=lambda p: (p[1] != "错误", p[0].row)):
        listing.append_values([issue.row, str(issue.field), str(issue.message), label])
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path
