"""Reading an import file into text cells: Excel via calamine, CSV in UTF-8/UTF-8-BOM/GBK.

An .xlsx/.xlsm is streamed a row at a time (python-calamine-plus); other Excel formats, and a
sheet the stream cannot read as python-calamine would, are read whole by python-calamine.

Every cell becomes text, because 18-digit IDs are destroyed by numeric reading: Excel
floats that are whole (``6.0``) become ``"6"``, dates become ISO ``2023-05-01``, and a number
too long to be exact (an ID Excel stored as a number) keeps its ``E+`` form so the ID check
can say plainly what happened. National exports put title rows above the header: the header
row is the one among the first rows that names the most known columns.

The rows are turned into text a chunk at a time and kept column by column (issue 20): an
import keeps only the columns some kind reads, so a file's other columns, however many, never
become Python objects beyond one chunk.
"""

from __future__ import annotations

import csv
import ctypes
import datetime as dt
import io
import itertools
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path

from python_calamine import CalamineWorkbook

from wengang.domain.text import fold_header
from wengang.services.importing import bounds
from wengang.services.importing.spec import all_header_names

HEADER_SEARCH_ROWS = 10
# ``progress(done, total, text)``: what an import or a reading reports, and where 取消 stops it.
Progress = Callable[[int, int, str], object]


class ReadError(ValueError):
    """A file that cannot be read at all; the message is for the caseworker."""


class Table:
    """The header and data rows of one sheet, all text; row numbers are the sheet's (1-based).

    :func:`read_table` keeps the text column by column (``column``), each column one list: a
    150,000-row roster is 16 lists, not 150,000 row lists of 16 cells. ``rows`` is a view of
    the same texts row by row (the error workbook, the duty sheets); a table read with only
    some columns kept (``read_table(…, keep=…)``) reads its file again, whole, the first time
    a row is asked for, which only the error workbook does. A table made from ``rows`` (tests,
    small sheets) keeps them as given."""

    def __init__(self, headers: list[str], rows: list[list[str]] | None = None,
                 row_numbers: list[int] | None = None, header_row: int = 1, sheet: str = "",
                 title_rows: list[list[str]] | None = None, notes: list[str] | None = None, *,
                 columns: list[list[str] | None] | None = None, source: Path | None = None):
        self.headers = headers
        self.row_numbers = row_numbers if row_numbers is not None else []
        self.header_row, self.sheet = header_row, sheet
        self.title_rows = title_rows if title_rows is not None else []
        self.notes = notes if notes is not None else []  # e.g. a hidden sheet skipped: said as a warning
        self._rows = rows if rows is not None or columns is not None else []
        self._columns = columns  # one list per header column; None for a column not kept
        self._source = source
        self._picked: tuple[list[int], list[int]] | None = None  # a subset: (its indexes, the whole's row numbers)

    def column(self, index: int) -> list[str]:
        """Column ``index`` of the data rows as text, one per row (do not change the list)."""
        if self._rows is not None:
            return list(map(itemgetter(index), self._rows))
        if self._columns[index] is None:
            self._read_whole()
        return self._columns[index]

    def cell(self, index: int, column: int) -> str:
        """The text of data row ``index`` (0-based, as a record's ``index``) in ``column``."""
        if self._rows is not None:
            return self._rows[index][column]
        return self.column(column)[index]

    @property
    def rows(self) -> Sequence[list[str]]:
        """The data rows, each a list of the header's width (padded with \"\")."""
        if self._rows is not None:
            return self._rows
        if any(c is None for c in self._columns):
            self._read_whole()
        return _RowsView(self._columns, len(self.row_numbers))

    def forget_text(self, keep: Iterable[int] = ()) -> None:
        """Let the texts go once parsed, but the columns ``keep`` (the file is read again,
        whole, if another text is asked for later). A table made from rows, with no file to
        read again, keeps them."""
        if self._source is not None and self._columns is not None:
            kept = set(keep)
            self._columns = [c if n in kept else None for n, c in enumerate(self._columns)]

    def subset(self, keep: list[int]) -> Table:
        """The data rows ``keep`` (indexes), with their sheet row numbers: a township's own
        rows of a county-wide file. Its columns not kept are read from the file when asked
        for, as the whole table's would be (not read again to make the subset)."""
        numbers = [self.row_numbers[i] for i in keep]
        if self._rows is not None:
            return Table(self.headers, [self._rows[i] for i in keep], numbers, self.header_row, self.sheet,
                         self.title_rows, list(self.notes))
        part = Table(self.headers, None, numbers, self.header_row, self.sheet, self.title_rows, list(self.notes),
                     columns=[None if c is None else [c[i] for i in keep] for c in self._columns], source=self._source)
        part._picked = (keep, self.row_numbers) if self._picked is None else (  # noqa: SLF001 - the same class
            [self._picked[0][i] for i in keep], self._picked[1])
        return part

    def _read_whole(self) -> None:
        whole = read_table(self._source)
        expected = self.row_numbers if self._picked is None else self._picked[1]
        if whole.row_numbers != expected or whole.headers != self.headers:
            raise ReadError(f"文件{self._source.name}在导入过程中被修改了，请重新导入")
        columns = whole._columns  # noqa: SLF001 - the same class
        if self._picked is not None:
            columns = [[c[i] for i in self._picked[0]] for c in columns]
        self._columns = columns


