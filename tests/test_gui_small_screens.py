"""Issue 18: the window on a 1366×768 township laptop (and a 1024×768 projector).

One test per defect found walking the month-end path: nothing wider than 1024 pixels, no
message that widens the window, data quality current by itself, the tree after an import,
dates typed as caseworkers write them, defaults inside the as-of month, a ledger pane that
does not jump, the import flow, and the smaller snags.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from conftest import Factory
from gui_support import AS_OF, small_county, wait_idle
from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from wengang.store.db import open_database

SMALL = 1024


def _long_path(tmp_path: Path, suffix: str) -> Path:
    """A file 200 characters deep: the message naming it must not widen the window."""
    folder = tmp_path / ("很长的文件夹名称" * 4) / ("月底报表存档" * 5) / ("乡镇上报材料" * 5)
    folder.mkdir(parents=True)
    name = "x" * max(1, 200 - len(str(folder)) - len(suffix) - 1) + suffix
    path = folder / name
    assert len(str(path)) >= 200
    return path


# --- layout -------------------------------------------------------------------------------------
def test_every_tab_fits_a_1024_pixel_screen_with_the_area_pane_open(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    window.resize(SMALL, 700)
    assert window.navigator_dock.isVisible()
    for title in window.hosts:
        page = window.show_tab(title)
        QApplication.processEvents()
        assert window.minimumSizeHint().width() <= SMALL, title
        assert page.minimumSizeHint().width() + window.navigator_dock.minimumWidth() <= SMALL, title
        assert window.width() <= SMALL, title


def test_a_folded_area_pane_stays_folded_on_every_tab_and_at_the_next_start(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    window.navigator_dock.toggleViewAction().trigger()  # 视图 → 地区栏
    assert not window.navigator_dock.isVisible()
    for title in window.hosts:
        window.show_tab(title)
        assert not window.navigator_dock.isVisible(), title
    assert str(context.settings.value("main_window/area_pane")).lower() in ("false", "0")
    window.close()
    context.close()
    _context2, again = make_window(county_path)
    again.show_tab("台账")
    assert not again.navigator_dock.isVisible()


def test_exporting_to_a_200_character_path_does_not_widen_the_window(qtbot, make_window, county_path, tmp_path,
                                                                    monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    window.resize(SMALL, 700)
    tab = window.show_tab("报表")
    tab.refresh()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.result is not None)
    QApplication.processEvents()
    before = window.width()
    target = _long_path(tmp_path, ".xlsx")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export("xlsx")
    wait_idle(qtbot, context)
    qtbot.waitUntil(target.exists)
    QApplication.processEvents()
    assert str(target) in tab.status.text()  # the whole path is still said (elided, tooltip)
    assert window.width() == before
    assert window.minimumSizeHint().width() <= SMALL
    assert tab.status.fontMetrics().horizontalAdvance(tab.status.shown_text()) <= tab.status.width()


def test_the_ledger_pane_does_not_move_when_another_list_is_picked(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    window.resize(SMALL, 700)
    tab = window.show_tab("台账")
    qtbot.waitUntil(tab.is_ready)
    QApplication.processEvents()
    placed = (tab.view.mapTo(window, tab.view.rect().topLeft()), tab.picker.width())
    for row in range(1, tab.picker.count()):
        tab.picker.setCurrentRow(row)
        qtbot.waitUntil(tab.is_ready)
        QApplication.processEvents()
        assert (tab.view.mapTo(window, tab.view.rect().topLeft()), tab.picker.width()) == placed, \
            tab.picker.item(row).text()


# --- data quality -------------------------------------------------------------------------------
def _import_persons(qtbot, context, window, tmp_path, monkeypatch, rows):
    source = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, rows)
    tab = window.show_tab("导入")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), "")))
    tab.choose_file()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 1)
    tab.confirm()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 2)
    return tab


def test_quality_says_unchecked_then_checks_itself_after_an_import(qtbot, make_window, county_path, tmp_path,
                                                                   monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    window.quality.stop()  # the start-up run is tested below; here: before any run
    tab = window.show_tab("数据质量")
    assert tab.count_label.text() == "未检查"
    assert "未检查" in window.quality.label.text()
    runs = window.quality.runs
    rows = person_rows(6, start=500, township="新墩镇")
    rows[0][-1] = "12345"  # a phone number the rules flag
    _import_persons(qtbot, context, window, tmp_path, monkeypatch, rows)
    qtbot.waitUntil(lambda: window.quality.runs > runs, timeout=15000)  # by itself, in the background
    wait_idle(qtbot, context)
    from wengang.services.rules import run_quality
    check = open_database(county_path)
    assert run_quality(check, context.as_of).total > 0  # the rules' findings, and the import's hints:
    expected = check.execute("SELECT count(*) FROM quality_findings WHERE resolved_at IS NULL").fetchone()[0]
    window.show_tab("数据质量")
    qtbot.waitUntil(lambda: window.quality.label.text() == f"数据质量：全部 {expected:,} 条待处理")
    qtbot.waitUntil(lambda: tab.count_label.text() == f"共 {expected:,} 条", timeout=3000)
    check.close()


def test_quality_runs_at_start_without_blocking(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    assert window.quality.label.text() == "数据质量：未检查"
    window.quality.schedule(0)
    QApplication.processEvents()
    assert window.quality.running  # on the worker thread: the window goes on
    qtbot.waitUntil(lambda: window.quality.runs == 1, timeout=15000)
    assert "条待处理" in window.quality.label.text()


def test_import_hints_are_grouped_under_chinese_names(qtbot, make_window, county_path):
    ids = small_county(county_path)
    db = open_database(county_path)
    db.execute("INSERT INTO quality_findings(rule, person_id, message) VALUES ('import.employment', ?, '月收入为空')",
               [ids["张三"]])
    db.conn.commit()
    db.close()
    _context, window = make_window(county_path)
    window.quality.stop()
    tab = window.show_tab("数据质量")
    texts = [tab.rules.item(i).text() for i in range(tab.rules.count())]
    assert any(t.startswith("导入时的提示：务工就业信息") for t in texts), texts
    assert not any("import." in t for t in texts)
    assert tab.model.index(0, 0).data() == "导入时的提示：务工就业信息"


def test_findings_export_by_village_one_sheet_each(db, tmp_path):
    from wengang.services.rules.export import write_findings_by_village
    from wengang.services.rules.quality import run_quality
    f = Factory(db)
    for township, village in [("城关镇", "城关村"), ("城关镇", "南关村"), ("甘浚镇", "城关村")]:
        f.person(f.household(township, village), phone="123")  # an invalid phone in each village
    run_quality(db, AS_OF)
    path, villages, count = write_findings_by_village(db, tmp_path / "问题.xlsx")
    book = load_workbook(path)
    assert villages == 3 and count >= 3
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 4
    assert {"城关村", "南关村", "甘浚镇城关村"} <= set(book.sheetnames)  # the same name twice: township first
    sheet = book["南关村"]
    assert sheet["A1"].value == "户编号" and sheet["H1"].value == "核实情况（村里填写）"
    numbers = [c.value for c in sheet["C"][1:] if c.value]
    assert numbers and all("*" in n for n in numbers)  # masked unless asked otherwise
    town = db.execute("SELECT id FROM areas WHERE name = '城关镇'").fetchone()[0]
    _path, villages, _count = write_findings_by_village(db, tmp_path / "城关镇.xlsx", area_id=town, mask=False)
    numbers = [c.value for c in load_workbook(_path)["南关村"]["C"][1:] if c.value]
    assert villages == 2 and numbers and not any("*" in n for n in numbers)


def test_quality_export_from_the_window_follows_the_navigator(qtbot, make_window, county_path, tmp_path,
                                                            monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    from wengang.services.rules import run_quality
    run_quality(context.db, context.as_of)
    town = context.db.execute("SELECT id FROM areas WHERE name = '城关镇'").fetchone()[0]
    context.set_place(town)
    tab = window.show_tab("数据质量")
    target = _long_path(tmp_path, ".xlsx")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    width = window.width()
    tab.export()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(tab, "last_export", None) == target)
    names = load_workbook(target).sheetnames
    assert names == ["汇总", "城关村"]  # the township's villages only, one sheet each
    assert window.width() == width


# --- navigator ----------------------------------------------------------------------------------
def test_the_area_tree_shows_new_villages_right_after_an_import(qtbot, make_window, county_path, tmp_path,
                                                              monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    town = context.db.execute("SELECT id FROM areas WHERE name = '城关镇'").fetchone()[0]
    context.set_place(town)
    window.navigator.reload()
    assert "新墩镇" not in window.navigator.names()
    _import_persons(qtbot, context, window, tmp_path, monkeypatch, person_rows(3, start=700, township="新墩镇"))
    assert "新墩镇" in window.navigator.names()  # no F5 needed
    assert context.area_id == town  # the place picked stays picked
    assert window.navigator.currentIndex().data() == "城关镇"


# --- dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["20261031", "2026-10-31", "2026年10月31日", "２０２６年１０月３１日", "2026/10/31"])
def test_whole_dates_are_read_as_typed(typed):
    from wengang.domain.dates import parse_typed_day
    assert parse_typed_day(typed) == dt.date(2026, 10, 31)


@pytest.mark.parametrize("typed", ["202610", "2026-13-01", "20261332", "2026年10月", "44000", ""])
def test_what_is_not_a_whole_day_is_not_taken(typed):
    from wengang.domain.dates import parse_typed_day
    assert parse_typed_day(typed) is None


def _type(qtbot, widget, text: str) -> None:
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:  # what an input method commits (Chinese characters are not key presses)
            event = QInputMethodEvent()
            event.setCommitString(char)
            QApplication.sendEvent(widget.lineEdit(), event)


@pytest.mark.parametrize("typed", ["20261031", "2026-10-31", "2026年10月31日"])
def test_the_as_of_field_takes_a_typed_date(qtbot, make_window, county_path, monkeypatch, typed):
    small_county(county_path)
    context, window = make_window(county_path)
    monkeypatch.setattr(window, "confirm_future_as_of", lambda _day: True)
    edit = window.as_of_edit
    # as a caseworker does: click into the field (the year is selected), type the whole date
    qtbot.mouseClick(edit.lineEdit(), Qt.MouseButton.LeftButton, pos=QPoint(12, edit.lineEdit().height() // 2))
    edit.setFocus()
    _type(qtbot, edit, typed)
    assert edit.lineEdit().text() == typed  # shown as typed, not re-read section by section
    assert context.as_of == AS_OF  # nothing taken half-way
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: context.as_of == dt.date(2026, 10, 31))
    assert edit.lineEdit().text() == "2026-10-31"


def test_a_future_as_of_date_asks_first(qtbot, make_window, county_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No))
    future = dt.date.today() + dt.timedelta(days=40)
    window.as_of_edit.set_date(future)
    qtbot.waitUntil(lambda: bool(asked))
    assert "之后" in asked[0] and context.as_of == AS_OF
    assert window.as_of_edit.value() == AS_OF  # put back
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    window.as_of_edit.set_date(future)
    qtbot.waitUntil(lambda: context.as_of == future)
    window.as_of_edit.set_date(dt.date(2024, 5, 31))  # a past day: no question
    qtbot.waitUntil(lambda: context.as_of == dt.date(2024, 5, 31))


def test_qt_speaks_chinese(qapp):
    from PySide6.QtCore import QCoreApplication, QLocale

    from wengang.gui.app import make_application
    make_application()
    assert QLocale().name() == "zh_CN"
    assert QLocale().monthName(10) == "十月"  # the calendar popup's month names
    assert QCoreApplication.translate("QFileDialog", "&Open") != "&Open"  # the file dialogs
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"  # 确定/取消 buttons


# --- registering returns and departures ---------------------------------------------------------
def test_return_and_departure_default_to_the_as_of_date(qtbot, make_window, county_path):
    from wengang.gui.registry import dialogs
    ids = small_county(county_path)
    context, window = make_window(county_path)  # as of 2024-06-30, long before today
    back = dialogs.return_dialog(context, [ids["张三"]], window)
    out = dialogs.departure_dialog(context, [ids["王五"]], parent=window)
    assert back.values()["end_date"] == AS_OF.isoformat()
    assert out.values()["start_date"] == AS_OF.isoformat()
    # at month-end the as-of date may lie ahead: today, when it is inside that month
    context.as_of = dt.date(2026, 10, 31)
    assert dialogs.default_day(context, today=dt.date(2026, 10, 28)) == "2026-10-28"
    assert dialogs.default_day(context, today=dt.date(2026, 11, 3)) == "2026-10-31"


def test_an_action_dialog_names_whom_it_records(qtbot, make_window, county_path):
    """登记返乡 and the other actions on picked rows say whom they are about above the fields:
    the title alone (登记返乡) let a row picked by mistake go into the wrong person's history."""
    from PySide6.QtWidgets import QLabel

    from wengang.gui.registry import dialogs
    ids = small_county(county_path)
    context, window = make_window(county_path)

    def said(dialog) -> str:
        return "\n".join(label.text() for label in dialog.findChildren(QLabel))

    one = said(dialogs.return_dialog(context, [ids["张三"]], window))
    id_number = context.db.execute("SELECT id_number FROM persons WHERE id = ?", [ids["张三"]]).fetchone()[0]
    assert "张三" in one and f"证件号码 {id_number}" in one and "城关镇城关村" in one and "户编号" in one
    several = said(dialogs.service_dialog(context, [ids["张三"], ids["李四"], ids["王五"]], window))
    assert "已选 3 人：" in several and all(n in several for n in ("张三", "李四", "王五"))
    assert "城关镇" in several and "甘浚镇" in several
    for make in (dialogs.survey_dialog, dialogs.departure_dialog):
        assert "王五" in said(make(context, [ids["王五"]], parent=window))


