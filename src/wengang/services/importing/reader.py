"""Reading an import file into text cells: Excel via calamine, CSV in UTF-8/UTF-8-BOM/GBK.

Every cell becomes text, because 18-digit IDs are destroyed by numeric reading: Excel
floats that are whole (``6.0``) become ``"6"``, dates become ISO ``2023-05-01``, and a number
too long to be exact (an ID Excel stored as a number) keeps its ``E+`` form so the ID check
can say plainly what happened. National exports put title rows above the header: the header
row is the one among the first rows that names the most known columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from python_calamine import CalamineWorkbook

from wengang.domain.text import fold_header
from wengang.services.importing import bounds
from wengang.services.importing.spec import all_header_names

HEADER_SEARCH_ROWS = 10


class ReadError(ValueError):
    """A file that cannot be read at all; the message is for the caseworker."""


@dataclass
class Table:
    """The header and data rows of one sheet, all text; row numbers are the sheet's (1-based)."""

    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    header_row: int = 1
    sheet: str = ""
    title_rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a hidden sheet skipped: said as a warning

    def column(self, index: int) -> list[str]:
        """Column ``index`` of the data rows as text (read_table pads rows to the header)."""
        return list(map(itemgetter(index), self.rows))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value: object) -> str:
    """One cell as the text a caseworker sees (control characters, invisible junk, dropped)."""
    if value is None:
        return ""
    if type(value) is str:
        if _CONTROL.search(value):
            value = _CONTROL.sub("", value)
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) >= 1e15:
                # Past 15 significant digits a double is not exact: keep the E+ form so the
                # ID check reports "stored as a number" instead of a wrong check digit.
                return f"{value:.15G}"
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


# Cells shorter than this share one string object per distinct text while a sheet is read.
SHARE_BELOW = 16


def row_text(row: list, shared: dict[str, str]) -> list[str]:
    """A row's cells as text. Nearly every cell is printable text, which one C-level check
    clears; only the others (numbers, dates, control characters, odd spaces) go through
    :func:`cell_text`. Short texts repeat down a column (乡镇, 户类型, dates, provinces): one
    object each via ``shared`` kept a 240,000-row sheet at 280 MB instead of 515 MB."""
    share = shared.setdefault
    # One pass per row, not two (a 240,000-row sheet: 0.1 s).
    return [share(t, t) if len(t := (c.strip() if type(c) is str and c.isprintable() else cell_text(c)))
            < SHARE_BELOW else t for c in row]


# Rows looked at before deciding which columns repeat (乡镇, dates, codes) and which do not
# (证件号码, 姓名, phones): sharing a column of distinct texts only costs a dict entry per cell.
SHARE_SAMPLE = 2000


def _rows_text(rows: Iterable[list]) -> list[list[str]]:
    """Every row as text (:func:`row_text`), short texts shared only in the columns that repeat.

    The first ``SHARE_SAMPLE`` rows share every short text; after them only the columns whose
    texts repeated there do (a 150,000-person roster: 0.85 → 0.55 s, and no 100,000-entry
    dict of IDs and names that never repeat)."""
    shared: dict[str, str] = {}
    out: list[list[str]] = []
    append = out.append
    rows = iter(rows)
    for row in itertools.islice(rows, SHARE_SAMPLE):
        append(row_text(row, shared))
    if len(out) < SHARE_SAMPLE:
        return out
    width = max(map(len, out))
    repeating = [c for c in range(width)
                 if len({r[c] for r in out if c < len(r)}) * 4 < len(out)]
    share = shared.setdefault
    for row in rows:
        texts = [c.strip() if type(c) is str and c.isprintable() else cell_text(c) for c in row]
        for c in repeating:
            if c < len(texts) and len(text := texts[c]) < SHARE_BELOW:
                texts[c] = share(text, text)
        append(texts)
    return out


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("无法识别CSV文件的编码，请另存为UTF-8或GBK编码")


