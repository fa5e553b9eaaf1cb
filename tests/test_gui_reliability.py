"""Issue 7 in the window: 修改记录, backup and restore from the 文件 menu, a damaged or encrypted
file at start, 设置密码, 回收站, and undoing an import from the 导入 tab (offscreen; dialogs
driven by patching QFileDialog / QInputDialog / QMessageBox)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
from pathlib import Path

import pytest
from gui_support import small_county, wait_idle
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QProgressDialog

from wengang.gui.registry import dialogs
from wengang.store.backup import backup, verify_file
from wengang.store.integrity import looks_like_sqlite
from wengang.store.lock import lock_path_for

pytestmark = pytest.mark.gui
SAMPLES = Path("/work/shared/samples")
PERSONS_SAMPLE = SAMPLES / "（自定义）脱贫人口和监测对象信息-样例.xlsx"


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _trigger(window, text: str) -> None:
    """Click the menu entry called ``text`` (as the caseworker would)."""
    # The entry's words, without its accelerator letter ("备份数据库(&B)…" is 备份数据库…).
    actions = [a for a in window.findChildren(QAction) if re.sub(r"\(&.\)", "", a.text()) == text]
    assert actions, f"no menu entry {text}"
    actions[0].trigger()


class Said:
    """Stands in for QMessageBox's static functions; remembers what the caseworker was told."""

    def __init__(self, monkeypatch, answer=QMessageBox.StandardButton.Yes):
        self.lines: list[tuple[str, str]] = []
        for kind in ("information", "warning", "critical", "question"):
            monkeypatch.setattr(QMessageBox, kind, staticmethod(self._record(kind, answer)))

    def _record(self, kind, answer):
        def show(_parent, _title, text, *args, **kwargs):
            self.lines.append((kind, text))
            return answer if kind == "question" else QMessageBox.StandardButton.Ok
        return show

    def text(self, kind: str | None = None) -> str:
        return "\n".join(t for k, t in self.lines if kind is None or k == kind)


def _answers(monkeypatch, *replies):
    """QInputDialog.getText answers in turn; returns the questions asked."""
    asked: list[str] = []
    queue = list(replies)

    def get_text(_parent, _title, label, *args, **kwargs):
        asked.append(label)
        reply = queue.pop(0)
        return reply() if callable(reply) else reply

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return asked


def _adopt(window, found: list):
    window.replaced.connect(found.append)
    return found


# --- 修改记录 -----------------------------------------------------------------------------------
def test_edit_through_the_gui_shows_old_and_new_in_the_person_history(qtbot, make_window, county_path, tmp_path):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    page = window.tab("登记").open_person(ids["王五"])
    qtbot.addWidget(page)
    assert page.lists.tabText(page.lists.count() - 1) == "修改记录"
    dialog = dialogs.person_dialog(context, ids["王五"], parent=page)
    old_phone = dialog.widgets["phone"].text()
    dialog.set_text("name", "王伍")
    dialog.set_text("phone", "13912345678")
    assert dialog.try_save()
    rows = [[page.history.item(r, c).text() for c in range(page.history.columnCount())]
            for r in range(page.history.rowCount())]
    changed = {r[5]: (r[6], r[7]) for r in rows if r[4] == "修改"}
    assert changed["姓名"] == ("王五", "王伍")
    assert changed["联系电话"] == (old_phone[:3] + "****" + old_phone[-4:], "139****5678")  # masked on screen
    page.lists.setCurrentWidget(page.history)
    page.grab().save(str(tmp_path / "person_history.png"))


