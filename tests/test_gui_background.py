"""Long work off the GUI thread: a cancel rolls back, printing paints through the preview."""

from __future__ import annotations

import time

import pytest
from gui_support import small_county, wait_idle

pytestmark = pytest.mark.gui


def test_cancel_rolls_back_and_is_not_an_error(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    from wengang.gui.widgets.progress import run_with_progress
    started, failures, successes = [], [], []

    def work(db, progress):
        with db.atomic():
            db.execute("INSERT INTO settings(key, value) VALUES ('half', 'written')")
            started.append(True)
            for i in range(500):
                progress.report(i, 500, f"第{i}步")
                progress.check()
                time.sleep(0.01)

    dialog = run_with_progress(context, window, "测试", work, successes.append, failures.append)
    qtbot.waitUntil(lambda: bool(started))
    assert dialog.isVisible()
    dialog.canceled.emit()  # what its 取消 button does
    wait_idle(qtbot, context)
    assert not successes and not failures  # a cancel is neither
    assert context.db.execute("SELECT count(*) FROM settings WHERE key = 'half'").fetchone()[0] == 0


def test_report_print_paints_pages(qtbot, make_window, county_path, tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("报表")
    tab.refresh()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.result is not None)
    from PySide6.QtPrintSupport import QPrinter

    from wengang.gui import print_preview
    target = tmp_path / "preview.pdf"

    def fake_preview(_parent, paint, landscape=True):  # what the preview dialog would do
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        paint(printer)

    monkeypatch.setattr(print_preview, "preview", fake_preview)
    window.print_current()  # Ctrl+P on the report tab
    assert target.read_bytes()[:4] == b"%PDF"


def test_work_queued_behind_another_says_it_waits_until_it_starts(qtbot, make_window, county_path):
    """The overview's first count at open takes seconds at county scale: an import asked for
    meanwhile said "正在读取文件" with nothing moving; it says it waits, then what it does."""
    import threading

    small_county(county_path)
    context, window = make_window(county_path)
    wait_idle(qtbot, context)
    from wengang.gui.widgets.progress import run_with_progress
    release, running, done = threading.Event(), threading.Event(), []
    context.run_in_background(lambda _db, _p: (running.set(), release.wait(10)))
    assert running.wait(5)

    dialog = run_with_progress(context, window, "正在读取文件", lambda _db, _p: release.wait(10), done.append)
    assert dialog.labelText() == "正在读取文件\n（等待正在进行的工作结束）"
    release.set()
    qtbot.waitUntil(lambda: bool(done))
    assert dialog.labelText() == "正在读取文件"

    # Nothing queued: the title from the start
    dialog = run_with_progress(context, window, "正在读取文件", lambda _db, _p: None, done.append)
    assert dialog.labelText() == "正在读取文件"
    wait_idle(qtbot, context)


def test_the_window_builds_the_indexes_an_import_left_to_it(qtbot, make_window, county_path, tmp_path, monkeypatch):
    from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

    from wengang.services.importing import import_file, upsert
    from wengang.store.areas import set_installation
    from wengang.store.db import open_database
    from wengang.store.owed_indexes import LEFT_TO_LATER, defer, owed

    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)  # a first import of 30 persons fills the table in bulk
    db = open_database(county_path)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(30))).ok
    spells = [[pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2025-03-01",
               None, None, 4500] for n in range(1, 21)]
    assert import_file(db, "employment", write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, spells)).ok
    assert owed(db) == sorted(LEFT_TO_LATER)  # as an import in a window closed at once leaves a new county
    db.close()
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('persons', 'employment_spells')"
    context, _window = make_window(county_path)
    wait_idle(qtbot, context)
    assert owed(context.db) == [] and LEFT_TO_LATER <= {name for (name,) in context.db.execute(indexes)}
    # An import in the window says the data changed: what it left owed is built then.
    with context.db.atomic():
        context.db.execute("DROP INDEX idx_persons_age")
        defer(context.db.conn, [("idx_persons_age", "CREATE INDEX idx_persons_age ON persons(0 - julianday(birth_date))")])
    context.data_changed.emit()
    wait_idle(qtbot, context)
    assert owed(context.db) == [] and "idx_persons_age" in {name for (name,) in context.db.execute(indexes)}


def test_the_window_stops_building_owed_indexes_for_work_asked_for_and_builds_them_after(qtbot, make_window,
                                                                                        county_path, monkeypatch):
    from wengang.gui import main_window
    from wengang.store.db import open_database
    from wengang.store.owed_indexes import build_owed, defer, owed

    small_county(county_path)
    db = open_database(county_path)
    with db.atomic():  # as a first import leaves it
        db.execute("DROP INDEX idx_persons_name")
        defer(db.conn, [("idx_persons_name", "CREATE INDEX idx_persons_name ON persons(name)")])
    db.close()
    calls = []

    def slow_first(db):  # the first build runs long enough to be stopped mid-statement
        calls.append(len(calls))
        if len(calls) == 1:
            db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n")
        return build_owed(db)

    monkeypatch.setattr(main_window, "build_owed", slow_first)
    context, _window = make_window(county_path)
    qtbot.waitUntil(lambda: bool(calls))
    asked = []
    context.run_in_background(lambda db, _p: db.execute("SELECT count(*) FROM persons").fetchone()[0], asked.append)
    qtbot.waitUntil(lambda: bool(asked))  # not behind the build: it gave way
    wait_idle(qtbot, context)
    assert asked == [3] and len(calls) == 2 and owed(context.db) == []
    assert "idx_persons_name" in {n for (n,) in context.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
