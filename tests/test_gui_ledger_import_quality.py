"""台账, 导入 and 数据质量 tabs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gui_support import small_county, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

pytestmark = pytest.mark.gui
SAMPLES = Path("/work/shared/samples")


def test_ledger_tab_shows_and_exports_a_list(qtbot, make_window, county_path, tmp_path, monkeypatch,
                                             qtmodeltester):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("台账")
    tab.picker.setCurrentRow(next(i for i in range(tab.picker.count())
                                  if tab.picker.item(i).text() == "劳动力底数清单"))
    qtbot.waitUntil(tab.is_ready)  # built off the GUI thread
    assert tab.model.rowCount() == 3 and "共 3 人" in tab.caption.text()
    name_col = tab.model.columns.index("姓名")
    tab.view.horizontalHeader().setSortIndicator(name_col, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(tab.is_ready)
    names = [tab.model.index(r, name_col).data() for r in range(3)]
    assert names == sorted(names, reverse=True)
    id_col = tab.model.columns.index("证件号码")
    metrics, header = tab.view.fontMetrics(), tab.view.horizontalHeader()
    for column in (tab.model.columns.index("户编号"), id_col):  # read whole, not elided
        text = tab.model.index(0, column).data()
        assert header.sectionSize(column) > metrics.horizontalAdvance(text) + 6, (text, header.sectionSize(column))
    header.resizeSection(id_col, 40)  # the user's width survives a re-sort of the same list
    header.setSortIndicator(name_col, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(tab.is_ready)
    assert header.sectionSize(id_col) == 40
    assert tab.mask.isChecked()  # masked by default: the screen is often shared
    assert "*" in tab.model.index(0, id_col).data()
    qtmodeltester.check(tab.model)
    opened = []
    context.open_person.connect(opened.append)
    assert tab.open_person_at(0) is None  # masked: the row cannot be matched to a person
    tab.mask.setChecked(False)
    qtbot.waitUntil(tab.is_ready)
    assert tab.open_person_at(0) in ids.values() and opened
    target = tmp_path / "劳动力.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.mask.setChecked(False)
    tab.export()
    wait_idle(qtbot, context)
    qtbot.waitUntil(target.exists)
    import openpyxl
    values = [c.value for row in openpyxl.load_workbook(target).active.iter_rows() for c in row]
    full_id = context.db.execute("SELECT id_number FROM persons WHERE id = ?", [ids["张三"]]).fetchone()[0]
    assert "张三" in values and full_id in values


def test_six_lists_go_into_one_folder_from_the_ledger_tab(qtbot, make_window, county_path, tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("台账")
    qtbot.waitUntil(tab.is_ready)
    folder = tmp_path / "十一月上报"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    assert tab.mask.isChecked()
    tab.export_six.click()
    # Six workbooks on a background thread: on a loaded machine (a parallel suite, other
    # benchmarks) this took longer than the 10 s / 5 s defaults once; they guard a hang only.
    wait_idle(qtbot, context, timeout=60000)
    qtbot.waitUntil(lambda: tab.last_export == folder, timeout=30000)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 6 and all(n.endswith(f"_{context.as_of}.xlsx") for n in names)
    assert any(n.startswith("劳动力底数清单") for n in names)
    import openpyxl
    labour = next(folder / n for n in names if n.startswith("劳动力底数清单"))
    cells = [c.value for row in openpyxl.load_workbook(labour).active.iter_rows(min_row=4) for c in row]
    assert any(isinstance(v, str) and "*" in v and len(v) == 18 for v in cells)  # masked, as the tab shows
    assert context.settings.value("last_folder") == str(folder)


def test_import_wizard_rejects_a_bad_file_without_writing(qtbot, make_window, county_path, tmp_path):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("导入")
    persons_before = context.db.execute("SELECT count(*) FROM persons").fetchone()[0]
    spells_before = context.db.execute("SELECT count(*) FROM employment_spells").fetchone()[0]
    # Work rows for people who are not registered: every row is an error.
    tab.load_preview(SAMPLES / "（务工月监测）已外出务工信息-样例.xlsx")
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 1)
    assert not tab.confirm_button.isEnabled()
    assert "不能导入" in tab.summary.text()
    assert tab.issues.rowCount() > 0 and tab.issues.item(0, 3).text() == "错误"
    assert tab.issues.item(0, 0).background().color().name() == "#fde8e8"
    tab.confirm()  # the button is disabled; calling it anyway must not write
    wait_idle(qtbot, context)
    assert context.db.execute("SELECT count(*) FROM persons").fetchone()[0] == persons_before
    assert context.db.execute("SELECT count(*) FROM employment_spells").fetchone()[0] == spells_before
    # Not an export at all: the kind cannot be detected.
    junk = tmp_path / "随便.xlsx"
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["甲", "乙"])
    wb.save(junk)
    tab.go(0)
    tab.load_preview(junk)
    wait_idle(qtbot, context)
    assert tab.pages.currentIndex() == 0 or not tab.confirm_button.isEnabled()
    assert context.db.execute("SELECT count(*) FROM persons").fetchone()[0] == persons_before


def test_import_wizard_imports_a_file_and_shows_its_warnings(qtbot, make_window, county_path, tmp_path,
                                                            monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("导入")
    source = tmp_path / "人员.xlsx"
    shutil.copy(SAMPLES / "（自定义）脱贫人口和监测对象信息-样例.xlsx", source)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), "")))
    tab.choose_file()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 1)
    assert tab.confirm_button.isEnabled()
    assert "新增 53" in tab.summary.text()
    # 620702 (甘州区) is a known region code: no false 提示 about it (issue 18)
    shown = [tab.issues.item(r, 2).text() for r in range(tab.issues.rowCount())]
    assert not any("620702" in text for text in shown), shown
    assert "没有错误，可以导入" in tab.summary.text()
    before = context.db.execute("SELECT count(*) FROM persons").fetchone()[0]
    tab.confirm()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 2)
    assert "新增 53" in tab.result_label.text()
    assert context.db.execute("SELECT count(*) FROM persons").fetchone()[0] == before + 53
    errors = tmp_path / "错误清单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(errors), "")))
    monkeypatch.setattr("wengang.gui.import_tab.QMessageBox.information", lambda *a, **k: None)
    tab.save_errors()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(tab, "error_workbook", None) == errors)


def test_quality_tab_lists_findings_by_rule_and_opens_the_person(qtbot, make_window, county_path):
    ids = small_county(county_path)
    from wengang.store.db import open_database
    db = open_database(county_path)
    with db.atomic():
        for pid, rule in [(ids["张三"], "phone"), (ids["李四"], "phone"), (ids["李四"], "income")]:
            db.execute("INSERT INTO quality_findings(rule, person_id, message) VALUES (?, ?, ?)",
                       [rule, pid, "电话号码不是11位"])
    db.close()
    context, window = make_window(county_path)
    tab = window.show_tab("数据质量")
    assert tab.model.rowCount() == 3
    assert tab.rules.count() == 3 and "（2）" in tab.rules.item(1).text()
    tab.rules.setCurrentRow(2)  # income
    assert tab.model.rowCount() == 1
    opened = []
    context.open_person.connect(opened.append)
    tab.open_finding(tab.model.index(0, 0))
    assert opened == [ids["李四"]]
    # The navigator's area filters findings too.
    town = context.db.execute("SELECT id FROM areas WHERE name = '城关镇'").fetchone()[0]
    tab.rules.setCurrentRow(0)
    context.set_place(town)
    assert tab.model.rowCount() == 1


def test_findings_model_passes_the_model_tester(qtmodeltester, db, factory):
    from wengang.gui.quality_model import FindingTableModel
    pid = factory.person(name="张三")
    db.execute("INSERT INTO quality_findings(rule, person_id, field, message) VALUES ('phone', ?, 'phone', '电话')",
               [pid])
    model = FindingTableModel(db)
    model.reload()
    assert model.rowCount() == 1 and model.index(0, 5).data() == "联系电话"
    qtmodeltester.check(model)