def test_audit_trail_exports_to_excel_masked_by_default(qtbot, make_window, county_path, tmp_path, monkeypatch):
    import openpyxl

    ids = small_county(county_path)
    context, window = make_window(county_path)
    id_number = context.db["persons"].get(ids["王五"])["id_number"]
    d = dialogs.person_dialog(context, ids["王五"], parent=window)
    d.set_text("name", "王伍")
    assert d.try_save()
    found = []
    monkeypatch.setattr(window, "show_audit_export", lambda f=window.show_audit_export: found.append(f()) or found[-1])
    _trigger(window, "修改记录…")
    dialog = found[0]
    qtbot.addWidget(dialog)
    assert dialog.mask.isChecked()
    out = tmp_path / "修改记录.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    said = Said(monkeypatch)
    dialog.export_button.click()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: dialog.written is not None)
    cells = [[("" if v is None else str(v)) for v in row]
             for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True)]
    assert cells[0][:3] == ["时间", "操作人", "类别"]
    assert any(r[5] == "姓名" and r[6] == "王五" and r[7] == "王伍" for r in cells)
    assert id_number not in json.dumps(cells, ensure_ascii=False)  # masked
    assert "已导出" in said.text("information")
    # Unmasked on purpose: the choice is remembered for the next export.
    from wengang.services.privacy import mask_preference
    again = window.show_audit_export()
    qtbot.addWidget(again)
    again.mask.setChecked(False)
    again.export_button.click()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: again.written is not None)
    assert id_number in json.dumps([list(r) for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True)],
                                   ensure_ascii=False, default=str)
    assert mask_preference(context.db, "audit") is False
    assert not window.show_audit_export().mask.isChecked()


# --- backup and restore from the 文件 menu -----------------------------------------------------
def _dialog_shows(monkeypatch) -> list[tuple[str, int, int]]:
    """(label, value, maximum) of every progress dialog's bar as the work reports it."""
    shown: list[tuple[str, int, int]] = []
    label = {}

    def set_label(dialog, text):
        label[id(dialog)] = text
        real_label(dialog, text)

    def set_value(dialog, value):
        shown.append((label.get(id(dialog), ""), value, dialog.maximum()))
        real_value(dialog, value)

    real_label, real_value = QProgressDialog.setLabelText, QProgressDialog.setValue
    monkeypatch.setattr(QProgressDialog, "setLabelText", set_label)
    monkeypatch.setattr(QProgressDialog, "setValue", set_value)
    return shown


def test_backup_from_the_menu_writes_a_verified_file(qtbot, make_window, county_path, tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    dest = tmp_path / "U盘" / "备份.db"
    dest.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(dest), "")))
    shown = _dialog_shows(monkeypatch)
    said = Said(monkeypatch)
    _trigger(window, "备份数据库…")
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: bool(said.lines))
    assert "核对完好" in said.text("information"), said.lines
    # the check of the copy (20 s at 200,000 households) moves the dialog's bar part by part
    assert any(text == "正在核对备份文件是否完好…" and value == top > 5 for text, value, top in shown), shown
    assert any(text == "正在备份数据库…" and value == top > 4096 for text, value, top in shown), shown  # bytes
    assert verify_file(dest) == []
    import sqlite3
    conn = sqlite3.connect(dest)
    assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 3
    conn.close()


