"""An .xlsx streamed without measuring its sheets first (issue 20): the reader keeps the bounds
as the rows arrive (reader._guarded), refuses what the measuring pass refused in the same words,
and reads every other file as the measured stream (or the whole-sheet reader) reads it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx
from openpyxl import Workbook
from test_read_streamed import SHARED, _cells_sheet, _inline, _row, _s, _xlsx

from wengang.services.importing import bounds, reader
from wengang.services.importing.reader import ReadError, known_column, read_table


def _read(path: Path, *, measured: bool, keep=None):
    """The table streamed without measuring (``measured=False``, never falling back to the
    measured way) or as before; the exception class when it raises."""
    try:
        return reader._table(path, keep, streamed=True, measured=measured)  # noqa: SLF001 - the two ways
    except (reader._NotStreamed, reader._Unmeasured) as exc:  # noqa: SLF001
        return type(exc)


def _same(first, second) -> bool:
    if isinstance(first, type) or isinstance(second, type):
        return first is second
    return ((first.headers, first.row_numbers, first.header_row, first.sheet, first.notes, first.title_rows)
            == (second.headers, second.row_numbers, second.header_row, second.sheet, second.notes, second.title_rows)
            and all(first.column(c) == second.column(c) for c in range(len(first.headers))))


def _without_dimension(path: Path) -> Path:
    """The workbook with its sheets' <dimension> taken out (as openpyxl's write-only mode and the
    county's own exports write them)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                start = data.find(b"<dimension")
                if start >= 0:
                    data = data[:start] + data[data.index(b"/>", start) + 2:]
            zout.writestr(info, data)
    tmp.replace(path)
    return path


def test_an_ordinary_roster_is_streamed_without_measuring_and_reads_the_same(tmp_path, monkeypatch):
    path = _without_dimension(write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(300),
                                         title_rows=[["某县防止返贫监测对象信息"]]))
    expected = {keep: _read(path, measured=True, keep=keep) for keep in (None, known_column)}
    assert _same(expected[None], reader._read_table(path, None, streamed=False))  # noqa: SLF001

    def no_measuring(*_args):
        raise AssertionError("the sheet was measured")
    monkeypatch.setattr(bounds, "_measure", no_measuring)
    for keep, table in expected.items():
        assert _same(read_table(path, keep), table)


def _far_cell_files(tmp_path: Path) -> list[Path]:
    """Sheets past the bound (lowered to 10,000 cells by the test): a far column, a far row,
    both, each with and without a <dimension>, and a <dimension> that says less than is there."""
    files = []
    for name, cell in [("col", "XFD2"), ("row", "A2000"), ("both", "AZ900")]:
        wb = Workbook()
        ws = wb.active
        ws.append(PERSON_HEADERS)
        for row in person_rows(3):
            ws.append(row)
        ws[cell] = "x"
        wb.save(tmp_path / f"{name}.xlsx")
        files.append(tmp_path / f"{name}.xlsx")
        wb.save(tmp_path / f"{name}_nodim.xlsx")
        files.append(_without_dimension(tmp_path / f"{name}_nodim.xlsx"))
    short = ''.join(_row(n, [_inline(f"{c}{n}", f"{c}{n}") for c in "ABCDEFGHIJ"]) for n in range(1, 1200))
    files.append(_xlsx(tmp_path / "short_dimension.xlsx", [("台账", short, False)], SHARED, dimension="A1:J3"))
    return files


def test_the_guards_refuse_what_the_measuring_refused_in_the_same_words(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds, "MAX_CELLS", 10_000)
    for path in _far_cell_files(tmp_path):
        with pytest.raises(bounds.WorkbookTooLarge) as measured:
            bounds.inspect_xlsx(path)
        assert _read(path, measured=False) is reader._Unmeasured, path.name  # noqa: SLF001
        with pytest.raises(ReadError) as streamed:
            read_table(path)
        assert str(streamed.value) == f"无法读取Excel文件{path.name}：{measured.value}"


def test_a_sheet_just_within_the_bound_is_streamed_unmeasured(tmp_path, monkeypatch):
    path = _without_dimension(write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(99)))
    monkeypatch.setattr(bounds, "MAX_CELLS", 100 * len(PERSON_HEADERS))  # exactly the sheet's cells
    bounds.inspect_xlsx(path)
    streamed = _read(path, measured=False)
    assert not isinstance(streamed, type) and len(streamed.row_numbers) == 99


def test_a_stream_falling_back_part_way_measures_the_sheet_first(tmp_path, monkeypatch):
    """An error cell far down is met only when its rows arrive: the file is read again measured
    (the measuring finds the error cell, and the sheet is read whole), as before."""
    rows = _row(1, [_s("A1", 0), _s("B1", 1)]) + "".join(
        _row(n, [_inline(f"A{n}", str(n)), _inline(f"B{n}", "甲")]) for n in range(2, 600))
    path = _xlsx(tmp_path / "late.xlsx", [("台账", rows + _row(600, ['<c r="B600" t="e"><v>#N/A</v></c>']), False)],
                 SHARED)
    measures = []
    inspect = bounds.inspect_xlsx
    monkeypatch.setattr(bounds, "inspect_xlsx", lambda p, *, measure=True: measures.append(measure) or inspect(
        p, measure=measure))
    assert _read(path, measured=False) is reader._Unmeasured  # noqa: SLF001
    measures.clear()
    table = read_table(path)
    assert measures == [False, True, True]  # unmeasured stream, measured stream (error cell), whole
    assert table.row_numbers[-1] == 599 and table.column(1)[-1] == "甲"


