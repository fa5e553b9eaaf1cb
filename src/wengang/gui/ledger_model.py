"""A lazy table model over a ledger query of ``wengang.services.ledgers``.

The query knows its row count and returns rows by ``(offset, limit)``; the model fetches one
page when ``data()`` first asks for a row in it and keeps a bounded cache, so a 150,000-row
ledger never sits in memory.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

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

    def set_query(self, query: Any, count: int | None = None, first_page: list | None = None) -> None:
        """Show ``query`` (``count`` when already known: counting repeats the whole query;
        ``first_page``: its first :data:`PAGE` rows, read ahead off the GUI thread)."""
        self.beginResetModel()
        self.query = query
        self.columns = list(query.columns) if query is not None else []
        if query is None:
            self._count = 0
        else:
            self._count = int(query.count() if count is None else count)
        self._pages = {} if first_page is None else {0: list(first_page)}
        self.endResetModel()

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
            return None
        value = row[index.column()]
        return "" if value is None else str(value)

    def row(self, number: int):
        page_no = number // PAGE
        page = self._pages.get(page_no)
        if page is None:
            if len(self._pages) >= CACHE_PAGES:
                self._pages.clear()
            page = list(self.query.rows(page_no * PAGE, PAGE))
            self._pages[page_no] = page
        offset = number - page_no * PAGE
        return page[offset] if offset < len(page) else None
