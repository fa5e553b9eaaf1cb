"""A large .xlsx read in a second process while the rows are parsed as they arrive (issue 20):
the same table, the same parse, the same import as read here, and the file read here whenever
the child does not read it; no child left behind."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx
from test_read_streamed import SHARED, _cells_sheet, _inline, _row, _s, _xlsx

from wengang.domain.ids import make_id
from wengang.services.importing import engine, import_file, sheet_process
from wengang.services.importing.parse import TableParser, parse_table
from wengang.services.importing.reader import CHUNK_CELLS, known_column, read_table
from wengang.services.importing.spec import kind_spec
from wengang.store.areas import set_installation
from wengang.store.db import open_database

# More rows than one chunk of a 16-column roster (4,096), so the parse meets several.
ROWS = CHUNK_CELLS // len(PERSON_HEADERS) * 2 + 500


def _roster(path: Path, count: int = ROWS, *, wrong: bool = True) -> Path:
    """A roster with title rows, blank rows and, with ``wrong``, cells the checks refuse or
    warn about in every chunk (and the same birthplace warning in several)."""
    rows = person_rows(count)
    if wrong:
        for n in range(7, count, 997):
            rows[n][11] = rows[n][11][:-1] + ("0" if rows[n][11][-1] != "0" else "1")  # a wrong check digit
            rows[n + 1][10] = None  # no name
            rows[n + 2][7] = "二〇一九"  # not a year
            rows[n + 3][11] = make_id("990702", dt.date(1990, 1, 1), n % 400, True)  # an unknown birthplace
        rows[4000:4000] = [[None] * len(PERSON_HEADERS)] * 3  # blank rows across a chunk's end
    return write_xlsx(path, PERSON_HEADERS, rows, title_rows=[["甘肃省监测对象信息"], ["导出时间：2026-11-30"]])


def _spells(path: Path, count: int) -> Path:
    rows = [[pid(n // 2 + 1), f"人{n // 2 + 1}", "省外", "自主务工", "浙江省", "宁波市", "鄞州区", "某厂", "制造业",
             f"2024-{n % 12 + 1:02d}-01", None, None, 4000 + n % 7] for n in range(count)]
    rows[5000][9] = "2024-13-01"  # not a date
    return write_xlsx(path, WORK_HEADERS, rows)


def _beside(path: Path, kind: str | None = None):
    """The table read by the child, and the parse made as its chunks arrived (or None)."""
    parser: list[TableParser] = []
    table = sheet_process.read_beside(
        path, lambda headers, _row: parser.append(TableParser(kind_spec(kind), headers)) if kind else None,
        lambda columns, rows: parser[0].add(columns.__getitem__, rows) if parser else None)
    return table, parser[0] if parser else None


def _same_table(one, other) -> None:
    assert (one.headers, one.row_numbers, one.header_row, one.sheet, one.notes, one.title_rows) == \
        (other.headers, other.row_numbers, other.header_row, other.sheet, other.notes, other.title_rows)
    for c, header in enumerate(other.headers):
        if known_column(header):
            assert one.column(c) == other.column(c), header


def _same_parse(one, other) -> None:
    assert [(i.row, i.field, i.message) for i in one.errors] == [(i.row, i.field, i.message) for i in other.errors]
    assert [(i.row, i.field, i.message) for i in one.warnings] == [(i.row, i.field, i.message) for i in other.warnings]
    assert one.bad_cells == other.bad_cells and one.unknown == other.unknown and one.columns == other.columns
    assert [(r.row, r.index, r.bad, r.values) for r in one.records] == \
        [(r.row, r.index, r.bad, r.values) for r in other.records]


def test_a_roster_read_beside_reads_and_parses_as_here(tmp_path):
    path = _roster(tmp_path / "人员.xlsx")
    table, parser = _beside(path, "persons")
    here = read_table(path, keep=known_column)
    _same_table(table, here)
    assert parser.fits(table)
    parsed = parser.finish(table)
    expected = parse_table(kind_spec("persons"), here)
    assert expected.errors and expected.warnings  # the file says something wrong in each chunk
    _same_parse(parsed, expected)


@pytest.mark.parametrize("size", [1, 7, 4096, 10_000])
def test_a_table_parsed_in_chunks_is_the_table_parsed_whole(tmp_path, size):
    path = _roster(tmp_path / "人员.xlsx", 6000)
    table = read_table(path, keep=known_column)
    for kind, lazy in (("persons", False), ("employment", True)):
        parser = TableParser(kind_spec(kind), table.headers)
        rows = len(table.row_numbers)
        for start in range(0, rows, size):
            parser.add(lambda c, start=start: table.column(c)[start:start + size], min(size, rows - start))
        _same_parse(parser.finish(table, lazy=lazy), parse_table(kind_spec(kind), table, lazy=lazy))


def _county():
    database = open_database(":memory:")
    set_installation(database, "甘肃省", "张掖市", "测试县")
    return database


_STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d")
_UID = re.compile(r"[0-9a-f]{16}([0-9a-f]{16})")  # a random prefix per open, then a counter


def _plain(value: object) -> object:
    if isinstance(value, str) and _STAMP.match(value):
        return "<time>"
    if isinstance(value, str) and (uid := _UID.fullmatch(value)):
        return uid[1]
    return value


def _dump(database) -> list:
    """Every table's rows, the times they were written at and the uids' random prefixes left out."""
    tables = [r[0] for r in database.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")]
    out = []
    for name in tables:
        rows = [tuple(map(_plain, row)) for row in database.execute(f"SELECT * FROM '{name}'")]
        out.append((name, sorted(rows, key=repr)))  # ids and all: the same rows
    return out


def _result(result) -> tuple:
    return (result.ok, result.kind, result.rows, result.added, result.changed, result.unchanged,
            [(i.row, i.field, i.message) for i in result.errors], [(i.row, i.field, i.message) for i in result.warnings],
            result.unknown_columns, result.details)


def test_imports_with_the_sheet_read_beside_are_the_imports_read_here(tmp_path, monkeypatch):
    clean, wrong = _roster(tmp_path / "人员.xlsx", wrong=False), _roster(tmp_path / "人员错.xlsx")
    spells = _spells(tmp_path / "务工.xlsx", ROWS)
    county = tmp_path / "county.db"
    made = open_database(county)
    set_installation(made, "甘肃省", "张掖市", "测试县")
    made.close()
    outcomes = []
    parsed_whole = []
    parse = engine.parse_table
    monkeypatch.setattr(engine, "parse_table", lambda *a, **k: parsed_whole.append(1) or parse(*a, **k))
    for threshold in (0, 2**62):
        monkeypatch.setattr(sheet_process, "MIN_BYTES", threshold)
        shutil.copy(county, tmp_path / f"{threshold}.db")  # one installation: the same uids
        database = open_database(tmp_path / f"{threshold}.db")
        results = [_result(import_file(database, None, wrong, errors_path=tmp_path / f"e{threshold}.xlsx")),
                   _result(import_file(database, "persons", clean)),
                   _result(import_file(database, "auto", spells, errors_path=tmp_path / f"s{threshold}.xlsx")),
                   _result(import_file(database, "employment", spells, dry_run=True))]
        outcomes.append((results, _dump(database)))
        database.close()
        assert len(parsed_whole) == (0 if threshold == 0 else 4)  # read beside, parsed as they came
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0][0][6] and outcomes[0][0][2][6]  # the rejected files said why


def _guarded_files(tmp_path: Path) -> list[Path]:
    """Files the stream does not read as it is first tried: an error cell (measured first, then
    read whole), rows out of order (read whole), a cell left of the header far down (the
    table's columns move: read beside, parsed here again)."""
    out_of_order = (_row(1, [_s(f"{c}1", i) for i, c in enumerate("AB")])
                    + _row(3, [_inline("A3", "乙"), _inline("B3", "2")]) + _row(2, [_inline("A2", "甲"), _inline("B2", "1")]))
    return [_xlsx(tmp_path / "errors.xlsx", [("台账", _cells_sheet(errors=True), False)], SHARED),
            _xlsx(tmp_path / "order.xlsx", [("台账", out_of_order, False)], SHARED)]


def test_a_file_the_child_does_not_read_is_read_here(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_process, "MIN_BYTES", 0)
    seen = []
    read = engine.read_table
    monkeypatch.setattr(engine, "read_table", lambda p, keep: seen.append(p) or read(p, keep=keep))
    for path in _guarded_files(tmp_path):
        assert _beside(path)[0] is None
        engine._read(path, None)  # noqa: SLF001
        assert seen[-1] == path
    empty = tmp_path / "空.xlsx"
    write_xlsx(empty, [], [])
    assert _beside(empty)[0] is None
    with pytest.raises(engine.ReadError, match="是空的"):
        engine._read(empty, None)  # noqa: SLF001 - the reader's own words


def test_a_column_left_of_the_header_moves_the_columns_and_is_parsed_again(tmp_path, monkeypatch):
    rows = [[None, *row] for row in person_rows(30)]
    rows[20][0] = "备注"
    path = write_xlsx(tmp_path / "左.xlsx", [None, *PERSON_HEADERS], rows)
    table, parser = _beside(path, "persons")
    _same_table(table, read_table(path, keep=known_column))
    assert not parser.fits(table)  # the engine parses the table again
    monkeypatch.setattr(sheet_process, "MIN_BYTES", 0)
    database = _county()
    assert import_file(database, "persons", path).ok


# A child that sends the header and one chunk and then dies (killed, out of memory).
_DIES = """
import os, sys
from wengang.services.importing import sheet_process
send, sent = sheet_process._send, []
def dying(out, message):
    send(out, message)
    sent.append(message)
    if len(sent) == 2:
        os._exit(9)
sheet_process._send = dying
sheet_process.child_main(sys.argv[1])
"""


def test_a_child_that_dies_or_does_not_start_leaves_the_file_to_this_process(tmp_path, monkeypatch):
    path = _roster(tmp_path / "人员.xlsx")
    monkeypatch.setattr(sheet_process, "MIN_BYTES", 0)
    expected = _result(import_file(_county(), "persons", path, dry_run=True))
    monkeypatch.setattr(sheet_process, "_child_command", lambda p: [sys.executable, "-c", _DIES, str(p)])
    chunks = []
    assert sheet_process.read_beside(path, lambda *_: None, lambda *a: chunks.append(a)) is None
    assert len(chunks) == 1  # it did die part way
    assert _result(import_file(_county(), "persons", path, dry_run=True)) == expected
    monkeypatch.setattr(sheet_process, "_child_command", lambda p: [str(tmp_path / "no such program"), str(p)])
    assert _result(import_file(_county(), "persons", path, dry_run=True)) == expected
    _no_child_left()


class _Cancelled(Exception):
    pass


def _no_child_left() -> None:
    """No process started by this one is left, running or a zombie (Linux: /proc)."""
    mine = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == os.getpid():
            mine.append(stat)
    assert mine == []


def test_a_cancel_or_a_failure_while_rows_arrive_ends_the_child(tmp_path, monkeypatch):
    path = _roster(tmp_path / "人员.xlsx", wrong=False)

    def cancel(*_args):
        raise _Cancelled
    with pytest.raises(_Cancelled):
        sheet_process.read_beside(path, lambda *_: None, cancel)  # the first chunk
    _no_child_left()
    monkeypatch.setattr(sheet_process, "MIN_BYTES", 0)
    database = _county()
    with pytest.raises(_Cancelled):
        import_file(database, "persons", path, progress=cancel)
    _no_child_left()
    assert database.execute("SELECT count(*) FROM persons").fetchone()[0] == 0


def test_a_small_file_is_read_here(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "十人.xlsx", PERSON_HEADERS, person_rows(10))
    monkeypatch.setattr(engine, "read_beside", None)  # never called
    assert not sheet_process.worth_a_process(path)
    assert import_file(_county(), "persons", path).ok
    assert not sheet_process.worth_a_process(tmp_path / "nothing.xlsx")
