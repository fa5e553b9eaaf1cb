"""Rows that fit a 1024-pixel screen: a button row that wraps (``FlowLayout``) and a label
that never widens the window (``ElidedLabel``: a long path is shortened with "…" and shown
whole in its tooltip).

A township laptop is 1366×768, a projector 1024×768: no row of buttons or message may set the
window's minimum width (issue 18).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QLayout, QSizePolicy, QWidget, QWidgetItem


class FlowLayout(QLayout):
    """Lays its widgets out left to right and wraps onto the next line when the row is full
    (Qt's flow layout example): a row of buttons is as narrow as its widest button."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list = []
        self._stretch_after: set[int] = set()  # items after which the rest goes to the right
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    # QLayout's interface
    def addItem(self, item) -> None:  # noqa: N802 - Qt
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802 - Qt
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802 - Qt
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt
        return self._do_layout(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt
        super().setGeometry(rect)
        self._do_layout(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt
        width = sum(item.sizeHint().width() + self.spacing() for item in self._visible())
        height = max((item.sizeHint().height() for item in self._visible()), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    # convenience
    def addWidget(self, widget: QWidget) -> None:  # noqa: N802 - Qt
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))

    def addStretch(self) -> None:  # noqa: N802 - mirrors QBoxLayout
        """What follows is pushed to the right end of its line."""
        self._stretch_after.add(len(self._items) - 1)

    def _visible(self):
        return [item for item in self._items if not (item.widget() and item.widget().isHidden())]

    def _do_layout(self, rect: QRect, *, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        lines: list[list] = [[]]
        x = 0
        for item in self._visible():
            width = item.sizeHint().width()
            if lines[-1] and x + width > area.width():
                lines.append([])
                x = 0
            lines[-1].append(item)
            x += width + self.spacing()
        y = area.y()
        for line in lines:
            height = max((item.sizeHint().height() for item in line), default=0)
            if apply:
                self._place(line, area, y, height)
            y += height + self.spacing()
        return y - self.spacing() - rect.y() + margins.bottom()

    def _place(self, line: list, area: QRect, y: int, height: int) -> None:
        # Items after a stretch sit at the right end of the line (a status, a count).
        split = next((i + 1 for i, item in enumerate(line)
                      if self._items.index(item) in self._stretch_after), len(line))
        x = area.x()
        for item in line[:split]:
            size = item.sizeHint()
            item.setGeometry(QRect(QPoint(x, y + (height - size.height()) // 2), size))
            x += size.width() + self.spacing()
        right = sum(item.sizeHint().width() + self.spacing() for item in line[split:])
        x = max(x, area.right() + 1 - right + self.spacing())
        for item in line[split:]:
            size = item.sizeHint()
            width = min(size.width(), max(area.right() + 1 - x, item.minimumSize().width()))
            item.setGeometry(QRect(QPoint(x, y + (height - size.height()) // 2), QSize(width, size.height())))
            x += width + self.spacing()


class ElidedLabel(QLabel):
    """A one-line label whose text is shortened with "…" to the room it has (the whole text in
    the tooltip): a message such as "已导出 <a 200-character path>" cannot widen the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, mode=Qt.TextElideMode.ElideMiddle):
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt
        self._full = text or ""
        self.setToolTip(self._full if len(self._full) > 20 else "")
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt
        return QSize(40, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt
        width = min(self.fontMetrics().horizontalAdvance(self._full) + 8, 420)
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, self._mode, max(self.width() - 4, 20))
        super().setText(shown)
