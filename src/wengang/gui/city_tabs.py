"""The window of a city installation: 概览 (by county), 报表 (consolidated forms), 报送情况
(receive packages, register counties, the 催报 list). The registry, ledgers, import and
quality checks are person-level and stay with the counties.

Everything is computed by ``wengang.services.city``; the tabs only show it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.report_model import FormResultModel, lay_out
from wengang.gui.report_submit import print_result, write_form_file
from wengang.gui.tab import Tab
from wengang.gui.widgets.save_dialog import ask_save_path
from wengang.services import reports
from wengang.services.city.bulletin import draft_city_bulletin
from wengang.services.city.consolidate import consolidate
from wengang.services.city.receipt import ReceiptError, receive_file
from wengang.services.city.status import city_status
from wengang.services.reports.forms import FormError
from wengang.store.city import add_counties

LATE_BRUSH = QBrush(QColor("#ffd7d7"))
OPEN_BRUSH = QBrush(QColor("#fff3cd"))
FILE_FILTER = "报送文件 (*.wgsb);;所有文件 (*)"


def _form_view(parent: QWidget) -> tuple[QTableView, FormResultModel]:
    view = QTableView(parent)
    model = FormResultModel(view)
    view.setModel(model)
    view.horizontalHeader().setVisible(False)
    view.verticalHeader().setVisible(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view, model


class CityOverviewTab(Tab):
    """概览: the counties' employment (F1 by county, latest date) and what each has sent."""

    title = "概览"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 14px;")
        layout.addWidget(self.summary)
        self.view, self.model = _form_view(self)
        layout.addWidget(self.view, 2)
        layout.addWidget(QLabel("各县报送情况"))
        self.counties = QTableWidget(0, 4)
        self.counties.setHorizontalHeaderLabels(["县（市、区）", "已报送（最近截止日）", "最近接收时间", "逾期未报"])
        self.counties.verticalHeader().setVisible(False)
        self.counties.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.counties, 1)

    def refresh(self) -> None:
        status = city_status(self.context.db, self.context.as_of)
        registered = len(status.counties)
        sent = sum(1 for c in status.counties if c.latest)
        late = sum(c.late for c in status.counties)
        self.summary.setText(f"本市登记 {registered} 个县（市、区），{sent} 个已有报送；逾期未报 {late} 项"
                             f"（截至 {self.context.as_of}）。" if registered else
                             "本市还没有登记县（市、区）：到“报送情况”页点“登记县…”。")
        result = None
        if status.dates:
            try:
                result = consolidate(self.context.db, "F1", None, by="county")
            except FormError:
                result = None
        self.model.set_result(result)
        if result is not None:
            lay_out(self.view, self.model)
        self.counties.setRowCount(len(status.counties))
        for r, county in enumerate(status.counties):
            latest = "、".join(f"{n}（{d}）" for n, d in sorted(county.latest.items())) or "未报送"
            values = [county.county, latest, (county.received_at or "").replace("T", " ")[:16],
                      f"{county.late}项" if county.late else ""]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if county.late:
                    item.setBackground(LATE_BRUSH)
                self.counties.setItem(r, c, item)
        self.counties.resizeColumnsToContents()


