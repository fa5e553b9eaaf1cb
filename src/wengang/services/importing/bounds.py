"""Limits checked before an untrusted workbook reaches python-calamine.

calamine allocates a sheet as one rectangle from its first to its last cell: a 5 KB file with
one stray cell at XFD1048576 asks for 16,384 × 1,048,576 cells (hundreds of GB) and the
process aborts (SIGABRT), with ``--dry-run`` and in the window's preview alike. For .xlsx/.xlsm
:func:`inspect_xlsx` reads the zip's directory (sizes before unpacking: a zip bomb is refused),
each sheet's visibility from ``workbook.xml``, and the extent of the cells that are actually
there (one streaming pass over the sheet XML, about 0.04 s per 10,000 rows) and refuses a
sheet larger than :data:`MAX_CELLS`. Older formats have smaller grids (.xls: 65,536 × 256).
The streaming reader (python-calamine-plus) allocates no grid, but yields every row up to the
last one as wide as the widest: the same limit keeps its time bounded, and the width measured
here is the width its rows get (not the sheet's own ``<dimension>``, which a file can inflate).

An .xlsx read by that stream needs none of the extent first (issue 20: the pass cost 0.5–0.6 s
of a 150,000-row roster): ``inspect_xlsx(…, measure=False)`` does only what needs no pass over
the cells (the zip's sizes, the sheets' visibility, each sheet's declared ``<dimension>`` and
whether its first cells name their columns, :class:`SheetHead`), and the reader keeps the same
limit as the rows arrive (``reader._guarded``); it measures the sheet as here when anything it
meets needs that (which also gives the same refusal, word for word).

:func:`plain_read_error` turns the reader's English errors ("invalid Zip archive: Could not
find EOCD") into what the caseworker can act on.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

MAX_CELLS = 20_000_000  # a 240,000-row roster of 30 columns is 7.2 million
MAX_SHEET_XML = 2_000_000_000  # bytes unpacked
MAX_RATIO = 200  # unpacked ÷ packed, above 50 MB: a zip bomb
_CHUNK = 1 << 20  # 4 MB parts were no quicker (125 MB of XML: 0.59 s against 0.50 s) and held 12 MB

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_CELL_COL = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})')
_ROW_NO = re.compile(rb'<(?:\w+:)?row r="(\d{1,9})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[ >]")
# Without a namespace prefix the patterns start with a literal, which is searched for directly,
# while ``<(?:\w+:)?`` is tried at every ``<`` of the XML; and only cells in a column after the
# widest seen so far are matched (no list of every cell's letters). A 150,000-row roster, 125 MB
# of XML: 2.5 s → 0.7 s, of which inflating is 0.25 s. Used for the parts where no ``…:c `` or
# ``…:row`` occurs; the others go through the three patterns above.
_PLAIN_ROW = re.compile(rb'<row(?: r="(\d{1,9})")?[ >]')
_PREFIXED = (b":c ", b":row")


def _after_column(letters: bytes) -> re.Pattern | None:
    """Cells whose column comes after ``letters`` (every cell for ``b""``; None after XFD's
    widest possible ZZZ): a longer name, or the same length and greater at some letter."""
    width = len(letters)
    # The longer names first: the first way that matches is taken ("QA" is not "Q").
    ways = [b"[A-Z]{%d,3}" % (width + 1)] if width < 3 else []
    ways += [letters[:i] + b"[" + bytes([c + 1]) + b"-Z]" + b"[A-Z]" * (width - i - 1)
             for i, c in enumerate(letters) if c < ord("Z")]
    if not ways:
        return None
    return re.compile(rb'<c r="(' + b"|".join(ways) + rb')')


class WorkbookTooLarge(ValueError):
    """The workbook would not fit in memory (or is built to look that way)."""


@dataclass(frozen=True)
class SheetHead:
    """What the start of a sheet's XML says, read without a pass over its cells."""

    # Whether its first cells say their column first (as :class:`_Measured`'s ``named``); None
    # when the sheet has no cell at all.
    named: bool | None
    # The last row and column (1-based) of its <dimension>: only the writer's word (a file can
    # inflate it, or a careless writer leave it short); None when it has none.
    declared: tuple[int, int] | None


