"""Spot checks: reproducible stratified samples, call sheets that round-trip (issue 16)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from wengang.cli.main import main
from wengang.services.duties.spot_check import (
    SHEET_COLUMNS,
    Call,
    SpotCheckError,
    _allocate,
    draw_sample,
    import_call_sheet,
    record_call,
    write_call_sheet,
)

D = dt.date


@pytest.fixture
def county(factory):
    """Two townships: 城关镇 30 workers 省外 and 10 县内, 沙河镇 8 workers 省内县外."""
    f = factory
    for n in range(40):
        p = f.person(f.household(township="城关镇", village=f"村{n % 3}"))
        f.spell(p, "2026-03-01", region="省外" if n < 30 else "县内", place_province="浙江省", place_city="宁波市")
    for _ in range(8):
        p = f.person(f.household(township="沙河镇", village="沙河村"))
        f.spell(p, "2026-04-01", region="省内县外")
    idle = f.person(f.household(township="沙河镇", village="沙河村"))   # not at work: never sampled
    return {"idle": idle}


def _picked(db, sample_id):
    return db.execute("SELECT township, stratum, person_id FROM spot_check_sample_persons WHERE sample_id = ? "
                      "ORDER BY seq", [sample_id]).fetchall()


def test_the_same_seed_draws_the_same_people_and_another_seed_others(db, county):
    first = draw_sample(db, D(2026, 10, 31), per_township=12, seed=42)
    again = draw_sample(db, D(2026, 10, 31), per_township=12, seed=42)
    other = draw_sample(db, D(2026, 10, 31), per_township=12, seed=43)
    assert [r[2] for r in _picked(db, first.id)] == [r[2] for r in _picked(db, again.id)]
    assert {r[2] for r in _picked(db, first.id)} != {r[2] for r in _picked(db, other.id)}
    assert county["idle"] not in {r[2] for r in _picked(db, first.id)}


def test_each_township_gets_n_split_over_its_strata(db, county):
    sample = draw_sample(db, D(2026, 10, 31), per_township=12, seed=1)
    assert sample.by_township == {"城关镇": 12, "沙河镇": 8}      # a township with fewer gives all
    strata = [r[1] for r in _picked(db, sample.id) if r[0] == "城关镇"]
    assert strata.count("省外") == 9 and strata.count("县内") == 3  # 30:10 of 12
    assert _allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}


def test_people_checked_recently_are_left_out(db, county):
    sample = draw_sample(db, D(2026, 10, 31), per_township=40, seed=1)
    checked = [r[2] for r in _picked(db, sample.id) if r[0] == "沙河镇"][:3]
    for pid in checked:
        db["spot_checks"].insert({"person_id": pid, "check_date": "2026-07-15", "phone_connected": 1})
    db["spot_checks"].insert({"person_id": next(r[2] for r in _picked(db, sample.id)), "check_date": "2025-01-15",
                              "phone_connected": 1})  # long ago: may be drawn again
    later = draw_sample(db, D(2026, 10, 31), per_township=40, seed=1, exclude_months=6)
    assert later.by_township["沙河镇"] == 5
    assert not set(checked) & {r[2] for r in _picked(db, later.id)}
    assert later.by_township["城关镇"] == 40


def test_cross_check_assigns_another_township_or_another_county(db, county):
    sample = draw_sample(db, D(2026, 10, 31), per_township=5, seed=1, cross=True)
    units = dict(db.execute("SELECT DISTINCT township, checker_unit FROM spot_check_sample_persons "
                            "WHERE sample_id = ?", [sample.id]).fetchall())
    assert units == {"城关镇": "沙河镇", "沙河镇": "城关镇"}
    city = draw_sample(db, D(2026, 10, 31), per_township=5, seed=1, checker_units=["测试县", "阳新县", "大冶市"])
    units = {r[0] for r in db.execute("SELECT DISTINCT checker_unit FROM spot_check_sample_persons "
                                      "WHERE sample_id = ?", [city.id]).fetchall()}
    assert units == {"阳新县", "大冶市"}                           # never the township's own county


def _fill(path, answers: dict[int, list]):
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    first = SHEET_COLUMNS.index("电话接通") + 1
    for row, values in answers.items():
        for offset, value in enumerate(values):
            ws.cell(row=row, column=first + offset, value=value)
    wb.save(path)


def test_call_sheet_round_trips_into_spot_checks_and_f9(db, county, tmp_path):
    sample = draw_sample(db, D(2026, 10, 31), per_township=3, seed=9)
    path = tmp_path / "calls.xlsx"
    assert write_call_sheet(db, sample.id, path) == 6
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[2] == SHEET_COLUMNS
    assert rows[3][0] == f"{sample.id}-0001" and "********" in rows[3][5]
    assert rows[3][8] in ("2026年03月", "2026年04月")
    _fill(path, {4: ["是", "是", "否", "是", "2026-11-05", "张三"], 5: ["否", None, None, None, "2026-11-05"],
                 6: ["√", "×", "是", "否", "2026/11/6"]})
    result = import_call_sheet(db, path)
    assert (result.imported, result.unanswered, result.errors) == (3, 3, [])
    assert result.period == (D(2026, 11, 5), D(2026, 11, 6))
    got = db.execute("SELECT phone_connected, place_consistent, time_consistent, policy_aware, checker "
                     "FROM spot_checks ORDER BY check_date, id").fetchall()
    assert sorted(got, key=str) == sorted([(1, 1, 0, 1, "张三"), (0, None, None, None, None), (1, 0, 1, 0, None)],
                                          key=str)
    # the sheet written again shows the answers in
    write_call_sheet(db, sample.id, path)
    again = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert again[3][9:15] == ("是", "是", "否", "是", "2026-11-05", "张三")


def test_a_bad_cell_rejects_the_whole_sheet_with_the_error_workbook(db, county, tmp_path):
    sample = draw_sample(db, D(2026, 10, 31), per_township=3, seed=9)
    path = tmp_path / "calls.xlsx"
    write_call_sheet(db, sample.id, path)
    _fill(path, {4: ["是", "是", "是", "是", "2026-11-05"], 5: ["也许", None, None, None, "2026-11-05"],
                 6: ["否", "是", None, None, "2026-11-05"]})
    result = import_call_sheet(db, path)
    assert result.imported == 0 and len(result.errors) == 2
    assert db.execute("SELECT count(*) FROM spot_checks").fetchone()[0] == 0
    book = openpyxl.load_workbook(result.errors_path)
    sheet = book["导入数据"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[-1] == "错误说明"
    notes = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(n and "也许" in n for n in notes) and any(n and "未接通" in n for n in notes)
    red = [c for row in sheet.iter_rows(min_row=2) for c in row if c.fill.fgColor.rgb == "FFFFC7CE"]
    assert len(red) == 2


def test_keyboard_entry_records_one_call(db, county):
    sample = draw_sample(db, D(2026, 10, 31), per_township=1, seed=9)
    record_call(db, Call(sample.id, 1, True, True, False, True, D(2026, 11, 2), "李四"))
    record_call(db, Call(sample.id, 1, True, True, True, True, D(2026, 11, 2), "李四"))   # corrected
    assert db.execute("SELECT time_consistent FROM spot_checks").fetchall() == [(1,)]
    with pytest.raises(SpotCheckError, match="三项"):
        record_call(db, Call(sample.id, 2, True, None, None, None, D(2026, 11, 2)))


def test_cli_draw_sheet_import_f9(tmp_path, capsys):
    from conftest import Factory

    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "湖北省", "黄石市", "测试县")
    f = Factory(database)
    for _ in range(4):
        f.spell(f.person(), "2026-02-01")
    database.close()
    base = ["--db", str(path), "spot-check"]
    assert main([*base, "draw", "--as-of", "2026-10-31", "--seed", "5", "--per-township", "3"]) == 0
    assert "共抽3人" in capsys.readouterr().out
    sheet = tmp_path / "calls.xlsx"
    assert main([*base, "sheet", "1", "--out", str(sheet)]) == 0
    _fill(sheet, {4: ["是", "是", "是", "否"], 5: ["是", "否", "是", "是"], 6: ["否"]})
    f9 = tmp_path / "F9.xlsx"
    assert main([*base, "import", str(sheet), "--date", "2026-11-03", "--f9", str(f9)]) == 0
    assert "已导入3人" in capsys.readouterr().out
    cells = [c for row in openpyxl.load_workbook(f9).active.iter_rows(values_only=True) for c in row]
    assert "66.7" in [str(c) for c in cells] or 66.7 in cells      # 2 of 3 connected
