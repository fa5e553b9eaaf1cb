"""The employment history as a timeline: one bar per spell across the years, coloured by region.

An open spell runs to the as-of date and is drawn with an open (dashed) end.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

REGION_COLOURS = {"省外": QColor("#1f6fb2"), "省内县外": QColor("#2e9e6a"), "县内": QColor("#e08a1e")}
OTHER_COLOUR = QColor("#888888")


class SpellTimeline(QWidget):
    ROW = 22

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.spells: list[dict] = []
        self.as_of = dt.date.today()
        self.setMinimumHeight(70)

    def set_spells(self, spells: list[dict], as_of: dt.date) -> None:
        self.spells = spells
        self.as_of = as_of
        self.setMinimumHeight(46 + self.ROW * max(1, len(spells)) + 20)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, 46 + self.ROW * max(1, len(self.spells)) + 20)

    def _range(self) -> tuple[dt.date, dt.date]:
        starts = [dt.date.fromisoformat(s["start_date"]) for s in self.spells]
        first = min(starts + [self.as_of]).year
        last = max([self.as_of] + [dt.date.fromisoformat(s["end_date"]) for s in self.spells if s["end_date"]]).year
        return dt.date(first, 1, 1), dt.date(last, 12, 31)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        if not self.spells:
            p.setPen(QColor("#666"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "暂无务工记录")
            return
        lo, hi = self._range()
        left, right, top = 10.0, float(self.width() - 10), 24.0
        span = (hi - lo).days or 1

        def x(day: dt.date) -> float:
            return left + (right - left) * (day - lo).days / span

        p.setPen(QColor("#999"))
        for year in range(lo.year, hi.year + 1):
            xx = x(dt.date(year, 1, 1))
            p.drawLine(int(xx), 18, int(xx), self.height() - 18)
            p.drawText(int(xx) + 3, 14, str(year))
        for i, s in enumerate(self.spells):
            start = dt.date.fromisoformat(s["start_date"])
            end = dt.date.fromisoformat(s["end_date"]) if s["end_date"] else self.as_of
            rect = QRectF(x(start), top + i * self.ROW, max(3.0, x(end) - x(start)), self.ROW - 6)
            colour = REGION_COLOURS.get(s.get("region") or "", OTHER_COLOUR)
            p.fillRect(rect, colour)
            if not s["end_date"]:
                p.setPen(QPen(colour.darker(), 2, Qt.PenStyle.DashLine))
                p.drawLine(rect.topRight(), rect.bottomRight())
            label = f"{s.get('region') or ''} {s.get('employer_name') or s.get('channel') or ''}"
            inside = p.fontMetrics().horizontalAdvance(label) + 8 <= rect.width()
            p.setPen(QColor("white") if inside else QColor("#222"))
            # A label that does not fit its bar goes after it (or before it near the right edge).
            if inside:
                text_rect = rect.adjusted(4, 0, 0, 0)
            elif rect.right() + 4 + p.fontMetrics().horizontalAdvance(label) < right:
                text_rect = QRectF(rect.right() + 4, rect.top(), 400, rect.height())
            else:
                text_rect = QRectF(rect.left() - 404, rect.top(), 400, rect.height())
            align = Qt.AlignmentFlag.AlignRight if text_rect.right() <= rect.left() else Qt.AlignmentFlag.AlignLeft
            p.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | align, label)
        y = self.height() - 14
        xx = left
        for name, colour in [*REGION_COLOURS.items(), ("其他", OTHER_COLOUR)]:
            p.fillRect(QRectF(xx, y, 12, 10), colour)
            p.setPen(QColor("#333"))
            p.drawText(int(xx) + 16, y + 10, name)
            xx += 90