# --- the import flow ----------------------------------------------------------------------------
def test_choosing_again_clears_the_stale_reading_text_and_opens_the_picker(qtbot, make_window, county_path,
                                                                           tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _import_persons(qtbot, context, window, tmp_path, monkeypatch, person_rows(3, start=800))
    opened = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: opened.append(1) or ("", "")))
    tab.choose_status.setText("正在读取 人员.xlsx…")
    next(b for b in tab.pages.widget(2).findChildren(type(tab.confirm_button)) if "导入另一个文件" in b.text()).click()
    assert opened == [1] and tab.pages.currentIndex() == 0
    assert "正在读取" not in tab.choose_status.text()
    tab.go(1)
    tab.choose_status.setText("正在读取 人员.xlsx…")
    next(b for b in tab.pages.widget(1).findChildren(type(tab.confirm_button)) if "重新选择文件" in b.text()).click()
    assert opened == [1, 1] and "正在读取" not in tab.choose_status.text()


def test_the_result_page_lists_who_changed_and_can_undo(qtbot, make_window, county_path, tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    _import_persons(qtbot, context, window, tmp_path, monkeypatch, person_rows(3, start=900))
    rows = person_rows(3, start=900)
    rows[1][-1] = "13900001111"  # 人901's phone
    rows[2][13] = "弱劳动力或半劳动力"  # 人902's 劳动技能
    (tmp_path / "人员.xlsx").unlink()
    tab = _import_persons(qtbot, context, window, tmp_path, monkeypatch, rows)
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.changes.rowCount() == 2)
    lines = {tuple(tab.changes.item(r, c).text() for c in range(5)) for r in range(tab.changes.rowCount())}
    assert ("人902", "人员", "劳动技能", "普通劳动力", "弱劳动力或半劳动力") in lines
    phone = next(line for line in lines if line[0] == "人901")
    assert phone[2] == "联系电话" and phone[4] == "139****1111"  # masked
    assert "修改了以下 2 处" in tab.changes_label.text()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    assert tab.undo_result_button.isEnabled()
    tab.undo_this_import()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: not tab.undo_result_button.isEnabled())
    assert context.db.execute("SELECT labour_skill FROM persons WHERE name = '人902'").fetchone()[0] == "普通劳动力"


