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
# About 200,000 steps of SQLite (well over the 20,000 between two looks at the stop): stopped
# if the stop were armed while it runs, done in a fraction of a second otherwise.
SHARED = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
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


def test_the_days_backup_is_made_beside_the_windows_work(qtbot, context):
    """On the window's one background thread the day's backup (6 s for a 1.3 GB county) held
    up a 台账 clicked meanwhile; it reads the file on a connection of its own beside it."""
    import shutil

    from wengang.store import backup

    shutil.rmtree(backup.backups_dir(context.db_path), ignore_errors=True)  # no backup of the day yet
    gate = blocked(context)  # the window's thread busy with something long
    try:
        context.daily_backup_later()
        qtbot.waitUntil(lambda: not backup.daily_backup_due(context.db_path), timeout=10000)
        [made] = backup.list_backups(context.db_path)
        assert made.name.endswith("-每日.db") and backup.file_is_sound(made)
    finally:
        gate.set()
    wait_idle(qtbot, context)


def test_closing_waits_for_the_days_backup_and_says_so(qtbot, context, monkeypatch):
    from wengang.store import backup

    made, said = [], []

    def slow(path, password=None):
        threading.Event().wait(0.3)
        made.append(path)

    monkeypatch.setattr(backup, "daily_backup", slow)
    context.daily_backup_later()
    context.finish_work(before_waiting=lambda: said.append(bool(made)))
    assert said == [False] and len(made) == 1


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


def test_closing_says_so_before_it_waits_for_work_that_must_end(qtbot, context):
    """Closing waited 5 s for the day's backup of a 200,000-household county, the window
    frozen and saying nothing; it says nothing when only work it stops was left."""
    failures: list[BaseException] = []
    said: list[bool] = []
    started = endless_idle(context, failures)
    assert started.wait(10)
    context.finish_work(before_waiting=lambda: said.append(True))
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert said == []
    gate = blocked(context)  # a backup, a write
    threading.Timer(0.3, gate.set).start()
    context.finish_work(before_waiting=lambda: said.append(gate.is_set()))
    assert said == [False] and gate.is_set()  # said while it still ran, then waited for it


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


def test_a_stopped_quality_run_goes_on_from_the_rule_it_stopped_in(qtbot, make_window, county_path, monkeypatch):
    """At 200,000 households the rules take 14 s; stopped for every tab clicked, the run began
    again from the first rule each time. Changed data start the rules over."""
    from wengang.services.rules import quality

    small_county(county_path)
    context, window = make_window(county_path)
    qtbot.waitUntil(lambda: window.quality.runs >= 1, timeout=10000)
    wait_idle(qtbot, context)
    rules = [r.id for r in quality.quality_rules()]
    real, evaluated, started = quality._evaluate, [], threading.Event()

    def recorded(db, rule, params):
        evaluated.append(rule.id)
        if rule.id == rules[2] and not started.is_set():  # the first time: stopped here
            started.set()
            db.execute(ENDLESS).fetchone()
        return real(db, rule, params)

    monkeypatch.setattr(quality, "_evaluate", recorded)
    runs = window.quality.runs
    window.quality.run()
    assert started.wait(10)
    context.run_in_background(lambda db, _p: db.execute("SELECT 1").fetchone())
    qtbot.waitUntil(lambda: window.quality.runs == runs + 1, timeout=15000)
    assert evaluated == rules[:3] + rules[2:]  # the third again, not the two before it
    evaluated.clear()
    context.data_changed.emit()  # changed data: every rule again
    qtbot.waitUntil(lambda: window.quality.runs >= runs + 2, timeout=15000)
    wait_idle(qtbot, context)
    assert evaluated[:len(rules)] == rules


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
    monkeypatch.setattr(integrity, "check_connection", lambda *a, **kw: (checked.wait(30), real_check(*a, **kw)))
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