@dataclass
class SheetInfo:
    name: str
    hidden: bool
    path: str | None = None
    # The rightmost column any cell of the sheet XML is in (1-based); None when not known for
    # sure (the XML was not found, or its cells do not say their column first).
    columns: int | None = None
    errors: bool = False  # an error cell is in the sheet XML
    head: SheetHead | None = None  # only when not measured (``inspect_xlsx(…, measure=False)``)


@dataclass
class XlsxInfo:
    sheets: list[SheetInfo] = field(default_factory=list)
    measured: bool = True  # each sheet's extent measured (else only its head read)

    def hidden(self) -> set[str]:
        return {s.name for s in self.sheets if s.hidden}

    def sheet(self, name: str) -> SheetInfo:
        """What was found of sheet ``name`` (nothing measured when its XML was not found)."""
        return next((s for s in self.sheets if s.name == name), SheetInfo(name, False))


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _sheet_paths(z: zipfile.ZipFile) -> list[SheetInfo]:
    try:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return []
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    out = []
    for sheet in book.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = str(PurePosixPath("xl") / target) if target else None
        out.append(SheetInfo(sheet.get("name", ""), sheet.get("state", "visible") != "visible", path))
    return out


def _scan(data: bytes, end: int, after_widest: re.Pattern | None) -> tuple[set[bytes], list[bytes], int]:
    """(column letters, row numbers, row tags) in ``data[:end]``, one part of a sheet's XML;
    the columns only those after the widest so far where no prefix is used."""
    # A sheet without ":" (nearly all) has no prefixed elements: one memchr instead of two
    # searches for the prefixed forms (0.2 s of a 125 MB sheet).
    if b":" in data and any(data.find(p, 0, end) >= 0 for p in _PREFIXED):  # prefixed (or looks so)
        return (set(_CELL_COL.findall(data, 0, end)), _ROW_NO.findall(data, 0, end),
                len(_ROW_TAG.findall(data, 0, end)))
    numbers = _PLAIN_ROW.findall(data, 0, end)
    # Rows without r="…" count as rows; the numbers come from the others.
    return (set(after_widest.findall(data, 0, end)) if after_widest else set(), [n for n in numbers if n],
            len(numbers))