def test_a_refused_undo_names_the_person(db):
    import tempfile

    from importing_helpers import WORK_HEADERS, pid

    from wengang.services.importing import import_file
    from wengang.store.undo import UndoError, undo_batch
    folder = Path(tempfile.mkdtemp())
    assert import_file(db, "persons", write_xlsx(folder / "p.xlsx", PERSON_HEADERS, person_rows(2))).ok
    work = write_xlsx(folder / "w.xlsx", WORK_HEADERS, [[pid(1), "人1", "省外", "自主外出务工", "广东省", "东莞市",
                                                       "长安镇", "某厂", "制造业", "2024-03-01", None, None, 4000]])
    result = import_file(db, "employment", work)
    assert result.ok
    db.execute("UPDATE employment_spells SET monthly_income = 5000")  # a later edit by hand
    with pytest.raises(UndoError) as refused:
        undo_batch(db, result.batch_id)
    text = str(refused.value)
    assert "人1（620702" in text and "的务工就业" in text
    assert "务工就业记录1（" not in text and not any(f"记录{n}（" in text for n in range(10))


def test_an_empty_industry_is_hinted_under_its_own_column(db, tmp_path):
    from importing_helpers import WORK_HEADERS, pid

    from wengang.services.importing import import_file, preview_file
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(2))).ok
    work = write_xlsx(tmp_path / "w.xlsx", WORK_HEADERS, [[pid(1), "人1", "省外", "自主外出务工", "广东省", "东莞市",
                                                         "长安镇", "某厂", None, "2024-03-01", None, None, 4000]])
    hints = [(w.field, w.message) for w in preview_file(db, work, "employment").warnings]
    assert ("务工所属行业", "务工信息缺少务工所属行业") in hints, hints


