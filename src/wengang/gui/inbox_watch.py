"""The main window watches the exchange inbox folder (文件 → 数据交换… sets it) in the
background: a folder watcher plus a check once a minute (a network folder may not report
changes). A package that arrives is said in the status bar with a link to 数据交换…; nothing
is imported until the caseworker opens it there.

The folder is read on the background thread: every package in it is read and its checksum
verified (83 ms for a township's 1 MB starting package at 50,000 households, on a local disk;
a network folder is slower still), and a pause once a minute would be the worst kind."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer
from PySide6.QtWidgets import QLabel

from wengang.gui.context import AppContext
from wengang.services.exchange import engine as ex
from wengang.store.db import get_setting

CHECK_MS = 60_000


class InboxWatch(QObject):
    """``label`` (for the status bar) says how many new packages wait; clicking it calls ``open_exchange``."""

    def __init__(self, context: AppContext, open_exchange, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.label = QLabel()
        self.label.hide()
        self.label.linkActivated.connect(lambda _link: open_exchange())
        self.waiting: list[Path] = []  # the packages found by the last check
        self.checking = False
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _p: self.check())
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.check()

    def check(self) -> None:
        """Look for packages waiting in the inbox folder (on the background thread); the status
        bar says so when they are found (``self.waiting``)."""
        if self.context.closed or self.checking:
            return
        folder = get_setting(self.context.db, ex.INBOX_SETTING) or ""
        if self.watcher.directories() != ([folder] if folder else []):
            if self.watcher.directories():
                self.watcher.removePaths(self.watcher.directories())
            if folder and Path(folder).is_dir():
                self.watcher.addPath(folder)
        if not folder:
            self.show_waiting([])
            return

        def look(db, _progress) -> list[Path]:
            try:
                return ex.pending_inbox(db, Path(folder))
            except Exception:  # noqa: BLE001 - a vanished network folder must not disturb the window
                return []

        def done(waiting: list[Path]) -> None:
            self.checking = False
            if not self.context.closed:
                self.show_waiting(waiting)

        self.checking = True
        self.context.run_in_background(look, done, lambda _exc: setattr(self, "checking", False), idle=True)

    def show_waiting(self, waiting: list[Path]) -> None:
        self.waiting = waiting
        if waiting:
            self.label.setText(f'收件文件夹里有 {len(waiting)} 个新交换包待导入：'
                               f'<a href="exchange">打开“数据交换”</a>')
        self.label.setVisible(bool(waiting))
