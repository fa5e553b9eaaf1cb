"""Simple charts drawn with QPainter (no QtCharts dependency: the frozen build stays small).

:class:`BarChart` — labelled horizontal bars with a reference line (completion by township);
:class:`LineChart` — one or two series over months; :class:`MixChart` — a stacked share bar
with a legend (channel or region mix). Each takes plain numbers via ``set_data``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PALETTE = ["#1f6fb2", "#2e9e6a", "#e08a1e", "#b9413f", "#7a5cb0", "#3aa7b8", "#a08b2c", "#d0679d",
           "#6b7a8f", "#4c8c2b", "#999999"]


def nice_step(raw: float) -> float:
    """A round axis step (1, 2 or 5 × 10ⁿ, at least 1) not smaller than ``raw``."""
    if raw <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


class _Chart(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.setMinimumSize(300, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(420, 240)

    def _begin(self) -> tuple[QPainter, QRectF]:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        p.setPen(QColor("#dddddd"))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("#222"))
        p.drawText(QRectF(10, 6, self.width() - 20, 20), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(self.font())
        return p, QRectF(10, 32, self.width() - 20, self.height() - 42)

    @staticmethod
    def _empty(p: QPainter, area: QRectF) -> None:
        p.setPen(QColor("#888"))
        p.drawText(area, Qt.AlignmentFlag.AlignCenter, "暂无数据")


class BarChart(_Chart):
    """Horizontal bars: ``[(label, value, caption)]``; values in percent, a line at ``reference``."""

    def __init__(self, title: str, reference: float = 100.0, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.bars: list[tuple[str, float | None, str]] = []
        self.reference = reference

    def set_data(self, bars: list[tuple[str, float | None, str]]) -> None:
        self.bars = bars
        self.setMinimumHeight(60 + 22 * max(len(bars), 3))
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt
        p, area = self._begin()
        if not self.bars:
            self._empty(p, area)
            return
        label_w = 90.0
        caption_w = 150.0
        top = area.top()
        row = min(24.0, area.height() / len(self.bars))
        scale_max = max([self.reference * 1.2] + [v for _l, v, _c in self.bars if v is not None])
        width = area.width() - label_w - caption_w
        for i, (label, value, caption) in enumerate(self.bars):
            y = top + i * row
            p.setPen(QColor("#333"))
            p.drawText(QRectF(area.left(), y, label_w - 6, row), Qt.AlignmentFlag.AlignRight
                       | Qt.AlignmentFlag.AlignVCenter, label)
            if value is not None:
                colour = QColor("#2e9e6a") if value >= self.reference else QColor("#e08a1e")
                p.fillRect(QRectF(area.left() + label_w, y + 4, width * value / scale_max, row - 8), colour)
            p.setPen(QColor("#333"))
            p.drawText(QRectF(area.left() + label_w + width + 6, y, caption_w, row),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, caption)
        x = area.left() + label_w + width * self.reference / scale_max
        p.setPen(QPen(QColor("#b9413f"), 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, top), QPointF(x, top + row * len(self.bars)))


class LineChart(_Chart):
    """Series over months 1–12: ``{name: [values]}`` (a series may be shorter than 12)."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.series: dict[str, list[int]] = {}

    def set_data(self, series: dict[str, list[int]]) -> None:
        self.series = series
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt
        p, area = self._begin()
        values = [v for s in self.series.values() for v in s]
        if not values:
            self._empty(p, area)
            return
        plot = area.adjusted(48, 4, -8, -40)
        step_value = nice_step(max(values) / 4)
        top_value = step_value * 4 if step_value * 4 >= max(values) else step_value * 5
        ticks = round(top_value / step_value)
        p.setPen(QColor("#999"))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        for k in range(ticks + 1):  # y grid at round values
            y = plot.bottom() - plot.height() * k / ticks
            p.setPen(QColor("#eeeeee"))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#666"))
            p.drawText(QRectF(area.left(), y - 9, 44, 18), Qt.AlignmentFlag.AlignRight
                       | Qt.AlignmentFlag.AlignVCenter, f"{top_value * k / 4:,.0f}")
        step = plot.width() / 11
        for m in range(12):
            p.drawText(QRectF(plot.left() + m * step - 16, plot.bottom() + 2, 32, 16),
                       Qt.AlignmentFlag.AlignCenter, f"{m + 1}月")
        legend_x = plot.left()
        for i, (name, series) in enumerate(self.series.items()):
            colour = QColor(PALETTE[i % len(PALETTE)])
            path = QPainterPath()
            for m, v in enumerate(series):
                pt = QPointF(plot.left() + m * step, plot.bottom() - plot.height() * v / top_value)
                path.moveTo(pt) if m == 0 else path.lineTo(pt)
                p.setBrush(colour)
                p.setPen(Qt.PenStyle.NoPen)
                p.drawEllipse(pt, 2.5, 2.5)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(colour, 2))
            p.drawPath(path)
            p.fillRect(QRectF(legend_x, area.bottom() - 12, 12, 10), colour)
            p.setPen(QColor("#333"))
            p.drawText(QPointF(legend_x + 16, area.bottom() - 3), name)
            legend_x += 120


class MixChart(_Chart):
    """Shares of a whole: ``{label: count}`` as one stacked bar and a legend with percentages."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.parts: dict[str, int] = {}

    def set_data(self, parts: dict[str, int]) -> None:
        self.parts = {k: v for k, v in parts.items() if v}
        self.setMinimumHeight(max(180, 80 + 20 * ((len(self.parts) + 1) // 2)))  # legend fits
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt
        p, area = self._begin()
        total = sum(self.parts.values())
        if not total:
            self._empty(p, area)
            return
        bar = QRectF(area.left(), area.top() + 4, area.width(), 22)
        x = bar.left()
        for i, (_label, count) in enumerate(self.parts.items()):
            w = bar.width() * count / total
            p.fillRect(QRectF(x, bar.top(), w, bar.height()), QColor(PALETTE[i % len(PALETTE)]))
            x += w
        columns = 2
        col_w = area.width() / columns
        for i, (label, count) in enumerate(self.parts.items()):
            cx = area.left() + (i % columns) * col_w
            cy = bar.bottom() + 10 + (i // columns) * 20
            p.fillRect(QRectF(cx, cy + 3, 12, 12), QColor(PALETTE[i % len(PALETTE)]))
            p.setPen(QColor("#333"))
            p.drawText(QRectF(cx + 16, cy, col_w - 20, 18), Qt.AlignmentFlag.AlignLeft
                       | Qt.AlignmentFlag.AlignVCenter, f"{label}  {count:,}（{100 * count / total:.1f}%）")
