"""openpyxl's write-only worksheet with a fast path for plain rows (ledgers, exports, audit
trails, error workbooks).

In write-only mode openpyxl still makes a ``Cell`` and an lxml element for every cell: about
7 µs a cell here, 9 s for a 60,000-row ledger of 18 columns. A row of plain values (text,
numbers, ``None``; the odd styled cell) needs neither; :meth:`FastSheet.append_values` writes
it as the same
SpreadsheetML (``<c r="B7" t="inlineStr"><is><t>…</t></is></c>``, ``<c t="n"><v>…</v></c>``,
``s="…"`` for a styled cell's registered style) straight into the sheet's stream, about 10× faster. Everything else — title and header
rows with styles, merged cells, column widths, frozen panes, print set-up, autofilter — stays
openpyxl's, through the ordinary :meth:`~FastSheet.append` and attributes, so the workbook is
openpyxl's own. The sheet is also written as UTF-8: openpyxl's default ASCII stream turns
every Chinese character into a ``&#NNNNN;`` reference, 2.5× the XML to zip and to read back.

``tests/test_xlsx_stream.py`` checks that both paths give the same cells, read back by
openpyxl and by python-calamine. The class leans on three methods of openpyxl's write-only
worksheet writer (``get_stream``, ``write_row``, ``_values_to_row``), and
:class:`StreamedWorkbook` (a big ledger's sheet streamed straight into the file's zip) on
``ExcelWriter.write_worksheet``; openpyxl is pinned below 3.2 in ``pyproject.toml`` and the
tests fail loudly if they change.

No text cell is ever written as a formula (OWASP "CSV injection"): plain rows are inline
strings, and a styled row or a whole workbook saved through :func:`save_workbook` has text
beginning with ``=`` stored as text. :func:`save_workbook` also writes atomically (a
temporary file in the target folder, fsynced, then renamed), so a failed or killed save never
leaves a broken workbook under the final name nor harms the previous one.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import queue
import re
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

from wengang.domain.words import break_lines, longest_word, words
from wengang.store.atomic import atomic_output

MAX_TEXT = 32767  # Excel's limit for one cell; openpyxl truncates the same way
# XML 1.0 forbids these control characters; openpyxl refuses them, a ledger drops them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")  # a character class: a fast search
_LETTERS: list[str] = []


def _letters(n: int) -> list[str]:
    while len(_LETTERS) < n:
        _LETTERS.append(get_column_letter(len(_LETTERS) + 1))
    return _LETTERS


def _text_cell(ref: str, text: str, style: str = "") -> str:
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if _NEEDS_ESCAPE.search(text) or (text and (text[0].isspace() or text[-1].isspace())):
        text = _ILLEGAL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if text != text.strip():
            return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{text}</t></is></c>'


def _cell_xml(ref: str, value, style: str = "") -> str | None:
    kind = type(value)
    if kind is str:
        return _text_cell(ref, value, style) if value or style else None
    if kind is int:  # as openpyxl formats numbers: Excel holds 16 significant digits
        return f'<c r="{ref}"{style} t="n"><v>{value:.16g}</v></c>'
    if value is None:
        return f'<c r="{ref}"{style}/>' if style else None
    if kind is float:
        if math.isfinite(value):
            return f'<c r="{ref}"{style} t="n"><v>{value:.16g}</v></c>'
        return f'<c r="{ref}"{style}/>' if style else None
    if kind is bool:
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, str):  # str subclasses
        return _text_cell(ref, str(value), style)
    if isinstance(value, Cell):  # a styled cell (a highlighted error, a bold total)
        return _cell_xml(ref, value.value, f' s="{value.style_id}"' if value.has_style else "")
    raise TypeError(f"append_values takes text, numbers, None and cells, not {kind.__name__} "
                    f"({value!r}); use append() for other cells")


# One search over a row's texts decides whether any cell may need escaping, trimming to
# Excel's limit or xml:space (whitespace anywhere: the careful path checks its edges); nearly
# every ledger row needs none and is written without a check per cell. One character class,
# which re searches fast (alternatives made the search 2× slower than the cells' own checks).
_ROW_NEEDS_CARE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\s]")


def _row_xml(values: Sequence, row: int) -> str:
    r = str(row)
    parts = [f'<row r="{r}">']
    texts = "".join([value for value in values if type(value) is str])
    careful = len(texts) > MAX_TEXT or _ROW_NEEDS_CARE.search(texts) is not None
    for letter, value in zip(_letters(len(values)), values):
        kind = type(value)
        if kind is str:  # the common case first, without a call
            if not value:
                continue
            if careful:
                parts.append(_text_cell(letter + r, value))
            else:
                parts.append(f'<c r="{letter}{r}" t="inlineStr"><is><t>{value}</t></is></c>')
        elif value is not None:
            xml = _cell_xml(letter + r, value)
            if xml is not None:
                parts.append(xml)
    parts.append("</row>")
    return "".join(parts)


def _styled_row_xml(values: Sequence, row: int, styles: Sequence[str], height: float | None = None) -> str:
    """A row whose every cell carries its column's style (`` s="N"``, empty cells too: a
    bordered form to fill in by hand); a cell whose style is "" is a plain one. ``height``:
    the row's, in points."""
    r = str(row)
    parts = [f'<row r="{r}">' if height is None else f'<row r="{r}" ht="{height:g}" customHeight="1">']
    texts = "".join([value for value in values if type(value) is str])
    careful = len(texts) > MAX_TEXT or _ROW_NEEDS_CARE.search(texts) is not None
    for letter, value, style in zip(_letters(len(values)), values, styles):
        if type(value) is str and value and not careful:  # as _row_xml: a text that needs no care, without a call
            parts.append(f'<c r="{letter}{r}"{style} t="inlineStr"><is><t>{value}</t></is></c>')
            continue
        xml = _cell_xml(letter + r, "" if value is None else value, style)
        if xml is not None:
            parts.append(xml)
        elif style:
            parts.append(f'<c r="{letter}{r}"{style}/>')
    parts.append("</row>")
    return "".join(parts)


