"""Typing into a big table goes to the window's search box; the table never scans its rows."""

from __future__ import annotations

import pytest
from gui_support import small_county
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

pytestmark = pytest.mark.gui


class _CountingModel(QAbstractTableModel):
    """10,000 rows that count how many times their text is asked for."""

    def __init__(self):
        super().__init__()
        self.asked = 0

    def rowCount(self, parent=QModelIndex()):  # noqa: N802, B008
        return 0 if parent.isValid() else 10_000

    def columnCount(self, parent=QModelIndex()):  # noqa: N802, B008
        return 0 if parent.isValid() else 2

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            self.asked += 1
            return f"行{index.row()}"
        return None


def test_type_to_find_reads_no_rows_and_hands_the_letters_on(qtbot):
    from PySide6.QtWidgets import QTableView

    from wengang.gui.widgets.lazy_table import LazyTableView
    plain, lazy = QTableView(), LazyTableView()
    for view in (plain, lazy):
        view.setModel(_CountingModel())
        qtbot.addWidget(view)
    plain.keyboardSearch("张")  # Qt's own: asks every row for its text, finds none
    assert plain.model().asked >= 10_000
    with qtbot.waitSignal(lazy.typed) as typed:
        lazy.keyboardSearch("张")
    assert typed.args == ["张"] and lazy.model().asked == 0
    with qtbot.assertNotEmitted(lazy.typed):
        lazy.keyboardSearch(" ")


def test_letters_typed_in_the_ledger_search_the_registry(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    tab = window.show_tab("台账")
    qtbot.waitUntil(tab.is_ready)
    tab.view.setFocus()
    qtbot.keyClicks(tab.view, "z")  # pinyin initials, as a caseworker types them (QTest types ASCII only)
    assert window.search.text() == "z"
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.hosts["登记"])  # the search ran
    registry = window.tab("登记")
    for view in (registry.person_view, registry.household_view):
        with qtbot.waitSignal(window.context.find_typed):
            view.keyboardSearch("李")
    qtbot.waitUntil(lambda: registry.persons.filter.search == "李")  # ran before the window closes
