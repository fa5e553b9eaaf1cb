"""Seed reconstruction: each published row becomes a township of a test county, its people are
generated, written as import workbooks, imported, and the form must print the seed's numbers.

Seed 000 附表二 (F1: 黑河市's counties, ranking, 合计 = 附表一 黑河市, dropped-area note),
seed 002 附件 (F5: 张掖市's counties), seed 004 附件 (F9: township rows with county 合计).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from seeds import seed000, seed002, seed004

from wengang.services.reports import cell_persons, compute_form
from wengang.store.areas import set_installation
from wengang.store.db import open_database


def _fresh(province, city, county):
    db = open_database(":memory:")
    set_installation(db, province, city, county)
    return db


def _published(values):
    return [Decimal(v) if isinstance(v, str) else v for v in values]


@pytest.fixture(scope="module")
def f1_db(tmp_path_factory):
    db = _fresh("黑龙江省", "黑河市", "测试县")
    seed000.build().load_into(db, tmp_path_factory.mktemp("seed000"))
    yield db
    db.close()


@pytest.fixture(scope="module")
def f5_db(tmp_path_factory):
    db = _fresh("甘肃省", "张掖市", "测试县")
    seed002.build().load_into(db, tmp_path_factory.mktemp("seed002"))
    yield db
    db.close()


@pytest.fixture(scope="module")
def f9_db(tmp_path_factory):
    db = _fresh("湖北省", "黄石市", "大冶市")
    seed004.build().load_into(db, tmp_path_factory.mktemp("seed004"))
    yield db
    db.close()


def test_f1_reproduces_seed_000_rows_ranking_and_total(f1_db):
    result = compute_form(f1_db, "F1", seed000.AS_OF)
    rows = [r for r in result.rows if r.kind == "area"]
    # ranking: by ratio, descending, numbered 1…n as the seed prints them
    assert [r.label for r in rows] == [r[1] for r in seed000.ROWS]
    assert [r.number for r in rows] == list(range(1, len(seed000.ROWS) + 1))
    for row, published in zip(rows, seed000.ROWS):
        assert [row.values[k] for k in seed000.COLUMNS] == _published(published[2:]), row.label
    total = result.total()
    assert result.rows[0] is total and total.label == "合计"
    assert [total.values[k] for k in seed000.COLUMNS] == _published(seed000.TOTAL)
    # the township without 2020 employment leaves the table and is named in the note
    assert seed000.DROPPED not in [r.label for r in rows]
    assert result.notes[0] == "注：本表中共统计 7 个乡镇，向阳区等 1 个乡镇 2020 年无就业数据。"
    assert [c.label for c in result.columns][:4] == [
        "乡镇（街道）", "2020年就业人数", "2021年目前就业人数", "2021年就业人数占2020年比例（%）"]


def test_f1_cells_list_the_persons_counted(f1_db):
    row = next(r for r in compute_form(f1_db, "F1", seed000.AS_OF).rows if r.label == "爱辉区")
    persons = cell_persons(f1_db, "F1", seed000.AS_OF, row.area_id, "ty_out")
    assert len(persons) == 38
    # a ratio cell drills to its numerator
    assert len(cell_persons(f1_db, "F1", seed000.AS_OF, row.area_id, "ratio")) == 334
    assert len(cell_persons(f1_db, "F1", seed000.AS_OF, None, "ly")) == 6229


def test_f5_reproduces_seed_002_rows_and_total(f5_db):
    result = compute_form(f5_db, "F5", seed002.AS_OF)
    rows = [r for r in result.rows if r.kind == "area"]
    assert [r.label for r in rows] == [r[0] for r in seed002.ROWS]
    for row, published in zip(rows, seed002.ROWS):
        assert [row.values[k] for k in seed002.COLUMNS] == list(published[1:]), row.label
    assert [result.total().values[k] for k in seed002.COLUMNS] == list(seed002.TOTAL)
    assert [c.label for c in result.columns][:3] == [
        "行政区划", "2019年务工人数", "2019年务工就业人员中至今尚未务工就业人数"]


def test_f5_household_cells_drill_to_cohort_members(f5_db):
    rows = {r.label: r for r in compute_form(f5_db, "F5", seed002.AS_OF).rows}
    sunan = rows["肃南县"].area_id
    assert len(cell_persons(f5_db, "F5", seed002.AS_OF, sunan, "zero_persons")) == 13
    assert len(cell_persons(f5_db, "F5", seed002.AS_OF, sunan, "fell_this")) == 3
    assert len(cell_persons(f5_db, "F5", seed002.AS_OF, None, "planned")) == 1


@pytest.mark.parametrize("row", seed002.ROWS + [("张掖市", *seed002.TOTAL)], ids=lambda r: r[0])
def test_seed_002_rows_satisfy_the_f5_identity(row):
    """尚未 = 减少为0人数 + (去年人数 − 今年人数): true for every published row."""
    _, _, not_yet, _, p0, _, l1, t1, _ = row
    assert not_yet == p0 + (l1 - t1)


def test_f9_reproduces_seed_004_rows_and_county_subtotals(f9_db):
    result = compute_form(f9_db, "F9", seed004.AS_OF, period_from=seed004.PERIOD_FROM)
    body = result.rows[1:]
    expected = []
    for county in dict.fromkeys(r[0] for r in seed004.ROWS):
        members = [r for r in seed004.ROWS if r[0] == county]
        expected += [(county, r[1], _published(r[2:])) for r in members]
        if county in seed004.SUBTOTALS:
            expected.append((county, "合计", _published(seed004.SUBTOTALS[county])))
    assert [(r.group, r.label) for r in body] == [(c, t) for c, t, _ in expected]
    for row, (_, _, values) in zip(body, expected):
        assert [row.values[k] for k in seed004.COLUMNS] == values, (row.group, row.label)
    assert [r.kind for r in body].count("subtotal") == 2
    total = result.total()
    assert (total.values["connected"], total.values["connected_rate"]) == (340, Decimal("56.7"))  # 340 of 600 called
    assert [c.label for c in result.columns][:3] == ["县(市、区)", "乡镇（街道）", "人数(人)"]


@pytest.mark.parametrize("row", seed000.ALL_ROWS, ids=lambda r: r[1])
def test_seed_000_rows_satisfy_the_f1_identity_and_half_up_ratio(row):
    """Every published row of 附表二: total = 省外 + 省内县外 + 县内, ratio = 本年/上年 half-up."""
    from wengang.domain.numbers import percent

    _, _, ly, ty, ratio, ly_out, ty_out, ly_prov, ty_prov, ly_cty, ty_cty = row
    assert ly == ly_out + ly_prov + ly_cty and ty == ty_out + ty_prov + ty_cty
    assert percent(ty, ly, 2) == Decimal(ratio)


def test_seed_000_county_rows_add_up_to_the_published_total():
    sums = [sum(r[i] for r in seed000.ALL_ROWS) for i in (2, 3, 5, 6, 7, 8, 9, 10)]
    total = seed000.ALL_TOTAL
    assert sums == [total[0], total[1], *total[3:]]
