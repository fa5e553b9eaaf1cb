"""Long actions of the window run on the background thread (``AppContext.run_in_background``),
never on the GUI thread: at 50,000 households each of these took seconds there
(bench/gui_thread.py). Each test records the thread the service call ran on."""

from __future__ import annotations

import threading

import pytest
from gui_support import small_county
from PySide6.QtWidgets import QFileDialog, QMessageBox

pytestmark = pytest.mark.gui


def record_thread(monkeypatch, module, name: str) -> list[int]:
    """Wrap ``module.name`` to note the thread each call runs on."""
    real, threads = getattr(module, name), []

    def wrapped(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return threads


def test_the_people_behind_a_number_are_written_off_the_gui_thread(qtbot, make_window, county_path, tmp_path,
                                                                   monkeypatch):
    from wengang.gui.dialogs.persons_dialog import PersonsDialog
    from wengang.services import person_list

    small_county(county_path)
    context, window = make_window(county_path)
    ids = [r[0] for r in context.db.execute("SELECT id FROM persons")]
    threads = record_thread(monkeypatch, person_list, "write_person_list")
    dialog = PersonsDialog(context, "合计 · 务工", ids, window)
    qtbot.addWidget(dialog)
    target = tmp_path / "名单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    progress = dialog.export()
    assert progress is not None  # the progress dialog of the background job
    qtbot.waitUntil(lambda: getattr(dialog, "last_export", None) == target)
    assert threads and threading.get_ident() not in threads
    assert f"已导出 {len(ids)} 人" in dialog.status.text()


def test_a_backup_is_checked_off_the_gui_thread_before_the_restore_question(qtbot, make_window, county_path,
                                                                            tmp_path, monkeypatch):
    from wengang.gui import reliability
    from wengang.store.backup import backup

    small_county(county_path)
    context, window = make_window(county_path)
    saved = backup(context.db, tmp_path / "备份.db")
    threads = record_thread(monkeypatch, reliability, "verify_file")
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(saved), "")))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda _p, _t, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.No))
    assert window.restore_database() is not None
    qtbot.waitUntil(lambda: bool(asked))
    assert threads and threading.get_ident() not in threads
    assert "用备份 备份.db 替换当前数据库" in asked[0] and window.isVisible()  # 否: nothing replaced


def test_the_duties_exports_imports_sample_and_print_layout_run_off_the_gui_thread(qtbot, make_window, county_path,
                                                                                   tmp_path, monkeypatch):
    import datetime as dt

    from gui_support import wait_idle

    from wengang.gui import duties_tab, print_preview
    from wengang.gui.printing import pictures
    from wengang.services import ledgers
    from wengang.services.duties import spot_check, survey_sheet

    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("日常工作")
    wait_idle(qtbot, context)
    calls = {name: record_thread(monkeypatch, module, name) for module, name in (
        (ledgers, "write_ledger"), (pictures, "paint_pictures"), (spot_check, "draw_sample"),
        (spot_check, "write_call_sheet"), (spot_check, "import_call_sheet"), (survey_sheet, "write_survey_sheet"),
        (survey_sheet, "import_survey_sheet"))}
    files = iter([tmp_path / "服务单.xlsx", tmp_path / "电话单.xlsx", tmp_path / "核实表.xlsx"])
    monkeypatch.setattr(duties_tab, "ask_save_path", lambda *a, **k: next(files))
    previews = []
    monkeypatch.setattr(print_preview, "preview", lambda parent, paint, landscape=True: previews.append(paint))

    page = tab.show_page("1-3-1服务")
    wait_idle(qtbot, context)
    page.villages.selectRow(0)
    wait_idle(qtbot, context)
    assert page.export_sheet() is not None
    qtbot.waitUntil(lambda: "服务单已保存" in page.status.text())
    assert (tmp_path / "服务单.xlsx").is_file()
    page.print_sheet()
    qtbot.waitUntil(lambda: bool(previews))  # the pages were drawn on the worker; the preview replays them

    page = tab.show_page("电话抽查")
    wait_idle(qtbot, context)
    context.set_as_of(dt.date(2024, 6, 30))
    page.per_township.setValue(5)
    page.draw()
    qtbot.waitUntil(lambda: "抽查批次" in page.status.text() and "共抽2人" in page.status.text())
    assert page.calls.rowCount() == 2
    page.export_sheet()
    qtbot.waitUntil(lambda: "电话单已保存" in page.status.text())
    monkeypatch.setattr(duties_tab, "ask_open_path", lambda *a, **k: tmp_path / "电话单.xlsx")
    page.import_sheet()  # nothing filled in yet: said, nothing saved
    qtbot.waitUntil(lambda: bool(calls["import_call_sheet"]) and not context._workers)

    page = tab.show_page("入户摸排")
    wait_idle(qtbot, context)
    page.flags.selectRow(0)
    page.export_sheet()
    qtbot.waitUntil(lambda: "核实表（" in page.status.text())
    monkeypatch.setattr(duties_tab, "ask_open_path", lambda *a, **k: tmp_path / "核实表.xlsx")
    page.import_sheet()
    qtbot.waitUntil(lambda: bool(calls["import_survey_sheet"]) and not context._workers)

    gui = threading.get_ident()
    assert all(threads and gui not in threads for threads in calls.values()), calls


