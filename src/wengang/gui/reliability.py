"""GUI pieces for issue 7: a person's 修改记录, backup/restore, and recovering from a refused open.

Thin wrappers over ``store.audit``/``store.backup``/``store.crypto``; the main window and the
person page hook them in:

* ``PersonPage``: ``self.lists.addTab(HistoryTable(db, person_id), "修改记录")``
* ``run_app``: on ``StoreError`` call :func:`recover_open` and retry with what it returns.
* a 数据 menu: :func:`backup_now`, :func:`restore_from_file`.

Dialog factories return the unshown box so tests can drive them (qutebrowser's habit).
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHeaderView, QInputDialog, QLineEdit,
                               QMessageBox, QTableWidget, QTableWidgetItem, QWidget)

from wengang import APP_NAME
from wengang.services.audit_export import audit_rows
from wengang.store.audit import person_history
from wengang.store.backup import auto_backup, backup, restore
from wengang.store.db import StoreError
from wengang.store.integrity import DamagedDatabaseError, PasswordRequiredError

HISTORY_HEADERS = ["时间", "操作人", "类别", "记录", "操作", "字段", "原值", "新值", "原因", "导入批次", "已报送月份"]


class HistoryTable(QTableWidget):
    """修改记录 of one person, newest first, one line per changed field (IDs masked)."""

    def __init__(self, db: sqlite_utils.Database, person_id: int, parent: QWidget | None = None):
        super().__init__(0, len(HISTORY_HEADERS), parent)
        self.db, self.person_id = db, person_id
        self.setHorizontalHeaderLabels(HISTORY_HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.reload()

    def reload(self) -> None:
        lines = audit_rows(self.db, person_history(self.db, self.person_id), masked=True)
        self.setRowCount(len(lines))
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                self.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))


def backup_now(parent: QWidget | None, db: sqlite_utils.Database) -> Path | None:
    """备份: to a chosen file (e.g. a USB stick); cancelling the file dialog makes a rotating one."""
    name, _ = QFileDialog.getSaveFileName(parent, "备份数据库到", "稳岗台账备份.db", "数据库备份 (*.db)")
    try:
        dest = backup(db, name) if name else auto_backup(db, "手动")
    except (StoreError, OSError) as exc:
        QMessageBox.warning(parent, APP_NAME, f"备份失败：{exc}")
        return None
    QMessageBox.information(parent, APP_NAME, f"已备份到：{dest}")
    return dest


def restore_from_file(parent: QWidget | None, db_path: Path, password: str | None = None) -> bool:
    """恢复: pick a backup, confirm, restore (the caller must have closed its connections)."""
    name, _ = QFileDialog.getOpenFileName(parent, "选择备份文件", str(Path(db_path).parent / "backups"),
                                          "数据库备份 (*.db)")
    if not name:
        return False
    return _restore(parent, Path(name), db_path, password)


def _restore(parent, source: Path, db_path: Path, password: str | None) -> bool:
    try:
        aside = restore(source, db_path, password=password)
    except StoreError as exc:
        QMessageBox.warning(parent, APP_NAME, str(exc))
        return False
    QMessageBox.information(parent, APP_NAME, f"已从备份恢复。恢复前的数据库另存为：{aside}")
    return True


def damaged_box(exc: DamagedDatabaseError, parent: QWidget | None = None) -> QMessageBox:
    """The refused-file message with a 从备份恢复 button when a good backup exists (unshown)."""
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, str(exc), parent=parent)
    if exc.backup is not None:
        box.addButton("从备份恢复", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    return box


def recover_open(exc: StoreError, db_path: Path, parent: QWidget | None = None) -> dict | None:
    """After ``open_database`` refused ``db_path``: ask for a password or offer the backup.

    Returns keyword arguments to retry ``open_database`` with (``{"password": …}`` or ``{}``
    after a restore), or None when the user gives up.
    """
    if isinstance(exc, PasswordRequiredError) or "密码" in str(exc):
        text, ok = QInputDialog.getText(parent, APP_NAME, "此数据库已加密，请输入密码：",
                                        QLineEdit.EchoMode.Password)
        return {"password": text} if ok and text else None
    if isinstance(exc, DamagedDatabaseError):
        box = damaged_box(exc, parent)
        box.exec()
        if exc.backup is not None and box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole:
            return {} if _restore(parent, exc.backup, db_path, None) else None
        return None
    QMessageBox.critical(parent, APP_NAME, str(exc))
    return None