def _inert(cell):
    """A cell openpyxl took for a formula because its text begins with "=": text again."""
    if getattr(cell, "data_type", None) == "f" and isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def defuse_formulas(workbook: Workbook) -> None:
    """Every cell of an ordinary (not write-only) workbook whose text openpyxl would write as a
    formula is stored as text instead. The program writes no formulas of its own."""
    for ws in workbook.worksheets:
        for cell in list(ws._cells.values()):  # noqa: SLF001 - existing cells only, none made
            _inert(cell)


# Deflate at level 1, not zlib's default 6: the largest of the six lists (114,824 rows, 90 MB
# of sheet XML) compresses in 0.5 s instead of 1.5 s CPU, to 11.7 instead of 9.6 MB; the zip
# was a third of the six lists' export (issue 20). Excel, WPS and LibreOffice read any level.
ZIP_LEVEL = 1


def save_workbook(workbook: Workbook, path: str | Path) -> Path:
    """``workbook.save(path)``, atomically, with no formula cells (see the module) and
    compressed at :data:`ZIP_LEVEL`."""
    path = Path(path)
    if not workbook.write_only:
        defuse_formulas(workbook)
    elif not workbook.worksheets:
        workbook.create_sheet()  # as Workbook.save does: a workbook has at least one sheet
    workbook.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    with atomic_output(path) as tmp, ZipFile(tmp, "w", ZIP_DEFLATED, allowZip64=True,
                                             compresslevel=ZIP_LEVEL) as archive:
        ExcelWriter(workbook, archive).save()  # what openpyxl's save_workbook does, at our level
    return path


