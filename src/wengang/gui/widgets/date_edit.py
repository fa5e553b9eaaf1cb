"""A date edit in the caseworker's format (yyyy-MM-dd) with a calendar popup."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


class DateEdit(QDateEdit):
    def __init__(self, value: dt.date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.set_date(value or dt.date.today())

    def set_date(self, value: dt.date) -> None:
        self.setDate(QDate(value.year, value.month, value.day))

    def value(self) -> dt.date:
        q = self.date()
        return dt.date(q.year(), q.month(), q.day())