def test_restore_from_the_menu_replaces_the_data_and_reopens_the_window(qtbot, make_window, county_path,
                                                                         tmp_path, monkeypatch):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    saved = backup(context.db, tmp_path / "三月备份.db")
    from wengang.services import registry
    registry.delete_person(context.db, ids["王五"])
    context.data_changed.emit()
    assert context.db["persons"].count == 2
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(saved), "")))
    shown = _dialog_shows(monkeypatch)
    said = Said(monkeypatch)
    new = _adopt(window, [])
    from wengang.gui.app import Session
    session = Session(context, window)  # what run_app closes at the end
    # The old window is replaced from a callback inside the event loop, where its deleteLater()
    # takes effect at once; pytest-qt closes it at teardown, so here it is only closed.
    monkeypatch.setattr(window, "deleteLater", lambda: None)
    _trigger(window, "从备份恢复…")
    qtbot.waitUntil(lambda: len(new) == 1)  # checked on the background thread first
    assert len(new) == 1, said.lines
    assert any(text == "正在检查备份文件“三月备份.db”是否完好…" and value == top > 5 for text, value, top in shown), shown
    # the restore's own four checks, behind the box shown while no window is open
    for what in ("备份文件“三月备份.db”", f"当前数据库“{county_path.name}”", "恢复前备份“", "复制好的备份“"):
        assert any(text.startswith(f"正在检查{what}") and value == top > 5 for text, value, top in shown), what
    fresh = new[0]
    assert session.window is fresh and session.context is fresh.context
    qtbot.addWidget(fresh)
    try:
        assert fresh is not window and fresh.isVisible() and not window.isVisible()
        assert fresh.context.db["persons"].count == 3  # 王五 is back
        assert "已从备份" in said.text("information")
        assert Path(str(county_path) + ".before-restore").exists()
        assert fresh.show_tab("登记").persons.rowCount() == 3
    finally:
        fresh.close()
        fresh.context.close()


def test_the_status_bar_says_how_far_the_check_of_a_copied_file_is(qtbot, make_window, county_path, monkeypatch):
    """A copied 200,000-household file is checked for about 20 s behind the window and saving
    waits for it: the status bar says so and how far it is, then that the file passed."""
    import threading

    from wengang.store import integrity

    small_county(county_path)
    integrity.forget_clean_close(county_path)  # as after a copy
    integrity._verified.clear()  # noqa: SLF001 - a new process
    gate = threading.Event()
    real = integrity.integrity_check_beside

    def slowed(conn, second, when=None, progress=None):
        progress(3, 10)  # the first parts done
        gate.wait(10)
        return real(conn, second, when, progress)

    monkeypatch.setattr(integrity, "integrity_check_beside", slowed)
    context, window = make_window(county_path)
    label = window.file_check.label
    try:
        qtbot.waitUntil(lambda: label.isVisible() and label.text() == "正在检查数据库文件 30%（检查完才能保存）")
        assert "复制" in label.toolTip()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: label.text() == "数据库文件检查完毕，文件完好")
    assert label.isVisible() and context.db.integrity.error is None


