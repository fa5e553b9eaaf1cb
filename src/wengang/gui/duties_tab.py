"""日常工作: the caseworker's duties beyond the forms, one sub-page each —
1-3-1服务, 电话抽查, 入户摸排, 返乡跟踪, 应享未享, 安置点, 报送时间.

Every page reads its service (``wengang.services.duties``) off the GUI thread and shows small
tables (villages, samples, lists capped at :data:`SHOWN` rows with the rest in the export).
The call list of a spot check is entered with the keyboard only: 1/Y = 是, 0/N = 否, one row
per call, saved as soon as the row is complete.

Exports, sheet imports, drawing a sample and laying out a village's service sheet run on the
background thread behind a cancellable progress dialog (:meth:`Page.run`): at 50,000
households a village's 1-3-1 sheet took 1.9 CPU s, its door-to-door sheet 1.6, a sample of 1,200
0.45 and its call sheet 0.56 on the window's own connection (bench/gui_thread.py).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.tab import Tab
from wengang.gui.widgets.date_edit import DateEdit
from wengang.gui.widgets.flow import FlowLayout
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.rows_table import WIDEST, RowsTable
from wengang.gui.widgets.save_dialog import ask_open_path, ask_save_path
from wengang.services.read import lookups
from wengang.store.city import own_township

SHOWN = 2000   # rows a page shows; the export has them all
XLSX = "Excel 文件 (*.xlsx)"


def fill_table(table: QTableWidget, headers: list[str], rows: list[list]) -> None:
    """Replace the contents of an item table (the spot check's calls, whose answers are typed
    into their cells; every other list is a :class:`RowsTable`)."""
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    for c in range(table.columnCount()):
        table.setColumnWidth(c, min(table.columnWidth(c), WIDEST))


def _note(text: str) -> QLabel:
    """A line of explanation that wraps (never widens the window on a 1024-pixel screen)."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class Page(QWidget):
    """One sub-page: a status line, its widgets, a background refresh."""

    title = ""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.stale = True
        self.layout_ = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #1f4e79;")

    def load(self, work, done) -> None:
        """``work(db)`` on the background thread, ``done(result)`` here; errors said plainly."""
        self.status.setText("计算中…")
        self.context.run_in_background(lambda db, _p: work(db), done,
                                       lambda exc: self.status.setText(f"出错了：{exc}"))

    def refresh(self) -> None:
        """Re-read from the database."""

    def run(self, title: str, work, done):
        """Long work (``work(db, progress)``) behind a cancellable progress dialog, ``done(result)``
        here; a failure is said in the status line with what to do. Returns the dialog."""
        def failed(exc: BaseException) -> None:
            if isinstance(exc, OSError):
                self.status.setText(f"无法写入或读取文件：{exc.strerror or exc}。请关闭在 WPS/Excel 中打开的"
                                    "这个文件，或换一个文件夹后重试。")
            else:
                self.status.setText(f"出错了：{exc}")

        return run_with_progress(self.context, self, self.tr(title), work, done, failed)

    def saved(self, path, what: str) -> None:
        self.status.setText(f"{what}已保存：{path}")

    @staticmethod
    def pane_with_bar() -> tuple[QWidget, QVBoxLayout, FlowLayout]:
        """A pane of a split page: a row of controls that wraps, then what is added below it."""
        pane = QWidget()
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        bar.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(bar_box)
        return pane, layout, bar

    def button(self, row: FlowLayout, text: str, slot) -> QPushButton:
        button = QPushButton(self.tr(text))
        button.clicked.connect(slot)
        row.addWidget(button)
        return button


