"""The status bar while the whole-file check of a copied or uncleanly closed database runs
behind the window (``store.integrity.BackgroundCheck``: about 20 s at 200,000 households).
Saving waits for it; the caseworker sees why and how far it is, then that it passed. A file
as the program left it is not checked, and nothing is said."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from wengang.gui.context import AppContext

LOOK_MS = 400
PASSED_SHOWN_MS = 8000


class FileCheckWatch(QObject):
    """``label`` (for the status bar): how far the check is, then that the file passed."""

    def __init__(self, context: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.label = QLabel()
        self.label.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(LOOK_MS)
        self.timer.timeout.connect(self.look)
        self.said_checking = False
        if getattr(context.db, "integrity", None) is not None:
            self.timer.start()

    def look(self) -> None:
        check = None if self.context.closed else getattr(self.context.db, "integrity", None)
        if check is None:
            self.timer.stop()
            self.label.hide()
            return
        if check.done.is_set():
            self.timer.stop()
            if self.said_checking and check.error is None:
                self.label.setText(self.tr("数据库文件检查完毕，文件完好"))
                QTimer.singleShot(PASSED_SHOWN_MS, self.label.hide)
            else:
                self.label.hide()  # a damaged file is said by the window (MainWindow's on_damaged)
            return
        share = check.share
        if share is None:
            return  # none begun yet (or the file is as it was left: none will)
        done, total = share
        percent = f" {100 * done // total}%" if total else ""
        # Short, the share first: the status bar shares its width with the permanent labels.
        self.label.setText(self.tr("正在检查数据库文件%s（检查完才能保存）") % percent)
        self.label.setToolTip(self.tr("数据库文件是复制来的，或上次没有正常关闭：打开后完整检查一次"
                                      "（大的文件要十几秒）。检查完之前，修改要等它完成才保存。"))
        self.label.show()
        self.said_checking = True
