"""A computed form → an Excel workbook laid out like the seed tables (openpyxl).

Title (merged, bold, large); one line with 填报单位 / 数据截止日期 / 数据来源 / 单位; the merged
multi-row header from :func:`~wengang.services.reports.model.header_grid`; 合计 first; notes
(注：) and the 填报人 / 审核人 / 填报日期 footer under the table. Numbers are numbers (percentages
with the form's decimals), borders all round, header frozen, A4 landscape fitted to the page
width with the header rows repeated on every printed page.
"""

from __future__ import annotations

from copy import copy
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from wengang.services.reports.model import FormResult, HeaderCell, header_grid
from wengang.services.xlsx_stream import LINE_POINTS, header_lines, header_width, print_a4_landscape, save_workbook

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
_FONT = "宋体"
_HEADER_FONT = Font(name=_FONT, bold=True, size=10)
_BODY_FONT, _BOLD_FONT = Font(name=_FONT, size=10), Font(name=_FONT, size=10, bold=True)


class _Styles:
    """Each distinct cell style of one workbook made once, then copied to the cells that have it.

    openpyxl's style setters (``cell.font = …``) hash the Font, Border, Fill or Alignment on
    every assignment to find it in the workbook's lists: about 0.25 s of the 0.40 s the nine
    forms took to write at 200,000 households (13 rows each). A cell's style is the array of
    those list positions (``cell._style``), the same for every cell styled alike, so the first
    such cell is styled by the setters and the others get a copy of its array (openpyxl pinned
    below 3.2; ``tests/test_forms_output.py`` reads back every cell's style against the setters').
    ``copied=False``: the setters on every cell (what the test compares with)."""

    def __init__(self, copied: bool = True):
        self.copied = copied
        self._made: dict[tuple, tuple] = {}

    def apply(self, cell, **attributes) -> None:
        """Set ``attributes`` (font, border, fill, alignment: module constants; number_format)
        on ``cell``, a fresh cell of the workbook."""
        # keyed by identity: the style objects are kept alive in the entry, so an id is never reused
        key = tuple((name, value if isinstance(value, str) else id(value)) for name, value in attributes.items())
        made = self._made.get(key) if self.copied else None
        if made is not None:
            cell._style = copy(made[0])  # noqa: SLF001 - openpyxl's own way to copy a style
            return
        for name, value in attributes.items():
            setattr(cell, name, value)
        self._made[key] = (copy(cell._style), attributes)  # noqa: SLF001