class _RowsView(Sequence):
    """Rows made from a table's columns when asked for (no second copy of the sheet)."""

    def __init__(self, columns: list[list[str]], count: int):
        self.columns, self.count = columns, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        return [column[index] for column in self.columns]

    def __iter__(self) -> Iterator[list[str]]:
        if not self.columns:
            return ([] for _ in range(self.count))
        return map(list, zip(*self.columns))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(value: object) -> str:
    """One cell as the text a caseworker sees (control characters, invisible junk, dropped)."""
    if value is None:
        return ""
    if type(value) is int and abs(value) >= 1e15:
        # python-calamine-plus reads "110101199001011234" as an int, python-calamine (and
        # Excel) as a float: the same text either way.
        return cell_text(float(value))
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


def _sheet_rows(path: Path, notes: list[str], streamed: bool,
                measured: bool = True) -> tuple[str, Iterator[list], int]:
    """The first non-empty sheet (or the CSV): its name, its rows as the reader gives them, and
    its last row as far as known before reading it (0: not known), for the reading's progress:
    a sheet read whole knows its height; a stream only what the sheet's <dimension> says, which
    Excel and WPS write and a streaming writer (our own exports) leaves out.

    An .xlsx/.xlsm is ``streamed`` (python-calamine-plus reads its rows from the zip as they
    are asked for; the whole-sheet reader held a 240,000-row sheet's cells, 250–300 MiB);
    :class:`_NotStreamed` when that reader fails, and :func:`read_table` reads it again whole.
    A stream not ``measured`` first keeps the bounds as its rows arrive (:func:`_guarded`)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return path.stem, _csv_rows(path), 0
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        try:
            # before calamine allocates anything
            inspected = _inspect_workbook(path, suffix, measure=measured or not streamed)
            if streamed:
                name, rows = _first_streamed_sheet(path, inspected, notes)
                return name, rows, _declared_rows(inspected.sheet(name))
            workbook = CalamineWorkbook.from_path(str(path))
            names = workbook.sheet_names
            heights: dict[str, int] = {}

            def rows_of(name: str) -> Iterator[list]:
                sheet = workbook.get_sheet_by_name(name)
                heights[name] = sheet.height
                return sheet.iter_rows()

            found = _first_sheet_with_rows(names, rows_of, inspected.hidden() if inspected else set(), notes)
        except (ReadError, MemoryError, _NotStreamed, _Unmeasured):
            raise
        except Exception as exc:  # calamine raises its own error types per format and cell
            raise _unreadable(path, exc) from exc
        if found is None:
            return (names[0] if names else ""), iter(()), 0
        return (*found, heights.get(found[0], 0))
    raise ReadError(f"不支持的文件类型“{path.suffix}”，请使用.xlsx、.xls或.csv文件")


def _declared_rows(sheet: bounds.SheetInfo) -> int:
    """The last row a streamed sheet's <dimension> declares (read with its head); 0 if none."""
    head = sheet.head
    return head.declared[0] if head is not None and head.declared else 0


# Read a row at a time (python-calamine-plus); the other formats are read whole by python-calamine.
STREAMED = (".xlsx", ".xlsm")


class _NotStreamed(Exception):
    """The streaming reader failed on this file (e.g. rows stored out of order, which it cannot
    read): the file is read again whole, so it reads, or fails, exactly as before."""