# --- 1-3-1 ---------------------------------------------------------------------------------------
class ServicesPage(Page):
    title = "1-3-1服务"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.layout_.addWidget(_note(self.tr("需要就业的劳动力（目前未就业、今年返乡未再输出）今年应得到1次职业指导、"
                                              "3次岗位信息推送、1次免费培训。选村查看未达标的人，可多选后一次登记服务。")))
        self.layout_.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical)
        self.villages = RowsTable()
        self.villages.selectionModel().selectionChanged.connect(lambda *_: self.village_picked())
        split.addWidget(self.villages)
        lower, box, bar = self.pane_with_bar()
        bar.addWidget(QLabel(self.tr("为选中的人登记：")))
        self.kind = QComboBox()
        self.kind.addItems(["职业指导", "岗位信息推送", "免费培训", "其他"])
        bar.addWidget(self.kind)
        self.day = DateEdit()
        bar.addWidget(self.day)
        self.provider = QLineEdit()
        self.provider.setPlaceholderText(self.tr("服务提供者（可不填）"))
        bar.addWidget(self.provider)
        self.days = QSpinBox()
        self.days.setRange(0, 90)
        self.days.setSpecialValueText(self.tr("培训天数"))
        self.days.setSuffix(self.tr(" 天"))
        self.days.setToolTip(self.tr("免费培训的天数（培训补贴按天计算，可不填）"))
        bar.addWidget(self.days)
        self.record_button = self.button(bar, "登记服务", self.record)
        self.button(bar, "全选", lambda: self.people.selectAll())
        bar.addStretch()
        self.button(bar, "打印本村服务单…", self.print_sheet)
        self.button(bar, "导出本村服务单…", self.export_sheet)
        self.people = RowsTable(multi=True)
        box.addWidget(self.people)
        split.addWidget(lower)
        split.setStretchFactor(1, 2)
        self.layout_.addWidget(split, 1)

    def refresh(self) -> None:
        from wengang.services.duties.services131 import gaps_by_village  # noqa: PLC0415

        as_of, area = self.context.as_of, self.context.area_id

        def work(db):
            rows = gaps_by_village(db, as_of, area)
            return rows, [lookups.village_id(db, r.township, r.village) for r in rows]

        def done(result) -> None:
            rows, ids = result
            need = sum(r.needing for r in rows)
            complete = sum(r.complete for r in rows)
            self.status.setText(f"截止 {as_of}：需要就业 {need:,} 人，已达标 {complete:,} 人，未达标 {need - complete:,} 人")
            self.villages.fill(["乡镇（街道）", "行政村（社区）", "需要就业", "已达标", "未达标", "缺职业指导",
                                "缺岗位信息（不足3次）", "缺免费培训"],
                               [[r.township, r.village, r.needing, r.complete, r.short, r.short_guidance, r.short_jobs,
                                 r.short_training] for r in rows], keys=ids)
            if rows:
                self.villages.selectRow(0)

        self.load(work, done)

    def village_id(self) -> int | None:
        keys = self.villages.selected_keys()
        return keys[0] if keys else None

    def village_picked(self) -> None:
        area = self.village_id()
        if area is None or getattr(self.context, "closed", False):  # a late signal as the window closes
            return
        as_of = self.context.as_of

        def work(db):
            # On the background connection, which has the statuses at this date already (the
            # village list needed them): on the window's own they took seconds at start.
            from wengang.services.ledgers import ledger_query  # noqa: PLC0415

            query = ledger_query(db, "service-gaps", as_of, area_id=area)
            return query.columns, query.person_ids(0, SHOWN), query.rows(0, SHOWN)

        def done(result) -> None:
            if self.village_id() != area:
                return  # another village was picked meanwhile: its list follows
            columns, ids, rows = result
            wanted = ["序号", "户主姓名", "姓名", "年龄", "联系电话", "需要就业的原因", "职业指导（次）",
                      "岗位信息推送（次）", "免费培训（次）", "还缺"]
            at = [columns.index(c) for c in wanted]
            self.people.fill(wanted, [[row[i] for i in at] for row in rows], keys=ids)

        self.context.run_in_background(lambda db, _p: work(db), done,
                                       lambda exc: self.status.setText(f"出错了：{exc}"))

    def record(self) -> None:
        from wengang.services.duties.services131 import record_services  # noqa: PLC0415

        ids = self.people.selected_keys()
        if not ids:
            self.status.setText("请先在下方选中要登记的人（可按住 Ctrl 或 Shift 多选，或点“全选”）")
            return
        done = record_services(self.context.db, ids, self.kind.currentText(), self.day.value(),
                               provider=self.provider.text().strip() or None,
                               days=self.days.value() or None if self.kind.currentText() == "免费培训" else None)
        self.context.data_changed.emit()
        self.status.setText(f"已为 {done.added} 人登记“{self.kind.currentText()}”（{self.day.value()}）"
                            + (f"，{done.already} 人当天已登记过" if done.already else ""))

    def print_sheet(self):
        """The village's service sheet through the ledgers' painter (A4 landscape preview): the
        pages are laid out and drawn on the worker thread, the preview only replays them."""
        area = self.village_id()
        if area is None:
            return None
        as_of = self.context.as_of

        def work(db, _progress):
            from wengang.gui.printing import ledger_document  # noqa: PLC0415
            from wengang.gui.printing.pictures import paint_pictures  # noqa: PLC0415
            from wengang.services.ledgers import ledger_query  # noqa: PLC0415
            return paint_pictures(ledger_document(ledger_query(db, "service-gaps", as_of, area_id=area), None))

        def show(pages) -> None:
            from wengang.gui.print_preview import preview  # noqa: PLC0415
            from wengang.gui.printing.pictures import replay  # noqa: PLC0415
            self.last_preview = preview(self, lambda printer: replay(*pages, printer))

        return self.run("正在排版服务单", work, show)

    def export_sheet(self):
        area = self.village_id()
        if area is None:
            return None
        row = self.villages.current_row()
        name = self.villages.text(row, 1) if row >= 0 else "本村"
        path = ask_save_path(self, self.tr("保存1-3-1服务单"), f"{name}1-3-1服务单.xlsx", XLSX, self.context.settings)
        if not path:
            return None
        as_of = self.context.as_of

        def work(db, progress):
            from wengang.services.ledgers import write_ledger  # noqa: PLC0415
            return write_ledger(db, "service-gaps", as_of, path, area_id=area, progress=progress.callback)

        return self.run("正在导出服务单", work, lambda _rows: self.saved(path, "服务单"))