def _date_text(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def info_line(result: FormResult) -> list[str]:
    """填报单位 / 数据截止日期 (or 统计期) / 数据来源 / 单位, as the seeds print them."""
    when = (f"统计期：{_date_text(result.period_from)}至{_date_text(result.as_of)}" if result.period_from
            else f"数据截止日期：{_date_text(result.as_of)}")
    return [f"填报单位：{result.unit_name}", when, f"数据来源：{result.data_source}", f"单位：{result.unit}"]


def footer_line(result: FormResult) -> list[str]:
    return [f"{k}：{v}" for k, v in (result.footer or {}).items()]


def _numbered(result: FormResult) -> bool:
    return any(r.number is not None for r in result.rows)


def _layout(result: FormResult) -> tuple[int, list[HeaderCell], int]:
    """Header cells, shifted one column right when rows carry a 序号 column under the area header."""
    depth, cells = header_grid(result.header)
    if not _numbered(result):
        return depth, cells, 0
    area_col = next(i for i, c in enumerate(result.columns) if c.key == "area")
    shifted = []
    for c in cells:
        if c.col == area_col:
            shifted.append(HeaderCell(c.row, c.col, c.rowspan, c.colspan + 1, c.label))
        elif c.col > area_col:
            shifted.append(HeaderCell(c.row, c.col + 1, c.rowspan, c.colspan, c.label))
        else:
            shifted.append(c)
    return depth, shifted, 1


def _value(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


# Row 2 (填报单位 …) and the footer stay on one line: wrapped, they grew into the header.
_ONE_LINE = Alignment(horizontal="left", vertical="center", wrap_text=False, shrink_to_fit=True)


def _spread(ws, row: int, texts: list[str], width: int, font: Font) -> None:
    """Place ``texts`` across ``width`` columns in equal merged blocks (one block if too narrow),
    each on one line (shrunk to fit rather than wrapped)."""
    if not texts:  # no footer given: nothing to place (was a ZeroDivisionError)
        return
    if width < len(texts):
        texts, parts = ["　　".join(texts)], 1
    else:
        parts = len(texts)
    # Blocks as wide as their texts (填报单位 is the longest): fewer shrink to a tiny font.
    weights = [max(1, len(t)) for t in texts]
    spans = [max(1, round(width * w / sum(weights))) for w in weights]
    while sum(spans) > width:
        spans[spans.index(max(spans))] -= 1
    starts = [1 + sum(spans[:i]) for i in range(parts)]
    for i, text in enumerate(texts):
        first = starts[i]
        last = width if i == parts - 1 else first + spans[i] - 1
        cell = ws.cell(row, first, text)
        cell.font, cell.alignment = font, _ONE_LINE
        if last > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


_TOP = 3  # the header starts under the title and the 填报单位 line


def write_form_xlsx(result: FormResult, path: str | Path, *, styles: _Styles | None = None) -> Path:
    """Write the form to ``path`` (.xlsx) and return the path. ``styles``: :class:`_Styles`
    (tests), else each distinct style made once."""
    path = Path(path)
    styles = _Styles() if styles is None else styles
    wb = Workbook()
    ws = wb.active
    ws.title = (result.params.get("number") or result.form_id)[:31]
    depth, cells, extra = _layout(result)
    width = len(result.columns) + extra
    area_col = next((i for i, c in enumerate(result.columns) if c.key == "area"), 0)
    widths = _header_widths(cells, [_column_width(result, j, extra, area_col) for j in range(width)])
    for j, column_width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = column_width
    _write_title(ws, result, width)
    _write_header(ws, cells, depth, width, widths, styles)
    first_data = _TOP + depth
    _write_rows(ws, result, first_data, extra, area_col, styles)
    _write_notes_and_footer(ws, result, first_data + len(result.rows) + 1, width)
    ws.freeze_panes = ws.cell(first_data, 2 + area_col + extra)
    _set_up_printing(ws, f"{_TOP}:{first_data - 1}")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


def _write_title(ws, result: FormResult, width: int) -> None:
    """Row 1 the title, merged across the table; row 2 填报单位 / 数据截止日期 / 数据来源 / 单位."""
    ws.cell(1, 1, result.title).font = Font(name=_FONT, bold=True, size=16)
    ws.cell(1, 1).alignment = _CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 32
    _spread(ws, 2, info_line(result), width, _BODY_FONT)
    ws.row_dimensions[2].height = 18


def _header_widths(cells: list[HeaderCell], widths: list[float]) -> list[float]:
    """Every column at least as wide as its single-column header's longest word: narrower, Excel
    and WPS break the word ("2026年目前就业人 / 数")."""
    widths = list(widths)
    for cell in cells:
        if cell.colspan == 1:
            widths[cell.col] = header_width(cell.label, widths[cell.col])
    return widths


def _write_header(ws, cells: list[HeaderCell], depth: int, width: int, widths: list[float],
                  styles: _Styles) -> None:
    """The multi-row header: every cell bordered and shaded, spanning labels merged, each label
    broken into lines between words (``domain.words``, as the printed form and the window do)
    and the header rows as tall as their lines need."""
    for r in range(_TOP, _TOP + depth):
        for c in range(1, width + 1):
            styles.apply(ws.cell(r, c), border=_BORDER, fill=_HEADER_FILL, alignment=_CENTER, font=_HEADER_FONT)
    heights = [30.0 if depth > 1 else 45.0] * depth
    for hc in cells:
        lines = header_lines(hc.label, sum(widths[hc.col:hc.col + hc.colspan]))
        ws.cell(_TOP + hc.row, 1 + hc.col, "\n".join(lines))
        if hc.rowspan > 1 or hc.colspan > 1:
            ws.merge_cells(start_row=_TOP + hc.row, start_column=1 + hc.col,
                           end_row=_TOP + hc.row + hc.rowspan - 1, end_column=hc.col + hc.colspan)
        spanned = range(hc.row, hc.row + hc.rowspan)
        short = len(lines) * LINE_POINTS + 4 - sum(heights[r] for r in spanned)
        if short > 0:  # the cell's last row grows by what the cell lacks
            heights[spanned[-1]] += short
    for r, height in enumerate(heights):
        ws.row_dimensions[_TOP + r].height = height


def _write_rows(ws, result: FormResult, first_data: int, extra: int, area_col: int, styles: _Styles) -> None:
    """合计 first, then the rows (bold for 合计 and subtotals), a 序号 cell before the name when
    the rows are numbered."""
    for i, row in enumerate(result.rows):
        r = first_data + i
        font = _BOLD_FONT if row.kind in ("total", "subtotal") else _BODY_FONT
        c = 1
        for j, col in enumerate(result.columns):
            if extra and j == area_col:
                styles.apply(ws.cell(r, c, row.number), border=_BORDER, alignment=_CENTER, font=font)
                c += 1
            styles.apply(ws.cell(r, c, _value(row.values.get(col.key))), border=_BORDER, font=font,
                         **_alignment_and_format(row.kind, col))
            c += 1
    _merge_groups(ws, result, first_data)
    if extra:  # 合计 spans the 序号 column and the name, as in the seeds
        ws.merge_cells(start_row=first_data, start_column=1 + area_col, end_row=first_data,
                       end_column=2 + area_col)
        ws.cell(first_data, 1 + area_col, result.rows[0].label)


_NUMBER_FORMATS = {"money": "#,##0.00", "int": "0"}


def _alignment_and_format(row_kind: str, col) -> dict:
    """Names left in area rows (centred in 合计 and subtotals); numbers right, with the column's
    format (percentages with the form's decimals)."""
    if col.kind in ("area", "text"):
        return {"alignment": _CENTER if row_kind != "area" or col.kind == "text" else _LEFT}
    if col.kind == "percent":
        return {"alignment": _RIGHT, "number_format": "0" if not col.decimals else "0." + "0" * col.decimals}
    if col.kind in _NUMBER_FORMATS:
        return {"alignment": _RIGHT, "number_format": _NUMBER_FORMATS[col.kind]}
    return {"alignment": _RIGHT}


def _write_notes_and_footer(ws, result: FormResult, r: int, width: int) -> None:
    """The notes (注：) from row ``r``, each merged across the table, then the footer line."""
    for note in result.notes:
        ws.cell(r, 1, note).alignment = _LEFT
        ws.cell(r, 1).font = _BODY_FONT
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.row_dimensions[r].height = 15 * max(1, len(note) // (width * 6) + 1)
        r += 1
    _spread(ws, r + 1, footer_line(result), width, _BODY_FONT)


def _set_up_printing(ws, header_rows: str) -> None:
    """A4 landscape, the header repeated on every page, centred, paged in the footer."""
    print_a4_landscape(ws, header_rows)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.page_margins.left = ws.page_margins.right = 0.4


def _column_width(result: FormResult, j: int, extra: int, area_col: int) -> float:
    if extra and j == area_col:
        return 5
    col = result.columns[j - (1 if extra and j > area_col else 0)]
    if col.width:
        return col.width
    if col.kind in ("area", "text"):
        longest = max([len(col.label)] + [len(str(r.values.get(col.key) or "")) for r in result.rows[:50]])
        return max(12.0, longest * 2.0)
    # Numbers as printed (15,372,400.00), every row: a column narrower than its widest number
    # prints "###". The header label wraps, so it only sets a floor.
    widest = max([0] + [len(_shown(r.values.get(col.key), col)) for r in result.rows])
    return max(8.0, min(len(col.label) * 2.0 + 1, 14.0), widest * 1.15 + 2)


def _shown(value, col) -> str:
    """A number as Excel shows it with the column's format."""
    if value is None or isinstance(value, str):
        return str(value or "")
    if col.kind == "money":
        return f"{float(value):,.2f}"
    if col.kind == "percent":
        return f"{float(value):.{col.decimals or 0}f}"
    return str(value)


def _merge_groups(ws, result: FormResult, first_data: int) -> None:
    """Two-level tables: the group name (县) merged down its rows, as seed 004 prints it."""
    keys = [c.key for c in result.columns]
    if "group" not in keys:
        return
    col = 1 + keys.index("group")
    start = None
    for i, row in enumerate(result.rows + [None]):
        group = row.group if row is not None and row.kind != "total" else None
        if start is not None and (group != result.rows[start].group):
            if i - 1 > start:
                ws.merge_cells(start_row=first_data + start, start_column=col,
                               end_row=first_data + i - 1, end_column=col)
            start = None
        if start is None and group is not None:
            start = i
