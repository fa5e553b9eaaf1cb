"""The base of every main-window tab: follows the context, refreshes lazily.

A tab marks itself stale when the as-of date, the area or the data change, and refreshes only
when it is visible — switching tabs then costs one refresh of one tab, not all of them.
The main window's menu actions (打印, 导出, 刷新) call the current tab's methods.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from wengang.gui.context import AppContext


class Tab(QWidget):
    title = ""
    status_msecs = 8000  # how long :meth:`say` keeps its words in the status bar

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.stale = True
        context.as_of_changed.connect(self.mark_stale)
        context.area_changed.connect(self.mark_stale)
        context.data_changed.connect(self.mark_stale)

    def mark_stale(self, *_args) -> None:
        self.stale = True
        if self.isVisible():
            self.refresh_now()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt
        super().showEvent(event)
        if self.stale:
            self.refresh_now()

    def refresh_now(self) -> None:
        self.stale = False
        self.refresh()

    def say(self, text: str) -> None:
        """Words in the window's status bar for a while (what was just done, where it went)."""
        bar = getattr(self.window(), "statusBar", None)
        if bar is not None:
            bar().showMessage(text, self.status_msecs)

    # --- overridden by tabs --------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read what the tab shows (called on the GUI thread; long work goes to the background)."""

    def export(self) -> None:
        """文件 → 导出 (Ctrl+E)."""

    def print_(self) -> None:
        """文件 → 打印 (Ctrl+P)."""

    def shutdown(self) -> None:
        """The window closes: release what the tab holds (connections)."""

    def can_export(self) -> bool:
        return False

    def can_print(self) -> bool:
        return False