def test_the_status_bar_says_nothing_of_a_file_as_it_was_left(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    qtbot.waitUntil(lambda: context.db.integrity is None or context.db.integrity.done.is_set())
    qtbot.wait(2 * 400)
    assert not window.file_check.label.isVisible() and not window.file_check.said_checking


def test_restore_refuses_a_bad_backup_and_keeps_the_window(qtbot, make_window, county_path, tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    junk = tmp_path / "不是备份.db"
    junk.write_text("姓名,证件号码\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(junk), "")))
    said = Said(monkeypatch)
    new = _adopt(window, [])
    before = _sha(county_path)
    _trigger(window, "从备份恢复…")
    qtbot.waitUntil(lambda: "未改动" in said.text("warning"))
    assert not new and window.isVisible()
    assert context.db["persons"].count == 3 and _sha(county_path) == before


# --- refused opens at start --------------------------------------------------------------------
def _open(qtbot, path, **kwargs):
    from wengang.gui.app import make_application, open_with_recovery
    make_application()
    opened = open_with_recovery(path, **kwargs)
    if opened is not None:
        qtbot.addWidget(opened[1])
    return opened


def test_damaged_file_at_start_offers_the_latest_backup(qtbot, county_path, monkeypatch):
    from wengang.store.db import open_database
    small_county(county_path)
    open_database(county_path).close()  # first open of the day: an automatic backup
    data = county_path.read_bytes()
    county_path.write_bytes(data[: len(data) // 2])
    damaged = _sha(county_path)
    shown = []

    def choose(label):
        def exec_(box):
            shown.append(box.text())
            for button in box.buttons():
                if button.text() == label:
                    button.click()
            return 0
        return exec_

    said = Said(monkeypatch)
    monkeypatch.setattr(QMessageBox, "exec", choose("退出"))
    assert _open(qtbot, county_path) is None
    assert "已损坏" in shown[0] and "backups" in shown[0]
    assert _sha(county_path) == damaged  # refused: not written
    monkeypatch.setattr(QMessageBox, "exec", choose("从备份恢复"))
    opened = _open(qtbot, county_path)
    assert opened is not None
    context, window = opened
    try:
        assert context.db["persons"].count == 3
        assert "已从备份恢复" in said.text("information")
    finally:
        window.close()
        context.close()


def test_encrypted_database_asks_for_the_password_and_a_wrong_one_changes_nothing(qtbot, county_path,
                                                                                  monkeypatch):
    from wengang.store import crypto
    if not crypto.available():
        pytest.skip("sqlcipher3 not installed")
    small_county(county_path)
    crypto.encrypt_file(county_path, "甘州2024")
    before = _sha(county_path)
    after_wrong = []
    asked = _answers(monkeypatch, ("错误的密码", True),
                     lambda: (after_wrong.append(_sha(county_path)), ("甘州2024", True))[1])
    opened = _open(qtbot, county_path)
    assert opened is not None
    context, window = opened
    try:
        assert "请输入密码" in asked[0] and "密码不正确" in asked[1] and "未作任何改动" in asked[1]
        assert after_wrong == [before]  # the wrong password changed nothing
        assert context.password == "甘州2024" and context.db["persons"].count == 3
        # The background connection gets the password too.
        result = []
        context.run_in_background(lambda db, _p: db["persons"].count, result.append)
        wait_idle(qtbot, context)
        assert result == [3]
        assert not window.welcome.protect.isVisibleTo(window.welcome)  # no password offer: already set
        # The ledger tab pages from a connection of its own: it needs the password as well.
        tab = window.show_tab("台账")
        assert tab.show_ledger("labour")
        tab.refresh()
        qtbot.waitUntil(lambda: tab.is_ready() or "无法生成" in tab.caption.text())
        assert "共 3 人" in tab.caption.text()
    finally:
        window.close()
        context.close()
    _answers(monkeypatch, ("", False))  # 取消: nothing opens
    assert _open(qtbot, county_path) is None


def test_database_in_use_is_said_plainly(qtbot, county_path, monkeypatch):
    small_county(county_path)
    lock_path_for(county_path).write_text(json.dumps(
        {"pid": 4242, "host": socket.gethostname() + "-另一台", "since": "2026-01-05T08:00:00"}), encoding="utf-8")
    said = Said(monkeypatch)
    assert _open(qtbot, county_path) is None
    assert "数据库正被另一个稳岗台账程序使用" in said.text("critical")


# --- 设置密码 / 修改密码 --------------------------------------------------------------------------
def test_set_and_change_password_from_the_menu(qtbot, make_window, county_path, monkeypatch):
    from wengang.store import crypto
    if not crypto.available():
        pytest.skip("sqlcipher3 not installed")
    ids = small_county(county_path)
    context, window = make_window(county_path)
    id_number = context.db["persons"].get(ids["张三"])["id_number"]
    said = Said(monkeypatch)
    _answers(monkeypatch, ("一二三", True), ("一二三四", True))  # typed differently: refused
    _trigger(window, "设置密码…")
    assert "不一致" in said.text("warning") and looks_like_sqlite(county_path)
    _answers(monkeypatch, ("一二三", True), ("一二三", True))
    new = _adopt(window, [])
    # The next change waits for its worker in an event loop, which carries out this window's
    # deleteLater(); pytest-qt closes it at teardown, so here it is only closed.
    monkeypatch.setattr(window, "deleteLater", lambda: None)
    _trigger(window, "设置密码…")
    assert len(new) == 1
    second = new[0]
    qtbot.addWidget(second)
    assert not looks_like_sqlite(county_path)
    assert id_number.encode() not in county_path.read_bytes()
    assert second.context.password == "一二三" and second.context.db["persons"].count == 3
    assert second.password_action.text() == "修改密码(&W)…"
    _answers(monkeypatch, ("四五六", True), ("四五六", True))
    _adopt(second, new)
    _trigger(second, "修改密码…")
    assert len(new) == 2
    third = new[1]
    qtbot.addWidget(third)
    try:
        assert third.context.password == "四五六" and third.context.db["persons"].count == 3
        with pytest.raises(crypto.WrongPasswordError):
            crypto.connect_encrypted(county_path, "一二三")
    finally:
        third.close()
        third.context.close()


def test_welcome_page_offers_a_password(qtbot, make_window, county_path, monkeypatch):
    from wengang.store import crypto
    from wengang.store.db import open_database
    open_database(county_path).close()
    _context, window = make_window(county_path)
    assert window.stack.currentWidget() is window.welcome
    assert window.welcome.protect.isVisible() == crypto.available()
    assert window.welcome.password_button.text() == "设置密码保护…"
    if not crypto.available():
        return
    Said(monkeypatch)
    _answers(monkeypatch, ("村里的笔记本", True), ("村里的笔记本", True))
    new = _adopt(window, [])
    window.welcome.password_button.click()
    assert len(new) == 1
    qtbot.addWidget(new[0])
    try:
        assert not looks_like_sqlite(county_path) and new[0].context.password == "村里的笔记本"
        assert new[0].stack.currentWidget() is new[0].welcome and not new[0].welcome.protect.isVisible()
    finally:
        new[0].close()
        new[0].context.close()


# --- 回收站 ------------------------------------------------------------------------------------
def test_trash_lists_a_deleted_person_and_restores_it(qtbot, make_window, county_path, monkeypatch):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    from wengang.services import registry
    registry.delete_person(context.db, ids["张三"], "误删测试")
    context.data_changed.emit()
    found = []
    monkeypatch.setattr(window, "show_trash", lambda f=window.show_trash: found.append(f()) or found[-1])
    _trigger(window, "回收站…")
    dialog = found[0]
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and "张三" in dialog.table.item(0, 3).text()
    assert dialog.table.item(0, 4).text() == "误删测试"
    assert not dialog.restore_button.isEnabled()
    dialog.table.selectRow(0)
    assert dialog.restore_button.isEnabled()
    assert dialog.restore_selected() >= 3  # the person and both spells
    assert context.db.execute("SELECT count(*) FROM employment_spells WHERE person_id = ?",
                              [ids["张三"]]).fetchone()[0] == 2
    assert dialog.table.rowCount() == 0 and dialog.empty.isVisibleTo(dialog)


# --- 撤销本次导入 -------------------------------------------------------------------------------
def _import_sample(qtbot, context, tab, tmp_path, monkeypatch):
    source = tmp_path / "人员.xlsx"
    shutil.copy(PERSONS_SAMPLE, source)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), "")))
    tab.choose_file()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 1)
    tab.confirm()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == 2)
    tab.go(0)
    tab.refresh()


