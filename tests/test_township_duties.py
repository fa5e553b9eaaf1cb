"""A township installation's deadlines and area tree.

A township submits nothing to the city: its county does. Its 报送时间 are the county's, met by
sending its changes to the county; its area tree is its own township, though the county's
package also names the townships whose 安置点 its people were moved to.
"""

from __future__ import annotations

import datetime as dt

import pytest
from gui_support import wait_idle
from PySide6.QtCore import Qt

from wengang.cli.main import main
from wengang.services.demo.builder import build_demo
from wengang.services.duties.schedule import schedule, sender, set_ledger_started, state_word
from wengang.services.exchange import engine as ex
from wengang.store.db import open_database

D = dt.date
TOWNSHIP = "沙河镇"


@pytest.fixture
def township(tmp_path):
    """(county path, township path): a demo county keeping its ledger here since January, and
    沙河镇 set up from its package, its ledger started on 2026-10-15 (the day the package came)."""
    county = open_database(tmp_path / "county.db")
    build_demo(county, households=150)
    set_ledger_started(county, D(2026, 1, 1))
    base = tmp_path / "base.wgx"
    ex.export_base(county, TOWNSHIP, base)
    county.close()
    town = open_database(tmp_path / "town.db")
    ex.import_package(town, base)
    with town.atomic():
        town.execute("UPDATE exchange_packages SET at = '2026-10-15T09:00:00'")
    town.close()
    return tmp_path / "county.db", tmp_path / "town.db"


def _sent_on(path, day: str) -> None:
    """The township sends its changes to the county, on ``day``."""
    db = open_database(path)
    ex.export_changes(db, path.parent / f"to-county-{day}.wgx")
    with db.atomic():
        db.execute("UPDATE exchange_packages SET at = ? WHERE direction = 'out' AND at > '2026-12-01'",
                   [f"{day}T17:00:00"])
    db.close()


def test_a_township_owes_the_county_its_changes_not_the_city_its_forms(township):
    _, town_path = township
    db = open_database(town_path)
    try:
        found = schedule(db, D(2026, 12, 8))
        by = found.sender
        assert by.township and by.started == D(2026, 10, 15) and by.sent == ()
        # October's deadline (2 Nov) came after the township was set up; the months before did not.
        assert [s.deadline.period_label for s in found.late] == ["2026年10月", "2026年11月"]
        assert by.late_word == "已逾期未发给县里" and by.due_word == "县里报送截止"
        assert by.last_sent == "还没有给县里发过交换包"
        assert all(not s.submitted for s in found.upcoming)
    finally:
        db.close()
    _sent_on(town_path, "2026-12-01")   # a package on 1 December covers November and before
    db = open_database(town_path)
    try:
        found = schedule(db, D(2026, 12, 8))
        assert found.late == []
        assert found.sender.sent == (D(2026, 12, 1),) and found.sender.last_sent.startswith("上次发给县里：第1号")
        december = found.upcoming[0].deadline
        assert december.period_label == "2026年12月" and not found.upcoming[0].submitted
        by = found.sender
        september = next(d for d in _year(db) if d.period_label == "2026年9月")
        assert state_word(db, september, D(2026, 12, 8), by) == "建账前"
        assert state_word(db, december, D(2026, 12, 8), by) == "未到"
        assert state_word(db, december, D(2027, 1, 5), by) == "逾期未发给县里"
        november = next(d for d in _year(db) if d.period_label == "2026年11月")
        assert state_word(db, november, D(2026, 12, 8), by) == "已发给县里"
    finally:
        db.close()


def _year(db):
    from wengang.services.duties.deadlines import calendar_for, due_dates
    from wengang.store.areas import installation
    return due_dates(calendar_for(installation(db).province), D(2026, 1, 1), D(2026, 12, 31))


def test_the_county_still_counts_its_archived_forms(township):
    county_path, _ = township
    db = open_database(county_path)
    try:
        assert not sender(db).township
        found = schedule(db, D(2026, 12, 8))
        assert found.sender.late_word == "已逾期未报送" and found.sender.last_sent == ""
        assert "2026年11月" in [s.deadline.period_label for s in found.late]
    finally:
        db.close()


def test_the_deadlines_command_speaks_to_a_township(township, capsys):
    county_path, town_path = township
    assert main(["--db", str(town_path), "deadlines", "--today", "2026-12-08"]) == 0
    out = capsys.readouterr().out
    assert "乡镇不向市里报送" in out and "县里报送截止" in out and "已发给县里" in out
    assert "已逾期未发给县里（数据期间结束后没有发过交换包）" in out
    assert "wengang exchange export" in out and "已逾期未报送" not in out
    assert main(["--db", str(county_path), "deadlines", "--today", "2026-12-08"]) == 0
    out = capsys.readouterr().out
    assert "已逾期未报送（已报送报表中没有这一期）" in out and "县里" not in out


