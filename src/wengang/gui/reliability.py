"""GUI pieces for issue 7: a person's 修改记录, backup/restore, and recovering from a refused open.

Thin wrappers over ``store.audit``/``store.backup``/``store.crypto``; the main window and the
person page hook them in:

* ``PersonPage``: ``self.lists.addTab(HistoryTable(db, person_id), "修改记录")``
* ``app.open_with_recovery``: :func:`ask_password`, :func:`offer_backup` when an open is refused.
* the 文件 menu: :func:`backup_now`, :func:`choose_backup`, :func:`ask_new_password`.

Dialog factories return the unshown box so tests can drive them (qutebrowser's habit).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import sqlite_utils
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from wengang import APP_NAME
from wengang.gui.context import AppContext, Progress
from wengang.gui.widgets.progress import run_with_progress
from wengang.services.audit_export import audit_rows
from wengang.store.audit import person_history
from wengang.store.backup import Checking, backup, backups_dir, restore, verify_file
from wengang.store.db import StoreError
from wengang.store.integrity import DamagedDatabaseError, looks_like_sqlite

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


def _parts_told(progress: Progress, text: str):
    """``verify_file``'s ``progress(parts checked, parts)`` as the dialog's bar (a whole-file
    check: 20 s at 200,000 households). Called on the check's two threads, it only reports: a
    取消 pressed meanwhile is taken by the work once the check is over."""
    return lambda done, total: progress.report(done, total, text)


def checks_told(progress: Progress, between: str) -> Checking:
    """``store.backup``'s ``checking`` behind a progress box: each file's check moves the
    bar, its label naming the file; ``between`` (busy) while the work copies between checks."""
    @contextlib.contextmanager
    def checking(path: Path, what: str):
        text = f"正在检查{what}“{path.name}”是否完好…"
        progress.report(0, 0, text)
        try:
            yield _parts_told(progress, text)
        finally:
            progress.report(0, 0, between)
    return checking


def suggested_backup(db_path, today: dt.date | None = None) -> Path:
    """The backup file offered: beside the database, named with the day (``县台账-备份-2026-10-31.db``),
    so a USB stick holding several backups says which is which."""
    day = (today or dt.date.today()).isoformat()
    return Path(db_path).with_name(f"{Path(db_path).stem}-备份-{day}.db")


def backup_now(parent: QWidget, context: AppContext):
    """备份数据库…: to a chosen file (a USB stick, say), written off the GUI thread, then
    checked (integrity and schema) before the caseworker is told it is safe. Returns the
    progress dialog, or None when the file dialog was cancelled."""
    suggested = suggested_backup(context.db_path)
    name, _ = QFileDialog.getSaveFileName(parent, "备份数据库到", str(suggested), "数据库备份 (*.db)")
    if not name:
        return None
    dest = Path(name) if Path(name).suffix else Path(name).with_suffix(".db")
    if dest.resolve() == Path(context.db_path).resolve():
        QMessageBox.warning(parent, APP_NAME, "不能备份到正在使用的数据库文件本身，请另选一个文件名。")
        return None
    password = context.password

    def work(db, progress):
        backup(db, dest, progress=lambda done, total: progress.report(done, total, "正在备份数据库…"))
        # an encrypted database's backup keeps its password
        problems = verify_file(dest, password, _parts_told(progress, "正在核对备份文件是否完好…"))
        progress.check()  # a 取消 pressed during the check
        return problems

    def done(problems: list[str]) -> None:
        if problems:
            QMessageBox.warning(parent, APP_NAME, f"备份文件 {dest} 核对未通过：{'；'.join(problems)}。请换一个位置重新备份。")
        else:
            QMessageBox.information(parent, APP_NAME, f"已备份到：{dest}\n备份文件已核对完好。"
                                    + ("\n备份文件同样有密码保护。" if password else ""))

    def failed(exc: BaseException) -> None:
        QMessageBox.warning(parent, APP_NAME, f"备份失败：{exc}")

    return run_with_progress(context, parent, "正在备份数据库", work, done, failed)


def choose_backup(parent: QWidget, context: AppContext, on_chosen) -> QProgressDialog | None:
    """从备份恢复…: pick a backup and check it before anything is closed or replaced.

    The check (the whole file's integrity and its schema) runs off the GUI thread: 6 CPU
    seconds for a 50,000-household county's backup. Once it passed and the caseworker said yes,
    ``on_chosen(file, the password it opens with)``. A backup made before the database was
    encrypted is a plain file: it restores as such. Returns the progress dialog (None: no file).
    """
    name, _ = QFileDialog.getOpenFileName(parent, "选择备份文件", str(backups_dir(context.db_path)),
                                          "数据库备份 (*.db);;所有文件 (*)")
    if not name:
        return None
    source = Path(name)
    password = None if source.is_file() and looks_like_sqlite(source) else context.password

    def check(_db, progress) -> list[str]:
        try:
            problems = verify_file(source, password, _parts_told(progress, f"正在检查备份文件“{source.name}”是否完好…"))
        except StoreError as exc:
            return [str(exc)]
        progress.check()  # a 取消 pressed during the check
        return problems

    def checked(problems: list[str]) -> None:
        if problems:
            QMessageBox.warning(parent, APP_NAME, f"不能用 {source.name} 恢复：{'；'.join(problems)}。当前数据库未改动。")
            return
        answer = QMessageBox.question(parent, "从备份恢复", f"用备份 {source.name} 替换当前数据库？\n"
                                      "当前数据库会另存为 .before-restore 文件，需要时还能找回。")
        if answer == QMessageBox.StandardButton.Yes:
            on_chosen(source, password)

    def failed(exc: BaseException) -> None:
        QMessageBox.warning(parent, APP_NAME, f"未能检查 {source.name}：{exc}。当前数据库未改动，请换一个备份文件再试。")

    return run_with_progress(context, parent, f"正在检查备份 {source.name}", check, checked, failed)


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


def offer_backup(exc: DamagedDatabaseError, db_path: Path, password: str | None,
                 parent: QWidget | None = None) -> bool:
    """Tell the caseworker the file is damaged; True once the newest good backup replaced it."""
    box = damaged_box(exc, parent)
    box.exec()
    clicked = box.clickedButton()
    if exc.backup is None or clicked is None or box.buttonRole(clicked) != QMessageBox.ButtonRole.AcceptRole:
        return False
    backup_password = None if looks_like_sqlite(exc.backup) else password
    return _restore(parent, exc.backup, db_path, backup_password)


def ask_password(parent: QWidget | None, db_path: Path, *, wrong: bool = False) -> str | None:
    """The password of an encrypted database (None: the caseworker gave up)."""
    question = (f"密码不正确，请重新输入（数据库未作任何改动）。\n{db_path}" if wrong
                else f"此数据库有密码保护，请输入密码：\n{db_path}")
    while True:
        text, ok = QInputDialog.getText(parent, APP_NAME, question, QLineEdit.EchoMode.Password)
        if not ok:
            return None
        if text:
            return text
        question = f"密码不能为空，请输入密码：\n{db_path}"


def ask_new_password(parent: QWidget | None, title: str) -> str | None:
    """A new password, typed twice; a mismatch is said plainly and nothing is changed."""
    first, ok = QInputDialog.getText(parent, title, "新密码（请牢记：忘记密码将无法打开数据库）：",
                                     QLineEdit.EchoMode.Password)
    if not ok:
        return None
    if not first:
        QMessageBox.warning(parent, title, "密码不能为空，未作改动。")
        return None
    second, ok = QInputDialog.getText(parent, title, "再输入一次新密码：", QLineEdit.EchoMode.Password)
    if not ok:
        return None
    if first != second:
        QMessageBox.warning(parent, title, "两次输入的密码不一致，未作改动。")
        return None
    return first