def _text_rows(path: Path, notes: list[str] | None = None) -> tuple[str, list[list[str]]]:
    """The first non-empty sheet (or the CSV) as rows of text, converted row by row (memory)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return path.stem, _csv_rows(path)
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        try:
            hidden = _inspect_workbook(path, suffix)  # before calamine allocates anything
            workbook = CalamineWorkbook.from_path(str(path))
            found = _first_sheet_with_rows(workbook, hidden, notes)
        except (ReadError, MemoryError):
            raise
        except Exception as exc:  # calamine raises its own error types per format and cell
            raise ReadError(f"无法读取Excel文件{path.name}：{bounds.plain_read_error(exc)}") from exc
        if found is not None:
            return found
        return (workbook.sheet_names[0] if workbook.sheet_names else ""), []
    raise ReadError(f"不支持的文件类型“{path.suffix}”，请使用.xlsx、.xls或.csv文件")


def _csv_rows(path: Path) -> list[list[str]]:
    """A CSV (UTF-8 or GBK, comma, tab or semicolon) as rows of text."""
    text = _decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return _rows_text(reader)
    except csv.Error as exc:  # e.g. a 1 MB cell: "field larger than field limit"
        raise ReadError(f"CSV文件{path.name}第{reader.line_num}行无法读取：单元格过长或引号不成对"
                        f"（单元格最多{csv.field_size_limit()}个字符），请检查该行") from exc


def _inspect_workbook(path: Path, suffix: str) -> set[str]:
    """The names of the hidden sheets, after the bounds checks that refuse a hostile file."""
    if suffix in (".xlsx", ".xlsm"):
        return bounds.inspect_xlsx(path).hidden()
    if suffix == ".ods":
        bounds.inspect_ods(path)
    elif suffix == ".xlsb":
        bounds.inspect_xlsb(path)
    return set()


def _first_sheet_with_rows(workbook: CalamineWorkbook, hidden: set[str],
                           notes: list[str] | None) -> tuple[str, list[list[str]]] | None:
    """The first visible sheet that has any rows (exports sometimes put a cover sheet first);
    a hidden sheet only when no visible one has rows, and the choice is said in ``notes``."""
    names = workbook.sheet_names
    for name in [n for n in names if n not in hidden] + [n for n in names if n in hidden]:
        rows = _rows_text(workbook.get_sheet_by_name(name).iter_rows())
        if any(any(r) for r in rows):
            skipped = [n for n in names if n in hidden and n != name]
            if notes is not None and name in hidden:
                notes.append(f"只有隐藏的工作表“{name}”有数据，已读取它：请确认这是要导入的表")
            elif notes is not None and skipped:
                notes.append(f"已跳过隐藏的工作表“{'”“'.join(skipped)}”，读取的是“{name}”")
            return name, rows
    return None


def _header_index(rows: list[list[str]]) -> int:
    known = all_header_names()
    best, best_score = 0, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = sum(1 for c in row if c and fold_header(c) in known)
        if score > best_score:
            best, best_score = i, score
    if best_score >= 2:
        return best
    # Nothing recognisable: the first row with at least two filled cells.
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row if c) >= 2:
            return i
    return 0


def read_table(path: str | Path) -> Table:
    """Read the first non-empty sheet (or the CSV) into a :class:`Table` of text cells."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"找不到文件：{path}")
    notes: list[str] = []
    sheet, text_rows = _text_rows(path, notes)
    if not text_rows:
        raise ReadError(f"文件{path.name}是空的")
    h = _header_index(text_rows)
    headers = text_rows[h]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    rows, numbers = [], []
    for i in range(h + 1, len(text_rows)):
        row = text_rows[i]
        if not any(row):
            continue
        if len(row) < width:
            row.extend([""] * (width - len(row)))  # in place: no second copy of a big sheet
        rows.append(row)
        numbers.append(i + 1)
    return Table(headers=headers, rows=rows, row_numbers=numbers, header_row=h + 1, sheet=sheet,
                 title_rows=text_rows[:h], notes=notes)