# --- spot checks -------------------------------------------------------------------------------
CALL_HEADERS = ["抽查编号", "核查单位", "乡镇（街道）", "姓名", "联系电话", "登记务工地点", "登记外出时间",
                "电话接通", "务工地一致", "务工时间一致", "政策知晓"]
FIRST_ANSWER = CALL_HEADERS.index("电话接通")
_YES_KEYS = {Qt.Key.Key_1, Qt.Key.Key_Y}
_NO_KEYS = {Qt.Key.Key_0, Qt.Key.Key_N}


class CallTable(QTableWidget):
    """One row per call; 1/Y or 0/N fills the current answer and moves on; a complete row is
    handed to ``on_complete(row, answers)``; Backspace clears; Enter skips to the next row."""

    def __init__(self, on_complete, parent: QWidget | None = None):
        super().__init__(parent)
        self.on_complete = on_complete
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)

    def answers(self, row: int) -> list[bool | None]:
        out = []
        for c in range(FIRST_ANSWER, FIRST_ANSWER + 4):
            text = self.item(row, c).text() if self.item(row, c) else ""
            out.append(True if text == "是" else False if text == "否" else None)
        return out

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt
        row, col = self.currentRow(), self.currentColumn()
        key = event.key()
        if row >= 0 and self._handle_key(key, row, col):
            return
        super().keyPressEvent(event)

    def _handle_key(self, key, row: int, col: int) -> bool:
        """Act on a key in the call at ``row``; False when the table's own handling applies."""
        if key in _YES_KEYS or key in _NO_KEYS:
            self._answer(row, max(col, FIRST_ANSWER), key in _YES_KEYS)
            return True
        if key == Qt.Key.Key_Backspace and col >= FIRST_ANSWER:
            self.item(row, col).setText("")
            if col > FIRST_ANSWER:
                self.setCurrentCell(row, col - 1)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and row + 1 < self.rowCount():
            self.setCurrentCell(row + 1, FIRST_ANSWER)
            return True
        return False

    def _answer(self, row: int, col: int, yes: bool) -> None:
        """是/否 into the answer at ``col``; 未接通 (the first answer 否) clears the rest and completes
        the call. A complete call is handed on and the next row taken; else the next answer."""
        self.item(row, col).setText("是" if yes else "否")
        answers = self.answers(row)
        if col == FIRST_ANSWER and answers[0] is False:
            for c in range(FIRST_ANSWER + 1, FIRST_ANSWER + 4):
                self.item(row, c).setText("")
            answers = [False, None, None, None]
        if answers[0] is False or None not in answers:
            if self.on_complete(row, answers) and row + 1 < self.rowCount():
                self.setCurrentCell(row + 1, FIRST_ANSWER)
        elif col + 1 < FIRST_ANSWER + 4:
            self.setCurrentCell(row, col + 1)


