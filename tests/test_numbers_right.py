"""Issue 17: every number right at every level — facts recorded above the rows (县本级,
乡镇本级), F4's population and period, F3's and F1's 合计."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.services.reports import compute_form
from wengang.services.reports.periods import period_start

AS_OF = "2026-11-30"
AMOUNTS = ("svc_amount", "ws_amount", "base_amount", "post_amount", "insurance_amount", "incubator_amount",
           "startup_amount", "other_amount")


@pytest.fixture
def county(db, factory):
    areas = factory.areas
    county_id = areas.ensure([("county", "测试县")])
    town = areas.ensure([("county", "测试县"), ("township", "城关镇")])
    org = lambda name, kind, area: db["organisations"].insert(  # noqa: E731
        {"name": name, "kind": kind, "area_id": area, "recognised_date": "2025-01-01"}).last_pk
    county_base = org("县就业帮扶基地", "就业帮扶基地", county_id)
    town_workshop = org("城关镇帮扶车间", "帮扶车间", town)
    village_workshop = org("城关村帮扶车间", "帮扶车间", factory.village("城关镇", "城关村"))
    poor = factory.person(factory.household("城关镇", "城关村"))
    other_town = factory.person(factory.household("西河乡", "西河村", hh_type="监测户", monitor_category="边缘易致贫户"))
    non_poor = factory.person(factory.household("城关镇", "城关村", hh_type="同步搬迁户", relocated=1))
    pay = lambda **kw: db["subsidies"].insert({"paid_date": "2026-11-10", "funding": "就业补助资金", **kw})  # noqa: E731
    pay(org_id=county_base, kind="就业帮扶基地一次性奖补", amount=100000)
    pay(org_id=county_base, kind="就业创业服务补助", amount=1200, persons_covered=6)
    pay(org_id=town_workshop, kind="帮扶车间吸纳就业奖补", amount=5000, persons_covered=5)
    pay(org_id=village_workshop, kind="帮扶车间吸纳就业奖补", amount=3000, persons_covered=3)
    pay(person_id=poor, kind="公益性岗位补贴", amount=800)
    pay(person_id=other_town, kind="公益性岗位补贴", amount=700)
    pay(person_id=non_poor, kind="公益性岗位补贴", amount=600)                # not 脱贫人口/监测对象
    pay(person_id=poor, kind="公益性岗位补贴", amount=900, funding="衔接资金")  # not 就业补助资金
    pay(person_id=poor, kind="公益性岗位补贴", amount=400, paid_date="2026-08-31")  # before the quarter
    for p in (poor, non_poor):
        db["services"].insert({"person_id": p, "service_date": "2026-11-02", "kind": "职业指导"})
    db["targets"].insert({"area_id": town, "year": 2026, "target": 10})
    factory.spell(poor, "2026-03-01", None, region="县内", channel="帮扶车间", org_id=village_workshop)
    return {"county": county_id, "town": town}


def _restricted_total(db, area_id=None) -> float:
    """The subsidies table as F4's note 2 says: 就业补助资金, to 脱贫人口/监测对象 or to an
    organisation, in the period, within the area."""
    scope = ""
    if area_id:
        scope = f"""AND coalesce(h.area_id, o.area_id) IN (WITH RECURSIVE d(id) AS (SELECT {area_id}
                    UNION ALL SELECT a.id FROM areas a JOIN d ON a.parent_id = d.id) SELECT id FROM d)"""
    return db.execute(f"""SELECT sum(s.amount) FROM subsidies s
        LEFT JOIN persons p ON p.id = s.person_id LEFT JOIN households h ON h.id = p.household_id
        LEFT JOIN organisations o ON o.id = s.org_id
        WHERE s.funding = '就业补助资金' AND s.paid_date BETWEEN '2026-10-01' AND '2026-11-30'
          AND (s.org_id IS NOT NULL OR h.hh_type IN ('脱贫户', '监测户')) {scope}""").fetchone()[0]


@pytest.mark.parametrize("by", ["township", "village"])
@pytest.mark.parametrize("area", [None, "town"])
def test_f4_money_equals_the_subsidies_table_as_note_2_says(db, county, by, area):
    area_id = county[area] if area else None
    result = compute_form(db, "F4", AS_OF, by=by, area_id=area_id)
    total = result.total().values
    assert sum(total[k] or 0 for k in AMOUNTS) == _restricted_total(db, area_id)
    rows = [r for r in result.rows if r.kind != "total"]
    for key in AMOUNTS:  # 合计 is the sum of the rows, 本级 rows included
        assert sum(r.values.get(key) or 0 for r in rows) == pytest.approx(total[key] or 0)
    assert total["guidance"] == 1  # the 同步搬迁户's service is not counted


def test_f4_names_the_county_and_township_own_rows(db, county):
    result = compute_form(db, "F4", AS_OF)
    own = {r.label: r.values for r in result.rows if r.kind == "own"}
    assert own["县本级"]["base_amount"] == 100000 and own["县本级"]["base_orgs"] == 1
    assert any("县本级" in n and "合计" in n for n in result.notes)
    by_village = compute_form(db, "F4", AS_OF, by="village")
    own = {r.label: r.values for r in by_village.rows if r.kind == "own"}
    assert own["城关镇本级"]["ws_amount"] == 5000 and own["城关镇本级"]["ws_persons"] == 5


def test_f4_period_is_the_quarter_by_default(db, county):
    result = compute_form(db, "F4", AS_OF)
    assert result.period_from == dt.date(2026, 10, 1)
    month = compute_form(db, "F4", AS_OF, period_from=period_start(dt.date(2026, 11, 30), "month"))
    assert month.period_from == dt.date(2026, 11, 1)
    assert compute_form(db, "F9", AS_OF).period_from == dt.date(2026, 11, 1)


def test_a_townships_own_f3_carries_its_target_and_workshops(db, county):
    result = compute_form(db, "F3", AS_OF, by="village", area_id=county["town"], ref_date="2025-12-31")
    total = result.total().values
    assert total["target"] == 10 and total["actual"] == 1 and total["ratio"] is not None
    assert total["ws_now"] == 2  # the township's workshop and the village's
    own = next(r for r in result.rows if r.kind == "own")
    assert own.label == "城关镇本级" and own.values["ws_now"] == 1
    assert any("城关镇本级目标任务10人" in n for n in result.notes)


def test_f3_total_shortfall_is_the_sum_of_the_rows(db, factory):
    areas = factory.areas
    for name, target, workers in (("甲镇", 5, 7), ("乙镇", 6, 2)):
        town = areas.ensure([("county", "测试县"), ("township", name)])
        db["targets"].insert({"area_id": town, "year": 2026, "target": target})
        for _ in range(workers):
            factory.spell(factory.person(factory.household(name, name + "村")), "2026-02-01", None)
    total = compute_form(db, "F3", AS_OF).total().values
    assert (total["target"], total["actual"], total["shortfall"]) == (11, 9, 4)  # 0 + 4, not 11 − 9


def test_f1_note_says_the_total_counts_a_dropped_areas_this_year(db, factory):
    factory.spell(factory.person(factory.household("甲镇", "一村")), "2025-02-01", None)
    factory.spell(factory.person(factory.household("乙镇", "二村")), "2026-02-01", None)  # new this year
    result = compute_form(db, "F1", AS_OF)
    assert result.total().values["ty"] == 2
    assert "乙镇" in result.notes[0] and "合计含其2026年就业1人" in result.notes[0]


def test_excel_layout_as_printed(db, county, tmp_path):
    from openpyxl import load_workbook  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    from wengang.services.reports import write_form_xlsx  # noqa: PLC0415
    from wengang.services.reports.xlsx import _shown  # noqa: PLC0415

    db["subsidies"].insert({"org_id": 1, "paid_date": "2026-11-10", "funding": "就业补助资金",
                            "kind": "就业帮扶基地一次性奖补", "amount": 15372400})
    result = compute_form(db, "F4", AS_OF)
    ws = load_workbook(write_form_xlsx(result, tmp_path / "f4.xlsx")).active
    assert not ws.cell(2, 1).alignment.wrap_text  # 填报单位 … stays on its line
    assert "数据来源" in "".join(str(c.value or "") for c in ws[2])
    assert "&P" in ws.oddFooter.center.text
    for j, col in enumerate(result.columns, start=1):  # no "###": every number fits its column
        width = ws.column_dimensions[get_column_letter(j)].width
        assert all(len(_shown(r.values.get(col.key), col)) * 1.1 < width for r in result.rows), col.key


def test_f7_order_and_f8_city_and_800_list(db, factory):
    f7 = compute_form(db, "F7", AS_OF)
    keys = [c.key for c in f7.columns]
    assert keys.index("in_province") < keys.index("out_province")  # 县外省内, then 省外 (seed 003)
    assert any("第4个工作日" in n for n in f7.notes) and any("第4个工作日" in n for n in compute_form(db, "F6", AS_OF).notes)
    for name, big in (("幸福家园", 1), ("小安置点", 0)):
        db["relocation_sites"].insert({"name": name, "county": "测试县", "over_800": big,
                                       "area_id": factory.village("城关镇", "城关村")})
    f8 = compute_form(db, "F8", AS_OF)
    assert [r.label for r in f8.rows[1:]] == ["幸福家园", "小安置点"] and f8.rows[1].values["city"] == "张掖市"
    listed = compute_form(db, "F8", AS_OF, row_filter=True)
    assert [r.label for r in listed.rows[1:]] == ["幸福家园"] and listed.title.endswith("（800人以上）")
    assert any("小安置点" in n for n in listed.notes)


def test_a_townships_bulletin_by_village_in_the_seeds_voice(db, county, factory):
    from wengang.services.bulletin import draft_bulletin  # noqa: PLC0415

    for township in ("城关镇", "西河乡"):  # two villages called 大庄村
        factory.spell(factory.person(factory.household(township, "大庄村")), "2025-03-01", None, region="县内")
    db["spot_checks"].insert({"person_id": 1, "check_date": "2026-11-05", "phone_connected": 1,
                              "place_consistent": 1, "time_consistent": 0, "policy_aware": 1})
    args = {"by": "village"}
    f1, f2, f3, f9 = (compute_form(db, f, AS_OF, **args) for f in ("F1", "F2", "F3", "F9"))
    text = draft_bulletin(f1, f3, f2=f2, f9=f9)
    assert "城关镇大庄村" in text and "西河乡大庄村" in text
    assert "各行政村（社区）：" in text and "根据11月30日从稳岗台账提取的数据，现将" in text
    assert "一、" in text and "二、" in text and "三、" in text
    assert "从县内就业情况分析" in text and "电话接通率为：" in text
    assert "帮扶车间2个" in text  # the township's own workshop counts
    town = compute_form(db, "F1", AS_OF, by="village", area_id=county["town"])
    assert "全镇" in draft_bulletin(town)