@pytest.mark.parametrize("name, sheets, dimension", [
    ("cells", [("台账", _cells_sheet(), False)], None),
    ("errors", [("台账", _cells_sheet(errors=True), False)], None),
    ("offset", [("台账", _cells_sheet("C", 4), False)], "C4:H13"),
    ("far", [("台账", _cells_sheet() + _row(5000, [_inline("Z5000", "x")]), False)], None),
    ("wide_dimension", [("台账", _cells_sheet(), False)], "A1:AZ9"),
    ("inflated_dimension", [("台账", _cells_sheet(), False)], "A1:XFD9"),
    ("short_dimension", [("台账", _cells_sheet(), False)], "A1:B2"),
    ("hidden", [("封面", "", False), ("旧表", _cells_sheet(), True), ("台账", _cells_sheet("B"), False)], None),
    ("hash_texts", [("台账", _row(1, [_s("A1", 0), _s("B1", 1)]) + _row(2, [_inline("A2", "#1"), _s("B2", 10)])
                     + _row(3, [_inline("A3", "编号#2"), _inline("B3", "#DIV/0!")]), False)], "A1:B3"),
    ("unnamed_cells", [("台账", _row(1, ['<c t="inlineStr"><is><t>证件号码</t></is></c>']), False)], None),
    ("out_of_order", [("台账", _row(1, [_s("A1", 0)]) + _row(3, [_inline("A3", "乙")]) + _row(2, [_inline("A2", "甲")]),
                       False)], None),
])
def test_unmeasured_and_measured_streams_read_the_same(tmp_path, name, sheets, dimension):
    """Whatever the sheet, the unmeasured stream gives the measured stream's table, or hands the
    file to it (_Unmeasured), or fails as it does (_NotStreamed: read whole)."""
    path = _xlsx(tmp_path / f"{name}.xlsx", sheets, SHARED, dimension=dimension)
    for keep in (None, known_column):
        unmeasured, measured = _read(path, measured=False, keep=keep), _read(path, measured=True, keep=keep)
        assert unmeasured is reader._Unmeasured or _same(unmeasured, measured), name  # noqa: SLF001
        assert _same(read_table(path, keep), measured if not isinstance(measured, type) else
                     reader._read_table(path, keep, streamed=False))  # noqa: SLF001


def test_an_error_cell_or_its_text_hands_the_sheet_to_the_measuring(tmp_path):
    """The stream gives an error cell (#N/A of a failed VLOOKUP) as its text, which the shared
    text "#N/A" also is: the measuring tells them apart (read whole, or streamed as before)."""
    errors = _xlsx(tmp_path / "errors.xlsx", [("台账", _cells_sheet(errors=True), False)], SHARED)
    text = _xlsx(tmp_path / "text.xlsx", [("台账", _cells_sheet(), False)], SHARED)
    assert _read(errors, measured=False) is reader._Unmeasured  # noqa: SLF001
    assert _read(errors, measured=True) is reader._NotStreamed  # noqa: SLF001
    assert _read(text, measured=False) is reader._Unmeasured  # noqa: SLF001
    assert read_table(text).column(5)[3] == "#N/A"


def test_a_stray_cell_far_right_hands_the_sheet_to_the_measuring_at_its_row(tmp_path, monkeypatch):
    """A cell in column XFD of a sheet with no <dimension>: measured (and refused) when its row
    arrives, not after rows × 16,384 cells have streamed; a sheet within COLUMNS_TRUSTED
    columns streams unmeasured."""
    far = _row(1, [_s("A1", 0), _s("B1", 1)]) + "".join(
        _row(n, [_inline(f"A{n}", str(n)), _inline(f"B{n}", "甲")]) for n in range(2, 400))
    path = _xlsx(tmp_path / "far.xlsx", [("台账", far + _row(400, [_inline("XFD400", "x")]), False)], SHARED)
    rows_seen = []
    guarded = reader._guarded  # noqa: SLF001

    def counted(rows, declared):
        for row in guarded(rows, declared):
            rows_seen.append(len(row))
            yield row

    monkeypatch.setattr(reader, "_guarded", counted)
    assert _read(path, measured=False) is reader._Unmeasured  # noqa: SLF001
    assert max(rows_seen) == 2  # no 16,384-cell row got past the guard
    monkeypatch.setattr(bounds, "MAX_CELLS", 1_000_000)
    with pytest.raises(ReadError, match="16384 列"):
        read_table(path)
    wide = _xlsx(tmp_path / "wide.xlsx", [("台账", far + _row(400, [_inline("IV400", "x")]), False)], SHARED)
    assert _same(_read(wide, measured=False), _read(wide, measured=True))  # column 256: streamed


def test_a_long_run_of_empty_rows_hands_the_sheet_to_the_measuring(tmp_path):
    """A stray cell far below a roster streams as that many empty rows: the sheet is measured
    (and refused, or read as before) instead of streaming them all."""
    far = _row(1, [_s("A1", 0), _s("B1", 1)]) + _row(2, [_inline("A2", "1"), _inline("B2", "甲")]) + \
        _row(reader.BLANK_RUN_MEASURED + 1000, [_inline(f"A{reader.BLANK_RUN_MEASURED + 1000}", "2")])
    path = _xlsx(tmp_path / "gap.xlsx", [("台账", far, False)], SHARED)
    assert _read(path, measured=False) is reader._Unmeasured  # noqa: SLF001
    assert read_table(path).row_numbers == [2, reader.BLANK_RUN_MEASURED + 1000]
    near = far.replace(str(reader.BLANK_RUN_MEASURED + 1000), "300")
    near_path = _xlsx(tmp_path / "near.xlsx", [("台账", near, False)], SHARED)
    assert _same(_read(near_path, measured=False), _read(near_path, measured=True))