class SpotCheckPage(Page):
    title = "电话抽查"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        draw_box = QWidget()
        draw = FlowLayout(draw_box)
        draw.setContentsMargins(0, 0, 0, 0)
        draw.addWidget(QLabel(self.tr("每乡镇")))
        self.per_township = QSpinBox()
        self.per_township.setRange(1, 10000)
        self.per_township.setValue(100)
        draw.addWidget(self.per_township)
        draw.addWidget(QLabel(self.tr("人　随机种子")))
        self.seed = QSpinBox()
        self.seed.setRange(1, 999999)
        self.seed.setValue(dt.date.today().year)
        draw.addWidget(self.seed)
        draw.addWidget(QLabel(self.tr("排除近")))
        self.exclude = QSpinBox()
        self.exclude.setRange(0, 36)
        self.exclude.setValue(6)
        draw.addWidget(self.exclude)
        draw.addWidget(QLabel(self.tr("个月已抽查的")))
        self.cross = QCheckBox(self.tr("交叉核查（由下一个乡镇打电话）"))
        draw.addWidget(self.cross)
        # a township's ledger has one township: no next township to call for it
        self.cross.setVisible(own_township(context.db) is None)
        self.button(draw, "抽样", self.draw)
        draw.addStretch()
        self.layout_.addWidget(draw_box)
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel(self.tr("抽查批次")))
        self.samples = QComboBox()
        self.samples.currentIndexChanged.connect(self.show_sample)
        bar.addWidget(self.samples)
        bar.addWidget(QLabel(self.tr("核查日期")))
        self.day = DateEdit()
        bar.addWidget(self.day)
        self.checker = QLineEdit()
        self.checker.setPlaceholderText(self.tr("核查人"))
        bar.addWidget(self.checker)
        self.button(bar, "导出电话单…", self.export_sheet)
        self.button(bar, "导入填好的电话单…", self.import_sheet)
        self.layout_.addWidget(bar_box)
        self.layout_.addWidget(_note(self.tr("逐个打电话、逐行录入：按 1 或 Y 为“是”，0 或 N 为“否”，"
                                              "接通为否时直接到下一行；退格键清除，回车跳到下一行。结果即时保存，可用于 F9。")))
        self.layout_.addWidget(self.status)
        self.calls = CallTable(self.save_call)
        self.layout_.addWidget(self.calls, 1)
        self.seqs: list[int] = []

    def refresh(self) -> None:
        from wengang.services.duties.spot_check import samples  # noqa: PLC0415

        found = samples(self.context.db)
        current = self.samples.currentData()
        self.samples.blockSignals(True)
        self.samples.clear()
        for s in found:
            self.samples.addItem(f"批次{s['id']}：{s['as_of']} 抽{s['size']}人，已核查{s['answered'] or 0}人（种子{s['seed']}）",
                                 s["id"])
        if current is not None and self.samples.findData(current) >= 0:
            self.samples.setCurrentIndex(self.samples.findData(current))
        self.samples.blockSignals(False)
        if not found:
            self.status.setText("还没有抽过样本：设好每乡镇人数和随机种子后点“抽样”")
        self.show_sample()

    def sample_id(self) -> int | None:
        return self.samples.currentData()

    def draw(self):
        """Draw a sample (one transaction) on the worker thread; returns the progress dialog."""
        from wengang.services.duties.spot_check import SpotCheckError, draw_sample  # noqa: PLC0415

        as_of, area = self.context.as_of, self.context.area_id
        options = {"per_township": self.per_township.value(), "seed": self.seed.value(),
                   "exclude_months": self.exclude.value(), "cross": self.cross.isChecked()}

        def work(db, progress):
            progress.callback(0, 0, "正在按乡镇分层抽样")
            try:
                return draw_sample(db, as_of, area_id=area, **options)
            except SpotCheckError as exc:
                return exc  # said in the status line, as before

        def done(sample) -> None:
            if isinstance(sample, SpotCheckError):
                self.status.setText(str(sample))
                return
            self.refresh()
            self.samples.setCurrentIndex(self.samples.findData(sample.id))
            self.status.setText(f"抽查批次{sample.id}：{len(sample.by_township)}个乡镇共抽{sample.size}人（种子{sample.seed}）")

        return self.run("正在抽样", work, done)

    def show_sample(self) -> None:
        from wengang.services.duties.spot_check import sample_code, sample_rows  # noqa: PLC0415

        sample_id = self.sample_id()
        if sample_id is None:
            fill_table(self.calls, CALL_HEADERS, [])
            return
        rows = sample_rows(self.context.db, sample_id)
        self.seqs = [r["seq"] for r in rows]

        def yn(v):
            return "" if v is None else ("是" if v else "否")

        fill_table(self.calls, CALL_HEADERS,
                   [[sample_code(sample_id, r["seq"]), r["checker_unit"], r["township"], r["name"], r["phone"] or "",
                     r["place"] or r["region"] or "", (r["start_date"] or "")[:7], yn(r["phone_connected"]),
                     yn(r["place_consistent"]), yn(r["time_consistent"]), yn(r["policy_aware"])] for r in rows])
        first_open = next((i for i, r in enumerate(rows) if r["phone_connected"] is None), 0)
        if rows:
            self.calls.setCurrentCell(first_open, FIRST_ANSWER)
        done = sum(r["phone_connected"] is not None for r in rows)
        self.status.setText(f"本批次{len(rows)}人，已核查{done}人")

    def save_call(self, row: int, answers: list) -> bool:
        from wengang.services.duties.spot_check import Call, SpotCheckError, record_call  # noqa: PLC0415

        try:
            record_call(self.context.db, Call(self.sample_id(), self.seqs[row], answers[0], *answers[1:],
                                              self.day.value(), self.checker.text().strip() or None))
        except SpotCheckError as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(f"已保存第{row + 1}行（{self.calls.item(row, 3).text()}）")
        return True

    def export_sheet(self):
        sample_id = self.sample_id()
        if sample_id is None:
            return None
        path = ask_save_path(self, self.tr("保存抽查电话单"), f"抽查电话单_批次{sample_id}.xlsx", XLSX,
                             self.context.settings)
        if not path:
            return None

        def work(db, _progress):
            from wengang.services.duties.spot_check import write_call_sheet  # noqa: PLC0415
            return write_call_sheet(db, sample_id, path)

        return self.run("正在导出电话单", work, lambda _n: self.saved(path, "电话单"))

    def import_sheet(self):
        """Read and check the filled call sheet and save it (one transaction) on the worker
        thread; returns the progress dialog."""
        from wengang.services.duties.spot_check import SpotCheckError, import_call_sheet  # noqa: PLC0415

        path = ask_open_path(self, self.tr("导入填好的电话单"), XLSX, self.context.settings)
        if not path:
            return None
        default_date = self.day.value()

        def work(db, _progress):
            try:
                return import_call_sheet(db, path, default_date=default_date)
            except SpotCheckError as exc:
                return exc

        return self.run("正在导入电话单", work, self.show_imported)

    def show_imported(self, result) -> None:
        from wengang.services.duties.spot_check import SpotCheckError  # noqa: PLC0415

        if isinstance(result, SpotCheckError):
            self.status.setText(str(result))
            return
        if result.errors:
            QMessageBox.warning(self, self.tr("电话单有错误"),
                                f"有{len(result.errors)}处问题，全部未导入。\n"
                                + "\n".join(i.text() for i in result.errors[:10])
                                + f"\n\n错误说明表：{result.errors_path}")
            return
        self.context.data_changed.emit()
        self.show_sample()
        self.status.setText(f"已导入{result.imported}人的核查结果；F9 可在“报表”中按核查日期生成")