class _Unmeasured(Exception):
    """A sheet streamed without its extent measured first gave something the measuring decides
    (more cells than the bound, an error cell's text, more than its <dimension> said): the file
    is read again the measured way, which refuses it, reads it whole, or streams it as before."""


def _first_streamed_sheet(path: Path, inspected: bounds.XlsxInfo, notes: list[str]) -> tuple[str, Iterator[list]]:
    """:func:`_first_sheet_with_rows` of an .xlsx/.xlsm, its rows streamed."""
    try:
        from python_calamine_plus import CalamineWorkbook as StreamedWorkbook  # noqa: PLC0415 - only for .xlsx

        workbook = StreamedWorkbook.from_path(str(path))
        names = workbook.sheet_names

        def rows_of(name: str) -> Iterator[list]:
            sheet = inspected.sheet(name)
            if not inspected.measured:
                return _unmeasured_rows(workbook, sheet)
            if sheet.errors or sheet.columns is None:
                # An error cell (#N/A …) streams as its text where python-calamine reads a blank;
                # a sheet bounds could not measure for sure has no known width.
                raise _NotStreamed
            if not sheet.columns:
                return iter(())  # no cell at all
            # Every row as wide as the cells that are there (bounds measured them), not as the
            # sheet's <dimension> says: a hostile "A1:XFD1" would make each row 16,384 cells.
            return _streamed(workbook.stream_sheet_by_name(name, max_col=sheet.columns - 1))

        found = _first_sheet_with_rows(names, rows_of, inspected.hidden(), notes)
    except (MemoryError, _NotStreamed, _Unmeasured):
        raise
    except BaseException as exc:
        raise _not_streamed(exc) from exc
    return found or ((names[0] if names else ""), iter(()))


# A sheet wider than this (the .xls grid's width; a ledger has a few dozen columns) is measured
# first when its <dimension> says so (the stream pads every row to the declared width, and
# "A1:XFD1" would make each row 16,384 cells), and as soon as a streamed row is that wide: a
# stray cell in column XFD made every later row 16,384 cells until rows × width passed
# MAX_CELLS (1,220 rows, 200 MiB, before the same refusal).
COLUMNS_TRUSTED = 256
# Rows looked at together by :func:`_guarded`: few enough that a batch of the widest rows a
# sheet can have (16,384 cells) stays a few MiB before its width is seen.
GUARD_ROWS = 128
# Empty rows in a row after which a sheet is measured (a county's ledger has a few blank rows
# between blocks; a stray cell far below it, hundreds of thousands).
BLANK_RUN_MEASURED = 8192
# What an error cell streams as (python-calamine reads it blank); any other error value fails
# both readers alike. The same text from a string cell is told apart by measuring the sheet.
_ERROR_TEXTS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


def _unmeasured_rows(workbook, sheet: bounds.SheetInfo) -> Iterator[list]:
    """A sheet's rows streamed without its extent measured first, :func:`_guarded`."""
    head = sheet.head
    if head is None or head.named is False:  # as a measured sheet whose width is not known for sure
        raise _NotStreamed
    if head.named is None:
        return iter(())  # no cell at all
    declared = head.declared
    if declared and (declared[1] > COLUMNS_TRUSTED or declared[0] * declared[1] > bounds.MAX_CELLS):
        raise _Unmeasured
    return _guarded(_streamed(workbook.stream_sheet_by_name(sheet.name)), declared)


def _guarded(rows: Iterator[list], declared: tuple[int, int] | None) -> Iterator[list]:
    """The rows of a stream not measured first, with the bounds kept as they arrive.

    Without ``max_col`` each row is as wide as the declared <dimension> or the widest cell so
    far, so rows × width only grows to what a measured extent is (for cells with a value):
    past :data:`bounds.MAX_CELLS` the sheet is measured (which refuses it, in the same words).
    So is one with an error cell's text, and one whose rows go past its <dimension>, which
    then cannot be trusted to bound the rows' width. A long run of empty rows (what a stray
    far cell below a roster streams as) is measured too: refused at once, not after a million
    empty rows (7 s for a 5 KB file)."""
    count = width = blank_since = 0
    most_rows, most_columns = declared or (bounds.MAX_CELLS, COLUMNS_TRUSTED)
    while batch := list(itertools.islice(rows, GUARD_ROWS)):
        count += len(batch)
        width = max(width, *map(len, batch))
        if any(itertools.chain.from_iterable(batch)):  # stops at the first filled cell
            blank_since = count
        if (count * width > bounds.MAX_CELLS or count > most_rows or width > most_columns
                or count - blank_since > BLANK_RUN_MEASURED
                or not _ERROR_TEXTS.isdisjoint(itertools.chain.from_iterable(batch))):
            raise _Unmeasured
        yield from batch


