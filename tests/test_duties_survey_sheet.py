"""Door-to-door sheets: pre-filled, flagged, round-trip all or nothing (issue 16)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from wengang.cli.main import main
from wengang.services.duties.survey_sheet import (
    ANSWERS,
    SHEET_COLUMNS,
    flags_by_village,
    import_survey_sheet,
    reasons_by_village,
    sheet_rows,
    write_survey_sheet,
)

D = dt.date
AS_OF = D(2026, 10, 31)


@pytest.fixture
def household(factory):
    f = factory
    hh = f.household(hh_no="62070200010000001")
    head = f.person(hh, relation="户主", name="王大山", birth=D(1970, 3, 1))
    son = f.person(hh, relation="之子", name="王小川", birth=D(1995, 6, 1))
    child = f.person(hh, relation="之女", name="王小花", student_status="小学", labour_skill="无劳动力",
                     birth=D(2016, 9, 1), male=False)
    f.spell(head, "2026-03-01", region="省外", place_province="浙江省", place_city="宁波市", employer_name="恒丰电子")
    f.spell(son, "2025-03-01", "2025-11-30")
    f.db["surveys"].insert({"person_id": son, "survey_date": "2026-02-10", "willing": 1, "planned_month": "2026-05"})
    return {"head": head, "son": son, "child": child}


def test_rows_are_prefilled_and_flagged(db, household):
    rows = {r["person_id"]: r for r in sheet_rows(db, AS_OF)}
    head, son, child = (rows[household[k]] for k in ("head", "son", "child"))
    assert head["work"] == "省外、浙江省宁波市、自主外出务工、恒丰电子" and head["flags"] == ["从未摸排"]
    assert son["work"] == "未务工" and son["last_survey"] == "2026-02-10 有意愿，计划2026-05"
    assert son["flags"] == ["摸排已超过6个月", "计划外出月份已过"]
    assert sheet_rows(db, AS_OF, stale_months=12)[1]["flags"] == ["计划外出月份已过"]
    assert [r["name"] for r in sheet_rows(db, AS_OF, labour_only=True)] == ["王大山", "王小川"]
    assert child["labour_skill"] == "无劳动力"


def test_flags_by_village_count_the_labourers_sheet_rows_list(db, household, factory):
    # Counted as the rows come (at 200,000 households the listed dicts took 1 GiB), the same
    # numbers as counting the listed rows, villages in the lists' order.
    other = factory.household(township="沙河镇", village="西村")
    factory.person(other, relation="户主", name="李四", birth=D(1980, 1, 1))
    expected: dict = {}
    for row in sheet_rows(db, AS_OF, stale_months=12, labour_only=True):
        counts = expected.setdefault((row["township"], row["village"]), {"劳动力": 0})
        counts["劳动力"] += 1
        for flag in row["flags"]:
            counts[flag] = counts.get(flag, 0) + 1
    counted = flags_by_village(db, AS_OF, stale_months=12)
    assert list(counted) == list(expected) and len(counted) == 2
    assert {k: dict(v) for k, v in counted.items()} == expected


def _fill(path, answers: dict[int, dict]):
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for row, values in answers.items():
        for label, value in values.items():
            ws.cell(row=row, column=SHEET_COLUMNS.index(label) + 1, value=value)
    wb.save(path)


def test_the_sheet_round_trips(db, household, tmp_path):
    path = tmp_path / "户.xlsx"
    assert write_survey_sheet(db, AS_OF, path, hh_no="62070200010000001") == 3
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[2] == SHEET_COLUMNS and rows[3][4] == "王大山" and rows[3][10] == "从未摸排"
    _fill(path, {4: {"摸排日期": "2026-10-20", "是否有外出意愿": "否", "未外出原因": "照顾家庭", "增收措施": "发展庭院经济",
                     "联系电话（核实）": "13912345678"},
                 5: {"摸排日期": "2026年10月20日", "是否有外出意愿": "是", "计划外出时间": "2027年3月", "培训需求": "电工"}})
    result = import_survey_sheet(db, path)
    assert (result.surveys, result.phones, result.training, result.untouched, result.errors) == (2, 1, 1, 1, [])
    surveys = db.execute("SELECT person_id, survey_date, willing, planned_month, reason, measure FROM surveys "
                         "WHERE survey_date = '2026-10-20' ORDER BY person_id").fetchall()
    assert surveys == [(household["head"], "2026-10-20", 0, None, "照顾家庭", "发展庭院经济"),
                       (household["son"], "2026-10-20", 1, "2027-03", None, None)]
    assert db.execute("SELECT phone FROM persons WHERE id = ?", [household["head"]]).fetchone()[0] == "13912345678"
    assert db.execute("SELECT training_need FROM persons WHERE id = ?", [household["son"]]).fetchone()[0] == "电工"
    # written again, the sheet shows the new survey and no flag for the son
    son = next(r for r in sheet_rows(db, AS_OF) if r["person_id"] == household["son"])
    assert son["flags"] == [] and son["last_survey"].startswith("2026-10-20 有意愿")


def test_the_sheet_is_a_bordered_form_with_yellow_answers_and_red_flags(db, household, tmp_path):
    # Streamed into the file with each column's style in its cells' XML (a township of 72,297
    # persons took 744 MiB as a whole openpyxl sheet): every cell of every listed person, an
    # empty one too, is bordered text; the answer columns yellow, the flags red; two lines
    # high; the 是/否 list on 是否有外出意愿; title, caption and header as before.
    path = tmp_path / "户.xlsx"
    assert write_survey_sheet(db, AS_OF, path, title="某村入户摸排核实表") == 3
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "入户摸排核实表" and sheet.max_row == 6 and sheet.max_column == len(SHEET_COLUMNS)
    assert sheet["A1"].value == "某村入户摸排核实表" and sheet["A1"].font.b and sheet["A1"].font.sz == 14
    assert "共3人" in sheet["A2"].value
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:R1", "A2:R2"}
    assert all(c.font.b and c.fill.fgColor.rgb == "00DDEBF7" for c in sheet[3])
    for row in sheet.iter_rows(min_row=4):
        for label, cell in zip(SHEET_COLUMNS, row):
            assert cell.border.left.style == cell.border.bottom.style == "thin" and cell.number_format == "@"
            assert cell.alignment.wrap_text and cell.alignment.vertical == "center"
            assert (cell.fill.fgColor.rgb == "00FFF2CC") == (label in ANSWERS), (label, cell.coordinate)
            assert (cell.font.color is not None and cell.font.color.rgb == "FF9C0006") == (label == "提醒")
    assert sheet.sheet_format.defaultRowHeight == 30 and sheet.sheet_format.customHeight
    [yes_no] = sheet.data_validations.dataValidation
    assert str(yes_no.sqref) == "M4:M6" and yes_no.formula1 == '"是,否"'
    assert sheet.freeze_panes == "F4" and sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.column_dimensions["F"].width == 21


def test_a_bad_cell_rejects_the_whole_sheet_with_the_error_workbook(db, household, tmp_path):
    path = tmp_path / "户.xlsx"
    write_survey_sheet(db, AS_OF, path)
    _fill(path, {4: {"摸排日期": "2026-10-20", "是否有外出意愿": "否", "未外出原因": "照顾家庭"},
                 5: {"摸排日期": "2026-10-20", "是否有外出意愿": "是", "计划外出时间": "明年开春"}})
    before = db.execute("SELECT count(*) FROM surveys").fetchone()[0]
    result = import_survey_sheet(db, path)
    assert result.surveys == 0 and [e.field for e in result.errors] == ["计划外出时间"]
    assert db.execute("SELECT count(*) FROM surveys").fetchone()[0] == before
    sheet = openpyxl.load_workbook(result.errors_path)["导入数据"]
    notes = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(n and "明年开春" in n for n in notes)
    red = [c.value for row in sheet.iter_rows(min_row=2) for c in row if c.fill.fgColor.rgb == "FFFFC7CE"]
    assert red == ["明年开春"]


def test_not_willing_without_a_reason_is_an_error(db, household, tmp_path):
    path = tmp_path / "户.xlsx"
    write_survey_sheet(db, AS_OF, path)
    _fill(path, {4: {"摸排日期": "2026-10-20", "是否有外出意愿": "否"}})
    assert [e.field for e in import_survey_sheet(db, path).errors] == ["未外出原因"]


def test_reasons_and_measures_of_the_not_yet_list_by_village(db, factory):
    for village, reason, measure in [("东村", "照顾家庭", "发展庭院经济"), ("东村", "照顾家庭", None),
                                      ("西村", "身体原因", "公益性岗位")]:
        pid = factory.person(factory.household(village=village))
        factory.spell(pid, "2025-03-01", "2025-10-31")
        db["surveys"].insert({"person_id": pid, "survey_date": "2026-03-01", "willing": 0, "reason": reason,
                              "measure": measure})
    rows = {r.village: r for r in reasons_by_village(db, AS_OF)}
    assert rows["东村"].not_yet == 2 and rows["东村"].reasons == {"照顾家庭": 2}
    assert rows["东村"].measures == {"发展庭院经济": 1} and rows["西村"].measures == {"公益性岗位": 1}


def test_cli_write_import_flags_reasons(tmp_path, capsys):
    from conftest import Factory

    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    f = Factory(database)
    f.person(f.household(village="东村"))
    database.close()
    base = ["--db", str(path), "survey-sheet"]
    sheet = tmp_path / "东村.xlsx"
    assert main([*base, "write", "--village", "东村", "--as-of", "2026-10-31", "--out", str(sheet)]) == 0
    _fill(sheet, {4: {"摸排日期": "2026-10-20", "是否有外出意愿": "是"}})
    assert main([*base, "import", str(sheet)]) == 0
    assert "摸排1人" in capsys.readouterr().out
    assert main([*base, "flags", "--as-of", "2026-10-31"]) == 0
    assert "从未摸排0人" in capsys.readouterr().out
    _fill(sheet, {4: {"是否有外出意愿": "可能"}})
    assert main([*base, "import", str(sheet)]) == 1
    assert "错误说明表" in capsys.readouterr().err