# --- door to door ------------------------------------------------------------------------------
class SurveyPage(Page):
    title = "入户摸排"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel(self.tr("摸排超过")))
        self.stale_months = QSpinBox()
        self.stale_months.setRange(1, 36)
        self.stale_months.setValue(6)
        self.stale_months.valueChanged.connect(lambda _v: self.refresh())
        bar.addWidget(self.stale_months)
        bar.addWidget(QLabel(self.tr("个月的要重新摸排")))
        self.button(bar, "导出选中村的入户摸排核实表…", self.export_sheet)
        self.button(bar, "导入填好的核实表…", self.import_sheet)
        bar.addStretch()
        self.layout_.addWidget(bar_box)
        self.layout_.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical)
        self.flags = RowsTable()
        split.addWidget(self.flags)
        reasons = QWidget()
        box = QVBoxLayout(reasons)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(_note(self.tr("去年务工今年未务工人员：按村统计最近一次摸排的未外出原因和增收措施（种子文件002）")))
        self.reasons = RowsTable()
        box.addWidget(self.reasons)
        split.addWidget(reasons)
        self.layout_.addWidget(split, 1)

    def refresh(self) -> None:
        from collections import Counter  # noqa: PLC0415

        from wengang.services.duties.survey_sheet import flags_by_village, reasons_by_village  # noqa: PLC0415

        as_of, area, months = self.context.as_of, self.context.area_id, self.stale_months.value()

        def work(db):
            by_village = flags_by_village(db, as_of, area_id=area, stale_months=months)
            ids = {(t, v): lookups.village_id(db, t, v) for t, v in by_village}
            return by_village, ids, reasons_by_village(db, as_of, area)

        def done(result) -> None:
            by_village, ids, reasons = result
            labels = ["从未摸排", f"摸排已超过{months}个月", "计划外出月份已过"]
            totals = Counter()
            for counter in by_village.values():
                totals.update(counter)
            self.status.setText(f"劳动力 {totals['劳动力']:,} 人：" + "，".join(f"{k} {totals[k]:,} 人" for k in labels))
            keys = [ids[k] for k in by_village]
            self.flags.fill(["乡镇（街道）", "行政村（社区）", "劳动力", *labels],
                            [[t, v, c["劳动力"], *[c[k] for k in labels]] for (t, v), c in by_village.items()], keys=keys)
            kinds = sorted({k for r in reasons for k in r.reasons})
            measures = sorted({k for r in reasons for k in r.measures})
            self.reasons.fill(["乡镇（街道）", "行政村（社区）", "人数", "已摸排",
                               *[f"原因：{k}" for k in kinds], *[f"措施：{k}" for k in measures]],
                              [[r.township, r.village, r.not_yet, r.surveyed, *[r.reasons[k] for k in kinds],
                                *[r.measures[k] for k in measures]] for r in reasons])

        self.load(work, done)

    def export_sheet(self):
        from wengang.services.duties.survey_sheet import write_survey_sheet  # noqa: PLC0415

        keys = self.flags.selected_keys()
        if not keys or keys[0] is None:
            self.status.setText("请先在上表中选中一个村")
            return None
        row = self.flags.current_row()
        name = self.flags.text(row, 0) + self.flags.text(row, 1)
        path = ask_save_path(self, self.tr("保存入户摸排核实表"), f"{name}入户摸排核实表.xlsx", XLSX, self.context.settings)
        if not path:
            return None
        as_of, area, months = self.context.as_of, keys[0], self.stale_months.value()

        def work(db, _progress):
            return write_survey_sheet(db, as_of, path, area_id=area, stale_months=months,
                                      title=f"{name}脱贫人口入户摸排核实表")

        return self.run("正在导出核实表", work, lambda n: self.saved(path, f"核实表（{n}人）"))

    def import_sheet(self):
        """Read, check and save the filled sheet (one transaction) on the worker thread."""
        from wengang.services.duties.survey_sheet import SurveySheetError, import_survey_sheet  # noqa: PLC0415

        path = ask_open_path(self, self.tr("导入填好的核实表"), XLSX, self.context.settings)
        if not path:
            return None

        def work(db, _progress):
            try:
                return import_survey_sheet(db, path)
            except SurveySheetError as exc:
                return exc

        return self.run("正在导入核实表", work, self.show_imported)

    def show_imported(self, result) -> None:
        from wengang.services.duties.survey_sheet import SurveySheetError  # noqa: PLC0415

        if isinstance(result, SurveySheetError):
            self.status.setText(str(result))
            return
        if result.errors:
            QMessageBox.warning(self, self.tr("核实表有错误"),
                                f"有{len(result.errors)}处问题，全部未导入。\n"
                                + "\n".join(i.text() for i in result.errors[:10])
                                + f"\n\n错误说明表：{result.errors_path}")
            return
        self.context.data_changed.emit()
        self.status.setText(f"已导入：摸排{result.surveys}人，核实电话{result.phones}人，培训需求{result.training}人")


