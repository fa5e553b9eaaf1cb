"""Whose name a printed form carries on an installation 设置 never named: a fresh data folder
that imported a national export naming only its 县. The county the data names heads the forms
and lists (title, 填报单位); data naming several counties names none of them."""

from __future__ import annotations

import datetime as dt

from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx
from openpyxl import load_workbook

from wengang.cli.main import main
from wengang.services.importing import import_file
from wengang.services.ledgers.export import write_ledger
from wengang.services.reports import compute_form
from wengang.services.reports.xlsx import write_form_xlsx
from wengang.store.areas import heading, installation, set_installation
from wengang.store.db import open_database

AS_OF = dt.date(2026, 11, 30)
F1_TITLE = "脱贫人口和监测对象就业统计表"


def _fresh(tmp_path, rows, headers=PERSON_HEADERS):
    db = open_database(tmp_path / "fresh.db", lock=False, auto_backup=False)
    assert not installation(db).configured
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", headers, rows)).ok
    return db


def _second_county(rows):
    for row in rows:
        row[0] = "邻县"
    return rows


def test_a_county_that_has_data_says_its_name_before_its_settings_do(tmp_path):
    db = _fresh(tmp_path, person_rows(6))
    assert not installation(db).configured  # a file naming only its 县 sets nothing (就业地域 needs the 省)
    result = compute_form(db, "F1", AS_OF)
    assert result.title == f"测试县{F1_TITLE}"
    assert result.unit_name == "测试县乡村振兴局"  # what 设置 gives a county whose 填报单位 is left blank
    write_form_xlsx(result, tmp_path / "f1.xlsx")
    sheet = load_workbook(tmp_path / "f1.xlsx").active
    assert sheet.cell(1, 1).value == f"测试县{F1_TITLE}" and sheet.cell(2, 1).value == "填报单位：测试县乡村振兴局"
    write_ledger(db, "labour", AS_OF, tmp_path / "labour.xlsx")
    assert load_workbook(tmp_path / "labour.xlsx").active.cell(2, 1).value.startswith("填报单位：测试县乡村振兴局　")
    assert "测试县" in heading(db).note and "设置" in heading(db).note


def test_data_naming_several_counties_names_none_of_them(tmp_path):
    db = _fresh(tmp_path, person_rows(3) + _second_county(person_rows(3, start=4, township="河口镇")))
    result = compute_form(db, "F1", AS_OF)
    assert (result.title, result.unit_name) == (F1_TITLE, "")
    assert "没有唯一的县" in heading(db).note


def test_an_export_naming_several_provinces_counties_teaches_the_installation_nothing(tmp_path):
    headers = ["省", "市", *PERSON_HEADERS]
    rows = [["甘肃省", "张掖市", *row] for row in person_rows(3) + _second_county(person_rows(3, start=4))]
    db = _fresh(tmp_path, rows, headers)
    place = installation(db)
    assert (place.province, place.county, place.unit_name) == (None, None, None)  # not the first row's county
    assert compute_form(db, "F1", AS_OF).unit_name == ""


def test_settings_name_the_forms_once_set(tmp_path):
    db = _fresh(tmp_path, person_rows(3) + _second_county(person_rows(3, start=4)))
    set_installation(db, "甘肃省", "张掖市", "邻县", "邻县人力资源和社会保障局")
    result = compute_form(db, "F1", AS_OF)
    assert (result.title, result.unit_name) == (f"邻县{F1_TITLE}", "邻县人力资源和社会保障局")
    assert heading(db).note == ""


def test_the_command_line_says_the_name_is_the_data_s_until_set(tmp_path, capsys):
    db = _fresh(tmp_path, person_rows(3))
    db.close()
    out = tmp_path / "f1.xlsx"
    assert main(["--db", str(tmp_path / "fresh.db"), "report", "F1", "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert f"测试县{F1_TITLE}" in said.out and "提示：本单位所在省、县尚未设置" in said.err
    assert main(["--db", str(tmp_path / "fresh.db"), "setup", "--province", "甘肃省", "--county", "测试县"]) == 0
    capsys.readouterr()
    assert main(["--db", str(tmp_path / "fresh.db"), "report", "F1", "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 0
    assert "尚未设置" not in capsys.readouterr().err