def test_620702_ganzhou_is_a_known_region_code():
    from wengang.domain.ids import check_id, make_id, place_known
    for born in (dt.date(1960, 1, 1), dt.date(1985, 5, 1), dt.date(2010, 7, 7)):
        assert check_id(make_id("620702", born, 3, True)).warnings == ()  # 甘州区 since 2002
    assert place_known("622201")  # its former code too
    assert not place_known("999999")
    assert "未知" in check_id(make_id("999999", dt.date(1985, 5, 1), 3, True)).warnings[0]


# --- the smaller ones ---------------------------------------------------------------------------
def test_the_masking_question_shows_the_remembered_choice(qtbot, db):
    from wengang.gui.widgets.mask_choice import masking_box
    box, masked, whole = masking_box(None, True, "数据质量问题")
    qtbot.addWidget(box)
    assert "上次的选择：隐藏中间几位" in box.text() and box.defaultButton() is masked
    box, masked, whole = masking_box(None, False, "人员名单")
    qtbot.addWidget(box)
    assert "上次的选择：完整显示" in box.text() and box.defaultButton() is whole


def test_drill_down_persons_can_be_exported(qtbot, make_window, county_path, tmp_path, monkeypatch):
    from wengang.gui.dialogs.persons_dialog import PersonsDialog
    ids = small_county(county_path)
    context, window = make_window(county_path)
    dialog = PersonsDialog(context, "城关镇 · 上年务工就业", [ids["张三"], ids["李四"]], window)
    qtbot.addWidget(dialog)
    target = tmp_path / "名单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    dialog.export()  # written on the background thread
    qtbot.waitUntil(lambda: getattr(dialog, "last_export", None) == target)
    sheet = load_workbook(target).active
    assert "共 2 人" in sheet["A1"].value
    names = {sheet.cell(row=r, column=5).value for r in (3, 4)}
    assert names == {"张三", "李四"} and "*" in sheet.cell(row=3, column=7).value  # masked by default