# --- follow-up -----------------------------------------------------------------------------------
class FollowUpPage(Page):
    title = "返乡跟踪"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel(self.tr("返乡后")))
        self.days = QSpinBox()
        self.days.setRange(1, 60)
        bar.addWidget(self.days)
        bar.addWidget(QLabel(self.tr("个工作日内跟踪（摸排或就业服务）")))
        self.button(bar, "保存期限", self.save_days)
        self.only_overdue = QCheckBox(self.tr("只看逾期未跟踪"))
        self.only_overdue.setChecked(True)
        self.only_overdue.toggled.connect(lambda _on: self.refresh())
        bar.addWidget(self.only_overdue)
        bar.addStretch()
        self.button(bar, "导出名单…", self.export)
        self.layout_.addWidget(bar_box)
        self.layout_.addWidget(self.status)
        self.table = RowsTable()
        self.table.doubleClicked.connect(self.open_person)
        self.layout_.addWidget(self.table, 1)
        self.items: list = []

    def refresh(self) -> None:
        from wengang.services.duties.followup import OVERDUE, followup_days, followups, summary  # noqa: PLC0415

        self.days.setValue(followup_days(self.context.db))
        as_of, area = self.context.as_of, self.context.area_id
        only = self.only_overdue.isChecked()

        def done(items) -> None:
            self.items = items
            counts = summary(items)
            self.status.setText(f"{as_of.year}年返乡 {len(items):,} 人：" + "，".join(f"{k} {v:,} 人" for k, v in counts.items() if v)
                                + "（双击打开人员）")
            shown = [i for i in items if i.status == OVERDUE] if only else items
            self.table.fill(["乡镇（街道）", "行政村（社区）", "姓名", "联系电话", "返乡时间", "返乡原因", "从哪里返乡",
                             "跟踪到期", "状态", "跟踪日期", "跟踪方式"],
                            [[i.township, i.village, i.name, i.phone or "", i.return_date, i.return_reason or "", i.came_from,
                              i.due or "（未知）", i.status, i.closed_on or "", i.closed_by or ""] for i in shown[:SHOWN]],
                            keys=[i.person_id for i in shown[:SHOWN]])

        self.load(lambda db: followups(db, as_of, area_id=area), done)

    def save_days(self) -> None:
        from wengang.services.duties.followup import set_followup_days  # noqa: PLC0415

        set_followup_days(self.context.db, self.days.value())
        self.refresh()

    def open_person(self, index) -> None:
        key = self.table.key(index.row())
        if key is not None:
            self.context.open_person.emit(key)

    def export(self):
        from wengang.services.duties.followup import write_followups  # noqa: PLC0415

        path = ask_save_path(self, self.tr("保存返乡跟踪名单"), f"返乡回流跟踪名单_{self.context.as_of}.xlsx", XLSX,
                             self.context.settings)
        if not path:
            return None
        items, title = list(self.items), f"返乡回流跟踪名单（截止 {self.context.as_of}）"
        return self.run("正在导出跟踪名单", lambda _db, p: write_followups(items, path, title=title, progress=p.callback),
                        lambda _r: self.saved(path, "跟踪名单"))


