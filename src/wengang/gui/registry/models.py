"""Lazily fetching table models over SQL (Anki's browser model habit).

A model keeps the ordered list of matching ids — four bytes' worth of information per row —
and fetches the displayed columns in pages when ``data()`` asks, keeping a bounded cache.
Header clicks re-run the id query with a different ``ORDER BY``; filters change its ``WHERE``.
"""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from wengang.gui.registry.queries import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_FROM,
    PERSON_COLUMNS,
    PERSON_FROM,
    ColumnSpec,
    RegistryFilter,
    id_query,
    rows_query,
)
from wengang.domain.status import AsOf

PAGE = 200            # rows fetched per query
CACHE_LIMIT = 4000    # rows kept; beyond this the cache is dropped and refilled on demand
ID_ROLE = Qt.ItemDataRole.UserRole + 1
IDS_KEPT = 400_000    # ids kept in recent lists per model (≈ 3 full lists at 150,000: some 15 MB)

_Index = QModelIndex | QPersistentModelIndex


class SqlTableModel(QAbstractTableModel):
    """Rows = ordered ids from SQL; cells fetched by page on demand."""

    columns: list[ColumnSpec] = []
    base_from = ""
    id_expr = ""
    persons = False

    def __init__(self, db: sqlite_utils.Database, parent=None):
        super().__init__(parent)
        self.db = db
        self.filter = RegistryFilter()
        self.sort_column = 2
        self.descending = False
        self._ids: list[int] = []
        self._pos: dict[int, int] | None = None
        self._cache: dict[int, tuple] = {}
        self._id_cache: dict[tuple, list[int]] = {}
        self._id_cache_version: tuple | None = None

    # --- what the views ask -----------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
                return self.columns[section].title
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.ForegroundRole):
            return None
        row = self._row(index.row())
        value = row[index.column()] if row else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(index.column(), value)
        return "" if value is None else str(value)

    def foreground(self, column: int, value):  # overridden for the status colours
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = column
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    # --- ours --------------------------------------------------------------------------------
    def set_filter(self, **changes) -> None:
        for key, value in changes.items():
            setattr(self.filter, key, value)
        self.reload()

    def reload(self) -> None:
        """Re-run the id query (filters, order) and drop cached rows."""
        sql, params = id_query(self.columns, self.base_from, self.id_expr, self.filter,
                               self.sort_column, self.descending, persons=self.persons)
        ids = self._ids_for(sql, params)
        self.beginResetModel()
        self._ids = ids
        self._pos = None
        self._cache.clear()
        self.endResetModel()

    def _ids_for(self, sql: str, params: dict) -> list[int]:
        """The ids of a query, remembered while the database is unchanged: clearing the search
        box or sorting back returns to a list already fetched (150,000 ids took 150 ms)."""
        version = (self.db.conn.total_changes, self.db.execute("PRAGMA data_version").fetchone()[0])
        key = (sql, tuple(sorted(params.items())))
        if self._id_cache_version != version:
            self._id_cache.clear()
            self._id_cache_version = version
        ids = self._id_cache.pop(key, None)
        if ids is None:
            ids = [r[0] for r in self.db.execute(sql, params).fetchall()]
        self._id_cache[key] = ids  # most recent last
        while len(self._id_cache) > 1 and sum(map(len, self._id_cache.values())) > IDS_KEPT:
            self._id_cache.pop(next(iter(self._id_cache)))
        return ids

    def invalidate(self) -> None:
        """Cells changed (an edit) but not the ids: refetch visible rows."""
        self._cache.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.columns) - 1))

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, record_id: int) -> int | None:
        if self._pos is None:
            self._pos = {rid: i for i, rid in enumerate(self._ids)}
        return self._pos.get(record_id)

    def ids(self) -> list[int]:
        return list(self._ids)

    def _row(self, row: int) -> tuple | None:
        record_id = self._ids[row]
        hit = self._cache.get(record_id)
        if hit is not None:
            return hit
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        start = (row // PAGE) * PAGE
        page = self._ids[start:start + PAGE]
        params = AsOf(self.filter.as_of).params() if self.persons else {}
        for fetched in self.db.execute(rows_query(self.columns, self.base_from, self.id_expr, page),
                                       params).fetchall():
            self._cache[fetched[0]] = fetched[1:]
        return self._cache.get(record_id)


class PersonTableModel(SqlTableModel):
    columns = PERSON_COLUMNS
    base_from = PERSON_FROM
    id_expr = "p.id"
    persons = True
    STATUS_COLUMN = len(PERSON_COLUMNS) - 1

    def foreground(self, column: int, value):
        if column == self.STATUS_COLUMN:
            from PySide6.QtGui import QColor  # noqa: PLC0415
            return {"务工中": QColor("#1b7f3b"), "已返乡": QColor("#b35c00")}.get(value)
        return None


class HouseholdTableModel(SqlTableModel):
    columns = HOUSEHOLD_COLUMNS
    base_from = HOUSEHOLD_FROM
    id_expr = "h.id"
    persons = False
