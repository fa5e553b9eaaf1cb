"""Fuzzing the importer: whatever the file, a clear error or a clean import — and on error the
database is exactly as before (issue 7)."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from wengang.domain.ids import check_id, make_id
from wengang.services import importing
from wengang.store.areas import set_installation
from wengang.store.db import open_database

HEADERS = ["乡镇（街道）", "行政村（社区）", "户编号", "户类型", "姓名", "证件号码", "与户主关系",
           "劳动技能", "在校生状况", "联系电话"]
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
CELL_TEXT = st.characters(blacklist_categories=("Cc", "Cs"))  # what a worksheet can hold
FORMULAS = ["=1+1", "=SUM(A1:A3)", '=HYPERLINK("http://example.com","点我")', "=1/0", "=A1", '=cmd|"/c calc"!A1']

cells = st.one_of(
    st.none(),
    st.text(CELL_TEXT, max_size=30),
    st.text(CJK, max_size=10),
    st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(FORMULAS),
    st.builds(lambda n, c: c * n, st.integers(1000, 32000), st.sampled_from(["张", "x", "6"])),  # huge
    st.builds(lambda d, n: make_id("620702", d, n, True),
              st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2010, 1, 1)), st.integers(0, 999)),
)
row_strategy = st.lists(cells, min_size=0, max_size=len(HEADERS) + 2)


def _digest(db) -> str:
    """Everything in the database except SQLite's bookkeeping, as a hash."""
    h = hashlib.sha256()
    for line in db.conn.iterdump():
        h.update(line.encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def fuzz_db():
    db = open_database(":memory:")
    set_installation(db, "甘肃省", "张掖市", "测试县")
    yield db
    db.close()


def _check(db, path: Path, kind=None) -> None:
    before = _digest(db)
    result = importing.import_file(db, kind, path, errors_path=path.with_suffix(".errors.xlsx"))
    if result.ok:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for (number,) in db.execute("SELECT id_number FROM persons").fetchall():
            assert check_id(number).ok, number
        if result.batch_id is not None:
            status = db.execute("SELECT status FROM import_batches WHERE id = ?", [result.batch_id]).fetchone()
            assert status[0] == "done"
    else:
        assert result.errors, "a refused import must say why"
        for issue in result.errors:
            assert issue.message.strip() and any("\u4e00" <= ch <= "\u9fff" for ch in issue.message), issue
        assert _digest(db) == before, "a refused import changed the database"


def _workbook(headers, rows, merges, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    if headers is not None:
        ws.append(headers)
    for row in rows:
        ws.append(row)
    for r1, c1, h, w in merges:
        try:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r1 + h, end_column=c1 + w)
        except ValueError:
            pass
    wb.save(path)
    return path


merges = st.lists(st.tuples(st.integers(1, 8), st.integers(1, 10), st.integers(0, 2), st.integers(0, 3)),
                  max_size=3)


@settings(max_examples=40, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row_strategy, max_size=8), merged=merges, real_headers=st.booleans(),
       headers=st.lists(st.text(CELL_TEXT, max_size=8), max_size=6))
def test_random_workbooks_give_clear_error_or_clean_import(fuzz_db, rows, merged, real_headers, headers):
    with tempfile.TemporaryDirectory() as folder:
        path = _workbook(HEADERS if real_headers else headers, rows, merged, Path(folder) / "随机.xlsx")
        _check(fuzz_db, path)


@settings(max_examples=25, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), prefix=st.sampled_from([b"", b"PK\x03\x04", b"%PDF-1.4\n",
                                                               b"SQLite format 3\x00", b"\xd0\xcf\x11\xe0"]))
def test_any_bytes_renamed_to_xlsx_are_refused_cleanly(fuzz_db, data, prefix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "花名册.xlsx"
        path.write_bytes(prefix + data)
        _check(fuzz_db, path)


def test_fixed_bad_files(fuzz_db, tmp_path):
    # an empty workbook, a headers-only sheet, a zip that is no workbook, a truncated workbook
    _check(fuzz_db, _workbook(None, [], [], tmp_path / "空.xlsx"))
    _check(fuzz_db, _workbook(HEADERS, [], [], tmp_path / "只有表头.xlsx"))
    with zipfile.ZipFile(tmp_path / "压缩包.xlsx", "w") as z:
        z.writestr("readme.txt", "不是表格")
    _check(fuzz_db, tmp_path / "压缩包.xlsx")
    good = _workbook(HEADERS, [["城关镇", "城关村", "1", "脱贫户", "张三",
                                make_id("620702", dt.date(1985, 5, 1), 1, True), "户主", "普通劳动力",
                                "非在校生", "13600000000"]], [], tmp_path / "好.xlsx")
    cut = tmp_path / "截断.xlsx"
    cut.write_bytes(good.read_bytes()[:700])
    _check(fuzz_db, cut)
    (tmp_path / "文本.xlsx").write_text("姓名\t证件号码\n张三\t1\n", encoding="utf-8")
    _check(fuzz_db, tmp_path / "文本.xlsx")


def test_gbk_csv_imports_cleanly(tmp_path):
    db = open_database(":memory:")
    set_installation(db, "甘肃省", "张掖市", "测试县")
    number = make_id("620702", dt.date(1985, 5, 1), 3, True)
    text = ",".join(HEADERS) + "\n" + f"城关镇,城关村,620702000001,脱贫户,张三,{number},户主,普通劳动力,非在校生,13600000000" + "\n"
    path = tmp_path / "国家系统导出.csv"
    path.write_bytes(text.encode("gbk"))
    _check(db, path)
    row = db.execute("SELECT name FROM persons WHERE id_number = ?", [number]).fetchone()
    assert row is not None and row[0] == "张三"  # decoded from GBK, not mojibake
    db.close()


@settings(max_examples=15, database=None, deadline=None)
@given(body=st.text(CELL_TEXT | st.sampled_from(",\n\"\t"), max_size=300),
       encoding=st.sampled_from(["gbk", "utf-8", "utf-16"]))
def test_random_csv_text_in_any_encoding(fuzz_db, body, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "导出.csv"
        path.write_bytes((",".join(HEADERS) + "\n" + body).encode(encoding, errors="replace"))
        _check(fuzz_db, path)


def test_control_character_in_csv_gives_clear_error(fuzz_db, tmp_path):
    path = tmp_path / "导出.csv"
    path.write_bytes((",".join(HEADERS) + "\n\x1b\n").encode("gbk"))
    _check(fuzz_db, path)
