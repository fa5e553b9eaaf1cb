"""The area navigator: county → township → village, plus a 安置点 branch.

Selecting a node sets ``AppContext.area_id`` (or ``site_id`` for a relocation site); the
root (全县) clears the filter. Built from ``areas`` and ``relocation_sites`` with one query each.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTreeView, QWidget

from wengang.gui.context import AppContext
from wengang.services.read import lookups

AREA_ROLE = Qt.ItemDataRole.UserRole + 1
SITE_ROLE = Qt.ItemDataRole.UserRole + 2
SHOWN_LEVELS = ("province", "city", "county", "township", "village")


class AreaNavigator(QTreeView):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self.reload()
        self.selectionModel().currentChanged.connect(self._picked)

    def reload(self) -> None:
        self.model_.clear()
        rows = lookups.areas_at_levels(self.context.db, SHOWN_LEVELS)
        items: dict[int, QStandardItem] = {}
        for area_id, name, _level, _parent in rows:
            item = QStandardItem(name)
            item.setEditable(False)
            item.setData(area_id, AREA_ROLE)
            items[area_id] = item
        top = QStandardItem(self.tr("全部"))
        top.setEditable(False)
        self.model_.appendRow(top)
        for area_id, _name, _level, parent in rows:
            (items.get(parent) or top).appendRow(items[area_id])
        sites = lookups.relocation_sites(self.context.db)
        if sites:
            branch = QStandardItem(self.tr("安置点"))
            branch.setEditable(False)
            for site_id, name in sites:
                item = QStandardItem(name)
                item.setEditable(False)
                item.setData(site_id, SITE_ROLE)
                branch.appendRow(item)
            self.model_.appendRow(branch)
        self.expandToDepth(1)  # county and townships open; villages on demand

    def _picked(self, current, _previous) -> None:
        area_id = current.data(AREA_ROLE)
        site_id = current.data(SITE_ROLE)
        self.context.set_place(area_id, site_id)
