"""Returnee follow-up: due N working days after the return (调休 counted), closed by a survey
or a service on or after it, overdue otherwise (issue 16)."""

from __future__ import annotations

import datetime as dt

import openpyxl

from wengang.cli.main import main
from wengang.services.duties.followup import (
    CLOSED,
    OPEN,
    OVERDUE,
    UNKNOWN,
    followup_days,
    followups,
    set_followup_days,
)

D = dt.date


def _returnee(factory, end: str, start: str = "2024-03-01") -> int:
    pid = factory.person()
    factory.spell(pid, start, end, region="省外", place_province="浙江省", place_city="宁波市")
    return pid


def _by_person(items):
    return {i.person_id: i for i in items}


def test_due_dates_skip_the_national_day_and_spring_festival_holidays(db, factory):
    national = _returnee(factory, "2025-09-30")
    spring = _returnee(factory, "2025-01-27")
    got = _by_person(followups(db, D(2025, 12, 31), working_days=5))
    assert got[national].due == D(2025, 10, 14)     # 1–8 Oct off; 9, 10, 11 (Sat, 调休), 13, 14
    assert got[spring].due == D(2025, 2, 10)        # 28 Jan – 4 Feb off; 5, 6, 7, 8 (Sat, 调休), 10
    lunar = _returnee(factory, "2026-02-13")
    national_2026 = _returnee(factory, "2026-09-30")
    got = _by_person(followups(db, D(2026, 11, 30), working_days=3))
    assert got[lunar].due == D(2026, 2, 25)         # 14 Feb (Sat) works, 15–23 off, 24, 25
    assert got[national_2026].due == D(2026, 10, 10)  # 1–7 Oct off; 8, 9, 10 (Sat, 调休)
    assert got[lunar].came_from == "省外 浙江省宁波市"


def test_a_survey_or_service_after_the_return_closes_it(db, factory):
    surveyed, served, early, nobody = (_returnee(factory, "2026-09-30") for _ in range(4))
    db["surveys"].insert({"person_id": surveyed, "survey_date": "2026-10-12", "willing": 1})
    db["services"].insert({"person_id": served, "service_date": "2026-10-08", "kind": "岗位信息推送"})
    db["services"].insert({"person_id": early, "service_date": "2026-09-01", "kind": "职业指导"})  # before the return
    got = _by_person(followups(db, D(2026, 10, 31), working_days=5))
    assert (got[surveyed].status, got[surveyed].closed_by) == (CLOSED, "意愿摸排")
    assert got[surveyed].note == ""                                     # due 2026-10-13: in time
    assert (got[served].status, got[served].closed_by) == (CLOSED, "就业服务（岗位信息推送）")
    assert got[early].status == OVERDUE and got[nobody].status == OVERDUE
    # the day before the due date it is still open
    assert _by_person(followups(db, D(2026, 10, 13), working_days=5))[nobody].status == OPEN


def test_the_setting_and_a_year_not_yet_published(db, factory):
    assert followup_days(db) == 10
    set_followup_days(db, 3)
    assert followup_days(db) == 3
    late = _returnee(factory, "2026-12-30")
    got = _by_person(followups(db, D(2026, 12, 31)))
    assert got[late].status == UNKNOWN and "2027年" in got[late].note


def test_cli_lists_the_overdue_and_saves(tmp_path, capsys):
    from conftest import Factory

    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    f = Factory(database)
    _returnee(f, "2026-09-30")
    database.close()
    out = tmp_path / "跟踪.xlsx"
    assert main(["--db", str(path), "followup", "--as-of", "2026-10-31", "--set-days", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "已逾期1人" in printed and "2026-10-13" in printed
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[2][9] == "已逾期"


def test_saved_list_keeps_its_styles_and_a_stopped_save_leaves_no_file(db, factory, tmp_path):
    # The list is streamed (200,000 households: 112,774 returnees, 654 MB as a whole sheet);
    # what it looks like stays: title, header, red 已逾期, frozen header, landscape print.
    import pytest  # noqa: PLC0415

    from wengang.services.duties.followup import write_followups  # noqa: PLC0415

    late = _returnee(factory, "2026-09-30")
    fresh = _returnee(factory, "2026-10-29")
    items = sorted(followups(db, D(2026, 10, 31), working_days=5), key=lambda i: i.person_id)
    assert [i.status for i in items if i.person_id in (late, fresh)] == [OVERDUE, OPEN]
    out = write_followups(items, tmp_path / "跟踪.xlsx", title="返乡回流跟踪名单")
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A1"].value == "返乡回流跟踪名单" and sheet["A1"].font.b and sheet["A1"].font.sz == 13
    assert sheet["A2"].value == "乡镇（街道）" and sheet["A2"].font.b and sheet["A2"].fill.fgColor.rgb.endswith("DDEBF7")
    assert [sheet.cell(row, 10).value for row in (3, 4)] == [OVERDUE, OPEN]
    assert sheet["J3"].font.color.rgb == "FF9C0006" and getattr(sheet["J4"].font.color, "rgb", None) != "FF9C0006"
    assert sheet["D3"].value == items[0].id_number and sheet["F3"].value == items[0].return_date.isoformat()
    assert (sheet.freeze_panes, sheet.page_setup.orientation, sheet.print_title_rows) == ("A3", "landscape", "$2:$2")
    assert sheet.column_dimensions["D"].width == 21
    # Printed on A4, one page wide (its 13 columns went over three pages of letter paper).
    setup = sheet.page_setup
    assert (setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage

    def stop(done, _total, _words):
        if done:
            raise KeyboardInterrupt

    many = items * 1500  # past the first progress report at 2,000 rows
    with pytest.raises(KeyboardInterrupt):
        write_followups(many, tmp_path / "停.xlsx", title="t", progress=stop)
    assert not (tmp_path / "停.xlsx").exists()
