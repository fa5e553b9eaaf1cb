"""Lazily fetching table models over SQL (Anki's browser model habit).

A model keeps the ordered list of matching ids — four bytes' worth of information per row —
and fetches the displayed columns in pages when ``data()`` asks, keeping a bounded cache.
Header clicks re-run the id query with a different ``ORDER BY``; filters change its ``WHERE``.

A new order or filter shows its first :data:`FIRST_IDS` ids at once (an index walk,
``TableReader.first_ids``) and the number of rows; the whole list (1–2 s at 660,519 persons)
is read on the window's background connection and replaces the first ids when it arrives,
or at once if the view needs a row beyond them first.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import sqlite_utils
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from wengang.services.read.tables import (
    HOUSEHOLD_TABLE,
    PERSON_TABLE,
    ColumnSpec,
    IdQuery,
    RegistryFilter,
    TableReader,
    TableSpec,
)

PAGE = 200            # rows fetched per query
CACHE_LIMIT = 4000    # rows kept; beyond this the cache is dropped and refilled on demand
ID_ROLE = Qt.ItemDataRole.UserRole + 1
FIRST_IDS = 5000      # a new order or broad search fetches this many ids first (and counts all); then the rest
IDS_KEPT = 400_000    # ids kept in recent lists per model (≈ 3 full lists at 150,000: some 15 MB)

_Index = QModelIndex | QPersistentModelIndex
# run(work, done): ``work(db, progress)`` on a background connection, ``done(result)`` back on
# the GUI thread (``AppContext.run_in_background``; the registry tab hands it in).
Background = Callable[[Callable[[sqlite_utils.Database, Any], Any], Callable[[Any], None]], None]


class Positions:
    """The row of each id in a list of ids: an array indexed by id, 8 bytes an id, where the
    ids are the table's rowids (dense: at most :data:`SPARSE` times as many slots as ids);
    else a dict. A dict of 660,519 ids held about 58 MB, the array 5 MB."""

    SPARSE = 4

    def __init__(self, ids: Sequence[int]):
        top = max(ids, default=0)
        self._dict: dict[int, int] | None = None
        if min(ids, default=0) < 0 or top > self.SPARSE * len(ids) + 1024:
            self._dict = {record_id: row for row, record_id in enumerate(ids)}
            return
        self._rows = array("q", [-1]) * (top + 1)
        for row, record_id in enumerate(ids):
            self._rows[record_id] = row

    def get(self, record_id: int) -> int | None:
        if self._dict is not None:
            return self._dict.get(record_id)
        row = self._rows[record_id] if 0 <= record_id < len(self._rows) else -1
        return None if row < 0 else row

    def __contains__(self, record_id: int) -> bool:
        return self.get(record_id) is not None

    def __getitem__(self, record_id: int) -> int:
        row = self.get(record_id)
        if row is None:
            raise KeyError(record_id)
        return row


def _key(query: IdQuery) -> tuple:
    sql, params = query
    return (sql, tuple(sorted(params.items())))


class SqlTableModel(QAbstractTableModel):
    """Rows = ordered ids from SQL (``services.read.tables``); cells fetched by page on demand."""

    table: ClassVar[TableSpec]

    def __init__(self, db: sqlite_utils.Database, parent=None):
        super().__init__(parent)
        self.db = db
        self.reader = TableReader(db, self.table)
        self.columns: tuple[ColumnSpec, ...] = self.table.columns
        self.persons = self.table.persons
        self.filter = RegistryFilter()
        self.sort_column = 2
        self.descending = False
        self._ids: list[int] = []
        self._pos: Positions | None = None
        self._cache: dict[int, tuple] = {}
        self._id_cache: dict[tuple, list[int]] = {}
        self._id_cache_version: tuple | None = None
        self._total = 0                 # matching rows; len(_ids) is less while a search shows its first ids
        self._query: IdQuery | None = None
        self._positions: tuple[list[int], Positions] | None = None  # row of each id, unsearched
        self._counted: tuple[tuple, int] | None = None  # (filter and data version, rows matching)
        self.background: Background | None = None  # reads the rest of a list off the GUI thread

    # --- what the views ask -----------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self._total

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
        if not index.isValid() or not (0 <= index.row() < self._total):
            return None
        if role == ID_ROLE:
            return self.id_at(index.row())
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

    # No flags() here: QAbstractTableModel's (enabled, selectable, no children) answers in C++.
    # Qt asks it for every cell of a selection: Ctrl+A over 94,320 findings asked 377,527
    # times, 1.5 s of Python on the GUI thread.

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
        """Re-run the id query (filters, order) and drop cached rows.

        A search keystroke must answer within 50 ms at 165,000 persons; sorting every
        matching id in SQL took 110–260 ms for broad searches ("z", "6207"), so a search goes
        the cheapest way :meth:`_search_ids` knows. ``rowCount`` is always the full number of
        matches, also while only the first ids of a search are loaded.
        """
        query = self.reader.id_query(self.filter, self.sort_column, self.descending)
        if self.filter.search.strip():
            ids, total = self._search_ids(query)
        else:
            ids, total = self._listed_ids(query)
            if len(ids) == total:
                # where each id stands, for the first search keystroke (built when the GUI is idle)
                QTimer.singleShot(0, lambda: self._positions_of(ids))
        self.beginResetModel()
        self._ids = ids
        self._total = total
        self._query = query
        self._pos = None
        self._cache.clear()
        self.endResetModel()
        if len(ids) < total:
            self._read_rest_in_background(query)

    def _listed_ids(self, query: IdQuery, flt: RegistryFilter | None = None) -> tuple[list[int], int]:
        """(the first ids, the number of rows) of an unsearched query (``flt``: its filter,
        the model's by default): the remembered list, or the first :data:`FIRST_IDS` in order
        (milliseconds at any size, where sorting all 660,519 persons took 1–2 s) and the
        count; the rest comes later (:meth:`reload`)."""
        flt = self.filter if flt is None else flt
        key = _key(query)
        if self._id_cache_version == self._db_version() and key in self._id_cache:
            ids = self._ids_for(query)
            return ids, len(ids)
        first = self.reader.first_ids(flt, self.sort_column, self.descending, FIRST_IDS + 1)
        if len(first) <= FIRST_IDS:
            return self._remember(key, first), len(first)
        return first[:FIRST_IDS], self._count(flt)

    def _count(self, flt: RegistryFilter) -> int:
        """Rows matching ``flt`` less its search (an unsearched list's count), remembered while
        the filter and the data stay the same (a sort does not change the count)."""
        unsearched = replace(flt, search="")
        key = (repr(unsearched), self._db_version())
        if self._counted is None or self._counted[0] != key:
            self._counted = (key, self.reader.count(unsearched))
        return self._counted[1]

    def _read_rest_in_background(self, query: IdQuery) -> None:
        """Read the whole list of ``query`` on the background connection; it replaces the first
        ids if the model still shows that query and nothing was written meanwhile (else the
        view reads it itself when it needs a row beyond the first ones)."""
        if self.background is None:
            return
        version, table = self._db_version(), self.table

        def work(db: sqlite_utils.Database, _progress) -> list[int] | None:
            if self._query != query:  # clicked on meanwhile: that order's read is queued
                return None
            return TableReader(db, table).ids(query)

        def done(ids: list[int] | None) -> None:
            if (ids is not None and self._query == query and not self.is_complete() and len(ids) == self._total
                    and self._db_version() == version):
                self._ids = self._remember(_key(query), ids)
                self._pos = None
                QTimer.singleShot(0, lambda: self._positions_of(ids))

        self.background(work, done)

    def _search_ids(self, query: IdQuery) -> tuple[list[int], int]:
        """(the first ids, the number of matches) of a search query, the cheapest way known:

        1. the same search again: the remembered list;
        2. nobody fails the search ("6207", the county's ID prefix): the list without it
           (persons only);
        3. the list without the search is remembered (the table showed it before the user
           typed): keep its order, drop the non-matches — the matches come from one unsorted
           query over the person table ("z": 13,000 matches, 50 ms sorted in SQL → 15 ms);
        4. else the first :data:`FIRST_IDS` in display order, and a count of the rest.
        """
        key = _key(query)
        fresh = self._id_cache_version == self._db_version()
        if fresh and key in self._id_cache:
            ids = self._ids_for(query)
            return ids, len(ids)
        unsearched = replace(self.filter, search="")
        base_query = self.reader.id_query(unsearched, self.sort_column, self.descending)
        # (not for households: their search looks through all persons first, so the check
        # would cost as much as the search)
        if self.persons and self.reader.everyone_matches_search(self.filter):
            # The unsearched list's first ids and count, as an empty box shows them: loading
            # all of it here took 1.6 s for the 660,519 persons of a 200,000-household county.
            return self._listed_ids(base_query, unsearched)
        base_key = _key(base_query)
        base = self._id_cache.get(base_key) if fresh else None
        if base is not None:
            self._remember(base_key, base)  # in use: the last to be evicted
            position = self._positions_of(base)
            matches = self.reader.search_matches(self.filter)
            # the unsearched list's order; ids the other filters leave out are not in it
            ids = sorted((i for i in matches if i in position), key=position.__getitem__)
            return self._remember(key, ids), len(ids)
        first = self.reader.ids(query, limit=FIRST_IDS + 1)
        if len(first) <= FIRST_IDS:
            return self._remember(key, first), len(first)
        return first[:FIRST_IDS], self.reader.count(self.filter)

    def _positions_of(self, ids: list[int]) -> Positions:
        """Row of each id in ``ids`` (an unsearched list), kept for the list last asked about."""
        if self._positions is None or self._positions[0] is not ids:
            self._positions = (ids, Positions(ids))
        return self._positions[1]

    def _fetch_rest(self) -> None:
        """The ids after a search's or a new order's first ones (same order: the ORDER BY ends
        with the id), when the view needs them before the background read brought them."""
        if len(self._ids) < self._total and self._query is not None:
            ids = self._ids_for(self._query)
            if len(ids) != self._total:
                # The data changed since the search was counted: the row count must not change
                # under the view inside data(); show the new list once control returns.
                QTimer.singleShot(0, self.reload)
            self._ids = ids
            self._pos = None

    def is_complete(self) -> bool:
        """Whether every matching id is loaded (False while the first ids of a search or a new
        order are shown)."""
        return len(self._ids) >= self._total

    def _db_version(self) -> tuple:
        return self.reader.data_version()

    def _ids_for(self, query: IdQuery) -> list[int]:
        """The ids of a query, remembered while the database is unchanged: clearing the search
        box or sorting back returns to a list already fetched (150,000 ids took 150 ms)."""
        key = _key(query)
        if self._id_cache_version != self._db_version():
            self._id_cache.clear()
            self._id_cache_version = self._db_version()
        ids = self._id_cache.pop(key, None)
        if ids is None:
            ids = self.reader.ids(query)
        return self._remember(key, ids)

    def _remember(self, key: tuple, ids: list[int]) -> list[int]:
        version = self._db_version()
        if self._id_cache_version != version:
            self._id_cache.clear()
            self._id_cache_version = version
        self._id_cache[key] = ids  # most recent last
        while len(self._id_cache) > 1 and sum(map(len, self._id_cache.values())) > IDS_KEPT:
            self._id_cache.pop(next(iter(self._id_cache)))
        return ids

    def id_at(self, row: int) -> int | None:
        if len(self._ids) <= row < self._total:
            self._fetch_rest()
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, record_id: int) -> int | None:
        self._fetch_rest()
        if self._pos is None:
            self._pos = Positions(self._ids)
        return self._pos.get(record_id)

    def loaded_row_of(self, record_id: int) -> int | None:
        """The row of ``record_id`` among the ids loaded now (none read for it: while only a
        first page of a big list is loaded, a row beyond it is not looked for)."""
        if self.is_complete():
            return self.row_of(record_id)
        try:
            return self._ids.index(record_id)
        except ValueError:
            return None

    def ids_of_rows(self, ranges: Iterable[tuple[int, int]]) -> list[int]:
        """The ids of rows ``top`` to ``bottom`` (inclusive) of each range, once each, in order:
        a selection's, without an index object per row (a 200k county's 94,320 selected
        findings: 5.3 s by ``selectedRows()`` and :meth:`id_at`)."""
        ranges = list(ranges)
        if any(bottom >= len(self._ids) for _top, bottom in ranges):
            self._fetch_rest()  # only for rows beyond the loaded ones (a reload keeping a selection)
        return list(dict.fromkeys(i for top, bottom in ranges for i in self._ids[max(top, 0):bottom + 1]))

    def ids(self) -> list[int]:
        """Every matching id (fetching the rest of a search first)."""
        self._fetch_rest()
        return list(self._ids)

    def _row(self, row: int) -> tuple | None:
        record_id = self.id_at(row)
        if record_id is None:
            return None
        hit = self._cache.get(record_id)
        if hit is not None:
            return hit
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        start = (row // PAGE) * PAGE
        page = self._ids[start:start + PAGE]
        for fetched in self.reader.rows(page, self.filter.as_of):
            self._cache[fetched[0]] = fetched[1:]
        return self._cache.get(record_id)


class PersonTableModel(SqlTableModel):
    table = PERSON_TABLE
    STATUS_COLUMN = len(PERSON_TABLE.columns) - 1

    def foreground(self, column: int, value):
        if column == self.STATUS_COLUMN:
            from PySide6.QtGui import QColor  # noqa: PLC0415
            return {"务工中": QColor("#1b7f3b"), "已返乡": QColor("#b35c00")}.get(value)
        return None


class HouseholdTableModel(SqlTableModel):
    table = HOUSEHOLD_TABLE