# --- 应享未享 ------------------------------------------------------------------------------------
class EntitlementsPage(Page):
    title = "应享未享"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        from wengang.services.rules.subsidies import rule_sets  # noqa: PLC0415

        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel(self.tr("补贴政策规则（本单位设置）")))
        self.rules = QComboBox()
        self.rules.addItem(self.tr("（未选择）"), None)
        for rule_set in rule_sets().values():
            self.rules.addItem(rule_set.title, rule_set.id)
        bar.addWidget(self.rules)
        self.button(bar, "设为本单位规则", self.choose)
        self.button(bar, "导出应享未享名单…", self.export)
        self.layout_.addWidget(bar_box)
        self.layout_.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical)
        self.persons = RowsTable()
        self.persons.doubleClicked.connect(self.open_person)
        split.addWidget(self.persons)
        self.orgs = RowsTable()
        split.addWidget(self.orgs)
        split.setStretchFactor(0, 3)
        self.layout_.addWidget(split, 1)
        self.result = None

    def refresh(self) -> None:
        from wengang.services.duties.entitlements import owed  # noqa: PLC0415
        from wengang.services.rules.subsidies import RuleSetNotChosen, chosen_rule_set_id  # noqa: PLC0415

        chosen = chosen_rule_set_id(self.context.db)
        self.rules.setCurrentIndex(max(self.rules.findData(chosen), 0))
        as_of = self.context.as_of

        def failed(exc) -> None:
            self.status.setText(str(exc) if isinstance(exc, RuleSetNotChosen) else f"出错了：{exc}")
            self.persons.fill([], [])
            self.orgs.fill([], [])

        def done(result) -> None:
            self.result = result
            kinds = "，".join(f"{k} {n}人次" for k, n, _m in result.by_kind())
            self.status.setText(f"按“{result.rule_set.title}”，截止 {as_of}：个人 {len(result.persons):,} 人次（{kinds}），"
                                f"单位 {len(result.organisations)} 个。每条都写明依据和原因；双击打开人员")
            rows = result.persons[:SHOWN]
            self.persons.fill(["乡镇（街道）", "行政村（社区）", "姓名", "补贴类型", "应享（元）", "已享（元）", "发放对象",
                               "为什么", "政策依据"],
                              [[r["township"], r["village"], r["name"], r["kind"], r["amount_text"], r["paid_amount"],
                                r["paid_to_text"], r["why"], r["title"]] for r in rows], keys=[r["person_id"] for r in rows])
            self.orgs.fill(["单位（帮扶车间等）", "类型", "补贴类型", "吸纳人数", "应享（元）", "已享（元）", "政策依据"],
                           [[o["name"], o["org_kind"], o["kind"], o["persons"], o["amount"], o["paid_amount"], o["title"]]
                            for o in result.organisations])

        self.status.setText("计算中…")
        self.context.run_in_background(lambda db, _p: owed(db, as_of), done, failed)

    def choose(self) -> None:
        from wengang.services.rules.subsidies import SETTING_KEY  # noqa: PLC0415
        from wengang.store.db import set_setting  # noqa: PLC0415

        set_setting(self.context.db, SETTING_KEY, self.rules.currentData())
        self.context.data_changed.emit()
        self.refresh()

    def open_person(self, index) -> None:
        key = self.persons.key(index.row())
        if key is not None:
            self.context.open_person.emit(key)

    def export(self):
        from wengang.services.duties.entitlements import write_owed  # noqa: PLC0415

        if self.result is None:
            return None
        path = ask_save_path(self, self.tr("保存应享未享名单"), f"应享未享名单_{self.context.as_of}.xlsx", XLSX,
                             self.context.settings)
        if not path:
            return None
        result = self.result
        return self.run("正在导出应享未享名单", lambda _db, _p: write_owed(result, path),
                        lambda _r: self.saved(path, "应享未享名单"))


# --- relocation sites ------------------------------------------------------------------------------
class SitesPage(Page):
    title = "安置点"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.layout_.addWidget(_note(self.tr("每名有就业意愿的搬迁贫困劳动力今年至少1次培训、3次岗位推荐（种子文件003）；"
                                              "下表是各安置点的岗位供给，供岗位推荐时查用")))
        self.layout_.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical)
        self.checks = RowsTable()
        split.addWidget(self.checks)
        jobs_box, jobs_layout, bar = self.pane_with_bar()
        self.button(bar, "登记岗位供给…", self.add_job)
        self.button(bar, "删除所选岗位", self.remove_jobs)
        self.jobs = RowsTable()
        jobs_layout.addWidget(self.jobs, 1)
        split.addWidget(jobs_box)
        self.layout_.addWidget(split, 1)

    def add_job(self):
        """登记岗位供给…: for the site picked above (or in the 地区 pane), else the first."""
        from wengang.gui.dialogs.site_job_dialog import SiteJobDialog  # noqa: PLC0415

        picked = self.checks.selected_keys()
        dialog = SiteJobDialog(self.context, picked[0] if picked else self.context.site_id, self)
        if dialog.exec():
            self.stale = True
            self.refresh()
        return dialog

    def remove_jobs(self) -> None:
        from wengang.services.duties.sites import remove_site_job  # noqa: PLC0415

        ids = self.jobs.selected_keys()
        if not ids:
            self.status.setText(self.tr("先在下表中选中要删除的岗位供给"))
            return
        if QMessageBox.question(self, self.tr("删除岗位供给"),
                                self.tr("删除选中的 {0} 条岗位供给？").format(len(ids))) != QMessageBox.StandardButton.Yes:
            return
        for job_id in ids:
            remove_site_job(self.context.db, job_id)
        self.context.data_changed.emit()
        self.stale = True
        self.refresh()

    def refresh(self) -> None:
        from wengang.services.duties.sites import site_checks, site_jobs  # noqa: PLC0415

        as_of = self.context.as_of

        def done(result) -> None:
            checks, jobs = result
            self.status.setText(f"{len(checks)}个安置点，有意愿劳动力 {sum(c.willing for c in checks):,} 人，"
                                f"已达到 {sum(c.complete for c in checks):,} 人")
            self.checks.fill(["安置点", "有意愿劳动力", "已达到", "未达到", "岗位供给（条）", "未达到的人（前10）"],
                             [[c.site, c.willing, c.complete, len(c.short), c.jobs_offered,
                               "、".join(f"{p['name']}（培训{p['trainings']}、推荐{p['referrals']}）" for p in c.short[:10])]
                              for c in checks], keys=[c.site_id for c in checks])
            self.jobs.fill(["安置点", "用工单位", "岗位", "人数", "薪酬", "发布日期", "联系"],
                           [[j["site"], j["employer"], j["post"], j["openings"] or "", j["pay"] or "", j["offered_date"],
                             j["contact"] or ""] for j in jobs], keys=[j["id"] for j in jobs])

        self.load(lambda db: (site_checks(db, as_of), site_jobs(db)), done)


