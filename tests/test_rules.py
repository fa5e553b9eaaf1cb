"""Rules as data: each quality rule finds a planted bad record and not a good one; subsidy
entitlements (应享未享) appear for who qualifies and disappear once paid."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from stdnum.cn import ric

from wengang.cli.main import main as cli_main
from wengang.domain.ids import check_id, make_id
from wengang.services.rules import findings, quality_rules, run_quality
from wengang.services.rules.quality import plainly_valid_id_sql

AS_OF = dt.date(2026, 10, 31)
GOOD_SPELL = {"region": "省外", "channel": "自主外出务工", "place_province": "浙江省", "place_city": "宁波市",
              "place_county": "鄞州区", "employer_name": "宁波恒丰电子有限公司", "industry": "制造业",
              "monthly_income": 4000}
GOOD_PERSON = {"relation": "户主", "verified_at": "2026-09-01", "phone": "13619659571"}


def good_person(factory, household_id=None, **cols) -> int:
    return factory.person(household_id, **{**GOOD_PERSON, **cols})


def good_spell(factory, person_id, start="2026-03-01", end=None, **cols) -> int:
    return factory.spell(person_id, start, end, **{**GOOD_SPELL, **cols})


def worker(factory, spell: dict | None = None, **person) -> int:
    pid = good_person(factory, **person)
    good_spell(factory, pid, **(spell or {}))
    return pid


def _id_ending_in_x() -> str:
    for seq in range(1000):
        number = make_id("620702", dt.date(1980, 1, 1), seq, True)
        if number.endswith("X"):
            return number
    raise AssertionError("no X")


def plant_end_before_start(factory, db):
    pid = good_person(factory)
    db.execute("PRAGMA ignore_check_constraints = ON")
    try:
        good_spell(factory, pid, start="2026-05-01", end="2026-04-01")
    finally:
        db.execute("PRAGMA ignore_check_constraints = OFF")
    return pid


def plant_duplicate(factory, db):
    number = _id_ending_in_x()
    first = good_person(factory, id_number=number)
    good_person(factory, id_number=number.lower())
    return first


def plant_overlap(factory, db):
    pid = good_person(factory)
    good_spell(factory, pid, start="2026-01-10")
    good_spell(factory, pid, start="2026-04-01", region="省内县外", place_province="甘肃省", place_city="兰州市",
               place_county="城关区")
    return pid


def plant_headless(factory, db):
    hh = factory.household()
    factory.person(hh, relation="之子", verified_at="2026-09-01", phone="13700000001")
    return ("household", hh)


# rule id → how to plant one bad record (returns its person id, or ("household", id))
PLANTS = {
    "id_invalid": lambda f, db: good_person(f, id_number=make_id("620702", dt.date(1980, 1, 1), 7, True)[:17]
                                            + ("0" if make_id("620702", dt.date(1980, 1, 1), 7, True)[17] != "0" else "1")),
    "id_duplicate": plant_duplicate,
    "phone_invalid": lambda f, db: good_person(f, phone="1361965957"),
    "phone_missing": lambda f, db: good_person(f, phone=None),
    "income_missing": lambda f, db: worker(f, {"monthly_income": None}),
    "income_tiny": lambda f, db: worker(f, {"monthly_income": 1}),
    "income_low_fulltime": lambda f, db: worker(f, {"monthly_income": 800, "channel": "有组织劳务输出"}),
    "income_high": lambda f, db: worker(f, {"monthly_income": 45000}),
    "spell_no_region": lambda f, db: worker(f, {"region": None}),
    "spell_no_channel": lambda f, db: worker(f, {"channel": None}),
    "spell_no_employer": lambda f, db: worker(f, {"employer_name": " "}),
    "spell_no_industry": lambda f, db: worker(f, {"industry": None}),
    "place_not_county": lambda f, db: worker(f, {"place_county": None}),
    "region_place_mismatch": lambda f, db: worker(f, {"region": "县内"}),  # 县内 but 浙江省宁波市鄞州区
    "end_before_start": plant_end_before_start,
    "spell_overlap": plant_overlap,
    "open_spells_twice": plant_overlap,
    "local_channel_outside": lambda f, db: worker(f, {"channel": "帮扶车间"}),
    "welfare_post_age": lambda f, db: worker(f, {"channel": "公益性岗位", "region": "县内", "place_province": "甘肃省",
                                                 "place_city": "张掖市", "place_county": "测试县"},
                                             birth=dt.date(1950, 3, 1), labour_skill="弱劳动力或半劳动力"),
    "student_working": lambda f, db: worker(f, student_status="普通高中二年级", labour_skill="无劳动力",
                                            birth=dt.date(2009, 5, 1)),
    "no_labour_working": lambda f, db: worker(f, labour_skill="丧失劳动力"),
    "labour_outside_age": lambda f, db: good_person(f, birth=dt.date(1955, 1, 1)),
    "student_as_labour": lambda f, db: good_person(f, student_status="小学", birth=dt.date(2016, 1, 1)),
    "household_no_head": plant_headless,
    "not_verified": lambda f, db: good_person(f, verified_at="2024-01-01"),
}


def _flagged(db, rule_id: str) -> tuple[set, set]:
    rows = findings(db, rule_id)
    return {r["person_id"] for r in rows}, {r["household_id"] for r in rows}


def test_every_declared_rule_has_a_planted_case():
    assert {r.id for r in quality_rules()} == set(PLANTS)
    assert all(r.title and r.severity in ("error", "warning", "info") for r in quality_rules())


def test_a_good_record_raises_nothing(db, factory):
    pid = good_person(factory)
    good_spell(factory, pid, start="2025-03-01", end="2025-11-30", return_reason="季节性返乡")
    good_spell(factory, pid, start="2026-03-01")
    summary = run_quality(db, AS_OF)
    assert summary.total == 0, findings(db)


@pytest.mark.parametrize("rule_id", sorted(PLANTS))
def test_rule_finds_the_planted_record_and_not_the_good_one(db, factory, rule_id):
    good = good_person(factory)
    good_spell(factory, good)
    good_hh = db.execute("SELECT household_id FROM persons WHERE id = ?", [good]).fetchone()[0]
    bad = PLANTS[rule_id](factory, db)
    summary = run_quality(db, AS_OF)
    persons, households = _flagged(db, rule_id)
    if isinstance(bad, tuple):
        assert bad[1] in households
    else:
        assert bad in persons
    assert good not in persons and good_hh not in households
    assert summary.by_rule[rule_id] >= 1
    assert all(r["message"] and r["title"] for r in findings(db, rule_id))


def _with_check_char(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")  # python-stdnum's, not ours: an independent check


def test_the_id_rule_flags_exactly_the_numbers_check_id_rejects(db, factory):
    """The rule's SQL pre-check lets only clean valid IDs pass without check_id; whatever it
    passes, check_id passes too, and what check_id rejects is flagged."""
    good = make_id("620702", dt.date(1980, 1, 1), 7, True)
    future = dt.date.today() + dt.timedelta(days=40)
    numbers = [
        good, _id_ending_in_x(), _with_check_char("62070219900101009").lower(),  # valid; a lowercase x is accepted
        good[:17] + ("0" if good[17] != "0" else "1"),                  # wrong check character
        _with_check_char("62070219800230001"),                          # 30 February
        _with_check_char("62070219801301001"),                          # month 13
        _with_check_char("620702" + future.strftime("%Y%m%d") + "001"),  # born after today
        _with_check_char("62070218991231001"),                          # born before 1900
        _with_check_char("62070220000229001"),                          # 29 February of a leap year: valid
        _with_check_char("62070219000229001"), _with_check_char("62070219990229001"),  # not leap years
        _with_check_char("62070219800431001"),                          # 31 April
        good[:15], good[:17], good + "1", "",                           # lengths
        good.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width digits: folded, valid
        " " + good[1:], good[:6] + "A" + good[7:],
    ]
    ids = {good_person(factory, id_number=number): number for number in numbers}
    run_quality(db, AS_OF, rules=[r for r in quality_rules() if r.id == "id_invalid"])
    flagged, _households = _flagged(db, "id_invalid")
    assert flagged == {pid for pid, number in ids.items() if not check_id(number).ok}
    assert len(flagged) == len(ids) - 5, {ids[p] for p in set(ids) - flagged}  # the five valid numbers pass
    today = dt.date.today().strftime("%Y%m%d")
    passed = {n for (n,) in db.execute(f"SELECT id_number FROM persons WHERE {plainly_valid_id_sql('id_number')}",
                                       {"today": today})}
    assert passed == {good, _id_ending_in_x(), _with_check_char("62070220000229001")}


def test_rerun_replaces_findings_and_keeps_import_warnings(db, factory):
    pid = good_person(factory, phone="12345")
    db.execute("INSERT INTO quality_findings(rule, person_id, message) VALUES ('import_warning', ?, '导入提示')", [pid])
    run_quality(db, AS_OF)
    run_quality(db, AS_OF)
    assert len(findings(db, "phone_invalid")) == 1
    assert len(findings(db, "import_warning")) == 1
    db.execute("UPDATE persons SET phone = '13912345678' WHERE id = ?", [pid])
    assert run_quality(db, AS_OF).by_rule["phone_invalid"] == 0


def test_a_run_given_the_rules_done_goes_on_from_the_others(db, factory):
    """A run stopped part way (for a tab the caseworker clicked) is asked again with the rules
    it finished: their findings stand, the others are checked, and the counts are everyone's."""
    pid = good_person(factory, phone="12345")
    run_quality(db, AS_OF)
    assert len(findings(db, "phone_invalid")) == 1
    db.execute("UPDATE persons SET phone = '13912345678' WHERE id = ?", [pid])  # as if after the rule ran
    done = {"phone_invalid"}
    summary = run_quality(db, AS_OF, done=done)
    assert summary.by_rule["phone_invalid"] == 1  # not checked again: its findings stand
    assert done == {r.id for r in quality_rules()}  # each rule added as it finished
    assert run_quality(db, AS_OF).by_rule["phone_invalid"] == 0


