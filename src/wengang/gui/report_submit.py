"""报送: hand in a form "as submitted" and find it again (issue 7).

- :class:`SubmitDialog` — how the form goes out (Excel, PDF, or printed with a PDF copy kept)
  and whether the month is locked; the tab then exports and calls
  ``services.archive.archive_report``.
- :class:`HistoryDialog` — the archived submissions of a form: reprint or export exactly what
  was submitted (from the archived numbers, not today's data), or compare with today's data.
- :class:`CompareDialog` — the submitted table with the cells that would now come out
  differently highlighted ("报送时→现在"): the 三一致 question.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.report_model import FormResultModel, format_value, lay_out
from wengang.gui.widgets.save_dialog import ask_save_path
from wengang.services import archive
from wengang.services.reports.model import FormResult

SUBMIT_KINDS = {"xlsx": "导出Excel（上报用）", "pdf": "导出PDF", "print": "打印（同时存档一份PDF）"}
FILE_FILTERS = {"xlsx": "Excel 工作簿 (*.xlsx)", "csv": "CSV 文件 (*.csv)", "pdf": "PDF 文件 (*.pdf)"}


def month_text(result: FormResult) -> str:
    return f"{result.as_of.year}年{result.as_of.month}月"


def write_form_file(reports, result: FormResult, path: Path) -> None:
    """``result`` to ``path`` in the format its suffix names (.xlsx, .csv, .pdf)."""
    kind = Path(path).suffix.lower().lstrip(".")
    if kind == "pdf":
        from wengang.gui.printing import write_form_pdf  # noqa: PLC0415 - Qt printing on demand
        write_form_pdf(result, path)
        return
    writer = getattr(reports, f"write_form_{kind}", None) if kind in FILE_FILTERS else None
    if writer is None:
        raise ValueError(f"不支持导出为“.{kind}”文件，请选择 .xlsx、.csv 或 .pdf")
    writer(result, path)


def recompute(db, reports, submitted: FormResult) -> FormResult:
    """The submitted form again from today's data: same date, grouping, period and area.

    (``services.archive.recompute`` does not know the area a form was limited to; the tab
    records it in ``params["area_id"]`` when it archives.)
    """
    params = submitted.params
    day = lambda key: dt.date.fromisoformat(params[key]) if params.get(key) else None  # noqa: E731
    return reports.compute_form(db, submitted.form_id, submitted.as_of, by=params.get("by", "township"),
                                period_from=day("period_from"), ref_date=day("ref_date"),
                                area_id=params.get("area_id"))


def print_result(parent: QWidget, result: FormResult):
    """Print preview of a form (also an archived one) through the shared painter."""
    from wengang.gui.print_preview import preview  # noqa: PLC0415
    from wengang.gui.printing import print_form  # noqa: PLC0415
    return preview(parent, lambda printer: print_form(result, printer))


class SubmitDialog(QDialog):
    """报送: choose how the form goes out and whether to lock the month."""

    def __init__(self, result: FormResult, parent: QWidget | None = None, *, already_locked: bool = False):
        super().__init__(parent)
        self.setWindowTitle("报送报表")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>{result.title}</b><br>数据截止日期：{result.as_of}")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        explain = QLabel("报送后，本表的数字、统计参数和报送的文件都会存档：以后随时可以原样重新打印，"
                         "也可以查看报送后数据又有哪些变化。")
        explain.setWordWrap(True)
        explain.setStyleSheet("color: #555;")
        layout.addWidget(explain)
        box = QGroupBox("报送方式")
        box_layout = QVBoxLayout(box)
        self.kinds = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for key, label in SUBMIT_KINDS.items():
            button = QRadioButton(label)
            self.kinds.addButton(button)
            self.buttons[key] = button
            box_layout.addWidget(button)
        self.buttons["xlsx"].setChecked(True)
        layout.addWidget(box)
        self.lock = QCheckBox(f"锁定{month_text(result)}：之后修改本月数据需要填写原因，并在修改记录中标出")
        self.lock.setChecked(already_locked)
        self.lock.setEnabled(not already_locked)
        if already_locked:
            self.lock.setText(f"{month_text(result)}已锁定")
        layout.addWidget(self.lock)
        buttons = QDialogButtonBox()
        buttons.addButton("报送", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def kind(self) -> str:
        return next(key for key, button in self.buttons.items() if button.isChecked())


class HistoryDialog(QDialog):
    """历史报送: the archived submissions of one form, newest first."""

    COLUMNS: ClassVar[list[str]] = ["编号", "报送时间", "数据截止日期", "报送人", "报送文件", "锁定"]

    def __init__(self, context, reports, form_id: str, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context, self.reports, self.form_id = context, reports, form_id
        self.setWindowTitle(f"历史报送 — {title}")
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        self.entries = archive.archived(context.db, form_id)
        self.table = QTableWidget(len(self.entries), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for r, entry in enumerate(self.entries):
            values = [entry.id, entry.submitted_at.replace("T", " ")[:16], entry.as_of, entry.user or "",
                      entry.file_name or "（仅数字）", "已锁定" if entry.locked else ""]
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if self.entries:
            self.table.selectRow(0)
        layout.addWidget(self.table, 1)
        self.empty = QLabel("这张报表还没有报送记录。在报表页点“报送…”后，报送的内容会存档在这里。")
        self.empty.setVisible(not self.entries)
        layout.addWidget(self.empty)
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.action_buttons = []
        for label, slot in [("重新打印…", self.reprint), ("导出…", self.export),
                            ("与当前数据比较", self.compare)]:
            button = QPushButton(label)
            button.clicked.connect(slot)
            button.setEnabled(bool(self.entries))
            self.action_buttons.append(button)
            row.addWidget(button)
        row.addStretch()
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()].id if rows else None

    def archived_result(self) -> FormResult | None:
        archive_id = self.selected_id()
        return None if archive_id is None else archive.load_archived(self.context.db, archive_id)

    def reprint(self) -> None:
        """Print exactly the submitted numbers (not a recomputation)."""
        result = self.archived_result()
        if result is not None:
            self.last_preview = print_result(self, result)

    def export(self) -> None:
        result = self.archived_result()
        if result is None:
            return
        path = ask_save_path(self, "导出报送时的报表", f"{result.title}_{result.as_of}_报送.xlsx",
                             ";;".join(FILE_FILTERS.values()), self.context.settings)
        if path is None:
            return
        try:
            write_form_file(self.reports, result, path)
        except (ValueError, OSError) as exc:
            QMessageBox.warning(self, "导出", f"导出失败：{exc}")
            return
        self.last_export = path
        self.status.setText(f"已导出 {path}")

    def compare(self) -> None:
        """三一致: recompute the submitted form from today's data (off the GUI thread)."""
        archive_id = self.selected_id()
        if archive_id is None:
            return
        submitted = archive.load_archived(self.context.db, archive_id)
        self.status.setText("正在按报送时的参数重新计算…")
        for button in self.action_buttons:
            button.setEnabled(False)

        def done(changes) -> None:
            for button in self.action_buttons:
                button.setEnabled(True)
            self.status.setText("与报送时一致" if not changes else f"与报送时相比有 {len(changes)} 处变化")
            self.comparison = CompareDialog(submitted, changes, self)
            self.comparison.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.comparison.show()

        def failed(exc: BaseException) -> None:
            for button in self.action_buttons:
                button.setEnabled(True)
            self.status.setText(f"无法比较：{exc}")

        reports = self.reports
        self.context.run_in_background(
            lambda db, _p: archive.diff_since_submitted(db, archive_id, recompute(db, reports, submitted)),
            done, failed)


