"""The area navigator: county → township → village, plus a 安置点 branch.

Selecting a node sets ``AppContext.area_id`` (or ``site_id`` for a relocation site); the
root (全县) clears the filter. Built from ``areas`` and ``relocation_sites`` with one query each.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
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

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt
        # The pane starts narrow (township names are short): the tabs keep the room on a
        # 1024-pixel screen; the caseworker may drag it wider.
        return QSize(190, super().sizeHint().height())

    def reload(self, force: bool = False) -> None:
        """Rebuild the tree (after an import brought new villages), keeping the place picked;
        unless ``force``, only when the areas or sites changed (an edit keeps the opened branches)."""
        signature = lookups.places_signature(self.context.db)
        if not force and signature == getattr(self, "_signature", None):
            return
        self._signature = signature
        area_id, site_id = self.context.area_id, self.context.site_id
        selection = self.selectionModel()
        if selection is not None:
            selection.blockSignals(True)
        try:
            self._build()
            self._select(area_id, site_id)
        finally:
            if selection is not None:
                selection.blockSignals(False)

    def _select(self, area_id: int | None, site_id: int | None) -> None:
        if area_id is None and site_id is None:
            return
        role, value = (SITE_ROLE, site_id) if site_id is not None else (AREA_ROLE, area_id)
        hits = self.model_.match(self.model_.index(0, 0), role, value, 1,
                                 Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        if hits:
            self.setCurrentIndex(hits[0])
            self.scrollTo(hits[0])

    def names(self) -> list[str]:
        """Every place shown, depth first (for tests and the status line)."""
        out: list[str] = []

        def walk(parent) -> None:
            for row in range(self.model_.rowCount(parent)):
                index = self.model_.index(row, 0, parent)
                out.append(index.data())
                walk(index)

        walk(self.model_.index(-1, -1))
        return out

    def _build(self) -> None:
        self.model_.clear()
        rows = lookups.navigator_areas(self.context.db, SHOWN_LEVELS)
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
        self._open_lone_branch(top)

    def _open_lone_branch(self, item: QStandardItem) -> None:
        """Open the tree down to where it branches: a township installation's one township shows
        its villages at once."""
        while item.rowCount() == 1:
            item = item.child(0)
            self.expand(item.index())

    def _picked(self, current, _previous) -> None:
        area_id = current.data(AREA_ROLE)
        site_id = current.data(SITE_ROLE)
        self.context.set_place(area_id, site_id)