def test_findings_read_the_rules_once_however_many_import_hints(db, factory, monkeypatch):
    # An import at 200,000 households leaves 158,000 hints: reading and checking every rule again
    # for each of them made `quality --out` take 84 s there.
    from wengang.services.rules import quality  # noqa: PLC0415 - the module whose reads are counted

    pid = good_person(factory, phone="12345")
    for n in range(5):
        db.execute("INSERT INTO quality_findings(rule, person_id, message) VALUES ('import.employment', ?, ?)",
                   [pid, f"提示{n}"])
    run_quality(db, AS_OF)
    phone_title = quality.group_title("phone_invalid")
    reads = []
    real = quality.quality_rules
    monkeypatch.setattr(quality, "quality_rules", lambda: reads.append(1) or real())
    rows = findings(db)
    assert [r["title"] for r in rows if r["rule"] == "import.employment"] == ["导入时的提示：务工就业信息"] * 5
    assert {r["title"] for r in rows if r["rule"] == "phone_invalid"} == {phone_title}
    assert len(reads) <= 2  # the rules' titles, and the import kinds' group once (not once a hint)


def test_counts_by_township_and_area_filter(db, factory):
    a = factory.household(township="城关镇", village="东村")
    b = factory.household(township="沙河镇", village="西村")
    good_person(factory, a, phone="1", birth=dt.date(1981, 1, 1))
    good_person(factory, b, phone="2", birth=dt.date(1982, 1, 1))
    good_person(factory, b, phone="3", relation="之子", birth=dt.date(2003, 1, 1))
    summary = run_quality(db, AS_OF)
    assert summary.by_township == {"城关镇": 1, "沙河镇": 2}
    assert summary.by_rule_township[("phone_invalid", "沙河镇")] == 2
    shahe = db.execute("SELECT id FROM areas WHERE name = '沙河镇'").fetchone()[0]
    village = db.execute("SELECT id FROM areas WHERE name = '西村'").fetchone()[0]
    county = db.execute("SELECT id FROM areas WHERE level = 'county'").fetchone()[0]
    assert len(findings(db, area_id=shahe)) == 2 == len(findings(db, area_id=village))
    assert len(findings(db, area_id=county)) == 3
    assert {r["township"] for r in findings(db)} == {"城关镇", "沙河镇"}


