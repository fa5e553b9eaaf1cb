"""登记 tab: lazy models sorted in SQL, dialogs that refuse bad data, everyday actions."""

from __future__ import annotations

import datetime as dt

import pytest
from gui_support import AS_OF, small_county
from PySide6.QtCore import Qt

from wengang.domain.status import AsOf
from wengang.gui.registry import dialogs
from wengang.store.status import person_statuses

pytestmark = pytest.mark.gui


def _names(model):
    return [model.index(r, 3).data() for r in range(model.rowCount())]


def _select(tab, person_ids):
    view, model = tab.person_view, tab.persons
    view.clearSelection()
    for pid in person_ids:
        view.selectionModel().select(model.index(model.row_of(pid), 0),
                                     view.selectionModel().SelectionFlag.Select
                                     | view.selectionModel().SelectionFlag.Rows)


def test_person_table_sorts_in_sql(qtbot, make_window, county_path, qtmodeltester):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("登记")
    tab.person_view.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)  # 姓名, a header click
    expected = [r[0] for r in context.db.execute("SELECT name FROM persons ORDER BY name DESC, id")]
    assert _names(tab.persons) == expected
    tab.person_view.horizontalHeader().setSortIndicator(5, Qt.SortOrder.AscendingOrder)  # 年龄: youngest first
    assert _names(tab.persons)[0] == "王五"
    assert tab.persons.index(0, 10).data() == "未务工"
    qtmodeltester.check(tab.persons)
    qtmodeltester.check(tab.households)


def test_departure_from_the_dialog_changes_the_status(qtbot, make_window, county_path):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("登记")
    _select(tab, [ids["王五"]])
    dialog = tab.action_dialog("登记外出")
    dialog.set_text("start_date", "2024-05-03")
    dialog.set_text("region", "省内县外")
    dialog.set_text("channel", "有组织劳务输出")
    assert dialog.try_save(), dialog.message.text()
    status = person_statuses(context.db, AsOf(AS_OF), [ids["王五"]])[ids["王五"]]
    assert status["employed_now"] and status["now_region"] == "省内县外"
    assert tab.persons.index(tab.persons.row_of(ids["王五"]), 10).data() == "务工中"


def test_return_for_many_people_changes_the_six_lists(qtbot, make_window, county_path):
    from wengang.services import ledgers
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("登记")
    returned_before = ledgers.ledger_query(context.db, "returned", AS_OF).count()
    # Two people: 张三 is out; 王五 goes out first, then both return together.
    context_ids = [ids["张三"], ids["王五"]]
    d = dialogs.departure_dialog(context, [ids["王五"]])
    d.set_text("start_date", "2024-03-01"); d.set_text("region", "省外"); d.set_text("channel", "自主外出务工")
    assert d.try_save()
    _select(tab, context_ids)
    dialog = tab.action_dialog("登记返乡")
    assert "已选 2 人" in dialog.windowTitle()
    dialog.set_text("end_date", "2024-06-20")
    dialog.set_text("return_reason", "企业停工或裁员")
    assert dialog.try_save(), dialog.message.text()
    assert ledgers.ledger_query(context.db, "returned", AS_OF).count() == returned_before + 2
    statuses = person_statuses(context.db, AsOf(AS_OF), context_ids)
    assert not any(s["employed_now"] for s in statuses.values())


def test_bad_id_is_refused_with_a_message_and_nothing_saved(qtbot, make_window, county_path):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    before = context.db.execute("SELECT id_number, name FROM persons WHERE id = ?", [ids["王五"]]).fetchone()
    dialog = dialogs.person_dialog(context, ids["王五"], parent=window)
    good = dialog.widgets["id_number"].text()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check digit
    dialog.set_text("id_number", bad)
    assert "校验" in dialog.hints["id_number"].text()  # said as the caseworker types
    assert "c62828" in dialog.widgets["id_number"].styleSheet()
    dialog.set_text("name", "王五改")
    assert not dialog.try_save()
    assert "证件号码" in dialog.message.text() and "未保存" in dialog.message.text()
    assert context.db.execute("SELECT id_number, name FROM persons WHERE id = ?", [ids["王五"]]).fetchone() == before
    new = dialogs.person_dialog(context, household_id=ids["h2"], parent=window)
    new.set_text("name", "赵六")
    new.set_text("id_number", "123")
    new.set_text("labour_skill", "普通劳动力")
    count = context.db.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert not new.try_save()
    assert context.db.execute("SELECT count(*) FROM persons").fetchone()[0] == count