def test_undo_import_from_the_import_tab_removes_the_batch(qtbot, make_window, county_path, tmp_path, monkeypatch):
    if not PERSONS_SAMPLE.exists():
        pytest.skip("samples missing")
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("导入")
    before = context.db["persons"].count
    _import_sample(qtbot, context, tab, tmp_path, monkeypatch)
    assert context.db["persons"].count == before + 53, tab.result_label.text()
    assert not tab.undo_button.isEnabled()  # nothing selected yet
    tab.history.selectRow(0)
    assert tab.undo_button.isEnabled()
    said = Said(monkeypatch)
    changed = []
    context.data_changed.connect(lambda: changed.append(True))
    tab.undo_button.click()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: said.text("information") != "")
    assert context.db["persons"].count == before
    assert "已撤销导入批次" in said.text("information") and changed
    assert context.db.execute("SELECT status FROM import_batches ORDER BY id DESC").fetchone()[0] == "undone"
    assert tab.history.item(0, 6).text() == "已撤销"
    tab.history.selectRow(0)
    assert not tab.undo_button.isEnabled()  # once is enough


def test_undo_import_refused_after_a_later_edit_says_why_and_changes_nothing(qtbot, make_window, county_path,
                                                                             tmp_path, monkeypatch):
    if not PERSONS_SAMPLE.exists():
        pytest.skip("samples missing")
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("导入")
    _import_sample(qtbot, context, tab, tmp_path, monkeypatch)
    pid = context.db.execute("SELECT max(id) FROM persons").fetchone()[0]
    edit = dialogs.person_dialog(context, pid, parent=window)
    edit.set_text("phone", "13912345678")
    assert edit.try_save()
    count = context.db["persons"].count
    tab.history.selectRow(0)
    said = Said(monkeypatch)
    tab.undo_selected()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: said.text("warning") != "")
    assert "无法撤销" in said.text("warning") and "未作任何改动" in said.text("warning")
    assert context.db["persons"].count == count
    assert context.db.execute("SELECT status FROM import_batches ORDER BY id DESC").fetchone()[0] == "done"