def test_a_township_window_shows_its_own_township_and_deadlines(qtbot, make_window, township):
    _county_path, town_path = township
    context, window = make_window(town_path)
    names = window.navigator.names()
    assert TOWNSHIP in names and "城关镇" not in names and "新天镇" not in names
    villages = context.db.execute("SELECT v.name FROM areas v JOIN areas t ON t.id = v.parent_id "
                                  "WHERE t.name = ?", [TOWNSHIP]).fetchall()
    assert villages and all(v in names for (v,) in villages)
    # the one township is opened: its villages are in sight, not behind a click
    model = window.navigator.model_
    town_item = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, TOWNSHIP, 1,
                            Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)[0]
    assert window.navigator.isExpanded(town_item)
    # the 安置点 its people were moved to stay, though they lie in other townships
    sites = context.db.execute("SELECT DISTINCT s.name FROM relocation_sites s JOIN households h ON h.site_id = s.id "
                               "JOIN areas v ON v.id = h.area_id JOIN areas t ON t.id = v.parent_id "
                               "WHERE t.name = ? AND s.township <> t.name", [TOWNSHIP]).fetchall()
    assert sites and all(name in names for (name,) in sites)
    overview = window.show_tab("概览")
    overview.show_deadlines()
    text = overview.deadlines.text()
    assert "县里下次报送" in text and "还没有给县里发过交换包" in text and "已逾期未报送" not in text
    duties = window.show_tab("日常工作")
    page = duties.show_page("报送时间")
    wait_idle(qtbot, context)
    page.refresh()
    assert "乡镇不向市里报送" in page.status.text()
    states = {page.table.model().index(r, 5).data() for r in range(page.table.model().rowCount())}
    assert "建账前" in states and "已报送" not in states
    # one township: no "next township" to make the calls of a cross-check
    assert not duties.show_page("电话抽查").cross.isVisibleTo(duties)
    # 数据交换 says by when the changes should go: before the county's next deadline
    from PySide6.QtWidgets import QLabel

    from wengang.services.duties.schedule import schedule
    exchange = window.show_exchange()
    said = " ".join(label.text() for label in exchange.findChildren(QLabel))
    upcoming = schedule(context.db, dt.date.today()).upcoming
    assert not upcoming or f"县里下次报送截止 {upcoming[0].deadline.due}" in said
    exchange.close()
    wait_idle(qtbot, context)


def test_a_county_window_shows_every_township(qtbot, make_window, township):
    county_path, _ = township
    context, window = make_window(county_path)
    assert {"城关镇", TOWNSHIP, "新天镇"} <= set(window.navigator.names())
    duties = window.show_tab("日常工作")
    assert duties.show_page("电话抽查").cross.isVisibleTo(duties)
    wait_idle(qtbot, context)


def test_a_townships_forms_are_its_own_by_village(township, tmp_path, capsys):
    """A township's ledger holds one township: its forms are titled with its name, signed by
    its government and have its villages as rows (a form by township had one row and the
    county's title)."""
    _, town_path = township
    out = tmp_path / "f1.csv"
    assert main(["--db", str(town_path), "report", "F1", "--as-of", "2026-11-30", "--out", str(out)]) == 0
    assert f"《{TOWNSHIP}脱贫人口和监测对象就业统计表》" in capsys.readouterr().out
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("行政村（社区）")
    db = open_database(town_path)
    try:
        villages = {v for (v,) in db.execute("SELECT v.name FROM areas v JOIN areas t ON t.id = v.parent_id "
                                             "WHERE t.name = ?", [TOWNSHIP])}
        assert db.execute("SELECT value FROM settings WHERE key = 'unit_name'").fetchone()[0] == "沙河镇人民政府"
    finally:
        db.close()
    assert {r.split(",")[0] for r in rows[2:]} <= villages and len(rows) > 3
    # asked by township all the same, the one row is still there
    assert main(["--db", str(town_path), "report", "F1", "--as-of", "2026-11-30", "--by", "township",
                 "--out", str(out)]) == 0
    assert [r.split(",")[0] for r in out.read_text(encoding="utf-8-sig").splitlines()[1:]] == ["合计", TOWNSHIP]


def test_a_township_windows_report_is_by_village(qtbot, make_window, township):
    _, town_path = township
    context, window = make_window(town_path)
    tab = window.show_tab("报表")
    wait_idle(qtbot, context)
    assert tab.grouping.currentData() == "village"
    wait_idle(qtbot, context)