def test_quality_cli_writes_workbook(tmp_path, capsys):
    path = tmp_path / "c.db"
    assert cli_main(["--db", str(path), "demo", "--households", "200", "--as-of", "2026-10-31"]) == 0
    out = tmp_path / "问题清单.xlsx"
    assert cli_main(["--db", str(path), "quality", "--as-of", "2026-10-31", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "户内没有户主" in printed and "问题清单已保存" in printed
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "问题清单", "应享未享"]
    assert "应享未享" in printed
    owed = list(book["应享未享"].iter_rows(values_only=True))
    assert owed[0][6] == "补贴类型" and len(owed) > 1 and all(len(r[4]) == 18 for r in owed[1:])
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][:3] == ("规则", "级别", "合计") and summary[2][0] == "合计"
    listing = list(book["问题清单"].iter_rows(values_only=True))
    assert listing[0][4] == "证件号码" and len(listing) - 1 == summary[2][2]
    assert any(r[5] == "户内没有户主" for r in listing[1:])
    assert all(isinstance(r[4], str) for r in listing[1:] if r[4] is not None)
    assert sum(isinstance(r[4], str) and len(r[4]) == 18 for r in listing[1:]) > 10


def test_the_quality_workbooks_wrap_their_long_texts_and_print_one_page_wide(db, factory, tmp_path):
    """说明 (and 问题, 核实情况, 政策依据, 为什么) wrap within their columns, each row as high as
    its longest text takes, a row of short texts the default height; every sheet prints A4
    landscape one page wide. Unwrapped, a long 说明 ran on past the last column and off the
    printed page; the county's and the villages' workbooks alike."""
    from wengang.services.rules.export import write_findings_by_village, write_quality_workbook
    from wengang.services.xlsx_stream import DATA_LINE_POINTS, wrapped_lines

    good_person(factory, phone="12345")  # 联系电话12345不是11位手机号码（应以13-19开头；…）: long
    good_person(factory, phone=None, verified_at="2020-01-01")  # 上次核实于2020-01-01…: short
    summary = run_quality(db, AS_OF)
    rows = findings(db, open_only=True)
    long_text = next(r["message"] for r in rows if r["rule"] == "phone_invalid")
    why = "脱贫户；2026年1月1日至2026年9月20日在省内县外以灵活就业务工约9个月（≥2个月），2026年未领取生产奖补"
    owed = [{"township": "城关镇", "name": "王一", "id_number": "620702198001010011", "kind": "生产奖补",
             "amount": 500.0, "paid_amount": 0.0, "title": "省内稳定就业2个月以上（不含公益岗），生产奖补", "why": why}]
    reviewed = [{**rows[0], "answer": "已入户核实，本人外出务工多年，家中无人，电话由村委会代为联系，待返乡后补登",
                 "reviewed_by": "张三", "reviewed_at": "2026-11-02T09:00:00"}]
    book = load_workbook(write_quality_workbook(summary, rows, tmp_path / "问题清单.xlsx", owed, reviewed))
    listing = book["问题清单"]
    by_message = {listing.cell(row=r, column=8).value: r for r in range(2, listing.max_row + 1)}
    long_row, short_row = by_message[long_text], min(set(by_message.values()) - {by_message[long_text]})
    assert wrapped_lines(long_text, 60) >= 2 and listing[f"H{long_row}"].alignment.wrap_text
    assert listing.row_dimensions[long_row].height == wrapped_lines(long_text, 60) * DATA_LINE_POINTS
    assert listing.row_dimensions[short_row].height is None
    assert listing[f"F{short_row}"].alignment.wrap_text and not listing[f"E{short_row}"].alignment.wrap_text
    assert {listing[f"{c}{long_row}"].alignment.vertical for c in "ABCDEFGH"} == {"top"}
    owed_sheet, reviewed_sheet = book["应享未享"], book["已核实"]
    assert owed_sheet["L2"].value == why and owed_sheet["L2"].alignment.wrap_text and owed_sheet["K2"].alignment.wrap_text
    assert owed_sheet.row_dimensions[2].height == wrapped_lines(why, 60) * DATA_LINE_POINTS
    assert reviewed_sheet["I2"].alignment.wrap_text and reviewed_sheet.row_dimensions[2].height > DATA_LINE_POINTS
    for sheet in book.worksheets:
        assert (sheet.page_setup.orientation, sheet.page_setup.paperSize, sheet.page_setup.fitToWidth,
                sheet.page_setup.fitToHeight, sheet.sheet_properties.pageSetUpPr.fitToPage) == \
            ("landscape", 9, 1, 0, True), sheet.title
    assert listing.print_title_rows == "$1:$1" and book["汇总"].print_title_rows == "$2:$2"
    # the villages' workbook: the 说明 of its narrower column (44) wraps too
    path, _villages, _count = write_findings_by_village(db, tmp_path / "按村.xlsx")
    village = load_workbook(path).worksheets[1]
    row = next(r for r in range(2, village.max_row + 1) if village.cell(row=r, column=6).value == long_text)
    assert village[f"F{row}"].alignment.wrap_text
    assert village.row_dimensions[row].height == wrapped_lines(long_text, 44) * DATA_LINE_POINTS
    found = village[f"G{row}"].value   # 发现时间 as the village reads it: 2026-12-08 02:34
    assert len(found) == 16 and found[10] == " " and "T" not in found


