"""A table over a lazy model: rows are read from the database a page at a time."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTableView


class LazyTableView(QTableView):
    """Typing in the table hands the letters to the window's search box instead of Qt's
    type-to-find. Qt's ``keyboardSearch`` asks the model for row after row's text until one
    starts with the letters: through a model that reads pages on demand it read all 22,778
    rows of a 10,000-household county's 劳动力底数清单 for each letter, 10 s CPU during which
    the window did not answer (found walking the window under Xvfb); a county's registry
    would have taken minutes. The search box asks the database once."""

    typed = Signal(str)

    def keyboardSearch(self, search: str) -> None:  # noqa: N802 - Qt
        if search.strip():
            self.typed.emit(search)