def test_a_township_picked_gives_a_form_by_village_filled_in_by_the_township(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("报表")
    town = context.db.execute("SELECT id FROM areas WHERE name = '城关镇'").fetchone()[0]
    context.set_place(town)
    assert tab.grouping.currentData() == "village"
    tab.refresh()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.result is not None and tab.result.unit_name == "城关镇人民政府")
    assert "填报单位：城关镇人民政府" in tab.meta_label.text()
    context.set_place(None)
    assert tab.grouping.currentData() == "township"


def test_the_user_guide_opens_from_the_help_menu(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    action = next(a for a in window.menuBar().actions() if a.text() == "帮助(&H)").menu().actions()[0]
    assert action.text() == "使用手册(&M)"
    action.trigger()
    guide = window.guide
    assert guide.path is not None and guide.path.name == "使用手册.md"
    text = guide.browser.toPlainText()
    assert "稳岗台账 使用手册" in text and "导入国家系统的导出文件" in text
    assert "# " not in text.splitlines()[0]  # rendered Markdown, not its source


def test_print_preview_pages_are_laid_out_off_the_gui_thread(qtbot, make_window, county_path, monkeypatch):
    from wengang.gui import print_preview
    from wengang.gui.printing import pictures
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("台账")
    qtbot.waitUntil(tab.is_ready)
    threads, shown = [], []
    real = pictures.paint_pictures
    monkeypatch.setattr(pictures, "paint_pictures", lambda doc: (
        threads.append(threading.current_thread() is threading.main_thread()), real(doc))[1])
    monkeypatch.setattr(print_preview, "preview", lambda _parent, paint, landscape=True: shown.append(paint))
    tab.print_()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: bool(shown))
    assert threads == [False]


