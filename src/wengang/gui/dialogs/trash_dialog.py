"""工具 → 回收站…: what was deleted (with everything that went with it), and putting it back.

Deletes are soft (``store.trash``): the rows wait here as JSON until restored or purged on
purpose, so a wrong click on 删除 costs nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.store.audit import table_label
from wengang.store.trash import TrashError, list_trash, restore_deleted

HEADERS = ["删除时间", "操作人", "类别", "记录", "原因"]


class TrashDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("回收站")
        self.resize(820, 460)
        layout = QVBoxLayout(self)
        hint = QLabel("删除的记录（连同它的务工记录、摸排、服务等）先放在回收站里。选中一条，点“恢复所选记录”即可放回原处。")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.empty = QLabel("回收站是空的。")
        self.empty.setStyleSheet("color: #666;")
        layout.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.restore_button = QPushButton("恢复所选记录")
        self.restore_button.clicked.connect(self.restore_selected)
        buttons.addWidget(self.restore_button)
        buttons.addStretch()
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        entries = list_trash(self.context.db)
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            kind = table_label(e["table_name"])
            label = (e["label"] or "").removeprefix(kind).strip()  # the 类别 column says it already
            values = [(e["deleted_at"] or "").replace("T", " ")[:19], e["user"], kind, label, e["reason"]]
            for c, value in enumerate(values):
                item = QTableWidgetItem("" if value is None else str(value))
                item.setData(Qt.ItemDataRole.UserRole, e["id"])
                self.table.setItem(r, c, item)
        self.empty.setVisible(not entries)
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.table.currentRow() >= 0 and bool(self.table.selectedItems()))

    def restore_selected(self) -> int:
        """Put the selected record back; returns how many rows came back (0: nothing done)."""
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        if item is None:
            return 0
        try:
            count = restore_deleted(self.context.db, item.data(Qt.ItemDataRole.UserRole))
        except TrashError as exc:
            QMessageBox.warning(self, "回收站", str(exc))
            return 0
        self.reload()
        self.context.data_changed.emit()
        return count