def test_a_townships_bulletin_ranks_its_villages(township, capsys):
    _, town_path = township
    assert main(["--db", str(town_path), "bulletin", "--as-of", "2026-11-30"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("沙河镇人民政府") and "关于全镇脱贫人口" in text and "各行政村（社区）：" in text
    assert "全县" not in text and "城关镇" not in text  # not the county's, nor its other townships


def test_the_windows_bulletin_for_a_picked_township_ranks_its_villages(qtbot, make_window, township):
    """At the county, 城关镇 picked, 通报草稿 spoke of "1个乡镇（街道）": F1 by township."""
    county_path, _ = township
    context, window = make_window(county_path, as_of=D(2026, 11, 30))
    tab = window.show_tab("报表")
    town = context.db.execute("SELECT id FROM areas WHERE level = 'township' AND name = ?", [TOWNSHIP]).fetchone()[0]
    context.set_place(town)
    wait_idle(qtbot, context)
    text = tab.bulletin_text()
    assert "全镇" in text and "行政村（社区）中" in text and "1个乡镇" not in text
    wait_idle(qtbot, context)


def test_a_township_asked_for_at_the_county_is_by_village(township, tmp_path, capsys):
    county_path, _ = township
    out = tmp_path / "f1.csv"
    assert main(["--db", str(county_path), "report", "F1", "--as-of", "2026-11-30", "--area", TOWNSHIP,
                 "--out", str(out)]) == 0
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("行政村（社区）") and len(rows) > 3   # as the 报表 tab has it
    assert main(["--db", str(county_path), "report", "F1", "--as-of", "2026-11-30", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("乡镇（街道）")
    capsys.readouterr()


def _county_files(county_path, tmp_path):
    from wengang.services.importing.export import export_kind
    db = open_database(county_path)
    try:
        for kind in ("persons", "employment"):
            export_kind(db, kind, tmp_path / f"{kind}.xlsx")
        own = db.execute("SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id "
                         "JOIN areas v ON v.id = h.area_id JOIN areas t ON t.id = v.parent_id WHERE t.name = ?",
                         [TOWNSHIP]).fetchone()[0]
        total = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    finally:
        db.close()
    return tmp_path / "persons.xlsx", tmp_path / "employment.xlsx", own, total


def test_a_township_takes_its_own_rows_of_a_county_wide_file(township, tmp_path):
    """A county-wide roster handed to a township laptop went in whole: every township's people
    became the township's own, to be sent to the county as its changes."""
    from wengang.services.importing import import_file
    county_path, town_path = township
    roster, work, own, total = _county_files(county_path, tmp_path)
    db = open_database(town_path)
    try:
        before = db.execute("SELECT count(*) FROM persons").fetchone()[0]
        result = import_file(db, "persons", roster)
        assert result.ok and result.rows == own == before
        assert f"其他乡镇的{total - own:,}行未导入" in result.outside and result.outside in result.summary()
        assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == before
        assert {t for (t,) in db.execute("SELECT DISTINCT t.name FROM households h JOIN areas v ON v.id = h.area_id "
                                         "JOIN areas t ON t.id = v.parent_id")} == {TOWNSHIP}
        spells = import_file(db, "employment", work)   # no area column: the persons registered here
        assert spells.ok and "证件号码不是本镇登记的人员" in spells.outside
        assert spells.rows == db.execute("SELECT count(*) FROM employment_spells").fetchone()[0]
    finally:
        db.close()
    county = open_database(county_path)   # at the county the same file is the whole county
    try:
        result = import_file(county, "persons", roster, dry_run=True)
        assert result.ok and result.rows == total and result.outside == ""
    finally:
        county.close()


def test_another_townships_bad_row_does_not_stop_a_townships_import(township, tmp_path):
    from openpyxl import load_workbook

    from wengang.services.importing import import_file
    county_path, town_path = township
    roster, _work, _own, _total = _county_files(county_path, tmp_path)
    book = load_workbook(roster)
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    town_col, id_col = headers.index("乡镇（街道）") + 1, headers.index("证件号码") + 1
    other = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, town_col).value != TOWNSHIP)
    mine = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, town_col).value == TOWNSHIP)
    sheet.cell(other, id_col).value = "12345"
    book.save(roster)
    db = open_database(town_path)
    try:
        assert import_file(db, "persons", roster).ok   # the bad row is another township's
        sheet.cell(mine, id_col).value = "54321"
        book.save(roster)
        result = import_file(db, "persons", roster)
        assert not result.ok and [e.row for e in result.errors] == [mine]   # the sheet's own row number
    finally:
        db.close()


def test_a_township_windows_import_says_what_it_leaves_out(qtbot, make_window, township, tmp_path):
    county_path, town_path = township
    roster, _work, _own, _total = _county_files(county_path, tmp_path)
    context, window = make_window(town_path)
    tab = window.show_tab("导入")
    tab.load_preview(roster)
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.preview is not None)
    assert "其他乡镇的" in tab.summary.text() and "由县里导入" in tab.summary.text()
    wait_idle(qtbot, context)


