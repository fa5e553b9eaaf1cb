"""The 修改记录 table and the damaged-database message box (offscreen)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QMessageBox

from wengang.gui.reliability import HistoryTable, damaged_box
from wengang.services import registry
from wengang.store.audit import audit_reason
from wengang.store.integrity import DamagedDatabaseError

pytestmark = pytest.mark.gui


def test_history_table_shows_an_edit_with_old_and_new(qtbot, db, factory, tmp_path):
    pid = factory.person(name="张三")
    row = db["persons"].get(pid)
    fields = {k: row[k] for k in ("household_id", "name", "id_number", "labour_skill", "student_status", "phone")}
    with audit_reason(db, "身份证核对"):
        registry.save_person(db, {**fields, "name": "张叁"}, pid)
    table = HistoryTable(db, pid)
    qtbot.addWidget(table)
    table.resize(1100, 200)
    cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert ["修改", "姓名", "张三", "张叁", "身份证核对"] == cells[0][4:9]
    assert all(row["id_number"] not in " ".join(line) for line in cells)  # masked on screen
    table.grab().save(str(tmp_path / "history.png"))


def test_damaged_box_offers_the_backup(qtbot, tmp_path):
    exc = DamagedDatabaseError(tmp_path / "w.db", "文件被截断", tmp_path / "backups" / "w-20260101-080000-每日.db")
    box = damaged_box(exc)
    qtbot.addWidget(box)
    labels = [b.text() for b in box.buttons()]
    assert "从备份恢复" in labels and "每日" in box.text()
    none = damaged_box(DamagedDatabaseError(tmp_path / "w.db", "文件被截断", None))
    qtbot.addWidget(none)
    assert [b.text() for b in none.buttons()] == ["退出"]
    assert none.buttonRole(none.buttons()[0]) == QMessageBox.ButtonRole.RejectRole