def print_a4_landscape(sheet, title_rows: str | None = None) -> None:
    """Print ``sheet`` on A4 landscape, one page wide and as many pages long as it takes,
    repeating ``title_rows`` ("3:3") on every page: how every list and form we write prints.
    On a write-only sheet call it before the rows stream out."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows


class _PlainRow(tuple):
    """A row for the fast path: passes openpyxl's ``append`` checks, skips its cells."""


class _StyledRow(_PlainRow):
    """A plain row whose cells carry their column's style (:meth:`FastSheet.append_styled`)."""

    styles: Sequence[str] = ()
    height: float | None = None  # points; None: the sheet's default


class _Utf8StreamWriter(WorksheetWriter):
    """openpyxl's worksheet writer on a UTF-8 stream that plain rows can be written into."""

    _stream = None
    _buffered = True  # lxml may hold unwritten output (the <sheetData> tag, styled rows)

    def get_stream(self):  # as WorksheetWriter.get_stream, on a file we hold, in UTF-8
        into = getattr(self.ws, "_stream_into", None)  # the zip entry of a StreamedWorkbook's sheet
        with (open(self.out, "wb") if into is None else into) as stream, xmlfile(stream, encoding="utf-8") as xf:
            self._stream = stream
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = (yield)
                        if el is True:
                            yield xf
                        elif el is None:
                            continue
                        else:
                            xf.write(el)
                except GeneratorExit:
                    pass

    def write_row(self, xf, row, row_idx):
        if isinstance(row, _PlainRow):
            if self._buffered:
                xf.flush()  # lxml's pending output first, so the file stays in order
                self._buffered = False
            xml = (_styled_row_xml(row, row_idx, row.styles, row.height) if isinstance(row, _StyledRow)
                   else _row_xml(row, row_idx))
            self._stream.write(xml.encode("utf-8"))
        else:
            super().write_row(xf, (_inert(cell) for cell in row), row_idx)  # lazily: openpyxl reuses the cell
            self._buffered = True


class FastSheet(WriteOnlyWorksheet):
    """A write-only worksheet whose :meth:`append_values` writes plain rows fast."""

    def _get_writer(self):
        if self._writer is None:
            self._writer = _Utf8StreamWriter(self)
            self._writer.write_top()

    def _values_to_row(self, values, row_idx):
        if isinstance(values, _PlainRow):
            return values
        return super()._values_to_row(values, row_idx)

    def append_values(self, values: Iterable) -> None:
        """Append a row of ``str``/``int``/``float``/``bool``/``None`` (empty text and ``None``
        leave the cell empty, as openpyxl would read them back); a few ``WriteOnlyCell``s with
        a style and such a value may stand among them (a red error cell)."""
        self.append(_PlainRow(values))

    def append_styled(self, values: Iterable, styles: Sequence[str], height: float | None = None) -> None:
        """:meth:`append_values`, every cell (an empty one too) with its column's style, given
        as the XML attribute `` s="N"`` (N: the ``style_id`` of a cell styled that way);
        ``height``: the row's, in points (None: the sheet's default)."""
        row = _StyledRow(values)
        row.styles, row.height = styles, height
        self.append(row)


class _Abandoned(Exception):
    """Thrown into the atomic output of a workbook that is not to be kept."""


class _StreamedExcelWriter(ExcelWriter):
    """openpyxl's workbook writer for a sheet whose XML is already in the archive."""

    def write_worksheet(self, ws):
        if getattr(ws, "_stream_into", None) is None:
            super().write_worksheet(ws)
            return
        # ExcelWriter.write_worksheet for a write-only sheet, without copying a temporary file in
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        if not ws.closed:
            ws.close()
        ws._rels = ws._writer._rels
        self.manifest.append(ws)
        ws._writer.cleanup()


# A streamed sheet's XML reaches its zip entry in blocks this large, each deflated on the
# entry's own thread while the next is written (:class:`_DeflatedAside`), at most this many
# blocks waiting: a few MiB per open workbook (the six lists keep six open).
DEFLATE_BLOCK = 1 << 20
DEFLATE_WAITING = 2