def test_a_restore_runs_on_a_worker_while_a_progress_box_paints(qtbot, make_window, county_path, tmp_path,
                                                               monkeypatch):
    """Between the two windows none is open: the file is replaced on a worker thread (25–28 CPU s
    at 50,000 households) while a progress box shows, not on a frozen, windowless GUI thread."""
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from wengang.store import backup as backup_module

    small_county(county_path)
    context, window = make_window(county_path)
    saved = backup_module.backup(context.db, tmp_path / "备份.db")
    real, seen = backup_module.restore, []

    def restore(*args, **kwargs):
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        seen.append((threading.get_ident(), [b.labelText() for b in boxes]))
        return real(*args, **kwargs)

    monkeypatch.setattr(backup_module, "restore", restore)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(saved), "")))
    for kind in ("question", "information", "warning"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    new = []
    window.replaced.connect(new.append)
    monkeypatch.setattr(window, "deleteLater", lambda: None)  # pytest-qt closes it at teardown
    window.restore_database()
    qtbot.waitUntil(lambda: bool(new), timeout=20000)
    qtbot.addWidget(new[0])
    try:
        thread, boxes = seen[0]
        assert thread != threading.get_ident() and boxes == ["正在处理数据库文件，请稍候（请勿关闭电脑）…"]
        assert new[0].context.db["persons"].count == 3
    finally:
        new[0].close()
        new[0].context.close()


def test_the_registry_as_filtered_is_exported_off_the_gui_thread(qtbot, make_window, county_path, tmp_path,
                                                                 monkeypatch):
    """文件 → 导出 (or 导出名单…) on 登记: the people the table lists, with its filters, every
    row whether loaded or not, titled by what it shows; the ids read on the worker."""
    from openpyxl import load_workbook

    from wengang.services import person_list

    ids = small_county(county_path)
    _context, window = make_window(county_path)
    tab = window.show_tab("登记")
    assert tab.can_export() and tab.list_title() == "登记人员名单"
    tab.labour_only.setChecked(True)
    tab.employed.setCurrentIndex(tab.employed.findData(False))   # 目前未务工
    wanted = {ids[name] for name in ("李四", "王五")}
    assert {tab.persons.id_at(r) for r in range(tab.persons.rowCount())} == wanted
    assert tab.list_title() == "登记人员名单（仅劳动力，目前未务工）"
    threads = record_thread(monkeypatch, person_list, "write_person_list")
    target = tmp_path / "登记.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    window.export_current()
    qtbot.waitUntil(lambda: "已导出 2 人" in window.statusBar().currentMessage())
    assert threads and threading.get_ident() not in threads  # the ids are read inside it, on its thread
    sheet = load_workbook(target).active
    assert sheet["A1"].value.startswith("登记人员名单（仅劳动力，目前未务工）")
    names = {sheet.cell(row, 5).value for row in range(3, sheet.max_row + 1)}
    assert names == {"李四", "王五"}