def tab_work(context: AppContext, hidden: bool, shared: list, failures: list, answers: list) -> threading.Event:
    """A tab's job (the overview's shape): a shared part (the statuses), then its own counting,
    which would run for minutes; it waits for the returned event before its shared part."""
    go_on = threading.Event()

    def work(db, progress):
        go_on.wait(10)
        shared.append(db.execute(SHARED).fetchone()[0])  # derived for every tab: never given up
        progress.stoppable_from_here()
        return db.execute(ENDLESS if hidden else SHARED).fetchone()[0]

    context.run_in_background(work, answers.append, failures.append, gives_way=lambda: hidden)
    return go_on


def test_a_hidden_tabs_work_gives_way_from_its_own_counting_to_work_asked_for(qtbot, context):
    """At 200,000 households after an import, 概览's job derived every status (8 s) and then
    counted its figures (4.8 s) while the 台账 clicked meanwhile waited for both."""
    shared, failures, answers = [], [], []
    go_on = tab_work(context, True, shared, failures, answers)
    asked: list[int] = []
    context.run_in_background(lambda db, _p: db.execute("SELECT count(*) FROM persons").fetchone()[0],
                              asked.append)  # asked for while the tab's job runs its shared part
    go_on.set()
    qtbot.waitUntil(lambda: bool(asked and failures), timeout=10000)
    assert shared == [200000]  # the shared part ran to its end although the stop was asked before
    assert isinstance(failures[0], Cancelled) and answers == []
    assert asked == [3]


def test_a_shown_tabs_work_does_not_give_way(qtbot, context):
    shared, failures, answers = [], [], []
    go_on = tab_work(context, False, shared, failures, answers)
    asked: list[int] = []
    context.run_in_background(lambda db, _p: db.execute("SELECT count(*) FROM persons").fetchone()[0],
                              asked.append)
    go_on.set()
    wait_idle(qtbot, context)
    assert failures == [] and answers == [200000] and asked == [3]


def test_the_overview_counting_gives_way_to_the_ledger_clicked_and_counts_again_when_shown(
        qtbot, make_window, county_path, monkeypatch):
    from wengang.services import overview

    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("概览")
    wait_idle(qtbot, context)
    real, counting = overview._place_groups, threading.Event()

    def slow(db, when):
        counting.set()
        db.execute(ENDLESS).fetchone()
        return real(db, when)

    monkeypatch.setattr(overview, "_place_groups", slow)
    tab.refresh_now()
    assert counting.wait(10)
    monkeypatch.setattr(overview, "_place_groups", real)
    ledger = window.show_tab("台账")  # the overview hidden: it gives way to the list
    qtbot.waitUntil(lambda: ledger.model.rowCount() > 0, timeout=10000)
    qtbot.waitUntil(lambda: tab.stale, timeout=10000)
    assert "计算中" in tab.heading.text()
    window.show_tab("概览")
    qtbot.waitUntil(lambda: "计算中" not in tab.heading.text(), timeout=10000)
    assert tab.overview is not None and tab.overview.persons == 3


def test_the_overview_heading_says_what_its_work_is_doing(qtbot, make_window, county_path, monkeypatch):
    """After an import at 200,000 households 概览 said 计算中… for 9 s: it now says whether the
    statuses are being gathered or the figures counted, then shows the figures."""
    from wengang.services import overview

    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("概览")
    wait_idle(qtbot, context)
    real_status, real_groups = overview.status_table, overview._place_groups
    deriving, counting = threading.Event(), threading.Event()
    derived, counted = threading.Event(), threading.Event()

    def held_status(db, when):
        deriving.set()
        derived.wait(10)
        return real_status(db, when)

    def held_groups(db, when):
        counting.set()
        counted.wait(10)
        return real_groups(db, when)

    monkeypatch.setattr(overview, "status_table", held_status)
    tab.refresh_now()
    assert deriving.wait(10)
    qtbot.waitUntil(lambda: "正在汇总每个人" in tab.heading.text(), timeout=5000)
    monkeypatch.setattr(overview, "status_table", real_status)
    monkeypatch.setattr(overview, "_place_groups", held_groups)
    derived.set()
    assert counting.wait(10)
    qtbot.waitUntil(lambda: "正在统计各乡镇" in tab.heading.text(), timeout=5000)
    counted.set()
    qtbot.waitUntil(lambda: "计算中" not in tab.heading.text(), timeout=10000)
    assert tab.overview is not None and tab.overview.persons == 3