def _streamed(rows: Iterator[list]) -> Iterator[list]:
    """A stream's rows; :class:`_NotStreamed` when the stream fails part way."""
    try:
        yield from rows
    except MemoryError:
        raise
    except BaseException as exc:
        raise _not_streamed(exc) from exc


def _not_streamed(exc: BaseException) -> BaseException:
    """What a failure of the streaming reader becomes: :class:`_NotStreamed` (read it whole), for
    its errors and its panics (pyo3's PanicException, a bug of the reader, is not an Exception);
    anything else (KeyboardInterrupt, …) as it is."""
    if isinstance(exc, Exception) or type(exc).__name__ == "PanicException":
        return _NotStreamed()
    return exc


def _csv_rows(path: Path) -> Iterator[list[str]]:
    """A CSV (UTF-8 or GBK, comma, tab or semicolon) as rows of cells."""
    text = _decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a 1 MB cell: "field larger than field limit"
        raise ReadError(f"CSV文件{path.name}第{reader.line_num}行无法读取：单元格过长或引号不成对"
                        f"（单元格最多{csv.field_size_limit()}个字符），请检查该行") from exc


def _inspect_workbook(path: Path, suffix: str, *, measure: bool = True) -> bounds.XlsxInfo | None:
    """The sheets' visibility and extent (.xlsx/.xlsm; not measured unless ``measure``), after
    the bounds checks that refuse a hostile file."""
    if suffix in (".xlsx", ".xlsm"):
        return bounds.inspect_xlsx(path, measure=measure)
    if suffix == ".ods":
        bounds.inspect_ods(path)
    elif suffix == ".xlsb":
        bounds.inspect_xlsb(path)
    return None


def _first_sheet_with_rows(names: list[str], rows_of: Callable[[str], Iterator[list]], hidden: set[str],
                           notes: list[str]) -> tuple[str, Iterator[list]] | None:
    """The first visible sheet that has any rows (exports sometimes put a cover sheet first);
    a hidden sheet only when no visible one has rows, and the choice is said in ``notes``.
    Only the rows up to the first filled one are looked at here; the rest stream afterwards."""
    for name in [n for n in names if n not in hidden] + [n for n in names if n in hidden]:
        rows = rows_of(name)
        leading = []
        for row in rows:
            leading.append(row)
            if _has_text(row):
                break
        else:
            continue
        skipped = [n for n in names if n in hidden and n != name]
        if name in hidden:
            notes.append(f"只有隐藏的工作表“{name}”有数据，已读取它：请确认这是要导入的表")
        elif skipped:
            notes.append(f"已跳过隐藏的工作表“{'”“'.join(skipped)}”，读取的是“{name}”")
        return name, itertools.chain(leading, rows)
    return None


def _must_exist(path: Path) -> None:
    if not path.exists():
        raise ReadError(f"找不到文件：{path}")


def _unreadable(path: Path, exc: BaseException) -> ReadError:
    """What the caseworker is told when the spreadsheet reader failed on ``path``."""
    return ReadError(f"无法读取Excel文件{path.name}：{bounds.plain_read_error(exc)}")


