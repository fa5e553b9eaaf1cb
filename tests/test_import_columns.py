"""Reading an import column by column (issue 20): only the columns a kind reads become text,
a chunk of the reader's cells at a time; each column converted in bulk exactly as cell by
cell; the columns no kind reads come back (read again) only for the error workbook."""

from __future__ import annotations

import datetime as dt
import random
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st
from importing_helpers import PERSON_HEADERS, person_rows, pid, write_xlsx
from openpyxl import Workbook, load_workbook

from wengang.services.importing import bounds, import_file
from wengang.services.importing.parse import Parsed, _parse_column
from wengang.services.importing.parsers import CellError, changed_by, parser_for
from wengang.services.importing.reader import (
    CHUNK_CELLS,
    SHARED_MAX,
    Table,
    _ColumnText,
    cell_text,
    known_column,
    read_table,
)
from wengang.services.importing.spec import kind_spec


def _with_extra_columns(path, rows: int, extra: int, *, seed: int = 1):
    """A roster with ``extra`` columns no kind knows, each cell a distinct long text."""
    headers = PERSON_HEADERS + [f"备注{i}" for i in range(extra)]
    data = [row + [f"第{n}行第{i}列的补充说明文字" for i in range(extra)]
            for n, row in enumerate(person_rows(rows, start=seed))]
    return write_xlsx(path, headers, data)


def _read_measured(path, keep=None) -> tuple[Table, int, int]:
    """The table, the Python memory it holds, and the peak while reading (tracemalloc)."""
    tracemalloc.start()
    try:
        table = read_table(path, keep=keep)
        kept, peak = tracemalloc.get_traced_memory()
        return table, kept, peak
    finally:
        tracemalloc.stop()


def test_columns_no_kind_reads_never_become_text(tmp_path):
    narrow, narrow_kept, _ = _read_measured(write_xlsx(tmp_path / "n.xlsx", PERSON_HEADERS, person_rows(6000)),
                                            known_column)
    wide_path = _with_extra_columns(tmp_path / "w.xlsx", 6000, 40)
    wide, wide_kept, _ = _read_measured(wide_path, known_column)
    whole, whole_kept, _ = _read_measured(wide_path)
    # 40 more columns of distinct texts: read whole, several times the memory; not kept, none.
    assert whole_kept > 4 * narrow_kept, (whole_kept, narrow_kept)
    assert wide_kept < 1.2 * narrow_kept, (wide_kept, narrow_kept)
    assert wide.headers == whole.headers and wide.row_numbers == whole.row_numbers == narrow.row_numbers
    for c in range(len(PERSON_HEADERS)):
        assert wide.column(c) == whole.column(c) == narrow.column(c)


def test_reading_holds_a_chunk_of_cells_not_the_sheet(tmp_path):
    """Peak memory while reading is what is kept plus about one chunk, whatever the length."""
    rows = 8 * CHUNK_CELLS // (len(PERSON_HEADERS) + 12)
    table, kept, peak = _read_measured(_with_extra_columns(tmp_path / "long.xlsx", rows, 12), known_column)
    assert len(table.row_numbers) == rows
    # The sheet's cells as Python objects would be 18,724 rows × 28 (over 40 MB); one chunk of
    # them is 65,536 cells (the extra columns' texts are 100 bytes each) and its lists, beside
    # the extent check's buffers (bounds._CHUNK).
    assert peak - kept < 200 * CHUNK_CELLS + 3 * bounds._CHUNK, (peak, kept)  # noqa: SLF001