# --- subsidy entitlements (应享未享) ----------------------------------------------------------------
from wengang.services.rules.subsidies import (
    Entitlement,
    RuleSetNotChosen,
    current_rule_set,
    entitlement_details,
    entitlements,
    rule_sets,
)
from wengang.store.db import set_setting


def _pay(db, person_id, kind, amount, day="2026-08-15", funding="衔接资金"):
    db.execute("INSERT INTO subsidies(person_id, paid_date, kind, amount, funding) VALUES (?, ?, ?, ?, ?)",
               [person_id, day, kind, amount, funding])


def _owed(db, rule_set="heilongjiang_2022", as_of=AS_OF) -> set[tuple[int, str]]:
    return {(e.person_id, e.kind) for e in entitlements(db, rule_set, as_of)}


def test_both_seed_rule_sets_load():
    sets = rule_sets()
    assert {"heilongjiang_2022", "shanxi_2020"} <= set(sets)
    assert all(r.kind and (r.amount > 0 or not r.amount_known) for s in sets.values() for r in s.rules)


def test_four_months_out_of_province_unpaid_appears_and_disappears_once_paid(db, factory):
    pid = worker(factory, {"start": "2026-03-01", "end": "2026-06-30", "return_reason": "季节性返乡"})
    found = entitlements(db, "heilongjiang_2022", AS_OF)
    assert Entitlement(pid, "一次性往返交通补助", 500.0, 0.0) in found
    assert Entitlement(pid, "生产奖补", 1000.0, 0.0) in found
    _pay(db, pid, "一次性往返交通补助", 380)  # 据实补助: less than 500 is still "享受"
    assert _owed(db) == {(pid, "生产奖补")}
    _pay(db, pid, "生产奖补", 500)
    assert entitlements(db, "heilongjiang_2022", AS_OF) == [Entitlement(pid, "生产奖补", 1000.0, 500.0)]
    _pay(db, pid, "生产奖补", 500)
    assert entitlements(db, "heilongjiang_2022", AS_OF) == []