def test_printed_headers_break_between_words():
    from wengang.domain.words import break_lines, words
    assert words("2024年县内就业人数占2023年比例(%)") == ["2024年", "县内", "就业", "人数", "占", "2023年", "比例", "(%)"]
    for label in ["务工就业人数", "就业渠道", "享受就业帮扶车间等载体吸纳就业奖补情况", "待遇标准（元/月）"]:
        lines = break_lines(label, 3, len)  # three characters of room
        assert "".join(lines) == label
        for line in lines:
            assert not line.endswith(("就", "务", "帮", "享")), lines  # never 就/业, 务/工


def test_the_overview_says_who_it_counts(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("概览")
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.property("ready") is True)
    assert "脱贫人口和监测对象共 3 人" in tab.heading.text()
    assert "同步搬迁户" in tab.heading.toolTip() and "wengang info" in tab.heading.toolTip()



def test_the_overview_says_where_to_fill_in_the_province(qtbot, make_window, county_path):
    """A county imported fresh knows its county from the file, not its province: 报送时间 says
    where to fill it in."""
    from wengang.store.db import set_setting

    small_county(county_path)
    context, window = make_window(county_path)
    set_setting(context.db, "province", None)
    tab = window.show_tab("概览")
    tab.show_deadlines()
    assert "没有填写所在省份" in tab.deadlines.text() and "编辑 → 设置…" in tab.deadlines.text()


