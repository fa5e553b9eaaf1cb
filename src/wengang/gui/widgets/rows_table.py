"""A read-only table of rows already in memory, drawn only where it is seen.

日常工作's pages show lists of up to 2,000 rows (a village's
people, the 返乡 to follow up, 应享未享). Made into one ``QTableWidgetItem`` per cell they cost
0.12–0.26 s of the GUI thread per 2,000-row list, and opening 1-3-1服务 at 200,000 households
froze the window 286 ms (issue 20). Here the rows stay the service's values and a cell's text
is made when the view paints it; the column widths are measured on MEASURED_ROWS rows only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MEASURED_ROWS = 50   # rows a column's width is fitted to (Qt's default: 1,000)
WIDEST = 360          # no column wider than this when fitted (a long note would push the rest off)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class RowsModel(QAbstractTableModel):
    """``rows`` (a sequence of values each) under ``headers``; ``keys`` (one per row, e.g.
    a person's id) in column 0's ``UserRole``. Numbers are right-aligned, ``None`` is blank."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: Sequence[Sequence] = []
        self._keys: Sequence | None = None

    def set_rows(self, headers: Sequence[str], rows: Sequence[Sequence], keys: Sequence | None = None) -> None:
        if keys is not None and len(keys) != len(rows):
            raise ValueError(f"{len(keys)} keys for {len(rows)} rows")
        self.beginResetModel()
        self._headers, self._rows, self._keys = list(headers), rows, keys
        self.endResetModel()

    def key(self, row: int):
        return None if self._keys is None else self._keys[row]

    # --- QAbstractTableModel -------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._rows[row][column]
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if _is_number(self._rows[row][column]) else None
        if role == Qt.ItemDataRole.UserRole and column == 0:
            return self.key(row)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's name
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None


class RowsTable(QTableView):
    """A :class:`RowsModel` in a view of whole-row selection (``multi``: several rows)."""

    def __init__(self, *, multi: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows_model = RowsModel(self)
        self.setModel(self.rows_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                              else QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setDefaultSectionSize(24)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setResizeContentsPrecision(MEASURED_ROWS)
        self.setAlternatingRowColors(True)

    def fill(self, headers: Sequence[str], rows: Sequence[Sequence], *, keys: Sequence | None = None) -> None:
        """Show ``rows`` (``keys``: one per row, :meth:`key` gives them back), columns fitted."""
        self.rows_model.set_rows(headers, rows, keys)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        self.resizeColumnsToContents()
        for column in range(self.rows_model.columnCount()):
            self.setColumnWidth(column, min(self.columnWidth(column), WIDEST))
        # Then a last column of text (还缺, 状态) takes the room left — set after the widths,
        # which undo it — and one of numbers keeps its width, else its right-aligned counts
        # stand a screen away from the rest of their row (1-3-1's 缺免费培训).
        last = [row[-1] for row in rows[:MEASURED_ROWS] if row]
        counts = any(_is_number(v) for v in last) and all(_is_number(v) or v is None for v in last)
        header.setStretchLastSection(not counts)

    def rowCount(self) -> int:  # noqa: N802 - as QTableWidget says it
        return self.rows_model.rowCount()

    def text(self, row: int, column: int) -> str:
        """The cell's text as shown."""
        return self.rows_model.data(self.rows_model.index(row, column)) or ""

    def key(self, row: int):
        return self.rows_model.key(row)

    def current_row(self) -> int:
        """The current row, -1 for none."""
        return self.currentIndex().row()

    def selected_keys(self) -> list:
        """The keys of the selected rows, top to bottom."""
        return [self.key(r) for r in sorted({i.row() for i in self.selectionModel().selectedRows()})]
