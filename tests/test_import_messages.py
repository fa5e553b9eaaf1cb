"""Issue 13: every row and field message the import writers, the 三一致 check and the two duty
sheets give, pinned word for word (tests/import_messages.json), with the counts and what was
stored. Splitting the writers into steps must not change what a caseworker reads; a wording
changed on purpose is changed in the JSON too (``python tests/test_import_messages.py``
prints the new one)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from openpyxl import Workbook

from wengang.domain.ids import make_id
from wengang.services.duties.spot_check import SHEET_COLUMNS as CALL_COLUMNS
from wengang.services.duties.spot_check import draw_sample, import_call_sheet, write_call_sheet
from wengang.services.duties.survey_sheet import SHEET_COLUMNS as SURVEY_COLUMNS
from wengang.services.duties.survey_sheet import import_survey_sheet
from wengang.services.importing import check_consistency, export_kind, import_file
from wengang.store.areas import set_installation
from wengang.store.db import open_database


def pid(n: int) -> str:
    return make_id("620702", dt.date(1985, 5, 1) + dt.timedelta(days=n), 2 * n + 1, True)


def xlsx(path: Path, headers: list, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    wb.close()
    return path


PERSONS = ["县（市、区）", "乡镇（街道）", "行政村（社区）", "户编号", "户主姓名", "户类型", "监测对象类别", "脱贫年度",
           "是否易地扶贫搬迁", "安置点名称", "姓名", "证件号码", "与户主关系", "劳动技能", "在校生状况", "联系电话"]
WORK = ["证件号码", "姓名", "就业地域", "就业渠道", "务工地点（省）", "务工地点（市）", "务工地点（县）", "务工企业名称",
        "务工所属行业", "开始时间", "结束时间", "返乡原因", "月收入（元）"]


def _person(n, hh, village="城关1村", township="城关镇", relation="户主", hh_type="脱贫户", category=None,
            relocated="否", site=None, skill="普通劳动力", student="非在校生", county="测试县"):
    return [county, township, village, f"6207020000{hh:04d}", None, hh_type, category, 2019, relocated, site,
            f"人{n}", pid(n), relation, skill, student, f"136{n:08d}"]


def _result(result) -> dict:
    return {"ok": result.ok, "counts": (result.added, result.changed, result.unchanged),
            "errors": [tuple(e) for e in result.errors], "warnings": [tuple(w) for w in result.warnings],
            "details": dict(sorted(result.details.items()))}


def run(tmp: Path) -> dict:
    db = open_database(":memory:")
    set_installation(db, "甘肃省", "张掖市", "测试县")
    out: dict = {}
    out["persons"] = _result(import_file(db, "persons", xlsx(tmp / "p.xlsx", PERSONS, [
        _person(1, 1), _person(2, 1, village="城关2村", relation="之子"),
        _person(3, 2, relation="之子"),
        _person(4, 3, hh_type="监测户"),
        _person(5, 4, hh_type="一般户", relocated="是", site="幸福小区"),
        _person(6, 5, township="新城镇", village="城关1村"),
        _person(7, 6, skill="无劳动力", student="小学"),
        _person(8, 7, county="外县"),
    ])))
    out["persons_errors"] = _result(import_file(db, "persons", xlsx(tmp / "pe.xlsx", PERSONS, [
        _person(20, 20), _person(20, 20, relation="之子"), _person(21, 21, county=None), _person(9, 8, hh_type=None)])))
    out["hh"] = db.execute("SELECT hh_no, head_name, hh_type, relocated, site_id IS NOT NULL FROM households "
                           "ORDER BY hh_no").fetchall()
    out["employment"] = _result(import_file(db, "employment", xlsx(tmp / "w.xlsx", WORK, [
        [pid(1), "别名", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2024-03-01",
         "2024-08-31", None, 50],
        [pid(1), "人1", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2024-06-01",
         None, None, 40000],
        [pid(2), "人2", "省外", "公益性岗位", "浙江省", None, None, None, None, "2024-02-01", None, None, None],
        [pid(3), "人3", None, "自主外出务工", None, None, None, "某店", "批发和零售业", "2024-02-01", None, None, 3000],
        [pid(4), "人4", None, "自主外出务工", "江苏省", "苏州市", "昆山市", "某厂", "制造业", "2024-02-01", None, None,
         3000],
        [pid(7), "人7", "县内", "自主外出务工", "甘肃省", "张掖市", "测试县", "某店", "批发和零售业", "2024-02-01",
         None, None, 3000],
    ])))
    out["employment_errors"] = _result(import_file(db, "employment", xlsx(tmp / "we.xlsx", WORK, [
        [pid(99), "无名", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2024-03-01", None,
         None, 4000],
        [pid(1), "人1", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2024-03-01",
         "2024-01-31", None, 4000],
        [pid(2), "人2", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2023-01-01", None,
         None, 4000],
        [pid(2), "人2", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2023-01-01", None,
         None, 4000],
        [pid(3), "人3", None, "有组织劳务输出", "火星省", "某市", "某县", "某厂", "制造业", "2023-01-01", None,
         None, 4000],
    ])))
    out["months"] = _result(import_file(db, "employment", xlsx(tmp / "wm.xlsx", WORK, [
        [pid(4), "人4", None, "自主外出务工", "江苏省", "苏州市", "昆山市", "某厂", "制造业", "2024年02月", None, None,
         3000]])))
    surveys = ["证件号码", "姓名", "摸排日期", "是否有外出意愿", "计划外出时间", "未外出原因", "增收措施"]
    out["surveys"] = _result(import_file(db, "surveys", xlsx(tmp / "s.xlsx", surveys, [
        [pid(1), "人1", "2024-05-01", "否", None, None, None], [pid(2), "人2", "2024-05-01", "是", "2024-07", None, None],
        [pid(2), "人二", "2024-05-01", "是", "2024-07", None, None], [pid(98), None, "2024-05-01", "是", None, None, None],
    ])))
    orgs = ["机构名称", "机构类型", "县（市、区）", "乡镇（街道）", "行政村（社区）", "联系人", "联系电话"]
    out["orgs"] = _result(import_file(db, "orgs", xlsx(tmp / "o.xlsx", orgs, [
        ["甲车间", "帮扶车间", None, "城关镇", "城关1村", "张三", None], ["甲车间", "龙头企业", None, "城关镇", None, None, None],
        ["丙基地", "就业帮扶基地", "测试县", None, None, None, None]])))
    subsidies = ["证件号码", "姓名", "机构名称", "发放日期", "补贴类型", "金额（元）"]
    out["subsidies"] = _result(import_file(db, "subsidies", xlsx(tmp / "sb.xlsx", subsidies, [
        [None, None, "乙车间", "2024-05-01", "生产奖补", 100], [None, None, "甲车间", "2024-05-01", "生产奖补", 100],
        [None, None, None, "2024-05-01", "生产奖补", 100], [pid(97), None, None, "2024-05-01", "培训补贴", 100]])))
    out["subsidies_ok"] = _result(import_file(db, "subsidies", xlsx(tmp / "sb2.xlsx", subsidies, [
        [None, None, "丙基地", "2024-05-01", "就业帮扶基地一次性奖补", 5000],
        [pid(1), "人1", None, "2024-05-01", "一次性往返交通补助", 300],
        [pid(1), "人1", None, "2024-05-01", "一次性往返交通补助", 300]])))
    posts = ["证件号码", "姓名", "岗位名称", "岗位类型", "上岗时间", "离岗时间"]
    out["posts"] = _result(import_file(db, "posts", xlsx(tmp / "po.xlsx", posts, [
        [pid(5), "人5", "保洁", "保洁员", "2024-03-01", "2024-01-01"], [pid(96), None, "保洁", "保洁员", "2024-03-01", None]])))
    out["posts_ok"] = _result(import_file(db, "posts", xlsx(tmp / "po2.xlsx", posts, [
        [pid(5), "人5", "保洁", "保洁员", "2024-03-01", None], [pid(6), "别名", "护林", "护林员", "2024-04-01", None]])))
    out["targets"] = _result(import_file(db, "targets", xlsx(tmp / "t.xlsx", ["地区", "年度", "目标任务（人）"], [
        ["城关1村", 2024, 10], ["无名村", 2024, 10], ["城关镇", 2024, 30]])))
    out["sites"] = _result(import_file(db, "sites", xlsx(tmp / "si.xlsx", ["县（市、区）", "乡镇（街道）", "安置点名称",
                                                                      "安置类型", "是否800人以上"], [
        [None, "城关镇", "幸福小区", "城镇", None], ["测试县", "新城镇", "新区", "农村", "是"]])))
    for kind in ("persons", "employment"):
        export_kind(db, kind, tmp / f"export-{kind}.xlsx")
        report = check_consistency(db, tmp / f"export-{kind}.xlsx")
        out[f"consistency_{kind}"] = (report.summary(), len(report.differing))
    changed = xlsx(tmp / "c.xlsx", PERSONS, [_person(1, 1, skill="技能劳动力"), _person(42, 1, relation="之女")])
    report = check_consistency(db, changed)
    out["consistency_changed"] = (report.summary(), [(d.id_number, d.row, d.fields) for d in report.differing],
                                  [r["id_number"] for r in report.only_in_file])
    survey_rows = [[None] * len(SURVEY_COLUMNS) for _ in range(7)]
    col = {label: i for i, label in enumerate(SURVEY_COLUMNS)}
    for row, (number, answers) in zip(survey_rows, [
            (pid(1), {"摸排日期": "2024-05-02", "是否有外出意愿": "否", "未外出原因": "照顾家庭", "联系电话（核实）": "13912345678"}),
            (pid(95), {"摸排日期": "2024-05-02", "是否有外出意愿": "是"}),
            (pid(2), {"是否有外出意愿": "是", "联系电话（核实）": "123"}),
            (pid(3), {"摸排日期": "2099-01-01", "是否有外出意愿": "也许", "计划外出时间": "明年"}),
            (pid(4), {"摸排日期": "2024-13-45", "是否有外出意愿": "否"}),
            (pid(5), {"摸排日期": "2024-05-02", "是否有外出意愿": "否"}),
            (pid(6), {"培训需求": "电工"})]):
        row[col["证件号码"]] = number
        for label, value in answers.items():
            row[col[label]] = value
    sheet = import_survey_sheet(db, xlsx(tmp / "survey.xlsx", list(SURVEY_COLUMNS), survey_rows))
    out["survey_sheet"] = ([tuple(e) for e in sheet.errors], sheet.surveys)
    fine = import_survey_sheet(db, xlsx(tmp / "survey2.xlsx", list(SURVEY_COLUMNS), [survey_rows[0], survey_rows[6]]))
    out["survey_sheet_ok"] = (fine.errors, fine.surveys, fine.phones, fine.training, fine.untouched)
    sample = draw_sample(db, dt.date(2024, 10, 31), per_township=5, seed=1)
    write_call_sheet(db, sample.id, tmp / "calls.xlsx", mask=False)
    codes = [r[0] for r in db.execute("SELECT ? || '-' || printf('%04d', seq) FROM spot_check_sample_persons "
                                      "WHERE sample_id = ? ORDER BY seq", [sample.id, sample.id])]
    out["sampled"] = len(codes)
    ccol = {label: i for i, label in enumerate(CALL_COLUMNS)}
    answers = [("999-0001", ["是", "是", "是", "是", "2024-11-01"]),
               (codes[0], ["是", "是", "是", "是", None]),
               (codes[0], ["是", "是", "是", "是", "2099-01-01"]),
               (codes[0], ["也许", None, None, None, "2024-11-01"]),
               (codes[0], [None, "是", None, None, "2024-11-01"]),
               (codes[0], ["否", "是", None, None, "2024-11-01"]),
               (codes[0], ["是", "是", "否", "是", "2024-11-01"]),
               (codes[0], ["是", "是", "否", "是", "2024/11/31"]),
               (codes[0], [None, None, None, None, None])]
    call_rows = []
    for code, values in answers:
        row = [None] * len(CALL_COLUMNS)
        row[ccol["抽查编号"]] = code
        for label, value in zip(("电话接通", "务工地一致", "务工时间一致", "政策知晓", "核查日期"), values):
            row[ccol[label]] = value
        call_rows.append(row)
    calls = import_call_sheet(db, xlsx(tmp / "calls-filled.xlsx", list(CALL_COLUMNS), call_rows))
    out["call_sheet"] = ([tuple(e) for e in calls.errors], calls.imported, calls.unanswered)
    ok_calls = import_call_sheet(db, xlsx(tmp / "calls-ok.xlsx", list(CALL_COLUMNS), [call_rows[6], call_rows[8]]),
                                 default_date=dt.date(2024, 11, 2))
    out["call_sheet_ok"] = (ok_calls.errors, ok_calls.imported, ok_calls.unanswered, ok_calls.period)
    out["tables"] = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("persons", "households", "areas", "employment_spells", "surveys", "subsidies",
                               "organisations", "welfare_posts", "targets", "relocation_sites", "spot_checks",
                               "quality_findings")}
    db.close()
    return out


EXPECTED = Path(__file__).with_name("import_messages.json")


def _plain(out: dict) -> dict:
    """As JSON keeps it: tuples as lists, dates as text."""
    return json.loads(json.dumps(out, ensure_ascii=False, default=str))


def test_every_message_count_and_stored_row_is_as_pinned(tmp_path):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = _plain(run(tmp_path))
    assert got.keys() == expected.keys()
    for step in expected:
        assert got[step] == expected[step], step


if __name__ == "__main__":
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(_plain(run(Path(tmp))), ensure_ascii=False, indent=1))
