"""The foot of a record dialog: the refusal in red (which row and field, said in the dialog,
which stays open), then 保存 and 取消."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLayout, QPushButton


def add_save_footer(dialog: QDialog, layout: QLayout, save: Callable[[], object]) -> tuple[QLabel, QPushButton]:
    """Add the message line and the buttons under ``layout``'s fields; ``save`` runs on 保存
    (it closes the dialog itself when the record is written). Returns (message, 保存)."""
    message = QLabel()
    message.setWordWrap(True)
    message.setStyleSheet("color: #c62828; font-weight: bold;")
    message.setVisible(False)
    layout.addWidget(message)
    buttons = QDialogButtonBox()
    save_button = buttons.addButton(dialog.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(dialog.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return message, save_button
