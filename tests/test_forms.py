"""Forms F1–F9 on small hand-made counties and on the demo county: definitions, identities,
drill-down, grouping, and the declarations themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wengang.services.reports import FormError, cell_persons, compute_form, get_form, list_forms
from wengang.services.reports.model import header_grid

AS_OF = "2023-06-30"


def test_every_declared_form_is_listed_with_its_parameters():
    forms = {f.number: f for f in list_forms()}
    assert list(forms) == [f"F{i}" for i in range(1, 10)]
    assert forms["F4"].needs_period and forms["F9"].needs_period
    assert forms["F3"].needs_ref_date and not forms["F1"].needs_ref_date
    assert forms["F8"].groupings == ("site",)
    assert get_form("f5").id == "not-yet-employed"
    with pytest.raises(FormError, match="没有报表"):
        get_form("F99")


@pytest.mark.parametrize("form", [f.id for f in list_forms()])
def test_every_form_computes_on_an_empty_county_with_total_first(db, form):
    result = compute_form(db, form, AS_OF)
    assert result.rows[0].kind == "total" and result.rows[0].label == "合计"
    depth, _cells = header_grid(result.header)
    assert depth >= 1 and len(result.columns) == len({c.key for c in result.columns})


def test_f1_counts_regions_by_each_years_latest_spell_and_only_poor_households(db, factory):
    hh = factory.household("甲镇", "一村")
    a = factory.person(hh)
    factory.spell(a, "2022-01-01", "2022-03-31", region="县内")
    factory.spell(a, "2022-05-01", "2023-02-28", region="省外")      # 2022: 省外 (latest start)
    factory.spell(a, "2023-04-01", None, region="省内县外")            # 2023: 省内县外
    b = factory.person(factory.household("甲镇", "二村", hh_type="同步搬迁户"))
    factory.spell(b, "2022-05-01", None)                               # not poor: not counted
    row = compute_form(db, "F1", AS_OF).row("甲镇").values
    assert (row["ly"], row["ly_out"], row["ly_cty"]) == (1, 1, 0)
    assert (row["ty"], row["ty_prov"], row["ty_out"]) == (1, 1, 0)
    assert row["ratio"] == Decimal("100.00")


def test_f1_by_village_and_area_scope(db, factory):
    for village in ("一村", "二村"):
        p = factory.person(factory.household("甲镇", village))
        factory.spell(p, "2022-05-01", None)
    p = factory.person(factory.household("乙镇", "三村"))
    factory.spell(p, "2022-05-01", None)
    by_village = compute_form(db, "F1", AS_OF, by="village")
    assert sorted(r.label for r in by_village.rows[1:]) == ["一村", "三村", "二村"]
    township = db.execute("SELECT id FROM areas WHERE name = '甲镇'").fetchone()[0]
    scoped = compute_form(db, "F1", AS_OF, by="village", area_id=township)
    assert [r.label for r in scoped.rows[1:]] == ["一村", "二村"] and scoped.total().values["ly"] == 2
    assert scoped.title.startswith("甲镇")


def test_unknown_grouping_is_refused_in_chinese(db):
    with pytest.raises(FormError, match="不能按安置点分组"):
        compute_form(db, "F9", AS_OF, by="site")


def test_f3_targets_posts_and_workshops_now_against_a_reference_date(db, factory):
    town = factory.village("甲镇", "一村")
    township = db.execute("SELECT parent_id FROM areas WHERE id = ?", [town]).fetchone()[0]
    db["targets"].insert({"area_id": township, "year": 2023, "target": 4})
    ws = db["organisations"].insert({"name": "甲镇帮扶车间", "kind": "帮扶车间", "area_id": town,
                                     "recognised_date": "2023-02-01"}).last_pk
    for i in range(3):
        p = factory.person(factory.household("甲镇", "一村"))
        if i == 0:
            factory.spell(p, "2022-06-01", None, region="县内", channel="公益性岗位")
        elif i == 1:
            factory.spell(p, "2023-03-01", None, region="县内", channel="帮扶车间", org_id=ws)
        else:
            factory.spell(p, "2022-06-01", "2023-01-31", region="县内", channel="公益性岗位")
    row = compute_form(db, "F3", AS_OF, ref_date="2022-12-31").row("甲镇").values
    assert (row["target"], row["actual"], row["ratio"], row["shortfall"]) == (4, 3, Decimal("75.0"), 1)
    assert (row["posts_now"], row["posts_ref"], row["posts_change"]) == (1, 2, -1)
    assert (row["ws_now"], row["ws_ref"], row["ws_persons_now"], row["ws_persons_ref"]) == (1, 0, 1, 0)


def test_f4_counts_services_in_the_period_and_only_employment_fund_subsidies(db, factory):
    village = factory.village("甲镇", "一村")
    p = factory.person(factory.household("甲镇", "一村"))
    for day, kind in [("2023-04-01", "职业指导"), ("2023-05-01", "职业指导"), ("2023-03-31", "职业指导"),
                      ("2023-04-02", "岗位信息推送"), ("2023-04-03", "免费培训")]:
        db["services"].insert({"person_id": p, "service_date": day, "kind": kind})
    ws = db["organisations"].insert({"name": "车间", "kind": "帮扶车间", "area_id": village}).last_pk
    db["subsidies"].insert_all([
        {"org_id": ws, "paid_date": "2023-05-10", "kind": "帮扶车间吸纳就业奖补", "amount": 3000,
         "funding": "就业补助资金", "persons_covered": 3},
        {"person_id": p, "paid_date": "2023-05-10", "kind": "公益性岗位补贴", "amount": 500, "funding": "就业补助资金"},
        {"person_id": p, "paid_date": "2023-05-10", "kind": "一次性往返交通补助", "amount": 500, "funding": "衔接资金"},
        {"person_id": p, "paid_date": "2023-05-11", "kind": "培训补贴", "amount": 800, "funding": "就业补助资金",
         "policy_text": "技能培训补贴"},
    ])
    result = compute_form(db, "F4", AS_OF, period_from="2023-04-01")
    row = result.row("甲镇").values
    assert (row["guidance"], row["job_info"], row["training"]) == (2, 1, 1)
    assert (row["ws_persons"], row["ws_orgs"], row["ws_amount"]) == (3, 1, 3000.0)
    assert (row["post_persons"], row["post_amount"]) == (1, 500.0)
    assert (row["other_persons"], row["other_amount"], row["other_text"]) == (1, 800.0, "技能培训补贴")
    assert result.period_from == dt.date(2023, 4, 1)
    # the default period is the as-of quarter (seed 001's form is quarterly, issue 17)
    assert compute_form(db, "F4", AS_OF).row("甲镇").values["guidance"] == 2
    assert compute_form(db, "F4", AS_OF, period_from="2023-06-01").row("甲镇").values["guidance"] == 0


def test_f6_f7_f8_relocated_people_employed_now(db, factory):
    site = db["relocation_sites"].insert({"name": "幸福家园安置点", "county": "测试县", "township": "甲镇",
                                          "site_type": "城镇", "over_800": 1}).last_pk
    # distinct birth dates: the factory's IDs repeat for neighbouring numbers of one sex
    births = iter(dt.date(1980, 1, day) for day in range(1, 28))
    poor = factory.household("甲镇", "一村", relocated=1, site_id=site)
    rich = factory.household("甲镇", "一村", relocated=1, site_id=site, hh_type="同步搬迁户")
    a = factory.person(poor, birth=next(births))
    factory.spell(a, "2023-01-01", None, region="县内", channel="帮扶车间")
    b = factory.person(poor, birth=next(births))
    factory.spell(b, "2023-01-01", "2023-05-31")                     # returned: not employed now
    db["surveys"].insert({"person_id": b, "survey_date": "2023-06-10", "willing": 1})
    factory.person(poor, birth=next(births), labour_skill="无劳动力")
    c = factory.person(rich, birth=next(births))
    factory.spell(c, "2023-02-01", None, region="省外")
    factory.person(factory.household("甲镇", "二村"), birth=next(births))                 # not relocated
    f6 = compute_form(db, "F6", AS_OF).row("甲镇").values
    assert (f6["population"], f6["labour"], f6["employed"], f6["unemployed"], f6["willing"]) == (4, 3, 2, 1, 1)
    assert (f6["out_province"], f6["in_county"], f6["workshop"]) == (1, 1, 1)
    f7 = compute_form(db, "F7", AS_OF).row("甲镇").values
    assert (f7["population"], f7["labour"], f7["employed"], f7["unemployed"]) == (3, 2, 1, 1)
    f6_site = compute_form(db, "F6", AS_OF, by="site")
    assert [r.label for r in f6_site.rows] == ["合计", "幸福家园安置点"]
    f8 = compute_form(db, "F8", AS_OF)
    row = f8.row("幸福家园安置点")
    assert (row.values["county"], row.values["over_800"], row.values["employed"], row.number) == ("测试县", "是", 2, 1)
    assert row.values["rate"] == Decimal("66.67")


def test_drill_down_matches_every_count_cell_on_the_demo_county(demo):
    db, as_of = demo
    for form in ("F1", "F5", "F6"):
        result = compute_form(db, form, as_of)
        for row in result.rows[:4]:
            for column in result.columns:
                if column.drillable and column.kind == "int":
                    persons = cell_persons(db, form, as_of, row.area_id, column.key)
                    if form != "F5" or column.key in ("ly", "not_yet", "planned", "zero_persons", "fell_last", "fell_this"):
                        assert len(persons) == row.values[column.key], (form, row.label, column.key)


@pytest.fixture(scope="module")
def demo():
    from wengang.services.demo import build_demo
    from wengang.store.db import open_database

    database = open_database(":memory:")
    as_of = dt.date(2026, 9, 30)
    build_demo(database, households=1500, seed=3, as_of=as_of)
    yield database, as_of
    database.close()


def test_identities_hold_on_every_row_of_the_demo_county(demo):
    db, as_of = demo
    f1 = compute_form(db, "F1", as_of)
    for row in f1.rows:
        v = row.values
        assert v["ly"] == v["ly_out"] + v["ly_prov"] + v["ly_cty"], row.label
        assert v["ty"] == v["ty_out"] + v["ty_prov"] + v["ty_cty"], row.label
    f5 = compute_form(db, "F5", as_of)
    assert f5.total().values["ly"] == f1.total().values["ly"]
    for row in f5.rows:
        v = row.values
        assert v["not_yet"] == v["zero_persons"] + (v["fell_last"] - v["fell_this"]), row.label
    for form in ("F6", "F7"):
        for by in ("township", "site"):
            for row in compute_form(db, form, as_of, by=by).rows:
                v = row.values
                assert v["labour"] == v["employed"] + v["unemployed"], (form, by, row.label)
                assert v["employed"] == v["out_province"] + v["in_province"] + v["in_county"], (form, row.label)
    assert compute_form(db, "F8", as_of).total().values["employed"] == compute_form(db, "F6", as_of).total().values["employed"]
    assert f5.total().values["ly"] > 0 and f5.total().values["zero_hh"] > 0


def test_status_tables_are_recomputed_after_a_write(db, factory):
    p = factory.person(factory.household("甲镇", "一村"))
    factory.spell(p, "2022-05-01", None)
    assert compute_form(db, "F1", AS_OF).total().values["ly"] == 1
    q = factory.person(factory.household("甲镇", "一村"))
    factory.spell(q, "2022-05-01", None)
    assert compute_form(db, "F1", AS_OF).total().values["ly"] == 2


def test_f9_by_village_groups_villages_under_their_township_with_subtotals(demo):
    db, as_of = demo
    result = compute_form(db, "F9", as_of, by="village", period_from=dt.date(as_of.year, 1, 1))
    assert result.columns[0].label == "乡镇（街道）"
    subtotals = [r for r in result.rows if r.kind == "subtotal"]
    assert subtotals, "the demo county has spot checks in several villages of a township"
    for sub in subtotals:
        members = [r for r in result.rows if r.kind == "area" and r.group == sub.group]
        assert len(members) >= 2
        assert sub.values["connected"] == sum(r.values["connected"] for r in members)
    areas = [r for r in result.rows if r.kind == "area"]
    assert result.total().values["connected"] == sum(r.values["connected"] for r in areas)


def test_a_new_form_is_only_a_new_declaration(db, factory, tmp_path, monkeypatch):
    """A province's own form: one JSON file next to the others, no code."""
    import json
    import shutil

    from wengang.paths import resource_path
    from wengang.services.reports import forms

    folder = tmp_path / "forms"
    shutil.copytree(resource_path("forms"), folder)
    (folder / "returned.json").write_text(json.dumps({
        "id": "returned", "number": "F10", "title": "{area}{year}年返乡回流人员统计表",
        "filters": {"person": "poor"},
        "header": [{"label": "{level_label}", "key": "area"},
                   {"label": "返乡回流", "children": [{"label": "人数", "key": "returned"},
                                                   {"label": "其中再输出", "key": "replaced"},
                                                   {"label": "再输出率(%)", "key": "rate"}]}],
        "columns": [{"key": "returned", "source": "person", "where": "returned"},
                    {"key": "replaced", "source": "person", "where": "returned & replaced"},
                    {"key": "rate", "formula": "percent", "of": ["replaced", "returned"], "decimals": 1}],
    }, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(forms, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    forms._load_all.cache_clear()
    forms.populations.cache_clear()
    try:
        a = factory.person(factory.household("甲镇", "一村"))
        factory.spell(a, "2022-05-01", "2023-02-28")
        factory.spell(a, "2023-04-01", None)
        b = factory.person(factory.household("甲镇", "一村"), birth=dt.date(1990, 1, 1))
        factory.spell(b, "2022-05-01", "2023-03-31")
        assert [f.number for f in list_forms()][-1] == "F10"
        result = compute_form(db, "F10", AS_OF)
        assert result.title == "测试县2023年返乡回流人员统计表"
        row = result.row("甲镇").values
        assert (row["returned"], row["replaced"], row["rate"]) == (2, 1, Decimal("50.0"))
        assert cell_persons(db, "F10", AS_OF, None, "replaced") == [a]
    finally:
        forms._load_all.cache_clear()
        forms.populations.cache_clear()


def test_dates_are_read_as_caseworkers_write_them_and_bad_ones_refused(db):
    assert compute_form(db, "F1", "2023年6月30日").as_of == dt.date(2023, 6, 30)
    with pytest.raises(FormError, match="不是可识别的日期"):
        compute_form(db, "F1", "6/31")
    with pytest.raises(FormError, match="晚于截止日"):
        compute_form(db, "F4", AS_OF, period_from="2023-07-01")


def test_the_person_cube_gives_the_same_numbers_as_counting_person_rows(demo, monkeypatch):
    """Every form, by every grouping, with and without the pre-grouped person table."""
    from wengang.services.reports import engine

    db, as_of = demo
    params = {"period_from": dt.date(as_of.year, 1, 1), "ref_date": dt.date(as_of.year - 1, 12, 31)}
    fast = {(f.id, by): [r.values for r in compute_form(db, f.id, as_of, by=by, **params).rows]
            for f in list_forms() for by in f.groupings}
    assert len(engine.cube_predicates()) > 20  # the fast path does count most columns on the cube
    monkeypatch.setattr(engine, "_on_cube", lambda _decl, _col: None)
    for (form, by), rows in fast.items():
        assert [r.values for r in compute_form(db, form, as_of, by=by, **params).rows] == rows, (form, by)
