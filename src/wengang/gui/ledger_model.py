"""A lazy table model over a ledger query of ``wengang.services.ledgers``.

The query knows its row count and returns rows by ``(offset, limit)``; the model fetches one
page when ``data()`` first asks for a row in it and keeps a bounded cache, so a 150,000-row
ledger never sits in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from wengang.domain.numbers import plain_amount

PAGE = 200
CACHE_PAGES = 20

_Index = QModelIndex | QPersistentModelIndex


class LedgerModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.query: Any = None
        self.columns: list = []
        self._count = 0
        self._pages: dict[int, list] = {}
        self._amounts: set[int] = set()
        # Set by the tab: ``number_rows(query, done)`` numbers the query's members off the GUI
        # thread (``query.number_rows()``), then calls ``done(ok)`` on it. A page that needs them
        # shows "…" meanwhile instead of the window stopping (1.1 s at 200,000 households).
        self.number_rows: Callable[[Any, Callable[[bool], None]], None] | None = None
        self._numbering = False  # the query's connection is the worker's until done
        self._numbering_failed = False

    def set_query(self, query: Any, count: int | None = None, first_page: list | None = None) -> None:
        """Show ``query`` (``count`` when already known: counting repeats the whole query;
        ``first_page``: its first :data:`PAGE` rows, read ahead off the GUI thread)."""
        self.beginResetModel()
        self.query = query
        self.columns = list(query.columns) if query is not None else []
        # Amounts shown as the exports write them: 3500, not 3500.0.
        self._amounts = {i for i, kind in enumerate(getattr(query, "kinds", ())) if kind == "money"}
        if query is None:
            self._count = 0
        else:
            self._count = int(query.count() if count is None else count)
        self._pages = {} if first_page is None else {0: list(first_page)}
        self._numbering = self._numbering_failed = False
        self.endResetModel()

    def _numbered(self, query: Any, ok: bool) -> None:
        if query is not self.query:
            return  # another list (or none) is shown now
        self._numbering, self._numbering_failed = False, not ok
        if self._count and self.columns:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(self.columns) - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if 0 <= section < len(self.columns) else None
        return str(section + 1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if not (0 <= index.row() < self._count and 0 <= index.column() < len(self.columns)):
            return None
        row = self.row(index.row())
        if row is None:
            return "…" if self._numbering and role == Qt.ItemDataRole.DisplayRole else None
        value = row[index.column()]
        if index.column() in self._amounts:
            value = plain_amount(value)
        return "" if value is None else str(value)

    def row(self, number: int):
        page_no = number // PAGE
        page = self._pages.get(page_no)
        if page is None:
            if self._numbering or self._numbering_failed:
                return None  # shown once numbered (the connection is the worker's meanwhile)
            if self.number_rows is not None and self.query.needs_numbering(page_no * PAGE, PAGE):
                self._numbering = True
                query = self.query
                self.number_rows(query, lambda ok: self._numbered(query, ok))
                return None
            if len(self._pages) >= CACHE_PAGES:
                self._pages.clear()
            page = list(self.query.rows(page_no * PAGE, PAGE))
            self._pages[page_no] = page
        offset = number - page_no * PAGE
        return page[offset] if offset < len(page) else None