def read_sheets(path: str | Path) -> list[tuple[str, list[list[str]]]]:
    """Every visible sheet of a workbook we wrote and someone filled in (the village sheets of
    数据质量问题按村导出): (name, its rows as text), read whole after the bounds checks that refuse
    a hostile file; :class:`ReadError` in the caseworker's words when it cannot be read."""
    path = Path(path)
    _must_exist(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raise ReadError(f"不支持的文件类型“{path.suffix}”，请使用.xlsx或.xls文件")
    try:
        inspected = _inspect_workbook(path, suffix)
        hidden = inspected.hidden() if inspected else set()
        workbook = CalamineWorkbook.from_path(str(path))
        shared: dict[str, str] = {}
        return [(name, [row_text(row, shared) for row in workbook.get_sheet_by_name(name).iter_rows()])
                for name in workbook.sheet_names if name not in hidden]
    except (ReadError, MemoryError):
        raise
    except Exception as exc:  # calamine and zipfile raise their own error types
        raise _unreadable(path, exc) from exc


def _has_text(row: list) -> bool:
    """Whether any cell of ``row`` is not blank as text (a number 0 is "0": not blank)."""
    return any(map(cell_text, row))


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


# Cells turned into text at a time (4,096 rows of a 16-column roster, fewer of a wider sheet):
# only one chunk of the reader's cell objects is alive at once, never a whole sheet of them,
# and however wide the file, its chunk stays about this size.
CHUNK_CELLS = 65_536
# Values that compare equal across types (True == 1 == 1.0) but read differently ("是", "1"):
# a column mixing booleans with numbers is not converted through one dict of values (ints and
# floats that are equal read the same: 3 and 3.0 are "3").
_NUMBERS = frozenset({int, float})
# Distinct values any repeating column may keep one text of; beyond them, only a column that
# still repeats (户编号, 证件号码 of spells) keeps on sharing.
SHARED_MAX = 20_000


def _repeats(distinct: int, rows: int) -> bool:
    """Whether a column with ``distinct`` texts in ``rows`` rows is kept one text per value:
    fewer than three in four distinct. (At fewer than half, an employment export's 证件号码 and
    姓名 — about half distinct in its first chunk, a person's spells being next to each other —
    were shared in one month's file and not in the next, whose re-import of 245,393 spells
    into a 50,000-household county peaked at 311 MiB instead of 284.) A roster's 证件号码,
    姓名 and phones (nine in ten and more distinct) keep no dict of them."""
    return distinct * 4 < rows * 3


class _ColumnText:
    """One column's cells → text, a chunk at a time, each distinct value converted once.

    Most cells are printable ``str`` (stripped in one ``map``); numbers, dates and blanks go
    through :func:`cell_text` once per distinct value. A column whose texts repeat in its first
    chunk (:func:`_repeats`: 乡镇, 户类型, 户编号, dates, an employment file's 证件号码) keeps
    one text object per distinct value for the whole file; one that does not (a roster's
    证件号码, 姓名, phones) keeps no dict of them. Each cell the reader gives is its own object:
    sharing kept 240,000 spells' 开始时间, 证件号码 and 姓名 in 2 instead of 37 MiB (issue 20)."""

    __slots__ = ("decided", "kinds", "seen", "shared", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.decided = False
        self.shared: dict | None = None
        self.kinds: set[type] = set()  # the types of the values in ``shared``
        self.seen = 0

    def add(self, cells: Sequence) -> list[str]:
        """The text of ``cells`` (the caller appends the rows it keeps to ``texts``)."""
        self.seen += len(cells)
        texts = None
        if self.shared is None:
            texts = _as_they_are(cells) or _stripped(cells)
        elif (texts := _as_they_are(cells)) is not None:
            # Each cell its own text: one pass in C finds its shared text or makes it the one
            # (a 50,000-household employment export's 13 shared columns: 1.0 → 0.75 s, issue 20).
            shared = self.shared
            texts = list(map(shared.setdefault, texts, texts))
            self.kinds.add(str)
            if len(shared) > SHARED_MAX and not _repeats(len(shared), self.seen):
                self.shared = None
        if texts is None:
            texts = self._by_value(cells)
        if not self.decided:
            # The first chunk shares every text; later ones only where the first repeated.
            self.decided = True
            one = {}
            texts = [one.setdefault(t, t) for t in texts]
            if _repeats(len(one), len(texts)):
                self.shared = dict(zip(cells, texts))
                self.kinds = set(map(type, cells))
        return texts

    def _by_value(self, cells: Sequence) -> list[str]:
        types = set(map(type, cells))
        if self.shared is not None:
            types |= self.kinds  # True shared from an earlier chunk is 1 here
        if bool in types and not types.isdisjoint(_NUMBERS):
            return [cell_text(c) for c in cells]
        if self.shared is not None:
            self.kinds = types
        known = self.shared if self.shared is not None else {}
        for value in set(cells).difference(known):
            known[value] = cell_text(value)
        if len(known) > SHARED_MAX and not _repeats(len(known), self.seen):  # repeated at first, hardly later
            self.shared = None
        return list(map(known.__getitem__, cells))


def _as_they_are(cells: Sequence) -> list[str] | None:
    """``cells`` themselves when every one is printable text with nothing to strip (most
    columns of a roster), found by a few passes in C over the cells joined with a printable
    separator (the joined text is printable exactly when every cell is; a space beside a
    separator or at an end is a text to strip, or a "|" beside a space inside one, which then
    only costs the stripping); else None."""
    try:
        joined = "|".join(cells)
    except TypeError:  # a number, a date, an empty cell
        return None
    if not joined.isprintable():
        return None
    if " " in joined and ("| " in joined or " |" in joined or joined[0] == " " or joined[-1] == " "):
        return None
    return list(cells)


def _stripped(cells: Sequence) -> list[str] | None:
    """``cells`` stripped when every one is printable text; else None."""
    try:
        return list(map(str.strip, cells)) if all(map(str.isprintable, cells)) else None
    except TypeError:  # not all text
        return None


def _columns_text(rows: Iterator[list], width: int, kept: list[int], first_number: int,
                  lead: int = 0, read: Callable[[int], object] | None = None
                  ) -> tuple[list[list[str] | None], list[int], int]:
    """The kept columns' texts, the sheet row numbers of the rows that are not blank, and how
    many of the first ``lead`` columns hold no cell in any row. ``read(n)`` is called after
    each chunk with the number of the sheet row read last (:class:`_Reading`)."""
    converters = {c: _ColumnText() for c in kept}
    numbers: list[int] = []
    pick = itemgetter(*kept) if len(kept) > 1 else (lambda row: (row[kept[0]],)) if kept else None
    number = first_number
    chunk_rows = max(16, CHUNK_CELLS // max(width, 1))
    while chunk := list(itertools.islice(rows, chunk_rows)):
        if min(map(len, chunk)) < width:  # a CSV's short rows; calamine's are the sheet's width
            chunk = [row + [""] * (width - len(row)) if len(row) < width else row for row in chunk]
        if lead:
            lead = _leading_blank_columns(chunk, lead)
        texts = [converters[c].add(cells) for c, cells in zip(kept, zip(*map(pick, chunk)))] if kept else []
        texts, rows_kept = _without_blank_rows(chunk, texts, number)
        numbers.extend(rows_kept)
        number += len(chunk)
        for c, column_texts in zip(kept, texts):
            converters[c].texts.extend(column_texts)
        if read is not None:
            read(number - 1)
    return [converters[c].texts if c in converters else None for c in range(width)], numbers, lead


def _without_blank_rows(chunk: list[list], texts: list[list[str]], number: int) -> tuple[list[list[str]], Iterable[int]]:
    """The kept columns' ``texts`` of the rows of ``chunk`` that are not blank, and those rows'
    numbers (the chunk's first row is ``number``)."""
    rows_kept = range(number, number + len(chunk))
    # A kept column without a blank (证件号码, nearly always) means no row is blank.
    if not any("" not in column for column in texts):
        filled = list(map(any, zip(*texts))) if texts else [False] * len(chunk)
        if not all(filled):  # blank in the kept columns: a blank row, or text only elsewhere
            filled = [f or _has_text(row) for f, row in zip(filled, chunk)]
            texts = [list(itertools.compress(t, filled)) for t in texts]
            rows_kept = itertools.compress(rows_kept, filled)
    return texts, rows_kept


def _give_back_freed_memory() -> None:
    """Return the pages of calamine's freed sheet to the system (glibc only).

    The sheet's cells were small allocations of glibc's heap and the column lists were made on
    top of them, so glibc keeps the freed pages below (a 150,000-person roster: 218 MiB resident
    after reading, 149 MiB after ``malloc_trim``, which takes 0.01 s). Elsewhere nothing to do."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        pass


def known_column(header: str) -> bool:
    """Whether any kind of import reads a column of this header (``read_table``'s ``keep``)."""
    return fold_header(header) in all_header_names()


def read_table(path: str | Path, keep: Callable[[str], bool] | None = None, *,
               on_header: Callable[[], None] | None = None, progress: Progress | None = None) -> Table:
    """Read the first non-empty sheet (or the CSV) into a :class:`Table` of text cells.

    With ``keep`` only the columns whose header it accepts become text (an import keeps the
    columns some kind knows): the others' cells are never kept, whatever the file's width.
    ``on_header`` is called once, when the sheet's first rows have been read and before the
    others are (the import starts its backup then: a file that cannot be read costs none).
    ``progress(done, total, text)`` is called as the rows are read (:class:`_Reading`); an
    exception from it (the caseworker's 取消) stops the reading and propagates."""
    path = Path(path)
    _must_exist(path)
    once = _Once(on_header)
    if path.suffix.lower() in STREAMED:
        try:
            return _read_table(path, keep, streamed=True, on_header=once, progress=progress)
        except _NotStreamed:
            pass  # read whole, as before the streaming reader: the same table, or the same error
    return _read_table(path, keep, streamed=False, on_header=once, progress=progress)


class _Once:
    """A callback called at most once, however many times the sheet is read again."""

    def __init__(self, callback: Callable[[], None] | None):
        self.callback = callback

    def __call__(self) -> None:
        callback, self.callback = self.callback, None
        if callback is not None:
            callback()


def _read_table(path: Path, keep: Callable[[str], bool] | None, *, streamed: bool,
                on_header: Callable[[], None] | None = None, progress: Progress | None = None) -> Table:
    """The table as streamed (:class:`_NotStreamed` when the stream cannot read it) or whole.

    A stream is first read without measuring the sheet (the measuring pass over its XML was
    0.5–0.6 s of a 150,000-row roster's 2.5 s); when :func:`_guarded` meets what needs it, the
    file is read again measured first, as before."""
    if streamed:
        try:
            return _table(path, keep, streamed=True, measured=False, on_header=on_header, progress=progress)
        except _Unmeasured:
            pass
    return _table(path, keep, streamed=streamed, measured=True, on_header=on_header, progress=progress)


def _table(path: Path, keep: Callable[[str], bool] | None, *, streamed: bool, measured: bool,
           on_header: Callable[[], None] | None = None, progress: Progress | None = None) -> Table:
    notes: list[str] = []
    sheet, rows, last_row = _sheet_rows(path, notes, streamed, measured)
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    if not head:
        raise ReadError(f"文件{path.name}是空的")
    if on_header is not None:
        on_header()
    shared: dict[str, str] = {}
    head_text = [row_text(row, shared) for row in head]
    h = _header_index(head_text)
    headers = head_text[h]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    kept = [c for c in range(width) if keep is None or keep(headers[c])]
    # python-calamine's rows start at the sheet's first column with a cell; a stream's at A.
    lead = _leading_blank_columns(head, max(map(len, head))) if streamed else 0
    read = _Reading(progress, h + 1, last_row) if progress is not None else None
    columns, numbers, lead = _columns_text(itertools.chain(head[h + 1:], rows), width, kept, h + 2, lead, read)
    del head, rows  # the last references to the reader's sheet
    _give_back_freed_memory()
    return Table(headers=headers[lead:], row_numbers=numbers, header_row=h + 1, sheet=sheet,
                 title_rows=[_without_blank_end(r[lead:]) for r in head_text[:h]], notes=notes,
                 columns=columns[lead:], source=path)


class _Reading:
    """The reading's progress: ``progress(rows read, rows in all, text)`` after each chunk of rows
    (a few thousand), counting the rows below the header. Where the sheet's last row is not
    known beforehand (or turns out wrong) the total is 0 and the text says how many rows are
    read so far (a 200,000-household county's roster is read for 15 s or more: the caseworker
    sees it move, and 取消 stops it)."""

    __slots__ = ("header_row", "last_row", "progress")

    def __init__(self, progress: Progress, header_row: int, last_row: int):
        self.progress, self.header_row, self.last_row = progress, header_row, last_row

    def __call__(self, row: int) -> None:
        done, total = row - self.header_row, self.last_row - self.header_row
        if 0 < done <= total:
            self.progress(done, total, "正在读取")
        else:
            self.progress(done, 0, f"正在读取（已读 {done:,} 行）")


def _leading_blank_columns(rows: list[list], at_most: int) -> int:
    """How many of the first ``at_most`` columns of ``rows`` hold no cell in any of them."""
    for row in rows:
        for i in range(min(at_most, len(row))):
            if row[i] != "":
                at_most = i
                break
    return at_most


def _without_blank_end(row: list[str]) -> list[str]:
    """A title row without its blank cells at the right (the readers' widths differ)."""
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]
