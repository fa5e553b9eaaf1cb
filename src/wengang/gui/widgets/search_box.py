"""The search box: name, partial 证件号码, phone or pinyin initials; emits after a short pause."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QWidget


class SearchBox(QLineEdit):
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None, delay_ms: int = 150):
        super().__init__(parent)
        self.setPlaceholderText(self.tr("搜索 姓名 / 证件号码 / 电话 / 拼音首字母（Ctrl+F）"))
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(300)
        self.setMaximumWidth(420)
        # Debounce: typing "zhang" should not run five queries.
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(lambda: self.search_changed.emit(self.text().strip()))
        self.textChanged.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self.fire_now)

    def fire_now(self) -> None:
        self._timer.stop()
        self.search_changed.emit(self.text().strip())
