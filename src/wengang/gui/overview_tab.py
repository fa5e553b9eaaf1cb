"""概览: the numbers a township head asks for, and pictures where looking beats reading.

Figures come from ``wengang.services.overview`` computed off the GUI thread (150,000 people
take a moment); the cards show 计算中… meanwhile, and the window keeps repainting.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from wengang.gui.charts import BarChart, LineChart, MixChart
from wengang.gui.context import AppContext, Cancelled
from wengang.gui.tab import Tab
from wengang.services.overview import Overview, compute_overview

# A card click opens the list behind its number: 台账 ids (the six lists) or a tab.
CARD_LEDGERS = {"labour": "labour", "this_year": "this-year", "last_year": "last-year",
                "returned": "returned", "willing": "willing"}


class _Card(QFrame):
    clicked = Signal()

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("_Card { background: white; border: 1px solid #dddddd; border-radius: 4px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.title = QLabel(title)
        self.title.setStyleSheet("color: #555; font-size: 12px;")
        self.value = QLabel("—")
        self.value.setStyleSheet("color: #1f4e79; font-size: 24px; font-weight: bold;")
        self.note = QLabel("")
        self.note.setStyleSheet("color: #777; font-size: 11px;")
        for w in (self.title, self.value, self.note):
            layout.addWidget(w)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt
        self.clicked.emit()
        super().mousePressEvent(event)

    def set(self, value: str, note: str = "") -> None:
        self.value.setText(value)
        self.note.setText(note)


def _n(value) -> str:
    return "—" if value is None else f"{value:,}"


class OverviewTab(Tab):
    title = "概览"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.overview: Overview | None = None
        self._pending = None
        watch = getattr(context, "quality_watch", None)
        if watch is not None:  # the 待处理数据问题 card follows the background check
            watch.checked.connect(lambda _summary: self.mark_stale())
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.deadlines = QLabel()  # 报送时间: what is due next and what is late (日常工作 → 报送时间)
        self.deadlines.setWordWrap(True)
        layout.addWidget(self.deadlines)
        cards = QGridLayout()
        self.cards = {key: _Card(title) for key, title in [
            ("labour", "劳动力"), ("this_year", "本年务工就业"), ("last_year", "上年务工就业"),
            ("target", "目标任务完成"), ("returned", "本月返乡"), ("willing", "有意愿未外出"),
            ("now", "目前在岗"), ("findings", "待处理数据问题")]}
        for i, (key, card) in enumerate(self.cards.items()):
            cards.addWidget(card, i // 4, i % 4)
            if key in CARD_LEDGERS or key == "findings":
                card.setCursor(Qt.CursorShape.PointingHandCursor)
                card.setToolTip(self.tr("点击查看名单"))
                card.clicked.connect(lambda key=key: self.open_list(key))
        layout.addLayout(cards)
        charts = QGridLayout()
        self.completion_chart = BarChart(self.tr("各乡镇目标任务完成率（%）"))
        self.monthly_chart = LineChart(self.tr("逐月务工就业人数"))
        self.channel_chart = MixChart(self.tr("本年务工就业渠道"))
        self.region_chart = MixChart(self.tr("本年务工就业地域"))
        charts.addWidget(self.completion_chart, 0, 0)
        charts.addWidget(self.monthly_chart, 0, 1)
        charts.addWidget(self.channel_chart, 1, 0)
        charts.addWidget(self.region_chart, 1, 1)
        layout.addLayout(charts, 1)

    def open_list(self, key: str):
        """The people behind a card: its list in 台账, or the 数据质量 tab; returns that tab."""
        window = self.window()
        if not hasattr(window, "show_tab"):
            return None
        if key == "findings":
            return window.show_tab("数据质量")
        ledger = window.show_tab("台账")
        if key in CARD_LEDGERS and hasattr(ledger, "show_ledger"):
            ledger.show_ledger(CARD_LEDGERS[key])
        return ledger

    def show_deadlines(self) -> None:
        from wengang.services.duties.schedule import schedule  # noqa: PLC0415 - a small addition

        found = schedule(self.context.db, dt.date.today())
        if found.problem:
            where = "" if found.province else "（编辑 → 设置…）"  # no province yet: where to fill it in
            self.deadlines.setText(f"报送时间：{found.problem}{where}")
            return
        by = found.sender
        parts = [f"{'县里' if by.township else ''}下次报送：{s.deadline.item.title}（{s.deadline.period_label}）"
                 f"{s.deadline.due}" + (f"，{by.done_word}" if s.submitted else "") for s in found.upcoming[:1]]
        if found.late:
            parts.append(f"<span style='color:#c00000'>{by.late_word} {len(found.late)} 期："
                         + "、".join(f"{s.deadline.period_label}{'、'.join(s.missing)}" for s in found.late[-3:])
                         + ("等" if len(found.late) > 3 else "") + "</span>")
        if by.township:
            parts.append(by.last_sent)
        parts += [f"注意：{u}" for u in found.unknown[:1]]
        self.deadlines.setText("　".join(parts) or "报送时间：近期没有要报送的报表")

    def refresh(self) -> None:
        self.show_deadlines()
        as_of, area_id, site_id = self.context.as_of, self.context.area_id, self.context.site_id
        self.heading.setText(f"数据截止 {as_of}  ·  计算中…")
        token = object()
        self._pending = token

        def done(result: Overview) -> None:
            if self._pending is token:  # a newer request supersedes this one
                self.show_overview(result)

        # What the work is doing, said in the heading: after an import at 200,000 households
        # "计算中…" stood 9 s with nothing to tell the statuses (5 s) from the counting.
        deriving, counting = self.tr("正在汇总每个人截至该日的务工状态"), self.tr("正在统计各乡镇、各月的数字")

        def work(db, progress) -> Overview:
            from wengang.services.rules.quality import last_checked  # noqa: PLC0415

            def statuses_ready() -> None:
                progress.stoppable_from_here()
                progress.report(0, 0, counting)

            progress.report(0, 0, deriving)
            overview = compute_overview(db, as_of, area_id, site_id, statuses_ready=statuses_ready)
            overview.quality_checked = last_checked(db) is not None  # "未检查" rather than 0
            return overview

        def stage(_done: int, _total: int, text: str) -> None:
            if self._pending is token:  # queued before the result: never over the figures
                self.heading.setText(f"数据截止 {as_of}  ·  计算中…（{text}）")

        def failed(exc: BaseException) -> None:
            if isinstance(exc, Cancelled):  # stopped for a tab the caseworker went to: again when shown
                if self._pending is token:
                    self.mark_stale()
                return
            self.heading.setText(f"概览计算失败：{exc}")

        # Hidden (the caseworker went to 台账 while it counted), it gives way to that tab's work
        # once the statuses they share are derived, instead of counting first.
        self.context.run_in_background(work, done, failed, stage, gives_way=lambda: not self.isVisible())

    def show_overview(self, o: Overview) -> None:
        self.overview = o
        y = o.as_of.year
        # Who is counted, said on screen: the forms' population (脱贫人口和监测对象), which is
        # fewer than every person registered (`wengang info` counts 同步搬迁户 and others too).
        self.heading.setText(f"数据截止 {o.as_of}  ·  脱贫人口和监测对象共 {o.persons:,} 人")
        self.heading.setToolTip("概览和统计报表只统计脱贫户、监测户的人员（与F1口径一致）；"
                                "同步搬迁户等其他登记人员不计入，所以少于“登记”页和 wengang info 的全部人数")
        self.cards["labour"].set(_n(o.labour), f"脱贫人口和监测对象 {o.persons:,} 人中")
        self.cards["this_year"].set(_n(o.employed_this_year),
                                    f"占上年 {o.ratio}%" if o.ratio is not None else "上年无务工")
        self.cards["last_year"].set(_n(o.employed_last_year), f"{y - 1}年")
        self.cards["target"].set(f"{o.completion}%" if o.completion is not None else "未设目标",
                                 f"目标 {o.target:,} 人" if o.target else "")
        self.cards["returned"].set(_n(o.returned_this_month), f"{o.as_of.month}月1日至{o.as_of.day}日")
        self.cards["willing"].set(_n(o.willing_not_out), "劳动力中最近一次摸排有意愿")
        self.cards["now"].set(_n(o.employed_now), f"{o.as_of} 在岗")
        if getattr(o, "quality_checked", True):
            self.cards["findings"].set(_n(o.open_findings), "见“数据质量”（导入、修改后自动检查）")
        else:
            self.cards["findings"].set("未检查", "数据质量检查尚未运行")
        self.completion_chart.set_data([
            (t.name, float(t.completion) if t.completion is not None else None,
             f"{t.completion}%（{t.employed_this_year:,}/{t.target:,}）" if t.target
             else f"{t.employed_this_year:,}人，未设目标")
            for t in o.townships])
        self.monthly_chart.set_data({f"{y}年": o.monthly_this_year, f"{y - 1}年": o.monthly_last_year})
        self.channel_chart.set_data(o.channel_mix)
        self.region_chart.set_data(o.region_mix)
        self.completion_chart.setToolTip("虚线为100%；绿色已完成，橙色未完成")
        self.setProperty("ready", True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignLeft)