def test_a_failed_password_change_reopens_the_database_as_it_was(qtbot, make_window, county_path, monkeypatch):
    from wengang.store import crypto
    from wengang.store.db import StoreError
    if not crypto.available():
        pytest.skip("sqlcipher3 not installed")
    small_county(county_path)
    _context, window = make_window(county_path)

    def disk_full(_path, _password):
        raise StoreError("磁盘已满")

    monkeypatch.setattr(crypto, "encrypt_file", disk_full)
    said = Said(monkeypatch)
    _answers(monkeypatch, ("一二三", True), ("一二三", True))
    new = _adopt(window, [])
    _trigger(window, "设置密码…")
    assert len(new) == 1
    qtbot.addWidget(new[0])
    try:
        assert "未能完成" in said.text("warning") and "磁盘已满" in said.text("warning")
        assert new[0].context.password is None and new[0].context.db["persons"].count == 3
        assert looks_like_sqlite(county_path)
    finally:
        new[0].close()
        new[0].context.close()


def test_damage_found_after_the_window_opened_offers_the_latest_backup(qtbot, make_window, county_path,
                                                                        tmp_path, monkeypatch):
    """The background integrity check failed: the window says the file is damaged and nothing
    was written, and 从备份恢复 puts the newest good backup back and reopens on it."""
    from wengang.gui import database_actions
    from wengang.store.errors import DamagedDatabaseError

    ids = small_county(county_path)
    context, window = make_window(county_path)
    assert context.on_damaged is not None  # the window listens for the background check
    saved = backup(context.db, tmp_path / "完好备份.db")
    from wengang.services import registry
    registry.delete_person(context.db, ids["王五"])
    exc = DamagedDatabaseError(county_path, "索引损坏", backup=saved)
    box = database_actions.damaged_while_open_box(exc, window)
    assert "已损坏" in box.text() and "没有写入任何修改" in box.text() and str(saved) in box.text()
    labels = {b.text(): b for b in box.buttons()}
    assert set(labels) == {"从备份恢复", "暂不恢复"}
    labels["暂不恢复"].click()
    assert database_actions.offer_restore_when_damaged(window, exc, box) is None  # nothing done
    box = database_actions.damaged_while_open_box(exc, window)
    next(b for b in box.buttons() if b.text() == "从备份恢复").click()
    said = Said(monkeypatch)
    fresh = database_actions.offer_restore_when_damaged(window, exc, box)
    assert fresh is not None, said.lines
    qtbot.addWidget(fresh)
    try:
        assert fresh.context.db["persons"].count == 3  # the backup's data is back
        assert "已从备份" in said.text("information")
    finally:
        fresh.close()
        fresh.context.close()