def _extent(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(rows, columns) the reader will allocate for this sheet XML."""
    return _measure(z, info).extent


@dataclass
class _Measured:
    extent: tuple[int, int]  # (rows, columns)
    errors: bool  # an error cell (or text that looks like one)
    named: bool  # the cells say their column first (<c r="B2" …>): the columns counted are all


def _cells_named(data: bytes, end: int) -> bool | None:
    """Whether every cell in ``data[:end]`` starts with its reference (None: no cell there).
    Writers put ``r`` first (Excel, WPS, openpyxl); one that does not, or omits it, or uses a
    namespace prefix, is counted by the general patterns, which may miss its columns."""
    if any(data.find(p, 0, end) >= 0 for p in _PREFIXED):
        return False
    cells = data.count(b"<c ", 0, end) + data.count(b"<c>", 0, end)
    return None if not cells else cells == data.count(b'<c r="', 0, end)


# An error cell (#N/A of a failed VLOOKUP, …): python-calamine-plus reads it as its text, which
# python-calamine reads as blank, so the import reads such a sheet whole (reader._sheet_rows).
# Its value starts with "#" right after a tag (<v>#N/A</v>); so does an inline text "#1", read
# whole too. "#" is rare in sheet XML and a one-byte search is a memchr: searching for t="e"
# (or ">#") took 0.12–0.15 s of a 125 MB sheet, this 0.01 s.
def _has_error_cell(data: bytes, end: int) -> bool:
    at = data.find(b"#", 0, end)
    return at >= 0 and data.find(b">#", max(at - 1, 0), end) >= 0


def _measure(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Measured:
    """The extent the reader will allocate for this sheet XML, whether it has an error cell,
    and whether its first cells name their columns (checked in the first part with cells)."""
    max_col, max_row, rows, tail, errors, named = 0, 0, 0, b"", False, None
    after_widest = _after_column(b"")
    with z.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            data = tail + chunk if tail else chunk
            cut = data.rfind(b"<")  # do not split a tag between chunks
            if cut <= 0:
                cut = len(data)
            tail = data[cut:]
            cols, numbers, tags = _scan(data, cut, after_widest)
            rows += tags
            widest = max(cols, key=_column_number, default=None)
            if widest is not None and _column_number(widest) > max_col:
                max_col = _column_number(widest)
                after_widest = _after_column(widest)
            if numbers:
                max_row = max(max_row, *map(int, numbers))
            errors = errors or _has_error_cell(data, cut)
            if named is None:
                named = _cells_named(data, cut)
    return _Measured((max(max_row, rows), max_col), errors, named is not False)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="(?:[A-Z]{1,3}\d{1,9}:)?([A-Z]{1,3})(\d{1,9})"')


def _head(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> SheetHead:
    """The sheet's <dimension> and whether its first cells name their columns, from the parts
    of its XML up to the first with a cell (the first megabyte of any real sheet)."""
    declared, named, tail = None, None, b""
    with z.open(info) as fh:
        while named is None and (chunk := fh.read(_CHUNK)):
            data = tail + chunk if tail else chunk
            cut = data.rfind(b"<")  # as _measure: do not split a tag between parts
            if cut <= 0:
                cut = len(data)
            tail = data[cut:]
            if declared is None and (found := _DIMENSION.search(data, 0, cut)):
                declared = (int(found.group(2)), _column_number(found.group(1)))
            named = _cells_named(data, cut)
    return SheetHead(named, declared)


def inspect_xlsx(path: Path, *, measure: bool = True) -> XlsxInfo:
    """Check an .xlsx/.xlsm before calamine reads it; :class:`WorkbookTooLarge` or
    ``zipfile.BadZipFile`` when it must not be read. With ``measure=False`` the sheets' extents
    are not measured (nor refused), only their heads read: for a reader that keeps the limit
    itself as the rows arrive."""
    with zipfile.ZipFile(path) as z:
        sheets = _sheet_paths(z)
        entries = {i.filename: i for i in z.infolist()}
        for info in entries.values():
            if info.file_size > 50_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise WorkbookTooLarge(f"文件{path.name}里的“{info.filename}”解压后有 {info.file_size // 1_000_000} MB，"
                                       "是压缩包炸弹一类的异常文件，不能读取。")
        for sheet in sheets or [SheetInfo(n, False, n) for n in entries if n.startswith("xl/worksheets/")]:
            info = entries.get(sheet.path or "")
            if info is None:
                continue
            if info.file_size > MAX_SHEET_XML:
                raise WorkbookTooLarge(f"工作表“{sheet.name}”过大（{info.file_size // 1_000_000} MB），"
                                       "请分成几个文件导入。")
            if not measure:
                sheet.head = _head(z, info)
                continue
            measured = _measure(z, info)
            rows, cols = measured.extent
            sheet.errors, sheet.columns = measured.errors, cols if measured.named else None
            _too_many_cells(sheet.name, rows, cols)
    return XlsxInfo(sheets, measured=measure)


_TRANSLATIONS = [
    (("zip", "eocd", "central directory", "not a zip"),
     "不是有效的Excel文件（文件已损坏、未下载完整，或是别的文件改了扩展名）。请用 Excel/WPS 打开后另存为 .xlsx 再导入"),
    (("password", "encrypt"), "文件设置了打开密码，请在 Excel/WPS 中取消密码后另存，再导入"),
    (("xml", "parse", "unexpected", "invalid"), "文件内容格式有误（可能已损坏）。请用 Excel/WPS 打开后另存为 .xlsx 再导入"),
    (("memory", "alloc", "capacity"), "文件太大，内存不够读取。请分成几个文件导入"),
]


def plain_read_error(exc: BaseException) -> str:
    """What an error from the spreadsheet reader means, in Chinese."""
    if isinstance(exc, WorkbookTooLarge):
        return str(exc)
    text = str(exc).lower()
    for words, message in _TRANSLATIONS:
        if any(w in text for w in words):
            return message
    return "文件无法读取（可能已损坏或不是表格文件）。请用 Excel/WPS 打开后另存为 .xlsx 再导入"


def _refuse_bombs(path: Path, z: zipfile.ZipFile) -> None:
    for info in z.infolist():
        if info.file_size > 50_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise WorkbookTooLarge(f"文件{path.name}里的“{info.filename}”解压后有 {info.file_size // 1_000_000} MB，"
                                   "是压缩包炸弹一类的异常文件，不能读取。")
        if info.file_size > MAX_SHEET_XML:
            raise WorkbookTooLarge(f"文件{path.name}里的“{info.filename}”过大（{info.file_size // 1_000_000} MB），"
                                   "请分成几个文件导入。")


def _too_many_cells(name: str, rows: int, cols: int) -> None:
    if rows * cols > MAX_CELLS:
        raise WorkbookTooLarge(
            f"工作表“{name}”的单元格范围是 {rows} 行 × {cols} 列，远超正常台账"
            f"（上限 {MAX_CELLS // 10_000} 万个单元格），读取会耗尽内存。通常是表格远处有个多余的单元格"
            "（例如最后一列、最后一行）：请在 Excel/WPS 中删除多余的行和列后另存，再导入。")


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_VALUE_TYPE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"


def inspect_ods(path: Path) -> None:
    """Check an .ods before calamine reads it: the zip's sizes, and each table's extent as
    its repeated rows and cells declare it (only cells with a value count, so the usual
    trailing ``number-rows-repeated`` of empty rows passes); :class:`WorkbookTooLarge`."""
    with zipfile.ZipFile(path) as z:
        _refuse_bombs(path, z)
        with z.open("content.xml") as fh:
            name, row, rows, cols = "", 0, 0, 0
            for event, el in ElementTree.iterparse(fh, events=("start", "end")):
                if event == "start" and el.tag == _ODS_TABLE + "table":
                    name, row, rows, cols = el.get(_ODS_TABLE + "name", ""), 0, 0, 0
                elif event == "end" and el.tag == _ODS_TABLE + "table-row":
                    repeat = int(el.get(_ODS_TABLE + "number-rows-repeated", "1") or 1)
                    col, last = 0, 0
                    for cell in el:
                        span = int(cell.get(_ODS_TABLE + "number-columns-repeated", "1") or 1)
                        col += span
                        if cell.get(_ODS_VALUE_TYPE) is not None or len(cell):
                            last = col
                    if last:
                        rows, cols = row + repeat, max(cols, last)
                        _too_many_cells(name, rows, cols)
                    row += repeat
                    el.clear()


_XLSB_CELLS = frozenset(range(2, 12))  # BrtCellRk … BrtFmlaError (BrtCellBlank, 1, is skipped)


def _xlsb_records(fh):
    """(type, first four bytes of the body) of each BIFF12 record, streamed."""
    def varint(limit: int) -> int | None:
        value = 0
        for i in range(limit):
            b = fh.read(1)
            if not b:
                return None
            value |= (b[0] & 0x7F) << (7 * i)
            if not b[0] & 0x80:
                break
        return value
    while (kind := varint(2)) is not None:
        size = varint(4)
        if size is None:
            return
        body = fh.read(size)
        yield kind, body[:4]


def inspect_xlsb(path: Path) -> None:
    """Check an .xlsb before calamine reads it: the zip's sizes, and each sheet's extent from
    its row headers and cell records; :class:`WorkbookTooLarge`."""
    with zipfile.ZipFile(path) as z:
        _refuse_bombs(path, z)
        for info in z.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".bin")):
                continue
            row = rows = cols = 0
            with z.open(info) as fh:
                for kind, head in _xlsb_records(fh):
                    if len(head) < 4:
                        continue
                    if kind == 0:  # BrtRowHdr
                        row = int.from_bytes(head, "little")
                    elif kind in _XLSB_CELLS:
                        rows = max(rows, row + 1)
                        cols = max(cols, int.from_bytes(head, "little") + 1)
            _too_many_cells(PurePosixPath(info.filename).stem, rows, cols)