def test_conditions_months_region_channel_and_household_type(db, factory):
    short = worker(factory, {"start": "2026-03-01", "end": "2026-05-15"})  # 2.5 months away: too short
    local = worker(factory, {"start": "2026-03-01", "end": "2026-04-30", "region": "县内", "channel": "帮扶车间",
                             "place_province": "甘肃省", "place_city": "张掖市", "place_county": "测试县"},
                   birth=dt.date(1986, 1, 1))
    post = worker(factory, {"start": "2026-01-01", "region": "县内", "channel": "公益性岗位"},
                  birth=dt.date(1987, 1, 1))
    hh = factory.household(hh_type="同步搬迁户")
    nonpoor = good_person(factory, hh, birth=dt.date(1988, 1, 1))
    good_spell(factory, nonpoor, start="2026-02-01")
    old = worker(factory, {"start": "2025-03-01", "end": "2025-09-30"}, birth=dt.date(1989, 1, 1))
    owed = _owed(db)
    assert not any(p == short for p, _ in owed)
    assert (local, "生产奖补") in owed and not any(p == local and k != "生产奖补" for p, k in owed)
    assert not any(p == post for p, _ in owed)
    assert not any(p == nonpoor for p, _ in owed)
    assert not any(p == old for p, _ in owed)  # last year's: only with years=2
    last_year = {(r["person_id"], r["kind"], r["year"]) for r in
                 entitlement_details(db, "heilongjiang_2022", AS_OF, years=2)}
    assert (old, "生产奖补", 2025) in last_year
    # the as-of date cuts the window: a spell started 2 months before D is not yet 3 months
    recent = worker(factory, {"start": "2026-09-01"}, birth=dt.date(1990, 1, 1))
    assert not any(p == recent for p, _ in _owed(db))
    assert any(p == recent for p, _ in _owed(db, as_of=dt.date(2026, 12, 31)))


