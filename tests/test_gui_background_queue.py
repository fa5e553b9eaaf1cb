"""The window's one background thread puts work nobody waits for (the data-quality run, the
inbox's look) behind what a caseworker asks for: it waits in the queue behind later jobs, stops
mid-statement when one is asked for, and closing the window does not wait for it. At 200,000
households the start-up quality run took 17 s, and a tab clicked after it was queued waited for
it, as did closing the window."""

from __future__ import annotations

import threading

import pytest
from gui_support import small_county, wait_idle

from wengang.gui.context import AppContext, Cancelled
from wengang.store.db import interrupted_when, open_database

pytestmark = pytest.mark.gui

# About 45 s of work for SQLite on this machine, unless stopped.
ENDLESS = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
           "SELECT count(*) FROM c")


@pytest.fixture
def context(qtbot, county_path):
    small_county(county_path)
    made = AppContext(county_path)
    yield made
    made.close()


def blocked(context: AppContext) -> threading.Event:
    """Hold the background thread with a job until the returned event is set."""
    gate = threading.Event()
    context.run_in_background(lambda _db, _p: gate.wait(10))
    return gate


def endless_idle(context: AppContext, failures: list) -> threading.Event:
    """An idle job that would run for minutes; the event is set once it runs."""
    started = threading.Event()

    def work(db, _progress):
        started.set()
        return db.execute(ENDLESS).fetchone()[0]

    context.run_in_background(work, None, failures.append, idle=True)
    return started


def test_idle_work_waits_behind_work_asked_for_after_it(qtbot, context):
    ran: list[str] = []
    gate = blocked(context)
    context.run_in_background(lambda _db, _p: ran.append("数据质量"), idle=True)
    context.run_in_background(lambda _db, _p: ran.append("台账"))
    gate.set()
    wait_idle(qtbot, context)
    assert ran == ["台账", "数据质量"]


def test_running_idle_work_stops_mid_statement_for_work_asked_for(qtbot, context):
    failures: list[BaseException] = []
    started = endless_idle(context, failures)
    assert started.wait(10)
    answers: list[int] = []
    context.run_in_background(lambda db, _p: db.execute("SELECT count(*) FROM persons").fetchone()[0],
                              answers.append)
    qtbot.waitUntil(lambda: bool(answers and failures), timeout=10000)
    assert isinstance(failures[0], Cancelled)
    assert answers == [3]  # the same connection answers the next job


def test_closing_stops_idle_work_and_drops_what_is_queued(qtbot, context):
    failures: list[BaseException] = []
    ran: list[str] = []
    started = endless_idle(context, failures)
    assert started.wait(10)
    context.run_in_background(lambda _db, _p: ran.append("收件"), idle=True)
    context.finish_work()  # returns: the endless statement was stopped, not waited for
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert isinstance(failures[0], Cancelled)
    assert ran == []


def test_an_interrupted_statement_rolls_back_short_clean_ups_run_and_long_work_stays_stopped(county_path):
    small_county(county_path)
    db = open_database(county_path)
    stop = threading.Event()
    with interrupted_when(db, stop.is_set):
        with pytest.raises(Exception, match="interrupted"), db.atomic():
            db.execute("UPDATE persons SET name = '改过'")
            stop.set()
            db.execute(ENDLESS).fetchone()
        # short statements still run after it: the rollback, and this count
        assert db.execute("SELECT count(*) FROM persons WHERE name = '改过'").fetchone()[0] == 0
        # a caller that catches the error and tries something long is stopped again
        with pytest.raises(Exception, match="interrupted"):
            db.execute(ENDLESS).fetchone()
    db.close()


def test_a_quality_run_stopped_for_a_tab_runs_again_after_it(qtbot, make_window, county_path, monkeypatch):
    from wengang.services import rules

    small_county(county_path)
    context, window = make_window(county_path)
    qtbot.waitUntil(lambda: window.quality.runs >= 1, timeout=10000)  # the run at start
    wait_idle(qtbot, context)
    real, calls = rules.run_quality, []
    started = threading.Event()

    def slow_first(db, as_of, *args, **kwargs):
        calls.append(as_of)
        if len(calls) == 1:
            started.set()
            db.execute(ENDLESS).fetchone()
        return real(db, as_of, *args, **kwargs)

    monkeypatch.setattr(rules, "run_quality", slow_first)
    runs = window.quality.runs
    window.quality.run()
    assert started.wait(10)
    asked: list[int] = []
    context.run_in_background(lambda db, _p: db.execute("SELECT count(*) FROM households").fetchone()[0],
                              asked.append)
    qtbot.waitUntil(lambda: window.quality.runs == runs + 1, timeout=15000)
    assert asked == [2] and len(calls) == 2
    assert "待处理" in window.quality.label.text()


def test_idle_work_held_for_the_background_integrity_check_stops_for_work_asked_for(qtbot, county_path, monkeypatch):
    """A copied file is checked whole in the background (16 s at 200,000 households) and
    writes wait for the check: the quality run at start waited there, and the 台账 clicked
    meanwhile waited behind it."""
    from wengang.store import integrity

    small_county(county_path)
    integrity.forget_clean_close(county_path)  # as after a copy: the window checks the whole file
    checked = threading.Event()
    real_check = integrity.check_connection
    monkeypatch.setattr(integrity, "FIRST_PAINT_S", 0)
    monkeypatch.setattr(integrity, "check_connection", lambda *a: (checked.wait(30), real_check(*a)))
    context = AppContext(county_path)
    try:
        failures: list[BaseException] = []
        waiting = threading.Event()

        def write(db, _progress):
            waiting.set()
            db.execute("UPDATE persons SET name = name WHERE id = -1")  # held until the check passes

        context.run_in_background(write, None, failures.append, idle=True)
        assert waiting.wait(10)
        answers: list[int] = []
        context.run_in_background(lambda db, _p: db.execute("SELECT count(*) FROM persons").fetchone()[0],
                                  answers.append)
        qtbot.waitUntil(lambda: bool(answers and failures), timeout=10000)
        assert not checked.is_set()  # answered while the check still runs
        assert isinstance(failures[0], Cancelled) and answers == [3]
    finally:
        checked.set()
        context.close()


def test_a_quality_run_stopped_by_closing_is_not_started_again(qtbot, make_window, county_path, monkeypatch):
    from wengang.services import rules

    small_county(county_path)
    context, window = make_window(county_path)
    qtbot.waitUntil(lambda: window.quality.runs >= 1, timeout=10000)
    wait_idle(qtbot, context)
    calls, started = [], threading.Event()

    def endless(db, as_of, *args, **kwargs):
        calls.append(as_of)
        started.set()
        db.execute(ENDLESS).fetchone()

    monkeypatch.setattr(rules, "run_quality", endless)
    window.quality.run()
    assert started.wait(10)
    window.close()  # stops the run rather than waiting for it
    qtbot.wait(500)  # its report arrives: it is not started again
    wait_idle(qtbot, context)
    assert len(calls) == 1 and not window.quality.running
