"""文件 → 数据交换…: the county picks a township's package up from the inbox folder, lists the
townships with what is overdue, and settles a conflict by picking a value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wengang.services.demo.builder import build_demo
from wengang.services.exchange import engine as ex
from wengang.store.db import open_database

pytestmark = pytest.mark.gui
SHOTS = os.environ.get("WENGANG_SCREENSHOTS")  # a folder: write the manual's screenshots there


def test_county_imports_from_inbox_and_decides_a_conflict(make_window, county_path, tmp_path, qtbot):
    county = open_database(county_path)
    build_demo(county, households=80)
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    town = open_database(tmp_path / "town.db")
    ex.import_package(town, tmp_path / "base.wgx")
    guid = town.execute("SELECT guid FROM persons ORDER BY guid LIMIT 1").fetchone()[0]
    with town.atomic():
        town.execute("UPDATE persons SET phone = '13900001111' WHERE guid = ?", [guid])
    with county.atomic():
        county.execute("UPDATE persons SET phone = '13700002222' WHERE guid = ?", [guid])
    inbox = tmp_path / "收件"
    inbox.mkdir()
    ex.export_changes(town, inbox / "城关镇-发给示范县-交换包.wgx")
    town.close()
    county.close()

    context, window = make_window(county_path)
    dialog = window.show_exchange()
    qtbot.waitExposed(dialog)
    dialog.inbox_edit.setText(str(inbox))
    dialog._inbox_changed()
    dialog.check_inbox()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20000)  # applied off the GUI thread
    assert [(path.name, result.seq) for path, result in dialog.imported] == [("城关镇-发给示范县-交换包.wgx", 1)]
    assert "已导入“城关镇”第1号包" in dialog.message.text()
    dialog.check_inbox(quiet=True)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20000)
    assert dialog.imported == []  # imported once only
    labels = {dialog.partners.item(r, 0).text(): r for r in range(dialog.partners.rowCount())}
    assert dialog.partners.item(labels["城关镇"], 3).text() == "1"
    assert dialog.partners.item(labels["沙河镇"], 6).text() == "逾期未交"
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "exchange.png"))
    dialog.tabs.setCurrentIndex(1)
    assert dialog.conflicts.rowCount() == 1
    assert dialog.conflicts.item(0, 6).text() == "13700002222" and dialog.conflicts.item(0, 7).text() == "13900001111"
    dialog.conflicts.selectRow(0)
    dialog.keep_remote.setChecked(True)
    dialog.reason.setText("电话核实")
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "exchange_conflicts.png"))
    assert dialog.decide_selected()
    assert dialog.conflicts.rowCount() == 0
    dialog.show_all.setChecked(True)  # decided ones stay on record, with the reason
    assert dialog.conflicts.rowCount() == 1 and dialog.conflicts.item(0, 9).text() == "已裁决：电话核实"
    dialog.conflicts.selectRow(0)
    assert not dialog.decide_button.isEnabled()
    assert context.db.execute("SELECT phone FROM persons WHERE guid = ?", [guid]).fetchone()[0] == "13900001111"
    dialog.close()


def _county_and_month(county_path, tmp_path):
    """A county and the township 城关镇 started from it; returns the township's month package."""
    county = open_database(county_path)
    build_demo(county, households=60)
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    county.close()
    town = open_database(tmp_path / "town.db")
    ex.import_package(town, tmp_path / "base.wgx")
    with town.atomic():
        town.execute("UPDATE persons SET phone = '13900001111' WHERE id = (SELECT min(id) FROM persons)")
    month = ex.export_changes(town, tmp_path / "城关镇-1.wgx").path
    town.close()
    return month


def test_exchange_runs_off_the_gui_thread_and_cancel_changes_nothing(make_window, county_path, tmp_path, qtbot,
                                                                      monkeypatch):
    """The package is applied on the worker thread while the window keeps painting its progress
    dialog; 取消 rolls the package's one transaction back and says so."""
    import threading

    month = _county_and_month(county_path, tmp_path)
    context, window = make_window(county_path)
    dialog = window.show_exchange()
    qtbot.waitExposed(dialog)
    real, threads = ex.import_package, []
    started, release = threading.Event(), threading.Event()

    def held_import(db, path, progress=None):
        threads.append(threading.get_ident())
        started.set()
        release.wait(10)  # the caseworker presses 取消 meanwhile
        return real(db, path, progress)

    monkeypatch.setattr(ex, "import_package", held_import)
    running = dialog.import_paths([month])
    qtbot.waitUntil(started.is_set)
    assert dialog.busy() and running.isVisible()  # the GUI thread is free: the progress dialog shows
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton
    qtbot.mouseClick(running.findChild(QPushButton), Qt.MouseButton.LeftButton)  # 取消
    release.set()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20000)
    assert threads and threads[0] != threading.get_ident()
    assert "已取消导入 城关镇-1.wgx" in dialog.message.text() and dialog.imported == [(month, None)]
    assert context.db.execute("SELECT received_seq FROM exchange_partners WHERE partner = '城关镇'").fetchone()[0] == 0
    assert context.db.execute("SELECT count(*) FROM import_batches WHERE kind = '数据交换'").fetchone()[0] == 0

    monkeypatch.setattr(ex, "import_package", real)
    changed = []
    context.data_changed.connect(lambda: changed.append(True))
    dialog.import_paths([month])  # now to the end
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20000)
    assert dialog.imported[0][1].seq == 1 and changed
    assert "已导入“城关镇”第1号包：写入1条" in dialog.message.text()
    labels = {dialog.partners.item(r, 0).text(): r for r in range(dialog.partners.rowCount())}
    assert dialog.partners.item(labels["城关镇"], 3).text() == "1"  # the table follows


def test_exchange_export_runs_in_the_background_and_says_a_refusal(make_window, county_path, tmp_path, qtbot):
    _county_and_month(county_path, tmp_path)
    _context, window = make_window(county_path)
    dialog = window.show_exchange()
    qtbot.waitExposed(dialog)
    rows = {dialog.partners.item(r, 0).text(): r for r in range(dialog.partners.rowCount())}
    dialog.partners.selectRow(rows["沙河镇"])
    dialog.export_to(tmp_path / "沙河镇-起始包.wgx", base=True)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20000)
    assert dialog.exported.seq == 1 and (tmp_path / "沙河镇-起始包.wgx").is_file()
    assert "已生成发给“沙河镇”的第1号起始包" in dialog.message.text()
    rows = {dialog.partners.item(r, 0).text(): r for r in range(dialog.partners.rowCount())}
    assert dialog.partners.item(rows["沙河镇"], 1).text() == "1"
    dialog.partners.selectRow(rows["沙河镇"])
    dialog.export_to(tmp_path, base=True)  # a folder, not a file: cannot be written
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20000)
    assert "生成起始包未完成：无法写入" in dialog.message.text() and "请换一个文件夹" in dialog.message.text()
