"""The main window: opens on empty and populated databases, every tab, search, navigator,
shortcuts, settings, first-start demo."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from gui_support import small_county, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from wengang.store.db import get_setting

pytestmark = pytest.mark.gui


def test_empty_database_shows_the_welcome_page(make_window, county_path):
    _context, window = make_window(county_path)
    assert window.stack.currentWidget() is window.welcome
    assert str(county_path) in window.windowTitle()
    assert window.welcome.import_button.text() == "导入国家系统导出文件"


def test_populated_database_opens_every_tab(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    assert window.stack.currentWidget() is window.tabs
    assert "测试县乡村振兴局" in window.windowTitle()
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["概览", "登记", "台账", "报表", "导入", "数据质量", "日常工作"]
    for title in titles:
        window.show_tab(title)
        wait_idle(qtbot, context)
        assert not window.tab_pages[title].stale
    overview = window.tab_pages["概览"]
    qtbot.waitUntil(lambda: overview.overview is not None)
    assert overview.overview.employed_this_year == 2
    assert overview.cards["this_year"].value.text() == "2"


def test_search_zs_finds_zhang_san(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    window.search.setText("zs")
    window.search.fire_now()
    registry = window.tab("登记")
    assert window.current_tab() is registry
    names = [registry.persons.index(r, 3).data() for r in range(registry.persons.rowCount())]
    assert names == ["张三"]
    window.search.setText("620702")  # partial 证件号码: all three
    window.search.fire_now()
    assert registry.persons.rowCount() == 3
    window.search.setText("李")
    window.search.fire_now()
    assert [registry.persons.index(0, 3).data()] == ["李四"] and registry.persons.rowCount() == 1


def test_navigator_filters_the_registry(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    registry = window.show_tab("登记")
    assert registry.persons.rowCount() == 3
    model = window.navigator.model_
    matches = model.match(model.index(0, 0), 0, "甘浚镇", 1, Qt.MatchFlag.MatchRecursive)
    window.navigator.setCurrentIndex(matches[0])
    assert context.area_id is not None
    assert {registry.persons.index(r, 3).data() for r in range(registry.persons.rowCount())} == {"李四", "王五"}


def test_shortcuts_a_windows_user_expects(make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    # Keyed by the entry's words; every entry also has its accelerator letter ("导出(&E)…").
    entries = [a for menu in window.menuBar().findChildren(QMenu) for a in menu.actions() if a.text()]
    assert all("(&" in a.text() for a in entries if not a.isSeparator()), [a.text() for a in entries]
    shortcuts = {re.sub(r"\(&.\)", "", a.text()): a.shortcut().toString() for a in entries}
    assert shortcuts["导出…"] == "Ctrl+E"
    assert shortcuts["打印…"] == QKeySequence(QKeySequence.StandardKey.Print).toString()
    assert shortcuts["查找…"] == QKeySequence(QKeySequence.StandardKey.Find).toString()
    assert "F5" in {shortcuts.get("刷新"), shortcuts.get("刷新（F5）")}
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[:5] == ["文件(&F)", "编辑(&E)", "视图(&V)", "工具(&T)", "帮助(&H)"]


def test_as_of_date_is_global(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    ledger = window.show_tab("台账")
    registry = window.show_tab("登记")
    window.as_of_edit.set_date(dt.date(2023, 12, 31))
    qtbot.waitUntil(lambda: context.as_of == dt.date(2023, 12, 31))  # after the typing pause
    assert registry.persons.filter.as_of == dt.date(2023, 12, 31)
    assert not ledger.isVisible() and ledger.stale  # refreshed when shown, not now
    assert window.hosts["报表"].page is None  # never shown: never built


def test_settings_go_to_the_database(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    from wengang.gui.dialogs.settings_dialog import SettingsDialog, labour_age_bounds
    dialog = SettingsDialog(context.db, window)
    dialog.texts["unit_name"].setText("测试县人社局")
    dialog.texts["reporter"].setText("王干事")
    dialog.ages["labour_age_max"].setValue(60)
    assert dialog.save()
    assert get_setting(context.db, "unit_name") == "测试县人社局"
    assert get_setting(context.db, "reporter") == "王干事"
    assert labour_age_bounds(context.db) == (16, 60)
    assert get_setting(context.db, "ledger_started") is None  # left as shown: the first record's day
    dialog = SettingsDialog(context.db, window)
    dialog.started.setDate(dt.date(2026, 1, 1))
    assert dialog.save() and get_setting(context.db, "ledger_started") == "2026-01-01"
    dialog = SettingsDialog(context.db, window)
    assert dialog.started.date().toPython() == dt.date(2026, 1, 1)
    dialog.ages["labour_age_min"].setValue(70)
    assert not dialog.save() and "下限" in dialog.message.text()


def test_welcome_page_builds_the_demo_county(qtbot, make_window, county_path, monkeypatch):
    from wengang.gui import main_window
    monkeypatch.setattr(main_window, "DEMO_HOUSEHOLDS", 30)
    context, window = make_window(county_path)
    window.welcome.demo_button.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.tabs, timeout=20000)
    wait_idle(qtbot, context)
    assert context.db.execute("SELECT count(*) FROM households").fetchone()[0] == 30
    assert window.navigator.model_.rowCount() >= 1 and window.navigator_dock.isVisible()
    # Every tab opens on the demo county, with content.
    from wengang.gui.tab import Tab
    for title in window.hosts:
        tab = window.show_tab(title)
        wait_idle(qtbot, context)
        assert isinstance(tab, Tab)
    overview = window.tab("概览")
    qtbot.waitUntil(lambda: overview.overview is not None and overview.overview.persons > 0)
    assert window.tab("登记").persons.rowCount() > 30
    qtbot.waitUntil(window.tab("台账").is_ready)
    assert window.tab("台账").model.rowCount() > 0
    report = window.tab("报表")
    qtbot.waitUntil(lambda: report.result is not None)
    assert report.model.index(report.model.depth, 0).data() == "合计"


def test_wengang_gui_command_runs_the_window(county_path, monkeypatch, qapp):
    """`wengang --db PATH gui` opens the window on that database (the event loop is stubbed)."""
    from PySide6.QtWidgets import QApplication

    from wengang.cli.main import main
    shown = []
    monkeypatch.setattr(QApplication, "exec", lambda self: shown.append(
        [w for w in QApplication.topLevelWidgets() if w.isVisible() and str(county_path) in w.windowTitle()]) or 0)
    assert main(["--db", str(county_path), "gui"]) == 0
    assert shown and shown[0]
    for w in shown[0]:
        w.close()


def test_window_remembers_geometry_and_tab_in_qsettings(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    window.show_tab("报表")
    window.resize(1111, 777)
    window.close()
    _context2, again = make_window(county_path)
    assert again.tabs.tabText(again.tabs.currentIndex()) == "报表"
    assert again.context.settings.value("main_window/geometry") is not None  # (offscreen clamps sizes)
    assert get_setting(context.db, "main_window/tab") is None  # not business data: not in the database


def test_overview_cards_open_their_lists(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    overview = window.show_tab("概览")
    qtbot.mouseClick(overview.cards["willing"], Qt.MouseButton.LeftButton)
    ledger = window.current_tab()
    assert ledger is window.tab("台账") and ledger.picker.currentItem().text() == "有意愿外出务工底数清单"
    qtbot.waitUntil(ledger.is_ready)
    window.show_tab("概览")
    qtbot.mouseClick(overview.cards["findings"], Qt.MouseButton.LeftButton)
    assert window.current_tab() is window.tab("数据质量")




def test_an_unset_installation_shows_the_data_s_county_and_asks_to_confirm_it(qtbot, make_window, county_path, tmp_path):
    from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx

    from wengang.gui.dialogs.settings_dialog import SettingsDialog
    from wengang.services.importing import import_file
    from wengang.store.areas import installation
    from wengang.store.db import open_database

    db = open_database(county_path)
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(3))).ok
    db.close()
    context, window = make_window(county_path)
    assert "测试县乡村振兴局" in window.windowTitle()
    report = window.show_tab("报表")
    qtbot.waitUntil(lambda: report.result is not None)
    assert report.title_label.text().startswith("测试县") and "测试县乡村振兴局" in report.meta_label.text()
    assert not report.place_note.isHidden() and "设置" in report.place_note.text()
    dialog = SettingsDialog(context.db, window)
    assert dialog.place["county"].text() == "测试县" and "核对" in dialog.message.text()
    assert dialog.texts["unit_name"].placeholderText().startswith("测试县乡村振兴局")
    assert not dialog.save() and "省" in dialog.message.text()  # the 省 is still to be typed
    dialog.place["province"].setText("甘肃省")
    assert dialog.save()
    place = installation(context.db)
    assert (place.province, place.county, place.unit_name) == ("甘肃省", "测试县", "测试县乡村振兴局")
    shown = report.result
    report.refresh()
    qtbot.waitUntil(lambda: report.result is not shown)
    assert report.place_note.isHidden()