def test_a_townships_consistency_check_compares_its_own_rows(township, tmp_path):
    """A county-wide roster checked at a township listed every other township's person as
    仅在文件中."""
    from wengang.services.importing import check_consistency
    county_path, town_path = township
    roster, _work, own, total = _county_files(county_path, tmp_path)
    db = open_database(town_path)
    try:
        report = check_consistency(db, roster)
        assert report.consistent and report.file_rows == own
        assert f"其他乡镇的{total - own:,}行未核对" in report.summary() and "由县里核对" in report.summary()
    finally:
        db.close()


def test_the_township_filter_reads_the_database_only_after_the_backups_thread(township, tmp_path, monkeypatch):
    """The 导入前 backup runs on a second thread on the import's own connection, begun as soon as
    the sheet's header is read. The township filter read the settings beside it, and the two
    threads stopped on one connection: the window's import never ended (seen in CI)."""
    import threading
    import time

    from wengang.services.importing import engine, import_file
    county_path, town_path = township
    roster, _work, _own, _total = _county_files(county_path, tmp_path)
    backup_done = threading.Event()
    started = engine._backup_started

    def slow_backup(db):
        time.sleep(0.3)  # still copying when the sheet is read
        try:
            return started(db)
        finally:
            backup_done.set()

    filtered = engine.within_township

    def after_the_backup(db, kind, table, *args):
        assert backup_done.is_set(), "the connection was used beside the backup's thread"
        return filtered(db, kind, table, *args)

    monkeypatch.setattr(engine, "_backup_started", slow_backup)
    monkeypatch.setattr(engine, "within_township", after_the_backup)
    db = open_database(town_path)
    try:
        assert import_file(db, "persons", roster).ok
    finally:
        db.close()


def test_a_county_window_made_today_shows_nothing_late(qtbot, make_window, tmp_path):
    """A demo county made today (as on first start): 概览 shows no 已逾期未报送, 报送时间 marks
    the months before as 建账前 and says why."""
    path = tmp_path / "demo.db"
    db = open_database(path)
    build_demo(db, households=60)
    db.close()
    context, window = make_window(path)
    overview = window.show_tab("概览")
    overview.show_deadlines()
    assert "下次报送" in overview.deadlines.text() and "逾期" not in overview.deadlines.text()
    duties = window.show_tab("日常工作")
    page = duties.show_page("报送时间")
    wait_idle(qtbot, context)
    page.refresh()
    assert f"建账日期 {dt.date.today()}" in page.status.text() and "编辑 → 设置" in page.status.text()
    model = page.table.model()
    rows = [(model.index(r, 4).data(), model.index(r, 5).data()) for r in range(model.rowCount())]
    # every due date of this year already past is 建账前 (none, early in January), none late
    assert rows and all(state == "建账前" for due, state in rows if str(due) < dt.date.today().isoformat())
    assert "逾期未报送" not in {state for _due, state in rows}


def test_a_township_s_new_household_goes_into_one_of_its_own_villages(township):
    """新增户 at a township offers its own villages only, also when another township's villages
    are in its file (a county-wide roster imported before imports were kept to the township)."""
    from wengang.services.read.lookups import village_choices
    from wengang.store.areas import ensure_path, installation

    _county_path, town_path = township
    db = open_database(town_path)
    try:
        with db.atomic():
            ensure_path(db, [("county", installation(db).county), ("township", "新天镇"), ("village", "他乡村")])
        offered = village_choices(db)
        assert offered and {label.split(" / ")[0] for _id, label in offered} == {TOWNSHIP}
    finally:
        db.close()


def test_a_household_of_another_township_keeps_its_village_when_edited(qtbot, make_window, township):
    """Editing, at a township, a household its file holds from another township (an old
    county-wide import): its village stays chosen, though 新增户 would not offer it."""
    from wengang.gui.registry import dialogs
    from wengang.store.areas import ensure_path, installation

    _county_path, town_path = township
    context, window = make_window(town_path)
    db = context.db
    with db.atomic():
        village = ensure_path(db, [("county", installation(db).county), ("township", "新天镇"), ("village", "他乡村")])
        household = db["households"].insert({"hh_no": "620722003999999999", "area_id": village,
                                             "hh_type": "脱贫户"}).last_pk
    dialog = dialogs.household_dialog(context, household, parent=window)
    assert dialog.values()["area_id"] == village and "新天镇他乡村" in dialog.widgets["area_id"].currentText()
    dialog.set_text("head_name", "外乡户主")
    assert dialog.try_save(), dialog.message.text()
    assert db.execute("SELECT area_id FROM households WHERE id = ?", [household]).fetchone()[0] == village
