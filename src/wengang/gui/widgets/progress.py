"""A cancellable progress dialog around ``AppContext.run_in_background``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from wengang.gui.context import AppContext, Cancelled


def show_progress(dialog: QProgressDialog, done: int, total: int, message: str = "") -> None:
    """What work reported (``done`` of ``total``; 0 of 0: busy, no bar) on ``dialog``: the
    words first, then the bar they describe."""
    if message:
        dialog.setLabelText(message)
    dialog.setMaximum(max(total, 0))
    dialog.setValue(min(done, total) if total else 0)


def run_with_progress(context: AppContext, parent: QWidget, title: str,
                      work: Callable, on_success: Callable[[Any], None] | None = None,
                      on_failure: Callable[[BaseException], None] | None = None,
                      on_cancelled: Callable[[], None] | None = None) -> QProgressDialog:
    """Run ``work(db, progress)`` off the GUI thread behind a modal, cancellable dialog.

    Failures go to ``on_failure`` or else a (non-blocking) message box; a cancel is not a
    failure: ``on_cancelled`` runs once the work has stopped (its transaction rolled back).
    Returns the dialog.
    """
    dialog = QProgressDialog(title, parent.tr("取消"), 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(done: int, total: int, message: str) -> None:
        show_progress(dialog, done, total, message)

    def succeeded(result: Any) -> None:
        dialog.close()
        if on_success:
            on_success(result)

    def failed(exc: BaseException) -> None:
        dialog.close()
        if isinstance(exc, Cancelled):
            if on_cancelled is not None:
                on_cancelled()
            return
        if on_failure is not None:
            on_failure(exc)
        else:
            box = QMessageBox(QMessageBox.Icon.Warning, title, f"{title}失败：{exc}", parent=parent)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    if context.queue_busy():
        # Behind another job (the overview's first count at open takes seconds at county
        # scale): say so rather than a title that claims the work has begun.
        dialog.setLabelText(parent.tr("%s\n（等待正在进行的工作结束）") % title)
    handle = context.run_in_background(work, succeeded, failed, progress,
                                       on_started=lambda: dialog.setLabelText(title))
    dialog.canceled.connect(lambda: setattr(handle, "cancelled", True))
    dialog.show()
    return dialog
