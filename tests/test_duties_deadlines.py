"""Reporting deadlines in working days, 调休 included (issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.cli.main import main
from wengang.services.duties.deadlines import (
    CalendarUnknown,
    calendar_for,
    due_dates,
    is_working_day,
    working_day,
    working_days_after,
)
from wengang.services.duties.schedule import ledger_started, schedule, sender, set_ledger_started, state_word
from wengang.store.areas import set_installation
from wengang.store.db import open_database

D = dt.date


def test_make_up_saturdays_and_holidays_count_as_the_state_council_says():
    assert not is_working_day(D(2025, 10, 6))      # 国庆 holiday on a Monday
    assert is_working_day(D(2025, 10, 11))         # Saturday made a working day
    assert is_working_day(D(2026, 1, 4))           # Sunday made a working day after 元旦
    assert not is_working_day(D(2026, 2, 17))      # 春节


@pytest.mark.parametrize(("year", "month", "n", "expected"), [
    (2025, 10, 4, D(2025, 10, 13)),   # 1–8 off, 9 Thu, 10 Fri, 11 Sat (调休), 13 Mon
    (2026, 10, 4, D(2026, 10, 12)),   # 1–7 off, 8, 9, 10 Sat (调休), 12
    (2025, 2, 4, D(2025, 2, 8)),      # 春节 to 4 Feb, Saturday 8 Feb is a working day
    (2026, 1, 1, D(2026, 1, 4)),      # 元旦 1–3, Sunday 4 Jan works
    (2026, 3, 4, D(2026, 3, 5)),
])
def test_the_nth_working_day_of_a_month(year, month, n, expected):
    assert working_day(year, month, n) == expected


def test_working_days_after_a_quarter_skip_the_national_day_week():
    assert working_days_after(D(2025, 9, 30), 3) == D(2025, 10, 11)
    assert working_days_after(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert working_days_after(D(2026, 2, 13), 1) == D(2026, 2, 14)   # 调休 Saturday before 春节
    assert working_days_after(D(2026, 6, 30), 0) == D(2026, 6, 30)


def test_a_year_the_library_does_not_know_is_said_plainly():
    with pytest.raises(CalendarUnknown, match="2031年"):
        working_day(2031, 1, 1)


def test_province_calendars_give_the_seeds_deadlines():
    shanxi = due_dates(calendar_for("山西省"), D(2025, 9, 1), D(2025, 9, 30))
    assert [(d.period_end, d.due, d.forms) for d in shanxi] == [(D(2025, 9, 30), D(2025, 10, 13), ("F6", "F7"))]
    hlj = due_dates(calendar_for("黑龙江省"), D(2026, 1, 1), D(2026, 9, 30))
    assert [d.due for d in hlj] == [D(2026, 4, 3), D(2026, 7, 3), D(2026, 10, 10)]
    with pytest.raises(CalendarUnknown, match="2027年"):   # Q4 is due in a year not yet published
        due_dates(calendar_for("黑龙江省"), D(2026, 1, 1), D(2026, 12, 31))
    unknown: list[str] = []
    assert len(due_dates(calendar_for("黑龙江省"), D(2026, 1, 1), D(2026, 12, 31), unknown)) == 3
    assert "2026年第4季度" in unknown[0]
    assert [d.period_label for d in hlj][2] == "2026年第3季度"
    gansu = due_dates(calendar_for("甘肃省"), D(2026, 1, 1), D(2026, 1, 31))
    assert [d.due for d in gansu] == [D(2026, 2, 2)]
    with pytest.raises(LookupError, match="还没有湖南省的报送时间表"):
        calendar_for("湖南省")
    with pytest.raises(LookupError, match="省份"):
        calendar_for(None)


def test_schedule_names_late_reports_until_archived(db):
    set_installation(db, "黑龙江省", "哈尔滨市", "测试县")
    set_ledger_started(db, D(2026, 1, 1))  # a county keeping its ledger here all year
    found = schedule(db, D(2026, 10, 12))
    assert [s.deadline.period_label for s in found.late] == ["2026年第2季度", "2026年第3季度"]
    assert found.upcoming == [] and "2026年第4季度" in found.unknown[0]
    db.execute("INSERT INTO report_archive(form_id, as_of, result_json) VALUES ('policy', '2026-09-30', '{}')")
    found = schedule(db, D(2026, 10, 12))
    assert [s.deadline.period_label for s in found.late] == ["2026年第2季度"]
    set_installation(db, "湖南省", "长沙市", "测试县")
    assert "湖南省" in schedule(db, D(2026, 10, 12)).problem


def test_cli_lists_a_year_of_deadlines(tmp_path, capsys):
    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "山西省", "太原市", "阳曲县")
    set_ledger_started(database, D(2025, 1, 1))
    database.close()
    assert main(["--db", str(path), "deadlines", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "2025-10-13（星期一）" in out and "2025年9月" in out
    assert main(["--db", str(path), "deadlines", "--today", "2025-10-14"]) == 0
    out = capsys.readouterr().out
    assert "已逾期未报送" in out and "F6、F7" in out


def test_a_county_owes_nothing_due_before_its_ledger_began(db):
    """A county that starts its ledger today submitted last month's forms by hand: they are not
    late. The ledger began on its first record, or on the day set in 设置."""
    assert ledger_started(db) == (dt.date.today(), "第一条记录")  # set_installation's area
    with db.atomic():
        db.execute("UPDATE audit_log SET at = '2026-11-20T10:00:00'")
    assert ledger_started(db) == (D(2026, 11, 20), "第一条记录")
    found = schedule(db, D(2026, 12, 8))           # 甘肃省: F4 monthly, due on the 2nd
    # November's F4 (due 2 Dec) is owed; October's (due 2 Nov) fell due before the ledger began
    assert [s.deadline.period_label for s in found.late] == ["2026年11月"]
    october = next(d for d in due_dates(calendar_for("甘肃省"), D(2026, 10, 1), D(2026, 10, 31)))
    assert state_word(db, october, D(2026, 12, 8), sender(db)) == "建账前"
    db.execute("INSERT INTO import_batches(kind, started_at) VALUES ('persons', '2026-11-01T09:00:00')")
    assert ledger_started(db)[0] == D(2026, 11, 1)   # the earliest record of any kind
    assert [s.deadline.period_label for s in schedule(db, D(2026, 12, 8)).late] == ["2026年10月", "2026年11月"]
    set_ledger_started(db, D(2026, 12, 3))
    assert ledger_started(db) == (D(2026, 12, 3), "设置")
    assert schedule(db, D(2026, 12, 8)).late == []
    assert state_word(db, october, D(2026, 12, 8), sender(db)) == "建账前"
    db.execute("INSERT INTO report_archive(form_id, as_of, result_json) VALUES ('F4', '2026-10-31', '{}')")
    assert state_word(db, october, D(2026, 12, 8), sender(db)) == "已报送"  # submitted here after all
    set_ledger_started(db, None)
    assert ledger_started(db)[1] == "第一条记录"


def test_a_new_database_owes_every_period(tmp_path):
    database = open_database(tmp_path / "w.db")
    try:
        assert ledger_started(database) == (None, "第一条记录") and sender(database).owes(
            due_dates(calendar_for("甘肃省"), D(2020, 1, 1), D(2020, 1, 31))[0])
    finally:
        database.close()


def test_a_demo_county_made_today_has_nothing_late(tmp_path, capsys):
    path = tmp_path / "demo.db"
    assert main(["--db", str(path), "demo", "--households", "60"]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "deadlines"]) == 0
    out = capsys.readouterr().out
    assert "下次报送" in out and "已逾期" not in out


def test_the_ledger_start_is_set_and_shown_by_setup(tmp_path, capsys):
    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    database.close()
    assert main(["--db", str(path), "deadlines", "--today", "2026-12-08"]) == 0
    out = capsys.readouterr().out
    assert "没有逾期未报送的报表" in out and "以前截止的" in out and "wengang setup --started" in out
    assert main(["--db", str(path), "setup", "--started", "2026-01-01"]) == 0
    assert "2026-01-01（设置）" in capsys.readouterr().out
    assert main(["--db", str(path), "deadlines", "--today", "2026-12-08"]) == 0
    out = capsys.readouterr().out
    assert "已逾期未报送" in out and "2026年11月" in out and "以前截止的" not in out
    assert main(["--db", str(path), "setup", "--started", "auto"]) == 0
    assert "（第一条记录）" in capsys.readouterr().out
