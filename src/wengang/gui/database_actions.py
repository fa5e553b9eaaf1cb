"""文件 menu actions that replace the database file itself: 从备份恢复…, 设置密码…/修改密码….

Both need the file to themselves (a restore swaps the file, encrypting rewrites it), so the
window and every connection close first, the change runs under the program's lock, and a new
window opens on the result (``opening.open_with_recovery``; ``MainWindow.replaced`` tells ``app.Session``). A change that fails
leaves the file as it was and the window reopens on it with the old password.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QMessageBox

from wengang import APP_NAME
from wengang.gui import opening, reliability
from wengang.gui.context import Progress


def restore_database(window):
    """A backup, checked off the GUI thread (``reliability.choose_backup``), replaces the file;
    the new window follows through ``window.replaced``. Returns the check's progress dialog
    (None: no file picked)."""
    db_path = window.context.db_path

    def chosen(source, password) -> None:
        reopen(window, _restoring(source, db_path, password), password)

    return reliability.choose_backup(window, window.context, chosen)


def damaged_while_open_box(exc, parent=None) -> QMessageBox:
    """The window's background integrity check failed: the file is damaged, nothing was
    written (nor will be), and the newest good backup is offered (unshown box)."""
    box = reliability.damaged_box(exc, parent)
    box.setText("数据库文件已损坏（打开后的完整性检查未通过）。没有写入任何修改，"
                "在恢复之前，所有修改都会被拒绝。\n\n" + str(exc))
    for button in box.buttons():
        if box.buttonRole(button) == QMessageBox.ButtonRole.RejectRole:
            button.setText("暂不恢复")
    return box


def offer_restore_when_damaged(window, exc, box: QMessageBox | None = None):
    """Say the file is damaged; on 从备份恢复 the newest good backup replaces it and the
    window reopens on it (returns the new window; None: nothing done)."""
    box = box or damaged_while_open_box(exc, window)
    if box.clickedButton() is None:
        box.exec()
    clicked = box.clickedButton()
    if exc.backup is None or clicked is None or box.buttonRole(clicked) != QMessageBox.ButtonRole.AcceptRole:
        return None
    source, db_path = exc.backup, window.context.db_path
    password = None if reliability.looks_like_sqlite(source) else window.context.password
    return reopen(window, _restoring(source, db_path, password), password)


def _restoring(source, db_path, password: str | None) -> Callable[[Progress], str]:
    """The change that restores ``source`` over ``db_path``: its four whole-file checks (the
    backup, the current file, its 恢复前 backup, the copy; 20 s each at 200,000 households)
    move the progress box's bar, each naming the file it checks."""
    def change(progress: Progress) -> str:
        from wengang.store.backup import restore  # noqa: PLC0415
        aside = restore(source, db_path, password=password, checking=reliability.checks_told(progress, _WORKING))
        return f"已从备份 {source.name} 恢复。恢复前的数据库另存为：{aside}"
    return change


def set_password(window):
    """Encrypt a plain database or change the password of an encrypted one."""
    from wengang.store import crypto  # noqa: PLC0415
    from wengang.store.db import open_database  # noqa: PLC0415

    context = window.context
    title = "修改密码" if context.encrypted else "设置密码"
    if not context.encrypted and QMessageBox.question(window, title, (
            "设置密码后，数据库文件将被加密：没有密码谁也打不开，笔记本丢了个人信息也不会泄露。\n"
            "请务必牢记密码——忘记密码，数据将无法找回。此后的备份同样加密。\n现在设置密码吗？")
    ) != QMessageBox.StandardButton.Yes:
        return None
    new = reliability.ask_new_password(window, title)
    if new is None:
        return None
    path, old = context.db_path, context.password

    def change(progress: Progress) -> str:
        from wengang.store.backup import encrypt_database, rekey_backups  # noqa: PLC0415
        checking = reliability.checks_told(progress, _WORKING)
        if old is None:
            removed = encrypt_database(path, new, checking=checking)
            return "数据库已加密，请牢记密码。" + (
                f"{len(removed)} 个未加密的旧备份已删除（新的加密备份已检查无误）。" if removed else "")
        db = open_database(path, password=old)
        try:
            crypto.change_password(db, new)
        finally:
            db.close()
        rekey_backups(path, old, new, checking=checking)
        return "密码已修改，下次打开请使用新密码（备份也已改用新密码）。"

    return reopen(window, change, new)


_WORKING = "正在处理数据库文件，请稍候（请勿关闭电脑）…"


def _while_showing_progress(change: Callable[[Progress], str]) -> str:
    """``change(progress)`` on a worker thread while a progress box paints: between the two
    windows none is open, and restoring or encrypting a 50,000-household county takes 25–28
    CPU seconds (30–100 s on a busy laptop) that looked like the program had died. What it
    reports (``done, total, text``; 0 of 0: busy) moves the box. Returns its message; its
    error is raised here."""
    from PySide6.QtCore import QEventLoop  # noqa: PLC0415
    from PySide6.QtWidgets import QProgressDialog  # noqa: PLC0415

    from wengang.gui.context import run_detached  # noqa: PLC0415
    from wengang.gui.widgets.progress import show_progress  # noqa: PLC0415

    box = QProgressDialog(_WORKING, "", 0, 0)
    box.setWindowTitle(APP_NAME)
    box.setCancelButton(None)  # a half-replaced file cannot be stopped safely; it finishes or rolls back
    box.setMinimumDuration(0)
    box.show()
    loop, outcome = QEventLoop(), {}
    run_detached(change, lambda message: (outcome.setdefault("message", message), loop.quit()),
                 lambda exc: (outcome.setdefault("error", exc), loop.quit()),
                 lambda done, total, text: show_progress(box, done, total, text))
    loop.exec()  # the callbacks are queued to this thread: they arrive inside the loop
    box.close()
    box.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["message"]


def reopen(window, change: Callable[[Progress], str], password: str | None):
    """Close ``window`` and all its connections, run ``change(progress)`` (its message is shown
    afterwards), then open a new window on the database; returns it (None: the caseworker
    gave up opening, and the program ends)."""
    from wengang.store import lock  # noqa: PLC0415
    from wengang.store.db import StoreError  # noqa: PLC0415

    app = QApplication.instance()
    quit_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # between the two windows none is open
    path, old_password = window.context.db_path, window.context.password
    try:
        window.close()
        window.context.close()
        held = lock.acquire(path)  # keep another program out while the file changes
        try:
            message, failed = _while_showing_progress(change), False
        except (StoreError, OSError) as exc:
            message, failed, password = f"未能完成：{exc}", True, old_password
        finally:
            lock.release(held)
        opened = opening.open_with_recovery(path, password, None, type(window))
    finally:
        app.setQuitOnLastWindowClosed(quit_on_close)
    if opened is None:
        app.quit()
        return None
    _context, new_window = opened
    new_window.show()
    window.replaced.emit(new_window)
    window.deleteLater()
    (QMessageBox.warning if failed else QMessageBox.information)(new_window, APP_NAME, message)
    return new_window