class CityReportTab(Tab):
    """报表: a consolidated form by county or by township, exported, printed, or the 通报."""

    title = "报表"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.result = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.form = QComboBox()
        for spec in reports.list_forms():
            self.form.addItem(f"{spec.number} {spec.title.format(area='', year='本', last_year='上')}", spec.id)
        self.date = QComboBox()
        self.date.setToolTip("各县报送的数据截止日期")
        self.date.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.date.setMinimumContentsLength(10)
        self.by = QComboBox()
        self.by.addItem("按县（市、区）", "county")
        self.by.addItem("按乡镇（各县分块、县小计）", "township")
        for label, widget in (("报表", self.form), ("截止日期", self.date), ("分组", self.by)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        self.make = QPushButton("生成报表")
        self.make.clicked.connect(self.compute)
        row.addWidget(self.make)
        row.addStretch()
        layout.addLayout(row)
        row = QHBoxLayout()  # the actions on a second row: the tab fits a 1024-pixel screen
        for text, slot in (("导出Excel…", lambda: self.export("xlsx")), ("导出PDF…", lambda: self.export("pdf")),
                           ("打印…", self.print_), ("通报草稿…", self.show_bulletin)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch()
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        layout.addWidget(self.status)
        self.view, self.model = _form_view(self)
        layout.addWidget(self.view, 1)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)

    def refresh(self) -> None:
        chosen = self.date.currentText()
        self.date.clear()
        self.date.addItems(city_status(self.context.db).dates)
        if chosen:
            self.date.setCurrentText(chosen)
        if self.date.count():
            self.compute()

    def compute(self) -> None:
        if not self.date.count():
            self.status.setText("还没有收到任何县的报送：到“报送情况”页接收报送文件。")
            return
        try:
            self.result = consolidate(self.context.db, self.form.currentData(), self.date.currentText(),
                                      by=self.by.currentData())
        except FormError as exc:
            self.result = None
            self.model.set_result(None)
            self.status.setText(str(exc))
            return
        self.model.set_result(self.result)
        lay_out(self.view, self.model)
        missing = self.result.params.get("missing")
        self.status.setText(f"{self.result.title}（截至 {self.result.as_of}）"
                            + (f"　未报送：{missing.replace(',', '、')}" if missing else "　各县均已报送"))
        self.notes.setText("\n".join(self.result.notes))

    def can_export(self) -> bool:
        return self.result is not None

    can_print = can_export

    def export(self, kind: str = "xlsx") -> None:
        if self.result is None:
            return
        path = ask_save_path(self, "导出报表", f"{self.result.title}_{self.result.as_of}.{kind}",
                             "Excel 工作簿 (*.xlsx)" if kind == "xlsx" else "PDF 文件 (*.pdf)", self.context.settings)
        if path is not None:
            write_form_file(reports, self.result, Path(path))
            self.status.setText(f"已导出 → {path}")

    def print_(self) -> None:
        if self.result is not None:
            self.last_preview = print_result(self, self.result)

    def show_bulletin(self) -> None:
        try:
            text = draft_city_bulletin(self.context.db, self.date.currentText())
        except (FormError, ValueError) as exc:
            QMessageBox.information(self, "通报草稿", str(exc))
            return
        box = QMessageBox(self)
        box.setWindowTitle("通报草稿")
        box.setText("通报草稿（可复制后修改）：")
        editor = QPlainTextEdit(text)
        box.layout().addWidget(editor, 1, 0, 1, box.layout().columnCount())
        self.last_bulletin = box
        box.open()


class CitySubmissionsTab(Tab):
    """报送情况: receive packages, register counties, and who has not submitted what."""

    title = "报送情况"
    COLUMNS = ("县（市、区）", "报表", "期次", "报送期限", "已报送（截止日）", "情况")

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        for text, slot in (("接收报送文件…", self.receive), ("登记县…", self.add_county)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch()
        layout.addLayout(row)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        layout.addWidget(self.table, 1)
        self.log = QLabel()
        self.log.setWordWrap(True)
        self.log.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.log)

    def refresh(self) -> None:
        status = city_status(self.context.db, self.context.as_of)
        result = status.chase
        items = sorted(result.items, key=lambda d: (bool(d.submitted), -d.late_days, d.due, d.county, d.number))
        unknown = ("；节假日日历没有 " + "、".join(map(str, result.unknown_years)) + " 年的安排，按周一至周五计算"
                   if result.unknown_years else "")
        self.heading.setText(f"截至 {result.as_of}：逾期未报 {len(result.late())} 项，未到期未报 {len(result.open())} 项。"
                             f"报送期限：{result.schedule.source}{unknown}")
        self.table.setRowCount(len(items))
        for r, item in enumerate(items):
            values = [item.county, item.number, item.period_text, item.due.isoformat(), item.submitted or "", item.state]
            brush = LATE_BRUSH if item.late_days and not item.submitted else (
                OPEN_BRUSH if not item.submitted else None)
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if brush is not None:
                    cell.setBackground(brush)
                self.table.setItem(r, c, cell)
        self.table.resizeColumnsToContents()

    def receive_files(self, paths: list[str]) -> list[str]:
        """Receive each package; returns the lines shown (also what tests read)."""
        lines = []
        for path in paths:
            try:
                receipt = receive_file(self.context.db, path)
            except ReceiptError as exc:
                lines.append(f"拒收 {Path(path).name}：{exc}")
                continue
            for form in receipt.forms:
                verb = "已更新" if form.action == "replaced" else "已收下"
                extra = f"（{len(form.changes)} 处变化）" if form.action == "replaced" else ""
                lines.append(f"{verb} {receipt.county} {form.number}（截止 {form.as_of}）{extra}")
        self.log.setText("\n".join(lines))
        self.context.data_changed.emit()
        return lines

    def receive(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "接收报送文件", "", FILE_FILTER)
        if paths:
            self.receive_files(paths)

    def add_county(self) -> None:
        name, ok = QInputDialog.getText(self, "登记县", "县（市、区）名称（多个用、分隔）：")
        if ok and name.strip():
            added = add_counties(self.context.db, [n.strip() for n in name.replace("，", "、").split("、") if n.strip()])
            self.log.setText(f"已登记：{'、'.join(added)}" if added else "这些县都已登记")
            self.context.data_changed.emit()


def _overview():
    return CityOverviewTab


def _report():
    return CityReportTab


def _submissions():
    return CitySubmissionsTab


CITY_TABS = {"概览": _overview, "报表": _report, "报送情况": _submissions}