class CompareDialog(QDialog):
    """The submitted form with each changed cell shown as "报送时→现在" on a red ground."""

    def __init__(self, submitted: FormResult, changes: list, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("与当前数据比较")
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        when = str(submitted.as_of)
        if not changes:
            summary = f"按今天的数据重新计算，{when} 的报表与报送时完全一致。"
        else:
            summary = (f"按今天的数据重新计算，{when} 的报表有 {len(changes)} 处与报送时不同"
                       "（红底的格子，显示为“报送时→现在”）。如需更正，请重新报送并说明原因。")
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        title = QLabel(submitted.title)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("font-size: 15px; font-weight: bold;")
        layout.addWidget(title)
        self.model = FormResultModel(self)
        self.model.set_result(submitted, {(c.row, c.column_key): (c.submitted, c.now) for c in changes})
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.horizontalHeader().setVisible(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        lay_out(self.view, self.model)
        layout.addWidget(self.view, 1)
        labels = {r.label for r in submitted.rows}
        columns = {c.key: c for c in submitted.columns}
        lines = []
        for change in changes:
            column = columns.get(change.column_key)
            before, now = ((format_value(column, v) if column else str(v or "")) or "空"
                           for v in (change.submitted, change.now))
            extra = "" if change.row in labels else "（报送时没有这一行）"
            lines.append(f"{change.row}{extra} · {change.column}：{before} → {now}")
        self.details = QPlainTextEdit("\n".join(lines))
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.details.setVisible(bool(lines))
        layout.addWidget(self.details)
        buttons = QDialogButtonBox()
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