def test_shanxi_rules_and_setting_choice(db, factory):
    county_out = worker(factory, {"start": "2026-05-01", "end": "2026-06-10", "region": "省内县外",
                                  "place_province": "甘肃省", "place_city": "兰州市", "place_county": "城关区"})
    shop = worker(factory, {"start": "2026-01-01", "region": "县内", "channel": "自主创业",
                            "place_province": "甘肃省", "place_city": "张掖市", "place_county": "测试县"},
                  birth=dt.date(1986, 1, 1))
    found = {(e.person_id, e.kind, e.amount) for e in entitlements(db, "shanxi_2020", AS_OF)}
    assert (county_out, "一次性往返交通补助", 800.0) in found and (shop, "一次性创业补贴", 1000.0) in found
    with pytest.raises(RuleSetNotChosen, match="还没有选择补贴政策规则.*还没有甘肃省的补贴政策规则"):
        current_rule_set(db)  # 甘肃, nothing chosen: said plainly, never another province's set
    with pytest.raises(RuleSetNotChosen):
        entitlements(db, None, AS_OF)
    set_setting(db, "subsidy_rule_set", "shanxi_2020")
    assert current_rule_set(db).id == "shanxi_2020"
    assert {(e.person_id, e.kind, e.amount) for e in entitlements(db, None, AS_OF)} == found
    set_setting(db, "subsidy_rule_set", "nowhere")
    with pytest.raises(ValueError, match="不存在"):
        entitlements(db, None, AS_OF)


def test_demo_county_has_some_unpaid_entitlements():
    from wengang.services.demo import build_demo
    from wengang.store.db import open_database

    demo = open_database(":memory:")
    build_demo(demo, households=300, as_of=AS_OF)
    owed = entitlements(demo, "heilongjiang_2022", AS_OF)
    paid = demo.execute("SELECT count(DISTINCT person_id) FROM subsidies WHERE kind = '生产奖补'").fetchone()[0]
    assert owed and paid > len({e.person_id for e in owed if e.kind == "生产奖补"}) / 2


def test_workshop_award_counts_absorbed_people_until_paid(db, factory):
    from wengang.services.rules.subsidies import OrgEntitlement, org_entitlements

    org = db["organisations"].insert({"name": "城关镇服装加工帮扶车间", "kind": "帮扶车间"}).last_pk
    local = {"region": "县内", "channel": "帮扶车间", "org_id": org, "monthly_income": 2000,
             "place_province": "甘肃省", "place_city": "张掖市", "place_county": "测试县"}
    worker(factory, {"start": "2025-03-01", "end": "2025-07-31", **local})
    worker(factory, {"start": "2025-06-01", **local}, birth=dt.date(1986, 1, 1))
    worker(factory, {"start": "2025-10-01", "end": "2025-11-30", **local}, birth=dt.date(1987, 1, 1))  # 4000 元
    owed = org_entitlements(db, "heilongjiang_2022", AS_OF, year=2025)
    assert owed == [OrgEntitlement(org, "帮扶车间吸纳就业奖补", 2, 2000.0, 0.0)]
    shanxi = org_entitlements(db, "shanxi_2020", AS_OF, year=2025)
    assert [o for o in shanxi if o.kind == "一次性吸纳就业补助"] == []  # needs 10 people or more
    # 以工代训 100 元/月, at most 6 months: 5 + 6 (of 7) + 2 months
    assert [o for o in shanxi if o.kind == "以工代训补贴"] == [OrgEntitlement(org, "以工代训补贴", 3, 1300.0, 0.0)]
    db.execute("INSERT INTO subsidies(org_id, paid_date, kind, amount, funding, persons_covered) "
               "VALUES (?, '2026-03-15', '帮扶车间吸纳就业奖补', 2000, '就业补助资金', 2)", [org])
    assert org_entitlements(db, "heilongjiang_2022", AS_OF, year=2025) == []


def test_a_place_left_blank_is_said_so_not_quoted_empty(db, factory):
    """县外务工地点未填到县: a place partly filled is quoted; one not filled at all is said to be
    missing (it read 务工地点只填了“”)."""
    blank = worker(factory, {"place_province": None, "place_city": None, "place_county": None})
    partial = worker(factory, {"place_county": None})
    run_quality(db, AS_OF)
    said = {r["person_id"]: r["message"] for r in findings(db, "place_not_county")}
    assert said[blank].endswith("务工，未填务工地点，应填到县（市、区）") and "“”" not in said[blank]
    assert "务工地点只填了“" in said[partial] and said[partial].endswith("”，应填到县（市、区）")


def test_a_household_with_no_one_yet_is_said_so(db, factory):
    """户内没有户主 of a household saved without members (新增户, then 取消 at its 户主): said as
    such, with no empty （） for the head's name."""
    empty = factory.household()
    db.execute("UPDATE households SET head_name = NULL WHERE id = ?", [empty])
    run_quality(db, AS_OF)
    said = [r["message"] for r in findings(db, "household_no_head") if r["household_id"] == empty]
    assert said and said[0].endswith("还没有登记成员（新增户后请添加户主）") and "（）" not in said[0]