def test_delete_asks_first(qtbot, make_window, county_path):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("登记")
    _select(tab, [ids["王五"]])
    tab.confirm = lambda _q: False
    tab.delete_selected()
    assert tab.persons.rowCount() == 3
    tab.confirm = lambda q: "1 人" in q
    tab.delete_selected()
    assert tab.persons.rowCount() == 2
    assert context.db.execute("SELECT count(*) FROM persons WHERE id = ?", [ids["王五"]]).fetchone()[0] == 0


def test_person_page_shows_history_and_members(qtbot, make_window, county_path):
    ids = small_county(county_path)
    _context, window = make_window(county_path)
    page = window.tab("登记").open_person(ids["李四"])
    qtbot.addWidget(page)
    assert page.members.rowCount() == 2
    assert page.tables["务工记录"].rowCount() == 1
    assert page.timeline.spells[0]["region"] == "县内"
    # 李四 left a job in the county: not 已返乡 (a return is from outside the county, issue 17)
    assert "已返乡" not in page.identity_form.itemAt(page.identity_form.rowCount() - 1,
                                                 page.identity_form.ItemRole.FieldRole).widget().text()


def test_a_search_that_finds_no_one_says_so(qtbot, make_window, county_path):
    """An empty table under "共 0 人" looked like a window still loading."""
    small_county(county_path)
    _context, window = make_window(county_path)
    tab = window.show_tab("登记")
    window.search.setText("赵钱孙")
    window.search.fire_now()
    assert tab.persons.rowCount() == 0
    assert tab.count_label.text() == "没有找到“赵钱孙”（可搜姓名、证件号码、电话、拼音首字母）"
    tab.employed.setCurrentIndex(tab.employed.findText("目前务工"))
    assert "只在所选地区和筛选条件内查找" in tab.count_label.text()
    window.search.setText("张三")
    window.search.fire_now()
    assert tab.count_label.text() == "共 1 人"


