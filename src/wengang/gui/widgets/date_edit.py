"""A date edit in the caseworker's format (yyyy-MM-dd) with a calendar popup.

Besides editing the shown date part by part, the whole date can be typed as the caseworker
writes it — ``20261031``, ``2026-10-31`` or ``2026年10月31日`` (``domain.dates.parse_typed_day``):
select all (Ctrl+A or a double-click) and type; Enter or leaving the field takes it.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDateEdit, QWidget

from wengang.domain.dates import parse_typed_day

_TYPING = set("0123456789０１２３４５６７８９-/.年月日 ")


class DateEdit(QDateEdit):
    def __init__(self, value: dt.date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setToolTip("可直接输入 20261031、2026-10-31 或 2026年10月31日")
        self.set_date(value or dt.date.today())

    def set_date(self, value: dt.date) -> None:
        self.setDate(QDate(value.year, value.month, value.day))

    def value(self) -> dt.date:
        q = self.date()
        return dt.date(q.year(), q.month(), q.day())

    # --- typed whole dates ---------------------------------------------------------------------
    def validate(self, text: str, pos: int):
        day = parse_typed_day(text)
        if day is not None:
            return QValidator.State.Acceptable, text, pos
        answer = super().validate(text, pos)
        state, fixed, new_pos = answer if isinstance(answer, tuple) else (answer, text, pos)
        if state == QValidator.State.Invalid and text and set(text) <= _TYPING and len(text) <= 12:
            return QValidator.State.Intermediate, text, pos  # on the way to 20261031 or 2026年10月31日
        return state, fixed, new_pos

    def dateTimeFromText(self, text: str) -> QDateTime:  # noqa: N802 - Qt
        day = parse_typed_day(text)
        if day is not None:
            return QDateTime(QDate(day.year, day.month, day.day), QTime(0, 0))
        return super().dateTimeFromText(text)

    def fixup(self, text: str) -> str:
        day = parse_typed_day(text)
        return day.isoformat() if day is not None else super().fixup(text)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt
        self.take_typed()
        super().focusOutEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.take_typed()
        super().keyPressEvent(event)

    def take_typed(self) -> bool:
        """The text typed as a whole date becomes the value (False when it is not one)."""
        day = parse_typed_day(self.lineEdit().text())
        if day is None:
            return False
        if day != self.value():
            self.set_date(day)
        self.lineEdit().setText(day.isoformat())
        return True
