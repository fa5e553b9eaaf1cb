"""A computed form (``FormResult``) as a table model laid out like the seed table.

The merged multi-row header is part of the table itself (rows 0 … depth-1), so the view can
merge cells with ``QTableView.setSpan`` exactly as :func:`header_grid` places them; data rows
follow, 合计 first and bold. Numbers are shown the way the seeds print them.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics

from wengang.domain.words import break_lines, longest_word
from wengang.services.reports.model import Column, FormResult, HeaderCell, Row, header_grid

_Index = QModelIndex | QPersistentModelIndex
HEADER_BRUSH = QBrush(QColor("#eef2f7"))
TOTAL_BRUSH = QBrush(QColor("#fff8e1"))
CHANGED_BRUSH = QBrush(QColor("#ffd7d7"))  # a number that is not what was submitted (三一致)


def format_value(column: Column, value) -> str:
    if value is None or value == "":
        return ""
    if column.kind in ("percent", "money", "number") and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)):.{column.decimals}f}"
    return str(value)


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class FormResultModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: FormResult | None = None
        self.depth = 0
        self.cells: list[HeaderCell] = []
        self._header_text: dict[tuple[int, int], str] = {}
        # (row label, column key) -> (submitted, now): cells that changed since 报送
        self.changes: dict[tuple[str, str], tuple] = {}

    def set_result(self, result: FormResult | None, changes: dict[tuple[str, str], tuple] | None = None) -> None:
        """Show ``result``; ``changes`` marks cells whose number differs from another version
        (shown as "报送时→现在", highlighted)."""
        self.beginResetModel()
        self.result = result
        self.changes = dict(changes or {})
        self.depth, self.cells = header_grid(result.header) if result else (0, [])
        self._header_text = {(c.row, c.col): c.label for c in self.cells}
        self.endResetModel()

    def set_header_lines(self, lines: dict[tuple[int, int], str]) -> None:
        """Header labels with their line breaks placed between words (see :func:`lay_out`)."""
        self._header_text.update(lines)
        if self.depth:
            self.dataChanged.emit(self.index(0, 0), self.index(self.depth - 1, self.columnCount() - 1))

    # --- geometry -----------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() or self.result is None else self.depth + len(self.result.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.result is None else len(self.result.columns)

    def form_row(self, table_row: int) -> Row | None:
        if self.result is None or table_row < self.depth:
            return None
        i = table_row - self.depth
        return self.result.rows[i] if i < len(self.result.rows) else None

    def column(self, table_column: int) -> Column | None:
        if self.result is None or not (0 <= table_column < len(self.result.columns)):
            return None
        return self.result.columns[table_column]

    # --- contents -----------------------------------------------------------------------------
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.result is None:
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < self.rowCount() and 0 <= c < self.columnCount()):
            return None
        if r < self.depth:
            return self._header_data(r, c, role)
        row, column = self.form_row(r), self.result.columns[c]
        if row is None:
            return None
        changed = self.changes.get((row.label, column.key)) if self.changes else None
        if changed is not None:
            shown = self._changed_data(column, changed, role)
            if shown is not None:
                return shown
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cell_text(row, column, role)
        return self._cell_style(row, column, role)

    def _header_data(self, r: int, c: int, role: int):
        """The merged header rows: bold, centred, shaded."""
        if role == Qt.ItemDataRole.DisplayRole:
            return self._header_text.get((r, c), "")
        if role == Qt.ItemDataRole.BackgroundRole:
            return HEADER_BRUSH
        if role == Qt.ItemDataRole.FontRole:
            return _bold()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    @staticmethod
    def _changed_data(column: Column, changed: tuple, role: int):
        """A number that differs from the submitted one (三一致): "before→now", shaded."""
        if role == Qt.ItemDataRole.BackgroundRole:
            return CHANGED_BRUSH
        before, now = (format_value(column, v) or "空" for v in changed)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{before}→{now}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"报送时：{before}，现在：{now}"
        return None

    @staticmethod
    def _cell_text(row: Row, column: Column, role: int) -> str:
        if column.kind == "area":
            text = row.values.get(column.key) or row.label
            return ("　" * max(row.level - 1, 0)) + str(text)
        text = format_value(column, row.values.get(column.key))
        if role == Qt.ItemDataRole.ToolTipRole and column.drillable and text:
            return "双击查看这些人员"
        return text

    @staticmethod
    def _cell_style(row: Row, column: Column, role: int):
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.kind in ("area", "text"):
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.kind in ("total", "subtotal"):
            return _bold()
        if role == Qt.ItemDataRole.BackgroundRole and row.kind == "total":
            return TOTAL_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and column.drillable:
            return QBrush(QColor("#1f4e79"))
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        return None


def lay_out(view, model: FormResultModel) -> None:
    """Merge the header cells of ``view`` as :func:`header_grid` places them and size the
    columns (the tab and the 报送 comparison show a form the same way).

    Qt wraps a Chinese header between any two characters ("2025年就业人 / 数"); the printed
    form breaks only between words (domain.words), and so does the screen: each column is
    at least as wide as its header's longest word, and the labels get their line breaks here."""
    view.clearSpans()
    for cell in model.cells:
        if cell.rowspan > 1 or cell.colspan > 1:
            view.setSpan(cell.row, cell.col, cell.rowspan, cell.colspan)
    view.resizeColumnsToContents()
    font = QFont(view.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    pad = 6  # the cell's text margins and grid line, in pixels

    def width(text: str) -> float:
        return metrics.horizontalAdvance(text)

    narrowest = {c.col: longest_word(c.label, width) + pad for c in model.cells if c.colspan == 1}
    for c, column in enumerate(model.result.columns if model.result else []):
        wanted = max(view.columnWidth(c), int((column.width or 6) * 9))
        view.setColumnWidth(c, int(max(min(wanted, 260), narrowest.get(c, 0))))
    lines: dict[tuple[int, int], str] = {}
    height = [40] * model.depth
    line_height = metrics.lineSpacing()
    for cell in model.cells:
        room = sum(view.columnWidth(c) for c in range(cell.col, cell.col + cell.colspan)) - pad
        broken = break_lines(cell.label, room, width)
        lines[(cell.row, cell.col)] = "\n".join(broken)
        needed = len(broken) * line_height + 10
        spanned = range(cell.row, cell.row + cell.rowspan)
        short = needed - sum(height[r] for r in spanned)
        if short > 0:  # the last row of the cell grows by what the cell lacks
            height[spanned[-1]] += short
    model.set_header_lines(lines)
    for r, h in enumerate(height):
        view.setRowHeight(r, h)
