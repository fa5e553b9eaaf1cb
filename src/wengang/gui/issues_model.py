"""The import preview's errors and 提示 as a lazy table, with a choice of one 栏目.

A county's monthly employment export says 40,000 提示 and more (务工企业名称 missing, 月收入
empty: ``../shared/seeds/004``), a rejected file as many errors. Made into one
``QTableWidgetItem`` per cell, the 43,536 提示 of the 50,000-household demo's month took 1.2 s
on the GUI thread, the window frozen (issue 20). Here a row is made only when the view paints
it. The 栏目 choice answers "what is wrong with this file" before anyone scrolls: its counts
say where the 提示 are, choosing one lists its rows alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from wengang.services.importing.model import ERROR, WARNING

ERROR_BRUSH = QBrush(QColor("#fde8e8"))
WARNING_BRUSH = QBrush(QColor("#fff6dc"))
HEADERS = ("行号", "栏目", "问题", "类别")

_Index = QModelIndex | QPersistentModelIndex


class IssuesModel(QAbstractTableModel):
    """Rows (行号, 栏目, 问题) of a preview's errors, then its 提示; ``set_field`` shows one 栏目's."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._issues: list[Sequence] = []
        self._errors = 0  # the first ``_errors`` issues are errors
        self._shown: list[int] | None = None  # positions in _issues of the rows shown; None: all

    def set_issues(self, errors: Sequence[Sequence], warnings: Sequence[Sequence]) -> None:
        self.beginResetModel()
        self._issues = [*errors, *warnings]
        self._errors = len(errors)
        self._shown = None
        self.endResetModel()

    def fields(self) -> list[tuple[str, int]]:
        """(栏目, how many errors and 提示 name it), the most named first; "" for the file's own."""
        return Counter(issue[1] or "" for issue in self._issues).most_common()

    def set_field(self, field: str | None) -> None:
        """Show only the issues of ``field`` (None: every one)."""
        self.beginResetModel()
        self._shown = None if field is None else [i for i, issue in enumerate(self._issues)
                                                   if (issue[1] or "") == field]
        self.endResetModel()

    def _position(self, row: int) -> int:
        return row if self._shown is None else self._shown[row]

    # --- QAbstractTableModel -------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        if parent.isValid():
            return 0
        return len(self._issues) if self._shown is None else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        position = self._position(index.row())
        if role == Qt.ItemDataRole.BackgroundRole:
            return ERROR_BRUSH if position < self._errors else WARNING_BRUSH
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            column = index.column()
            if column == 3:
                return ERROR if position < self._errors else WARNING
            value = self._issues[position][column]
            if column == 0 and not value:  # about the whole file, or the ledger's own rows: no row
                return ""
            return "" if value is None else str(value)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's name
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None