class _DeflatedAside(io.RawIOBase):
    """A zip entry written on a thread of its own: the rows' XML is made on the caller's thread
    while the blocks before it are deflated, checksummed and written (zlib and the file let go
    of the GIL while they work). The six lists' 280 MB of XML took 1.15 s of deflating on the
    one thread that also made it (issue 20). Blocks of :data:`DEFLATE_BLOCK`: at 64 KiB the
    thread waited for the GIL after every block. The entry's bytes are the same as written
    directly. An error of the thread (a full disk) is raised by the next write or the close."""

    def __init__(self, entry: io.RawIOBase):
        super().__init__()
        self._entry = entry
        self._blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=DEFLATE_WAITING)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._deflate, name="wengang-deflate", daemon=True)
        self._thread.start()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._raise()
        self._blocks.put(bytes(data))  # a copy: the caller's buffer is filled again at once
        return len(data)

    def _deflate(self) -> None:
        while (block := self._blocks.get()) is not None:
            if self._error is None:  # after an error the blocks are only taken, not written
                try:
                    self._entry.write(block)
                except BaseException as exc:  # noqa: BLE001 - raised on the caller's thread
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self.closed:
            return
        self._blocks.put(None)
        self._thread.join()
        try:
            self._entry.close()
        finally:
            super().close()
        self._raise()


class StreamedWorkbook:
    """A write-only workbook of one :class:`FastSheet` whose XML goes straight into the zip of
    the file being written (atomically, as :func:`save_workbook` writes), instead of into
    openpyxl's temporary file that is read back and compressed at save: the six lists wrote
    280 MB of temporary XML that way. ``save()`` finishes the file; ``abandon()`` (on a
    failure or a cancel) leaves no file and any previous one of that name as it was. More
    sheets may follow (``fast_sheet(book.workbook, …)``, after this one): they are written the
    usual way, through openpyxl's temporary file, at ``save()``."""

    def __init__(self, path: str | Path, title: str | None = None):
        self.workbook = Workbook(write_only=True)
        self.sheet = fast_sheet(self.workbook, title)
        self._files = ExitStack()
        try:
            tmp = self._files.enter_context(atomic_output(Path(path)))
            self._archive = self._files.enter_context(
                ZipFile(tmp, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL))
            self.sheet._id = 1  # noqa: SLF001 - the workbook's only sheet: xl/worksheets/sheet1.xml
            entry = self._archive.open(self.sheet.path[1:], "w", force_zip64=True)
            # buffered as a file is: the zip entry deflates and checksums at every write
            self.sheet._stream_into = io.BufferedWriter(_DeflatedAside(entry), buffer_size=DEFLATE_BLOCK)  # noqa: SLF001
        except BaseException:
            self._files.close()
            raise

    def save(self) -> None:
        if not self.sheet.closed:
            self.sheet.close()  # its tail (filter, merged cells, print set-up) ends the zip entry
        self.workbook.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        _StreamedExcelWriter(self.workbook, self._archive).save()
        self._files.close()  # the file renamed into place

    def abandon(self) -> None:
        try:
            if not self.sheet.closed:
                self.sheet.close()  # the zip entry is closed with the sheet
        except OSError:
            pass  # the failure abandoned for (a full disk) again, from the sheet's last block
        finally:
            self._files.__exit__(_Abandoned, _Abandoned(), None)  # the partial file removed


def style_attribute(sheet, **looks) -> str:
    """The XML attribute (`` s="N"``) of a cell of ``sheet`` styled with ``looks`` (fill, font,
    border …), for :meth:`FastSheet.append_styled`."""
    cell = WriteOnlyCell(sheet)
    for attribute, value in looks.items():
        setattr(cell, attribute, value)
    return f' s="{cell.style_id}"'


HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")  # the shade of a list's header row


def header_cell(sheet, label: str) -> WriteOnlyCell:
    """A header cell of a list on a write-only sheet: bold, shaded, centred."""
    cell = WriteOnlyCell(sheet, label)
    cell.font, cell.fill, cell.alignment = Font(bold=True), HEADER_FILL, Alignment(horizontal="center")
    return cell


def listing_head(sheet, title: str, columns: Sequence[tuple[str, float]],
                 wrapped: Collection[int] = ()) -> Callable[[Sequence], None]:
    """The head of a list of people on a write-only sheet, before its rows stream out: the
    columns' (label, width), ``title`` in bold in row 1, the header row below it (frozen, and
    on every printed page), printed A4 landscape one page wide. 应享未享, 返乡回流跟踪 and a
    form's 人员名单 look alike. Returns what appends a row of values.

    ``wrapped``: the columns (0-based) of long text (a rule's wording, why a person is owed a
    subsidy), wrapped within their width, each row as high as its longest text takes (Excel,
    WPS and LibreOffice do not all size a row to wrapped text by themselves), every cell
    top-aligned. Left unwrapped, that text ran on past the last column and a printed page
    shrank to take it in, the list unreadable."""
    for n, (_label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A3"
    print_a4_landscape(sheet, "2:2")
    heading = WriteOnlyCell(sheet, title)
    heading.font = Font(bold=True, size=13)
    sheet.append([heading])
    sheet.append([header_cell(sheet, label) for label, _width in columns])
    return wrapping_rows(sheet, [width for _label, width in columns], wrapped)


def wrapping_rows(sheet: FastSheet, widths: Sequence[float], wrapped: Collection[int]) -> Callable[[Sequence], None]:
    """What appends a row of values to ``sheet`` whose columns ``wrapped`` (0-based, of
    ``widths``) wrap their text, the row as high as its longest text takes, every cell
    top-aligned (see :func:`listing_head`); with none wrapped, ``append_values``."""
    if not wrapped:
        return sheet.append_values
    top = style_attribute(sheet, alignment=Alignment(vertical="top"))
    wrap = style_attribute(sheet, alignment=Alignment(vertical="top", wrap_text=True))
    styles = tuple(wrap if n in wrapped else top for n in range(len(widths)))
    rooms = {n: widths[n] for n in wrapped}

    def append(values: Sequence) -> None:
        lines = max((wrapped_lines(values[n], width) for n, width in rooms.items() if isinstance(values[n], str)),
                    default=1)
        sheet.append_styled(values, styles, lines * DATA_LINE_POINTS if lines > 1 else None)

    return append


def fast_sheet(workbook: Workbook, title: str | None = None) -> FastSheet:
    """A :class:`FastSheet` in a ``Workbook(write_only=True)``, like ``create_sheet(title)``."""
    if not workbook.write_only:
        raise ValueError("fast_sheet needs Workbook(write_only=True)")
    sheet = FastSheet(parent=workbook, title=title)
    workbook._add_sheet(sheet)  # noqa: SLF001 - what create_sheet does in write-only mode
    return sheet


# --- header labels that break between words (domain.words), for every workbook we write ------
CELL_MARGIN = 1.0  # column units Excel keeps free inside a cell
LINE_POINTS = 13.5  # one line of a 10 pt header, in points (row heights)
DATA_LINE_POINTS = 15.0  # one line of an 11 pt data cell (the default font), in points
DATA_WIDE = 2.1  # an 11 pt Chinese character, in column units


def text_width(text: str) -> float:
    """``text``'s width in Excel's column units at a 10 pt header: a Chinese character about two,
    a digit or Latin letter a little over one (a safe side of 宋体 in Excel and WPS)."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.15 for ch in text)


def wrapped_lines(text: str, width: float) -> int:
    """About how many lines ``text`` takes wrapped in a data cell (11 pt) ``width`` units wide,
    on the safe side: a Chinese character (or full-width mark: three UTF-8 bytes) 2.1 units
    (14.7 px at 11 pt against the 7 px digit), any other 1.15; a cell's padding, and on a
    wrapped line the room of one wide character, unused. Counted in C: 37,891 rows of 应享未享,
    two long texts each, took a second as a loop over the characters."""
    size = len(text)
    wide = (len(text.encode("utf-8")) - size) // 2
    needed, room = DATA_WIDE * wide + 1.15 * (size - wide), width - CELL_MARGIN
    if needed <= room:
        return 1
    return math.ceil(needed / max(room - DATA_WIDE, DATA_WIDE))


def header_width(label: str, width: float) -> float:
    """``width``, widened so the label's longest word fits: narrower, Excel and WPS break the
    word ("2026年目前就业人 / 数")."""
    return max(width, longest_word(label, text_width) + CELL_MARGIN)


def header_lines(label: str, width: float) -> list[str]:
    """The label in lines broken between words, for a cell ``width`` units wide."""
    return break_lines(label, width - CELL_MARGIN, text_width)


# --- headers whose text may not change (upload formats read by header name) ----------------
# Excel, WPS and LibreOffice wrap a cell character by character (they know no Chinese words),
# each line as full as the cell allows; a line break cannot be put into such a header. So the
# column is made as wide as it takes for those wraps to fall between words. Their measures
# differ: a 10 pt 宋体 character is 1.9 column units (13.3 px over Calibri's 7 px digit), 2.0
# in text_width (the safe side); LibreOffice gives the text about half a unit more room than
# Excel, which keeps about one for the cell's padding. A width must suit all of them.
HEADER_FONT_NAME, HEADER_FONT_SIZE = "宋体", 10  # the measures above are for this font
_ROOM_BESIDE_WIDTH = (-CELL_MARGIN, 0.5)  # the text's room against the column width, least to most
_CHARACTER_SCALE = (0.95, 1.0)  # a character's width against text_width, least to most
_ROOM_STEP = 0.05  # the wraps checked between the narrowest and the widest measure
_WIDTH_STEP = 0.5  # widths are tried in half units, as a person would widen a column


def _wrap_points(text: str, room: float) -> list[int]:
    """Where a cell ``room`` units wide (in text_width's units) wraps ``text``: the offsets of
    the characters that begin a new line, as the spreadsheet programs fill lines."""
    points, line = [], 0.0
    for i, character in enumerate(text):
        width = text_width(character)
        if line and line + width > room:
            points.append(i)
            line = 0.0
        line += width
    return points


def _word_ends(text: str) -> set[int]:
    ends, offset = set(), 0
    for word in words(text):
        offset += len(word)
        ends.add(offset)
    return ends


def wraps_between_words(label: str, width: float, max_lines: int = 2) -> bool:
    """Whether a header cell ``width`` units wide shows ``label`` in at most ``max_lines``
    lines broken only between words (``domain.words``), by every program's measure."""
    text = "".join(label.split())
    ends = _word_ends(text)
    least = (width + _ROOM_BESIDE_WIDTH[0]) / _CHARACTER_SCALE[1]
    most = (width + _ROOM_BESIDE_WIDTH[1]) / _CHARACTER_SCALE[0]
    steps = math.ceil((most - least) / _ROOM_STEP)
    for step in range(steps + 1):
        points = _wrap_points(text, least + step * (most - least) / max(steps, 1))
        if len(points) >= max_lines or not ends.issuperset(points):
            return False
    return True


def header_fit_width(label: str, width: float, max_lines: int = 2) -> float:
    """``width``, widened (in half units) until every program wraps ``label`` between words in
    at most ``max_lines`` lines (:func:`wraps_between_words`); on one line at the latest."""
    width = header_width(label, width)
    while not wraps_between_words(label, width, max_lines):
        width += _WIDTH_STEP
    return width
