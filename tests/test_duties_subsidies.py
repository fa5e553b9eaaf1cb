"""应享未享 per province: each shipped set gives the amounts its seed states (issue 16)."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from wengang.cli.main import main
from wengang.services.duties.entitlements import owed, write_owed
from wengang.services.rules.subsidies import (
    OrgEntitlement,
    RuleSetNotChosen,
    entitlement_details,
    org_entitlements,
    rule_sets,
)
from wengang.store.areas import set_installation
from wengang.store.db import set_setting

AS_OF = dt.date(2026, 10, 31)


def _found(db, rule_set, as_of=AS_OF):
    return {(r["person_id"], r["kind"]): r for r in entitlement_details(db, rule_set, as_of)}


def test_every_seed_province_has_its_set():
    assert {s.province for s in rule_sets().values()} >= {"黑龙江省", "山西省", "湖北省"}


def test_heilongjiang_hr_placement_200_for_a_year_long_placement(db, factory):
    year = factory.person()
    factory.spell(year, "2025-09-01", channel="有组织劳务输出", region="省外")      # 14 months by D
    short = factory.person()
    factory.spell(short, "2026-01-01", channel="有组织劳务输出", region="省外")     # 10 months by D
    found = _found(db, "heilongjiang_2022")
    row = found[(year, "就业创业服务补助")]
    assert row["amount"] == 200 and row["paid_to"] == "机构"
    assert "2025年9月1日至2026年10月31日" in row["why"] and "≥12个月" in row["why"]
    assert (short, "就业创业服务补助") not in found
    assert found[(short, "生产奖补")]["amount"] == 1000                               # 跨省 ≥3 months


def test_shanxi_training_150_a_day_capped_at_1000_a_course(db, factory):
    three, long_, unknown = factory.person(), factory.person(), factory.person()
    for pid, day, days in [(three, "2026-04-01", 3), (long_, "2026-05-01", 10), (unknown, "2026-06-01", None),
                           (three, "2025-12-01", 5)]:  # last year's course is not this year's subsidy
        db["services"].insert({"person_id": pid, "service_date": day, "kind": "免费培训", "days": days})
    found = _found(db, "shanxi_2020")
    assert found[(three, "培训补贴")]["amount"] == 450
    assert found[(long_, "培训补贴")]["amount"] == 1000
    assert found[(unknown, "培训补贴")]["amount"] == 1000
    assert "培训3天（每天150元，最高1000元）450元" in found[(three, "培训补贴")]["why"]
    db["subsidies"].insert({"person_id": three, "paid_date": "2026-05-01", "kind": "培训补贴", "amount": 450})
    assert (three, "培训补贴") not in _found(db, "shanxi_2020")


def test_shanxi_job_introduction_by_region_and_startup_per_job(db, factory):
    out, near, local = factory.person(), factory.person(), factory.person()
    factory.spell(out, "2026-03-01", channel="有组织劳务输出", region="省外")
    factory.spell(near, "2026-03-01", channel="有组织劳务输出", region="省内县外")
    factory.spell(local, "2026-03-01", channel="有组织劳务输出", region="县内")
    shop = factory.person()
    factory.spell(shop, "2026-01-01", channel="自主创业", region="县内", employer_name="小王便利店")
    found = _found(db, "shanxi_2020")
    assert [found[(p, "职业介绍补贴")]["amount"] for p in (local, near, out)] == [300, 500, 800]
    assert found[(shop, "一次性创业补贴")]["amount"] == 1000
    assert "最高3000元" in found[(shop, "一次性创业补贴")]["why"]


def test_shanxi_absorption_tiers_1000_1200_1500(db, factory):
    org = db["organisations"].insert({"name": "搬迁安置区扶贫车间", "kind": "帮扶车间"}).last_pk
    spell = {"region": "县内", "channel": "帮扶车间", "org_id": org, "monthly_income": 2000}
    for n in range(10):   # ten poor workers hired in 2020: 1,500 each
        factory.spell(factory.person(), "2020-03-01", **spell)
    factory.spell(factory.person(), "2021-03-01", **spell)                                   # poor, later: 1,200
    factory.spell(factory.person(factory.household(hh_type="同步搬迁户")), "2021-03-01", **spell)  # ordinary: 1,000
    found = [o for o in org_entitlements(db, "shanxi_2020", AS_OF, year=2021) if o.kind == "一次性吸纳就业补助"]
    assert found == [OrgEntitlement(org, "一次性吸纳就业补助", 12, 10 * 1500 + 1200 + 1000, 0.0)]


def test_hubei_names_the_subsidy_without_inventing_an_amount(db, factory):
    away = factory.person()
    factory.spell(away, "2026-02-01", region="省外")
    found = _found(db, "hubei_2023")
    assert found[(away, "一次性往返交通补助")]["amount_known"] is False
    result = owed(db, AS_OF, "hubei_2023")
    assert result.by_kind() == [("一次性往返交通补助", 1, None)]
    db["subsidies"].insert({"person_id": away, "paid_date": "2026-06-01", "kind": "一次性往返交通补助", "amount": 300})
    assert _found(db, "hubei_2023") == {}


def test_no_rule_set_chosen_is_said_plainly_and_choosing_one_works(db, factory, tmp_path):
    factory.spell(factory.person(), "2026-02-01", region="省外")
    with pytest.raises(RuleSetNotChosen, match="甘肃省"):
        owed(db, AS_OF)
    set_installation(db, "黑龙江省", "哈尔滨市", "测试县")
    with pytest.raises(RuleSetNotChosen, match="heilongjiang_2022"):   # its own set is offered, not taken
        owed(db, AS_OF)
    set_setting(db, "subsidy_rules", "heilongjiang_2022")
    result = owed(db, AS_OF)
    assert {r["kind"] for r in result.persons} == {"一次性往返交通补助", "生产奖补"}
    path = write_owed(result, tmp_path / "owed.xlsx", mask=True)
    rows = list(openpyxl.load_workbook(path)["应享未享（个人）"].iter_rows(values_only=True))
    assert rows[1][-1] == "为什么" and "省外" in rows[2][-1] and "*" in rows[2][4]
    for sheet in openpyxl.load_workbook(path):  # printed on A4, one page wide
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, sheet.print_title_rows) == \
            ("landscape", 9, 1, "$2:$2")
        # the title above a frozen, shaded header; the columns as wide as declared
        assert (sheet["A1"].font.b, sheet["A1"].font.sz, sheet.freeze_panes) == (True, 13, "A3")
        assert sheet["A1"].value.startswith(sheet.title) and sheet["A1"].value.endswith(f"共{sheet.max_row - 2}条")
        assert (sheet["A2"].font.b, sheet["A2"].fill.fgColor.rgb, sheet["A2"].alignment.horizontal) == \
            (True, "00DDEBF7", "center")
        assert sheet.column_dimensions["A"].width in (12, 30)
    # Streamed as plain rows (services.xlsx_stream: 37,891 rows at 50k in 0.5 s, not 4.5), which
    # writes the sheet as UTF-8; openpyxl's own writer spells each Chinese character &#NNNNN;.
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "为什么" in sheet_xml and "&#" not in sheet_xml


def test_cli_choose_and_list(tmp_path, capsys):
    from conftest import Factory

    from wengang.store.db import open_database

    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "山西省", "太原市", "阳曲县")
    f = Factory(database)
    f.spell(f.person(), "2026-02-01", region="省外", channel="有组织劳务输出")
    database.close()
    assert main(["--db", str(path), "entitlements", "--as-of", "2026-10-31"]) == 2
    assert "还没有选择补贴政策规则" in capsys.readouterr().err
    out = tmp_path / "owed.xlsx"
    assert main(["--db", str(path), "entitlements", "--as-of", "2026-10-31", "--choose", "shanxi_2020",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "职业介绍补贴" in printed and "800" in printed and out.exists()