# --- deadlines -----------------------------------------------------------------------------------
class DeadlinesPage(Page):
    title = "报送时间"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.layout_.addWidget(self.status)
        self.table = RowsTable()
        self.layout_.addWidget(self.table, 1)

    def refresh(self) -> None:
        from wengang.services.duties.deadlines import CalendarUnknown, calendar_for, due_dates  # noqa: PLC0415
        from wengang.services.duties.schedule import schedule, state_word  # noqa: PLC0415
        from wengang.store.areas import installation  # noqa: PLC0415

        today = dt.date.today()
        found = schedule(self.context.db, today)
        if found.problem:
            self.status.setText(found.problem)
            self.table.fill([], [])
            return
        by = found.sender
        late = "、".join(f"{s.deadline.period_label}{'、'.join(s.missing)}" for s in found.late[-3:])
        late = (f"{len(found.late)} 期（{late}{'等' if len(found.late) > 3 else ''}）") if found.late else "没有"
        nxt = "；".join(f"{s.deadline.item.title}（{s.deadline.period_label}）{s.deadline.due}"
                       for s in found.upcoming) or "见下表"
        township = ("乡镇不向市里报送：下表是县里报送的截止日，本镇要在此前把修改用数据交换发给县里。"
                    f"{by.last_sent}{'' if by.sent else '（文件 → 数据交换…）'}。\n") if by.township else ""
        # the periods marked 建账前 below, or left out of the late: why, and where to change it
        began = (f"\n建账日期 {by.started}：此前截止的不算逾期（编辑 → 设置…中可改）。"
                 if by.started and (found.before_ledger or by.started.year == today.year) else "")
        self.status.setText(f"{township}今天 {today}。{'县里' if by.township else ''}下次报送：{nxt}。"
                            f"{by.late_word}：{late}。{began}" + "".join(f"\n注意：{u}" for u in found.unknown))
        unknown: list[str] = []
        try:
            calendar = calendar_for(installation(self.context.db).province)
            rows = due_dates(calendar, dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), unknown)
        except (LookupError, CalendarUnknown) as exc:
            self.status.setText(str(exc))
            return
        self.table.fill(["报送事项", "报表", "数据期间", "数据截止", by.due_word, "状态"],
                        [[d.item.title, "、".join(d.forms), d.period_label, d.period_end, d.due,
                          state_word(self.context.db, d, today, by)] for d in rows])


PAGES = (ServicesPage, SpotCheckPage, SurveyPage, FollowUpPage, EntitlementsPage, SitesPage, DeadlinesPage)


class DutiesTab(Tab):
    title = "日常工作"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.by_title: dict[str, Page] = {}
        for page_class in PAGES:
            page = page_class(context)
            self.by_title[page.title] = page
            self.pages.addTab(page, self.tr(page.title))
        self.pages.currentChanged.connect(lambda _i: self.refresh())
        layout.addWidget(self.pages)
        for page in self.by_title.values():
            page.layout_.setContentsMargins(4, 4, 4, 4)
        header = self.pages.tabBar()
        header.setExpanding(False)

    def mark_stale(self, *_args) -> None:
        for page in getattr(self, "by_title", {}).values():
            page.stale = True
        super().mark_stale()

    def refresh(self) -> None:
        page = self.pages.currentWidget()
        if isinstance(page, Page) and page.stale:
            page.stale = False
            page.refresh()

    def show_page(self, title: str) -> Page:
        page = self.by_title[title]
        self.pages.setCurrentWidget(page)
        return page

