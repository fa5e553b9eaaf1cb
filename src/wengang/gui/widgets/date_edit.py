"""A date edit in the caseworker's format (yyyy-MM-dd) with a calendar popup.

Besides editing the shown date part by part, the whole date can be typed as the caseworker
writes it — ``20261031``, ``2026-10-31`` or ``2026年10月31日`` (``domain.dates.parse_typed_day``):
click into the field (the year is selected) or select all, and type; Enter or leaving the field
takes it, Esc gives the old date back. Typing starts its own buffer, so QDateEdit's
section-by-section editing does not turn 20261031 into 2026-06-30.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QEvent, Qt, QTime
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDateEdit, QWidget

from wengang.domain.dates import parse_typed_day

_TYPING = set("0123456789０１２３４５６７８９-/.年月日 ")


def _with_year(day: dt.date, year: int) -> dt.date | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


class DateEdit(QDateEdit):
    def __init__(self, value: dt.date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setToolTip("可直接输入 20261031、2026-10-31 或 2026年10月31日，回车确认")
        self._typing: str | None = None  # a whole date being typed
        self.lineEdit().installEventFilter(self)
        self.set_date(value or dt.date.today())

    def set_date(self, value: dt.date) -> None:
        self.setDate(QDate(value.year, value.month, value.day))

    def value(self) -> dt.date:
        q = self.date()
        return dt.date(q.year(), q.month(), q.day())

    # --- typed whole dates ---------------------------------------------------------------------
    def validate(self, text: str, pos: int):
        if getattr(self, "_typing", None) is not None:
            # a whole date being typed: taken on Enter or leaving the field, not half-way
            # (2026-10-3 is a date too, but not the one being typed)
            return QValidator.State.Intermediate, text, pos
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

    def _starts_fresh(self) -> bool:
        """Typing now begins a whole date: everything selected, or the cursor in the year (as
        after a click or Tab into the field). A year alone typed there still changes the year."""
        line = self.lineEdit()
        if line.hasSelectedText() and line.selectionStart() == 0:
            return True
        return self.currentSection() == QDateEdit.Section.YearSection

    def _show_typing(self) -> None:
        # Shown as typed; the spin box does not hear of it (it would read every keystroke as
        # a date, section by section) until Enter or leaving the field takes the whole.
        line = self.lineEdit()
        line.blockSignals(True)
        line.setText(self._typing)
        line.setCursorPosition(len(self._typing))
        line.blockSignals(False)
        line.update()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt
        key, text = event.key(), event.text()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.take_typed()
        elif self._typing is not None:
            if key == Qt.Key.Key_Backspace:
                self._typing = self._typing[:-1]
                self._show_typing()
                return
            if key == Qt.Key.Key_Escape:
                self._typing = None
                self.set_date(self.value())
                self.lineEdit().setText(self.value().isoformat())
                return
            if text and set(text) <= _TYPING:
                self._typing += text
                self._show_typing()
                return
            self.take_typed()
        elif text and text.isdigit() and self._starts_fresh():
            # The caseworker types the whole date (20261031, 2026-10-31, 2026年10月31日) rather
            # than editing year, month and day one section at a time.
            self._typing = text
            self._show_typing()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt
        """年, 月 and 日 come from the input method to the line edit, not as key presses."""
        if watched is self.lineEdit() and event.type() == QEvent.Type.InputMethod:
            commit = event.commitString()
            if commit and set(commit) <= _TYPING and (self._typing is not None or self._starts_fresh()):
                self._typing = (self._typing or "") + commit
                self._show_typing()
                return True
        return super().eventFilter(watched, event)

    def take_typed(self) -> bool:
        """The text typed as a whole date becomes the value (False when it is not one)."""
        typed, self._typing = self._typing, None
        day = parse_typed_day(typed if typed is not None else self.lineEdit().text())
        if day is None and typed is not None and typed.isdigit() and len(typed) == 4:
            day = _with_year(self.value(), int(typed))  # only the year was typed
        if day is None:
            if typed is not None:  # not a date: show the value again
                self.lineEdit().setText(self.value().isoformat())
            return False
        if day != self.value():
            self.set_date(day)
        self.lineEdit().setText(day.isoformat())
        return True