def test_the_backup_name_carries_the_date():
    from wengang.gui.reliability import suggested_backup
    assert suggested_backup(Path("/d/县台账.db"), dt.date(2026, 10, 31)).name == "县台账-备份-2026-10-31.db"



def test_the_window_opens_no_larger_than_the_screen(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    free = window.screen().availableGeometry()  # offscreen: 800×800, smaller than the default size
    assert window.frameGeometry().width() <= free.width() and window.frameGeometry().height() <= free.height()


def test_typing_only_a_year_changes_the_year(qtbot):
    from wengang.gui.app import make_application
    from wengang.gui.widgets.date_edit import DateEdit
    make_application()
    edit = DateEdit(dt.date(2024, 2, 29))
    qtbot.addWidget(edit)
    edit.show()
    qtbot.mouseClick(edit.lineEdit(), Qt.MouseButton.LeftButton, pos=QPoint(12, edit.lineEdit().height() // 2))
    edit.setFocus()
    _type(qtbot, edit, "2025")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.value() == dt.date(2025, 2, 28)
    _type(qtbot, edit, "abc")  # not a date: nothing changes
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.value() == dt.date(2025, 2, 28)


def test_the_guide_pictures_fit_the_dialog(qapp):
    from wengang.gui.app import make_application
    from wengang.gui.dialogs.guide_dialog import IMAGE_WIDTH, GuideDialog
    make_application()
    dialog = GuideDialog()
    document = dialog.browser.document()
    widths = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            if it.fragment().charFormat().isImageFormat():
                widths.append(it.fragment().charFormat().toImageFormat().width())
            it += 1
        block = block.next()
    assert widths and all(w == IMAGE_WIDTH for w in widths)
    dialog.close()


def test_a_ledger_export_asks_about_masking_and_remembers(qtbot, make_window, county_path, tmp_path, monkeypatch):
    from wengang.gui.widgets import mask_choice
    from wengang.services.privacy import mask_preference
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("台账")
    qtbot.waitUntil(tab.is_ready)
    asked = []
    monkeypatch.setattr(mask_choice, "ask_masking", lambda _p, db, kind, what="": (
        asked.append((kind, mask_preference(db, kind))), False)[1])  # "完整显示"
    target = tmp_path / "台账.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export()
    wait_idle(qtbot, context)
    qtbot.waitUntil(target.exists)
    assert asked == [(tab.mask_kind(), True)]  # asked, shown the remembered choice (masked)
    assert not tab.mask.isChecked() and mask_preference(context.db, tab.mask_kind()) is False


def test_the_frozen_build_keeps_the_chinese_qt_texts_and_the_guide():
    import ast
    spec = (Path(__file__).resolve().parents[1] / "installer.spec").read_text("utf-8")
    tree = ast.parse(spec)
    wanted = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "_wanted")
    scope: dict = {}
    exec(compile(ast.Module([wanted], []), "installer.spec", "exec"), scope)  # noqa: S102 - our own spec
    assert scope["_wanted"](("PySide6/Qt/translations/qtbase_zh_CN.qm", "x", "DATA"))
    assert not scope["_wanted"](("PySide6/Qt/translations/qtbase_de.qm", "x", "DATA"))
    assert '"使用手册.md"), "wengang/docs"' in spec and '"screenshots"), "wengang/docs/screenshots"' in spec


def test_an_edit_keeps_the_opened_branches_of_the_area_tree(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    tree = window.navigator
    town = tree.model_.match(tree.model_.index(0, 0), Qt.ItemDataRole.DisplayRole, "城关镇", 1,
                              Qt.MatchFlag.MatchRecursive)[0]
    tree.expand(town)
    context.data_changed.emit()  # an edit: no new place
    town = tree.model_.match(tree.model_.index(0, 0), Qt.ItemDataRole.DisplayRole, "城关镇", 1,
                             Qt.MatchFlag.MatchRecursive)[0]
    assert tree.isExpanded(town)