def test_filter_bar_filters_in_sql(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    tab = window.show_tab("登记")
    tab.employed.setCurrentIndex(tab.employed.findText("目前务工"))
    assert _names(tab.persons) == ["张三"]  # 李四 came back on 06-10, 王五 never went
    tab.employed.setCurrentIndex(tab.employed.findText("目前未务工"))
    assert sorted(_names(tab.persons)) == ["李四", "王五"]
    tab.employed.setCurrentIndex(0)
    tab.hh_type.setCurrentIndex(tab.hh_type.findText("监测户"))
    assert tab.persons.rowCount() == 0 and tab.count_label.text() == "共 0 人"
    tab.hh_type.setCurrentIndex(0)
    tab.tables.setCurrentIndex(1)  # households: search by 户主
    window.search.setText("李四")
    window.search.fire_now()
    assert tab.households.rowCount() == 1 and tab.households.index(0, 3).data() == "李四"
    tab.tables.setCurrentIndex(0)  # the person table catches up with the search when shown
    assert _names(tab.persons) == ["李四"]


def test_person_page_deletes_a_spell_after_asking(qtbot, make_window, county_path):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    page = window.tab("登记").open_person(ids["张三"])
    qtbot.addWidget(page)
    spells = page.tables["务工记录"]
    assert spells.rowCount() == 2
    spells.setCurrentCell(0, 0)  # the open spell (newest first)
    page.confirm = lambda _q: False
    assert not page.delete_spell() and spells.rowCount() == 2
    page.confirm = lambda q: "2024-02-01" in q
    assert page.delete_spell()
    assert spells.rowCount() == 1  # the page reloads from data_changed
    status = person_statuses(context.db, AsOf(AS_OF), [ids["张三"]])[ids["张三"]]
    assert not status["employed_now"]


def test_type_change_in_the_household_dialog_asks_when_it_took_effect(qtbot, make_window, county_path):
    from wengang.store.household_type import type_history
    ids = small_county(county_path)
    context, _window = make_window(county_path)
    dialog = dialogs.household_dialog(context, ids["h1"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.row_visible("type_from")  # no change yet, no 生效日期 asked
    dialog.set_text("hh_type", "监测户")
    dialog.set_text("monitor_category", "边缘易致贫户")
    assert dialog.row_visible("type_from") and dialog.row_visible("type_reason")
    assert dialog.values()["type_from"] == dialogs.type_change_day(context) == min(context.as_of, dt.date.today()).isoformat()
    assert dialog.values()["type_reason"] == "新识别"
    dialog.grab().save(str(county_path.parent / "household_dialog.png"))
    dialog.set_text("type_from", "2024-04-01")
    assert dialog.try_save(), dialog.message.text()
    history = type_history(context.db, ids["h1"])
    assert history[-1]["hh_type"] == "监测户" and history[-1]["valid_from"] == "2024-04-01"
    assert history[-1]["reason"] == "新识别"
    assert history[-2]["valid_to"] is not None


def test_long_codes_and_labels_are_read_whole(qtbot, make_window, county_path):
    """证件号码 and 劳动技能's longest label fit their columns in the view's own font (not a
    fixed pixel width a larger font cuts to 弱劳动力或半劳…)."""
    small_county(county_path)
    _context, window = make_window(county_path)
    tab = window.show_tab("登记")
    view, model = tab.person_view, tab.persons
    metrics = view.fontMetrics()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    for title, text in (("劳动技能", "弱劳动力或半劳动力"), ("证件号码", "62072219530307211X")):
        assert view.columnWidth(titles.index(title)) >= metrics.horizontalAdvance(text) + 8, title


def test_an_action_keeps_the_rows_chosen_and_says_what_was_recorded(qtbot, make_window, county_path, monkeypatch):
    """After 登记返乡 the status bar says what was recorded (the changed 务工状态 is off to the
    right on a laptop), and the persons chosen stay chosen (the caseworker goes on from them)."""
    from wengang.gui.registry.form import RecordDialog

    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("登记")
    d = dialogs.departure_dialog(context, [ids["王五"]])
    d.set_text("start_date", "2024-03-01"); d.set_text("region", "省外"); d.set_text("channel", "自主外出务工")
    assert d.try_save()
    _select(tab, [ids["张三"], ids["王五"]])

    def filled_and_saved(dialog):
        dialog.set_text("end_date", "2024-06-20")
        dialog.set_text("return_reason", "企业停工或裁员")
        return dialog.try_save()

    monkeypatch.setattr(RecordDialog, "exec", filled_and_saved)
    tab._run_action("登记返乡")
    assert window.statusBar().currentMessage() == "已登记返乡：张三、王五（共 2 人）"
    assert sorted(tab.selected_person_ids()) == sorted([ids["张三"], ids["王五"]])
    assert tab.persons.index(tab.persons.row_of(ids["王五"]), 10).data() == "已返乡"
    # a change of date keeps them too; a person no longer listed is let go
    _select(tab, [ids["王五"]])
    context.data_changed.emit()
    assert tab.selected_person_ids() == [ids["王五"]]
    tab.persons.filter.household_id = -1
    tab.refresh()
    assert tab.selected_person_ids() == []


def test_the_person_page_names_a_finding_by_its_rule_title(qtbot, make_window, county_path):
    from wengang.services.rules import findings, quality_rules, run_quality

    small_county(county_path)
    context, window = make_window(county_path)
    run_quality(context.db, AS_OF)
    found = next(f for f in findings(context.db) if f["person_id"])
    title = {r.id: r.title for r in quality_rules()}[found["rule"]]
    page = window.tab("登记").open_person(found["person_id"])
    qtbot.addWidget(page)
    table = page.tables["数据质量"]
    shown = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert title in shown and found["rule"] not in shown
    when = table.item(0, 0).text()   # 发现时间 as read, not the stored 2026-12-08T02:34:39
    assert len(when) == 16 and "T" not in when


def test_a_new_household_goes_into_the_village_chosen_or_found_by_typing(qtbot, make_window, tmp_path):
    """新增户's 所在村: the villages township by township as 地区 lists them (not by character
    code: 三堡镇 before 城关镇), the village chosen in 地区 already filled in, and any part of a
    name typed finds it; a name that is no village is refused, not saved somewhere."""
    from wengang.services.demo.builder import build_demo
    from wengang.services.read.lookups import navigator_areas
    from wengang.store.db import open_database

    path = tmp_path / "demo.db"
    db = open_database(path)
    build_demo(db, households=40)
    db.close()
    context, window = make_window(path)
    tree = [name for _id, name, _level, _parent in navigator_areas(context.db, ["township"])]
    dialog = dialogs.household_dialog(context, parent=window)
    combo = dialog.widgets["area_id"]
    listed = [combo.itemText(i).split(" / ")[0] for i in range(1, combo.count())]
    assert list(dict.fromkeys(listed)) == [t for t in tree if t in listed]
    assert dialog.values()["area_id"] is None  # 全部 chosen in 地区: none filled in
    village_id, label = next((combo.itemData(i), combo.itemText(i)) for i in range(1, combo.count()) if "永丰" in combo.itemText(i))
    from wengang.services.read.lookups import place_label
    assert place_label(context.db, village_id) == label.replace(" / ", "")  # 城关镇永丰村: the township too
    township = context.db.execute("SELECT parent_id FROM areas WHERE id = ?", [village_id]).fetchone()[0]
    assert place_label(context.db, township) == label.split(" / ")[0] and place_label(context.db) is None
    context.area_id = village_id
    dialog = dialogs.household_dialog(context, parent=window)
    assert dialog.values()["area_id"] == village_id
    dialog.widgets["area_id"].setCurrentIndex(0)
    dialog.set_text("area_id", "不存在的村")
    dialog.set_text("hh_no", "620722001009999999")
    dialog.set_text("hh_type", "脱贫户")
    assert not dialog.try_save() and "所在村" in dialog.message.text()
    assert sum("永丰" in combo.itemText(i) for i in range(combo.count())) > 1
    dialog.set_text("area_id", "永丰")                  # in several townships: which one is not guessed
    assert not dialog.try_save() and "所在村" in dialog.message.text()
    dialog.set_text("area_id", label.split(" / ")[0] + " / 永丰")   # the one entry holding it
    assert dialog.values()["area_id"] == village_id
    dialog.set_text("area_id", label)
    assert dialog.try_save(), dialog.message.text()
    assert context.db.execute("SELECT area_id FROM households WHERE hh_no = '620722001009999999'").fetchone()[0] == village_id


def test_a_new_household_asks_for_its_head_at_once(qtbot, make_window, county_path, monkeypatch):
    """A household without members is in no list of people, and 新增人员 needs one of them
    chosen: 新增户 goes straight on to its 户主, 与户主关系 and name filled in."""
    from wengang.domain.ids import make_id
    from wengang.gui.registry.form import RecordDialog
    from wengang.services.read.lookups import village_choices

    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("登记")
    village_id = village_choices(context.db)[0][0]
    context.area_id = village_id
    shown = []

    def filled_and_saved(dialog):
        shown.append((dialog.windowTitle(), dict(dialog.values())))
        if dialog.windowTitle() == "新增户":
            dialog.set_text("hh_no", "620702001009999999")
            dialog.set_text("head_name", "赵六")
            dialog.set_text("hh_type", "脱贫户")
        else:
            dialog.set_text("id_number", make_id("620702", dt.date(1980, 1, 1), 11, True))
            dialog.set_text("labour_skill", "普通劳动力")
        return dialog.try_save() or pytest.fail(dialog.message.text())

    monkeypatch.setattr(RecordDialog, "exec", filled_and_saved)
    tab.add_household()
    assert [title for title, _values in shown] == ["新增户", "新增人员"]
    assert shown[1][1]["relation"] == "户主" and shown[1][1]["name"] == "赵六"
    row = context.db.execute("SELECT p.name, p.relation, h.area_id FROM persons p JOIN households h ON h.id = p.household_id "
                             "WHERE h.hh_no = '620702001009999999'").fetchone()
    assert row == ("赵六", "户主", village_id)
    assert "已新增户 620702001009999999 和户主" in window.statusBar().currentMessage()