def test_a_far_off_stray_cell_is_a_row_and_its_column_is_not_kept(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(PERSON_HEADERS)
    for row in person_rows(5):
        ws.append(row)
    ws.cell(row=9, column=300, value=0)  # a stray 0 far right, below the rows: "0" is not blank
    ws.cell(row=10, column=200, value="   ")  # only spaces: a blank row, as before
    path = tmp_path / "stray.xlsx"
    wb.save(path)
    kept = read_table(path, keep=known_column)
    whole = read_table(path)
    assert kept.row_numbers == whole.row_numbers == [2, 3, 4, 5, 6, 9]
    assert kept.rows[-1] == [""] * len(PERSON_HEADERS) and len(kept.headers) == len(PERSON_HEADERS)


def test_thousands_of_columns_read_only_the_known_ones(tmp_path, db):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    filler = [f"列{i}" for i in range(3000)]
    ws.append(filler + PERSON_HEADERS)
    for row in person_rows(30):
        ws.append([f"x{i}" for i in range(3000)] + row)
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    table = read_table(path, keep=known_column)
    assert table.column(3000 + PERSON_HEADERS.index("证件号码")) == [pid(n) for n in range(1, 31)]
    result = import_file(db, "persons", path)
    assert result.ok and result.added == 30 and len(result.unknown_columns) == 3000


def test_error_workbook_keeps_the_columns_no_kind_reads(tmp_path, db):
    path = _with_extra_columns(tmp_path / "bad.xlsx", 8, 3)
    wb = load_workbook(path)
    wb.active.cell(row=5, column=PERSON_HEADERS.index("证件号码") + 1, value="12345")
    wb.save(path)
    result = import_file(db, "persons", path)
    assert not result.ok and result.errors_path is not None
    book = load_workbook(result.errors_path, read_only=True)
    try:
        rows = [list(r) for r in book["导入数据"].iter_rows(values_only=True)]
    finally:
        book.close()
    assert rows[0][:-1] == PERSON_HEADERS + ["备注0", "备注1", "备注2"]
    assert rows[4][len(PERSON_HEADERS) + 2] == "第3行第2列的补充说明文字"  # the sheet's row 5
    assert rows[4][PERSON_HEADERS.index("证件号码")] == "12345" and "第5行" in rows[4][-1]


def test_rows_view_reads_like_the_rows():
    texts = [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]
    columns = [list(col) for col in zip(*texts)]
    table = Table(["x", "y", "z"], row_numbers=[2, 3, 5], columns=columns)
    assert table.rows == texts and len(table.rows) == 3 and list(table.rows) == texts
    assert table.rows[-1] == ["g", "h", "i"] and table.rows[1:] == texts[1:]
    assert table.cell(1, 2) == "f" and table.column(0) == ["a", "d", "g"]
    assert Table(["x", "y", "z"], rows=texts, row_numbers=[2, 3, 5]).cell(2, 1) == "h"


_CELLS = st.one_of(
    st.text(alphabet=st.sampled_from(["a", "乡", " ", "\u3000", "\x07", "\t", "1", "."]), max_size=6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e17, max_value=1e17),
    st.integers(min_value=-10**17, max_value=10**17), st.booleans(), st.none(),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.sampled_from([1.0, 0.0, True, False, 1, 0, 2018.0, 6.2072219530205e17]))


@settings(max_examples=60, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=40), st.integers(min_value=1, max_value=4))
def test_a_column_in_bulk_reads_as_cell_by_cell(cells, chunks):
    column = _ColumnText()
    texts = []
    size = max(1, len(cells) // chunks)
    for start in range(0, len(cells), size):
        texts.extend(column.add(tuple(cells[start:start + size])))
    assert texts == [cell_text(c) for c in cells]


def test_a_repeating_column_shares_texts_and_a_long_tail_stops_sharing():
    column = _ColumnText()
    first = column.add(tuple(f" 乡镇{i % 3} " for i in range(4096)))
    assert len({id(t) for t in first}) == 3 and column.shared is not None
    later = column.add(tuple(f" 乡镇{i % 3} " for i in range(4096)))  # new objects from the reader
    assert later == first and all(a is b for a, b in zip(later, first))
    as_they_are = column.add(tuple(f"乡镇{i % 3}" for i in range(4096)))  # nothing to strip: the quick way
    assert as_they_are == first and len({id(t) for t in as_they_are}) == 3
    column.add(tuple(f"新{i}" for i in range(4 * SHARED_MAX)))  # then every value new, three in four and more
    assert column.shared is None


def _cells(numbers) -> tuple[str, ...]:
    """A column of 证件号码 as the reader gives them: each cell its own str object."""
    return tuple(f"62010219900101{n:04d}" for n in numbers)


def test_a_column_a_little_over_half_distinct_shares_and_one_nine_in_ten_distinct_does_not():
    """An employment file's 证件号码 (a person's spells next to each other) is about half
    distinct in its first chunk: one month's file 0.495, the next 0.52, and then its 245,000
    texts were each their own object (the monthly re-import 28 MiB higher). Both share now, and
    keep sharing past SHARED_MAX while the column repeats; a roster's (nine in ten distinct) not."""
    spells = _ColumnText()
    first = spells.add(_cells(n // 2 if n % 25 else n for n in range(5000)))  # 2,600 of 5,000 distinct
    assert len(set(first)) == 2600 and len({id(t) for t in first}) == 2600 and spells.shared is not None
    later = spells.add(_cells(n * 3 // 5 for n in range(5000, 5000 + 50_000)))  # 30,000 more, 3 in 5 distinct
    assert spells.shared is not None and len(spells.shared) > SHARED_MAX
    assert len({id(t) for t in later}) == len(set(later))
    roster = _ColumnText()
    assert len({id(t) for t in roster.add(_cells(n * 10 // 9 for n in range(5000)))}) == 5000
    assert roster.shared is None


def _parse_one_by_one(spec, texts):
    parse = parser_for(spec)
    out = []
    for text in texts:
        try:
            out.append(parse(text) if text else None)
        except CellError:
            out.append(None)
    return out


_TEXTS = st.lists(st.text(alphabet=st.sampled_from(["王", "军", " ", "\u3000", "\t", "Ａ", "1", "-", "\x00", "ﬁ",
                                                    "e", "\u0301"]), max_size=5), min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(_TEXTS, st.sampled_from(["name", "phone", "village", "hh_no"]))
def test_texts_found_unchanged_in_bulk_parse_as_one_by_one(texts, key):
    spec = kind_spec("persons")
    f = spec.field(key)
    parsed = Parsed(spec, Table([f.label], rows=[[t] for t in texts]), [(0, f)], {key}, [], [])
    from wengang.services.importing.parse import Record  # noqa: PLC0415
    parsed.records = [Record(i + 2, i) for i in range(len(texts))]
    assert _parse_column(parsed, list(texts), f) == _parse_one_by_one(f, texts)


def test_plain_names_and_phones_are_their_own_values_without_a_call_each():
    spec = kind_spec("persons")
    names = {f"人{i}" for i in range(1000)} | {"阿卜杜 热合曼"}
    assert changed_by(spec.field("name"), names) == set()
    assert changed_by(spec.field("name"), names | {"王  军"}) == names | {"王  军"}  # double space: parsed
    phones = {f"136{i:08d}" for i in range(100)} | {"0936-7417228"}
    assert changed_by(spec.field("phone"), phones) == {"0936-7417228"}


def test_bulk_columns_import_the_same_values_as_before(db, tmp_path):
    rows = person_rows(60)
    random.Random(3).shuffle(rows)
    rows[5][10] = "　王　军 "  # name with ideographic spaces: folded as before
    rows[6][15] = "136 0000 0001"  # phone with spaces: normalised as before
    result = import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, rows))
    assert result.ok and result.added == 60
    by_id = {r["id_number"]: r for r in db.execute("SELECT id_number, name, phone FROM persons").fetchall()
             for r in [dict(zip(("id_number", "name", "phone"), r))]}
    assert by_id[rows[5][11]]["name"] == "王 军"
    assert by_id[rows[6][11]]["phone"] == "13600000001"


def test_forgotten_texts_are_read_again_from_the_file_when_asked_for(tmp_path):
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(5))
    table = read_table(path)
    name_col, id_col = PERSON_HEADERS.index("姓名"), PERSON_HEADERS.index("证件号码")
    names, ids = list(table.column(name_col)), table.column(id_col)
    table.forget_text(keep=[id_col])
    assert table._columns[name_col] is None and table._columns[id_col] is ids  # noqa: SLF001
    assert table.column(name_col) == names  # read again, whole
    made = Table(["a"], [["x"]])
    made.forget_text()  # made from rows: no file to read again, so kept
    assert made.column(0) == ["x"]


def test_a_subset_of_rows_is_made_without_reading_the_file_again(tmp_path, monkeypatch):
    """A township's own rows of a county-wide file: made from the columns read, its columns no
    kind reads read from the file only when asked for, then picked to the same rows."""
    path = _with_extra_columns(tmp_path / "extra.xlsx", 8, 2)
    table = read_table(path, keep=known_column)
    extra = len(PERSON_HEADERS)  # 备注0, not kept
    assert table._columns[extra] is None  # noqa: SLF001
    reads = []
    whole = Table._read_whole
    monkeypatch.setattr(Table, "_read_whole", lambda self: reads.append(1) or whole(self))
    part = table.subset([1, 3, 4])
    name = PERSON_HEADERS.index("姓名")
    assert part.row_numbers == [table.row_numbers[i] for i in (1, 3, 4)] and not reads
    assert part.column(name) == [table.column(name)[i] for i in (1, 3, 4)] and not reads
    full = read_table(path)
    assert part.column(extra) == [full.column(extra)[i] for i in (1, 3, 4)] and reads == [1]
    assert list(part.rows) == [list(full.rows[i]) for i in (1, 3, 4)]
    assert part.subset([2]).column(extra) == [full.column(extra)[4]]
