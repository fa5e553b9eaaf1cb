"""报表: pick a form, period and grouping; see it like the seed table; drill into any number.

The form is computed by ``wengang.services.reports`` off the GUI thread; the table merges its
header cells with spans; a double-click on a number lists exactly the people counted in it.
Export goes to Excel, CSV or PDF; print preview and printing use ``gui.printing``.
报送… exports or prints the form "as submitted" and archives it (``services.archive``);
历史报送… reprints, exports or compares what was submitted (:mod:`wengang.gui.report_submit`).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.dialogs.persons_dialog import PersonsDialog
from wengang.gui.report_model import FormResultModel, lay_out
from wengang.gui.report_submit import HistoryDialog, SubmitDialog, month_text, print_result, write_form_file
from wengang.gui.tab import Tab
from wengang.gui.widgets.date_edit import DateEdit
from wengang.gui.widgets.flow import ElidedLabel, FlowLayout
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.save_dialog import ask_folder, ask_save_path
from wengang.services import archive, reports
from wengang.services.reports.model import FormResult
from wengang.services.reports.periods import PERIODS, form_period, period_start
from wengang.store.areas import area_path, default_grouping, heading, township_unit_name
from wengang.store.audit import locked_periods

GROUPINGS = {"township": "按乡镇", "village": "按村", "site": "按安置点", "county": "按县"}
EXPORTS = {"xlsx": "Excel 工作簿 (*.xlsx)", "csv": "CSV 文件 (*.csv)", "pdf": "PDF 文件 (*.pdf)"}
BACKGROUND_PDF_ROWS = 60  # a form by village runs to many pages: painted off the GUI thread


def note_text(note: str) -> str:
    """A form note as printed under the table: "注：" once, also when the declaration has it."""
    note = note.strip()
    return note if note.startswith(("注：", "注:")) else f"注：{note}"


class ReportTab(Tab):
    title = "报表"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.result: FormResult | None = None
        self._request: dict | None = None
        layout = QVBoxLayout(self)
        self.reports = reports
        self.forms = list(reports.list_forms())
        # Rows that wrap and messages that elide (gui.widgets.flow): the tab fits 1024 pixels
        # and an "已导出 <long path>" cannot push 生成报表 off the screen.
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        bar.addWidget(QLabel(self.tr("报表")))
        self.form_box = QComboBox()
        for form in self.forms:
            number = form.number
            # Declared titles are templates ("{area}脱贫人口…"): the picker shows them without the blanks.
            title = re.sub(r"\{[^}]*\}", "", form.title)
            self.form_box.addItem(f"{number} {title}".strip(), form.id)
        self.form_box.currentIndexChanged.connect(self._form_changed)
        self.form_box.setMinimumContentsLength(24)
        self.form_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        bar.addWidget(self.form_box)
        bar.addWidget(QLabel(self.tr("分组")))
        self.grouping = QComboBox()
        bar.addWidget(self.grouping)
        self.period_label = QLabel(self.tr("统计期起"))
        bar.addWidget(self.period_label)
        # Presets as the command line's --period (services.reports.periods): same defaults.
        self.period_preset = QComboBox()
        for key, label in PERIODS.items():
            self.period_preset.addItem(self.tr(label), key)
        self.period_preset.addItem(self.tr("自定义"), None)
        self.period_preset.currentIndexChanged.connect(self._preset_changed)
        bar.addWidget(self.period_preset)
        self.period_from = DateEdit(period_start(context.as_of, "month"))
        bar.addWidget(self.period_from)
        self.ref_label = QLabel(self.tr("对比日期"))
        bar.addWidget(self.ref_label)
        self.ref_date = DateEdit(dt.date(context.as_of.year - 1, 12, 31))
        bar.addWidget(self.ref_date)
        compute = QPushButton(self.tr("生成报表"))
        compute.setDefault(True)
        compute.clicked.connect(self.refresh)
        bar.addWidget(compute)
        layout.addWidget(bar_box)

        actions_box = QWidget()
        actions = FlowLayout(actions_box)
        for label, slot in [("导出Excel…", lambda: self.export("xlsx")), ("导出CSV…", lambda: self.export("csv")),
                            ("导出PDF…", lambda: self.export("pdf")), ("全部报表导出…", self.export_all),
                            ("打印预览…", self.print_),
                            ("通报草稿…", self.show_bulletin), ("报送…", self.submit),
                            ("历史报送…", self.show_history)]:
            button = QPushButton(self.tr(label))
            button.clicked.connect(slot)
            actions.addWidget(button)
        layout.addWidget(actions_box)
        self.status = ElidedLabel()
        self.status.setStyleSheet("color: #555;")
        layout.addWidget(self.status)

        self.title_label = QLabel()
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setWordWrap(True)
        self.title_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(self.title_label)
        self.meta_label = QLabel()
        self.meta_label.setWordWrap(True)
        layout.addWidget(self.meta_label)
        # While 设置 names no place: whose name the title and 填报单位 carry (a form to be stamped).
        self.place_note = QLabel()
        self.place_note.setWordWrap(True)
        self.place_note.setStyleSheet("color: #c62828;")
        self.place_note.hide()
        layout.addWidget(self.place_note)
        self.model = FormResultModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.horizontalHeader().setVisible(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.doubleClicked.connect(lambda index: self.drill_down(index.row(), index.column()))
        layout.addWidget(self.view, 1)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        layout.addWidget(self.notes_label)
        self._form_changed()
        context.area_changed.connect(self._area_changed)
        self._area_changed(context.area_id)

    def place(self) -> dict | None:
        """The area picked in the navigator ({id, name, level}), None for the whole county."""
        if self.context.area_id is None:
            return None
        path = area_path(self.context.db, self.context.area_id)
        return path[-1] if path else None

    def _area_changed(self, _area_id=None) -> None:
        """A township picked: its form is by village (a one-row table by township says nothing);
        the county again: by township."""
        wanted = default_grouping(self.context.db, self.context.area_id)
        index = self.grouping.findData(wanted)
        if index >= 0 and self.grouping.currentData() in ("township", "village") and index != self.grouping.currentIndex():
            self.grouping.setCurrentIndex(index)
            self.mark_stale()  # the refresh the area change started used the old grouping

    def unit_name(self) -> str | None:
        """填报单位: the township's government when a township is picked (a township fills in
        its own form), else the installation's unit (settings)."""
        place = self.place()
        if place is None or place["level"] != "township":
            return None
        return township_unit_name(place["name"])

    # --- choosing ---------------------------------------------------------------------------
    def current_form(self):
        i = self.form_box.currentIndex()
        return self.forms[i] if 0 <= i < len(self.forms) else None

    def _form_changed(self, *_args) -> None:
        form = self.current_form()
        self.grouping.clear()
        for key in (form.groupings or ("township",)) if form is not None else ():
            self.grouping.addItem(GROUPINGS.get(key, key), key)
        if hasattr(self, "notes_label"):  # not while building: the navigator's place is applied after
            self._area_changed()
        self.needs_period = form is not None and form.needs_period
        for w in (self.period_label, self.period_preset, self.period_from):
            w.setVisible(self.needs_period)
        if self.needs_period:
            decl = form.decl or {}
            self.period_preset.blockSignals(True)
            self.period_preset.setCurrentIndex(max(0, self.period_preset.findData(form_period(decl))))
            self.period_preset.blockSignals(False)
            self._apply_preset()
        # F3 compares 公益性岗位/帮扶车间 now with a reference date (seed 004 §二).
        self.needs_ref = form is not None and form.needs_ref_date
        for w in (self.ref_label, self.ref_date):
            w.setVisible(self.needs_ref)
        self.mark_stale()

    def _apply_preset(self) -> None:
        """The period's first day from the preset (本月/本季度/本年累计) and the as-of date."""
        preset = self.period_preset.currentData()
        if preset:
            self.period_from.set_date(period_start(self.context.as_of, preset))
        self.period_from.setEnabled(preset is None)

    def _preset_changed(self, *_args) -> None:
        self._apply_preset()
        self.mark_stale()

    def request(self) -> dict:
        """How the form is asked for (also what the drill-down passes back to the engine)."""
        params: dict = {"by": self.grouping.currentData() or "township"}
        if self.needs_period:
            self._apply_preset()  # a preset follows the as-of date
            params["period_from"] = self.period_from.value()
        if self.needs_ref:
            params["ref_date"] = self.ref_date.value()
        return params

    # --- computing --------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.current_form() is None:
            return
        form_id = self.current_form().id
        as_of, area_id, params = self.context.as_of, self.context.area_id, self.request()
        self._request = {"form_id": form_id, "as_of": as_of, "area_id": area_id, **params}
        request = self._request
        unit_name = self.unit_name()
        self.status.setText(self.tr("计算中…"))
        reports = self.reports

        def work(db, _progress):
            if unit_name:
                return reports.compute_form(db, form_id, as_of, area_id=area_id, unit_name=unit_name, **params), ""
            # While 设置 names no place, whose name the title and 填报单位 carry (read here: the
            # window's connection may be closed by the time the result arrives).
            return reports.compute_form(db, form_id, as_of, area_id=area_id, **params), heading(db).note

        def done(computed: tuple[FormResult, str]) -> None:
            result, place_note = computed
            if area_id is not None:  # kept with the numbers when archived: 报送 compares the same area
                result.params["area_id"] = area_id
            if request is self._request:
                self.show_result(result, place_note)

        def failed(exc: BaseException) -> None:
            self.status.setText(f"生成失败：{exc}")

        self.context.run_in_background(work, done, failed)

    def show_result(self, result: FormResult, place_note: str = "") -> None:
        self.result = result
        self.model.set_result(result)
        lay_out(self.view, self.model)
        self.title_label.setText(result.title)
        period = f"{result.period_from} 至 " if result.period_from else "数据截止日期："
        self.meta_label.setText(f"填报单位：{result.unit_name}　　{period}{result.as_of}　　"
                                f"数据来源：{result.data_source}　　单位：{result.unit}")
        self.place_note.setText(place_note)
        self.place_note.setVisible(bool(place_note))
        footer = "　　".join(f"{k}：{v}" for k, v in result.footer.items())
        self.notes_label.setText("\n".join([*(note_text(n) for n in result.notes), footer]).strip())
        self.status.setText(self.tr("双击数字可查看对应人员"))

    # --- drill-down -------------------------------------------------------------------------
    def _cell_request(self, table_row: int, table_column: int) -> tuple | None:
        """(form_id, as_of, row area, column key, params) for a number cell, else None."""
        row, column = self.model.form_row(table_row), self.model.column(table_column)
        if row is None or column is None or column.kind in ("area", "text") or self._request is None:
            return None
        req = dict(self._request)
        form_id, as_of = req.pop("form_id"), req.pop("as_of")
        row_area = None if row.kind == "total" else row.area_id  # 合计: the whole scope (area_id)
        return form_id, as_of, row_area, column.key, req

    def cell_person_ids(self, table_row: int, table_column: int, db=None) -> list[int] | None:
        """The persons counted in a cell (None for labels and headers), on ``db`` or the GUI's."""
        request = self._cell_request(table_row, table_column)
        if request is None:
            return None
        form_id, as_of, row_area, key, params = request
        return list(self.reports.cell_persons(db or self.context.db, form_id, as_of, row_area, key, **params))

    def drill_down(self, table_row: int, table_column: int) -> bool:
        """Double-click on a number: list its persons in a dialog (looked up off the GUI thread,
        where the form's statuses are already derived). Returns whether a lookup started."""
        if self._cell_request(table_row, table_column) is None:
            return False
        row, column = self.model.form_row(table_row), self.model.column(table_column)
        place = self.place() if row.kind == "total" else None
        label = f"{place['name']}{row.label}" if place else row.label  # 城关镇合计, not just 合计
        title = f"{label} · {column.label}"
        self.status.setText(f"正在查找“{title}”的人员…")

        def show(ids) -> None:
            self.status.setText(self.tr("双击数字可查看对应人员"))
            dialog = PersonsDialog(self.context, title, ids, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()
            self.last_drill = dialog

        def failed(exc: BaseException) -> None:
            self.status.setText(f"这一栏不能列出人员：{exc}")

        self.context.run_in_background(lambda db, _p: self.cell_person_ids(table_row, table_column, db),
                                       show, failed)
        return True

    # --- output -----------------------------------------------------------------------------
    def can_export(self) -> bool:
        return self.result is not None

    can_print = can_export

    def export(self, kind: str = "xlsx") -> None:
        if self.result is None:
            return
        path = ask_save_path(self, self.tr("导出报表"), f"{self.result.title}_{self.result.as_of}.{kind}",
                             EXPORTS[kind], self.context.settings)
        if path is None:
            return
        self.write_file(self.result, path, lambda: self.status.setText(f"已导出 {path}"))

    def export_all(self) -> None:
        """F1–F9 at this date, area and grouping (F3's 对比日期 as set here; the 统计期 as
        :meth:`_batch_period_from` says) into one folder as Excel, one file each
        (``services.reports.write_forms``), off the GUI thread."""
        folder = ask_folder(self, self.tr("全部报表导出到文件夹"), self.context.settings)
        if folder is None:
            return
        reports, as_of, area_id = self.reports, self.context.as_of, self.context.area_id
        by = self.grouping.currentData() or "township"
        period_from, ref_date = self._batch_period_from(), self.ref_date.value()
        form_ids = [form.id for form in self.forms]

        def work(db, progress):
            return reports.write_forms(db, form_ids, as_of, folder, by=by, period_from=period_from,
                                       ref_date=ref_date, area_id=area_id, progress=progress.callback)

        def done(files) -> None:
            self.last_export = folder
            self.status.setText(self.tr("已导出{n}张报表到 {folder}").format(n=len(files), folder=folder))

        run_with_progress(self.context, self, self.tr("正在导出全部报表"), work, done)

    def _batch_period_from(self) -> dt.date | None:
        """The 统计期起 every period form of 全部导出 gets: None (each its own, F4 本季度 and F9
        本月, as ``wengang report all`` gives them) unless a period other than the form on
        screen's own was chosen here, which then holds for all (as ``report all --period``)."""
        form = self.current_form()
        if not self.needs_period or form is None:
            return None  # the field is hidden: what it holds was never chosen
        if self.period_preset.currentData() == form_period(form.decl or {}):
            return None
        self._apply_preset()  # a preset follows the as-of date
        return self.period_from.value()

    def write_file(self, result: FormResult, path: Path, done) -> None:
        """``result`` to ``path``; a long PDF (a form by village) is painted off the GUI thread
        behind a progress dialog, everything else here and now. ``done()`` after it is written."""
        reports = self.reports

        def written(_result=None) -> None:
            self.last_export = path
            done()

        def failed(exc: BaseException) -> None:
            QMessageBox.warning(self, self.tr("导出"), f"导出失败：{exc}")

        if Path(path).suffix.lower() == ".pdf" and len(result.rows) > BACKGROUND_PDF_ROWS:
            run_with_progress(self.context, self, self.tr("正在导出PDF"),
                              lambda _db, _p: write_form_file(reports, result, path), written, failed)
            return
        try:
            write_form_file(reports, result, path)
        except (ImportError, ValueError, OSError) as exc:
            failed(exc)
            return
        written()

    def print_(self) -> None:
        if self.result is None:
            return
        self.last_preview = print_result(self, self.result)

    # --- 报送 -------------------------------------------------------------------------------
    def submit(self) -> None:
        """报送: export or print the shown form, archive its numbers and file, maybe lock the month."""
        if self.result is None:
            QMessageBox.information(self, self.tr("报送"), self.tr("请先点“生成报表”，核对无误后再报送。"))
            return
        result = self.result
        locked = result.as_of.strftime("%Y-%m") in locked_periods(self.context.db)
        dialog = SubmitDialog(result, self, already_locked=locked)
        self.last_submit_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        kind, lock = dialog.kind(), dialog.lock.isChecked() and not locked
        if kind == "print":
            # What is printed is kept as a PDF from the same painter, to reprint it exactly.
            folder = Path(tempfile.mkdtemp(prefix="wengang-submit-"))
            path = folder / f"{result.title}_{result.as_of}.pdf"
            try:
                write_form_file(self.reports, result, path)
                self._archive(result, path, lock)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            self.last_preview = print_result(self, result)
            return
        path = ask_save_path(self, self.tr("报送：导出报表"), f"{result.title}_{result.as_of}.{kind}",
                             EXPORTS[kind], self.context.settings)
        if path is not None:
            self.write_file(result, path, lambda: self._archive(result, path, lock))

    def _archive(self, result: FormResult, path: Path, lock: bool) -> int:
        archive_id = archive.archive_report(self.context.db, result, path, lock=lock)
        self.last_archive_id = archive_id
        locked = f"，{month_text(result)}已锁定" if lock else ""
        self.status.setText(f"已报送并存档（第 {archive_id} 号）{locked}")
        return archive_id

    def show_history(self) -> None:
        """历史报送 of the chosen form."""
        form = self.current_form()
        if form is None:
            return
        form_id = self.result.form_id if self.result is not None else form.id
        self.history = HistoryDialog(self.context, self.reports, form_id, self.form_box.currentText(), self)
        self.history.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.history.show()

    def bulletin_text(self, db=None, as_of: dt.date | None = None, area_id: int | None = None,
                      ref_date: dt.date | None = None) -> str:
        """The 通报 draft (``services.bulletin.bulletin_at``) for the place picked."""
        from wengang.services.bulletin import bulletin_at  # noqa: PLC0415
        db = db or self.context.db
        as_of = as_of or self.context.as_of
        area_id = self.context.area_id if area_id is None else area_id
        return bulletin_at(db, as_of, area_id=area_id, ref_date=ref_date)

    def show_bulletin(self) -> None:
        self.status.setText(self.tr("正在起草通报…"))
        # read on the GUI thread; the draft is computed on the worker's connection
        as_of, area_id = self.context.as_of, self.context.area_id
        ref_date = self.ref_date.value() if self.needs_ref else None  # the 对比日期 the user sees on F3

        def show(text: str) -> None:
            self.status.setText("")
            self.bulletin = BulletinDialog(text, self)
            self.bulletin.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.bulletin.show()

        def failed(exc: BaseException) -> None:
            self.status.setText(f"无法起草通报：{exc}")

        self.context.run_in_background(lambda db, _p: self.bulletin_text(db, as_of, area_id, ref_date),
                                       show, failed)


class BulletinDialog(QDialog):
    """The bulletin draft, editable, with a button that copies it for WPS/Word."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("通报草稿")
        self.resize(720, 520)
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(text)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox()
        copy = buttons.addButton("复制全文", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy)
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.text.toPlainText())
