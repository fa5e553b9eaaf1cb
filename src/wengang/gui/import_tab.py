"""导入: a wizard over the import service — file → detected kind → preview → confirm → result.

Reading a 100,000-row export takes seconds, so the preview and the import both run off the GUI
thread. Errors are listed row by row in red; a file with errors is not imported (nothing is
written) but its error workbook can be saved for the caseworker to fix and re-import. The list of recent
imports can undo a whole batch (``store.undo``) while nothing entered later depends on it.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.issues_model import IssuesModel
from wengang.gui.tab import Tab
from wengang.gui.widgets.lazy_table import LazyTableView
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.save_dialog import ask_open_path, ask_save_path
from wengang.paths import resource_path
from wengang.services import importing
from wengang.services.read import lookups


@lru_cache(maxsize=1)
def kind_labels() -> dict[str, str]:
    """Import kind → its name for people, from the import declarations (resources/import)."""
    try:
        raw = json.loads(resource_path("import", "kinds.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v["label"] for k, v in raw.items() if isinstance(v, dict) and v.get("label")}
CHANGE_HEADERS = ["姓名", "类别", "栏目", "原值", "新值"]
CHANGE_LIMIT = 5000


def batch_changes(db, batch_id: int, limit: int = CHANGE_LIMIT) -> list[list]:
    """The fields an import changed, one line per person and field: 姓名, 类别, 栏目, 原值,
    新值 (IDs and phones masked), from the audit trail (``services.audit_export``)."""
    from wengang.services.audit_export import audit_rows  # noqa: PLC0415
    from wengang.store.audit import audit_entries, field_label  # noqa: PLC0415
    bookkeeping = field_label("batch_id")  # which import wrote the row: not the caseworker's change
    entries = [e for e in reversed(audit_entries(db, batch_id=batch_id, limit=limit)) if e.action == "update"]
    return [[line[3], line[2], line[5], line[6], line[7]] for line in audit_rows(db, entries, masked=True)
            if line[5] != bookkeeping][:limit]


class ImportTab(Tab):
    title = "导入"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.path: Path | None = None
        self.preview = None
        self.result = None
        layout = QVBoxLayout(self)
        self.importing = importing
        self.steps = QLabel()
        self.steps.setStyleSheet("font-size: 14px; font-weight: bold;")
        layout.addWidget(self.steps)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self.pages.addWidget(self._choose_page())
        self.pages.addWidget(self._preview_page())
        self.pages.addWidget(self._result_page())
        self.go(0)

    # --- pages --------------------------------------------------------------------------------
    def _choose_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        text = QLabel(self.tr(
            "请选择从全国防止返贫监测信息系统导出的 Excel 文件（如“（务工月监测）已外出务工信息.xlsx”、"
            "“（自定义）监测对象信息.xlsx”）。程序根据表头自动识别文件类型，先预览、核对错误，确认后才写入。\n"
            "顺序：先导入人员信息（户、人），再导入务工监测、意愿摸排等文件；导入前请在“编辑 → 设置”中填好本县所在的省、市、县。"))
        text.setWordWrap(True)
        layout.addWidget(text)
        choose = QPushButton(self.tr("选择文件…"))
        choose.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(choose)
        row.addStretch()
        layout.addLayout(row)
        self.choose_status = QLabel()
        self.choose_status.setWordWrap(True)
        layout.addWidget(self.choose_status)
        layout.addWidget(QLabel(self.tr("最近的导入")))
        self.history = QTableWidget(0, 7)
        self.history.setHorizontalHeaderLabels(["批次", "时间", "文件", "类型", "新增", "修改", "结果"])
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.history.itemSelectionChanged.connect(self._history_selected)
        layout.addWidget(self.history, 1)
        row = QHBoxLayout()
        self.undo_button = QPushButton(self.tr("撤销本次导入…"))
        self.undo_button.setToolTip(self.tr("把所选的这次导入整批撤回（新增的删除、修改的改回原值）；"
                                            "导入后又修改过的记录会阻止撤销，数据不会改动"))
        self.undo_button.clicked.connect(self.undo_selected)
        row.addWidget(self.undo_button)
        row.addStretch()
        layout.addLayout(row)
        self._history_selected()
        return page

    def _selected_batch(self) -> tuple[int, str] | None:
        """(batch id, file name) of the selected import, if it can still be undone."""
        row = self.history.currentRow()
        item = self.history.item(row, 0) if row >= 0 and self.history.selectedItems() else None
        if item is None or item.data(Qt.ItemDataRole.UserRole + 1) != "done":
            return None
        return item.data(Qt.ItemDataRole.UserRole), self.history.item(row, 2).text()

    def _history_selected(self) -> None:
        self.undo_button.setEnabled(self._selected_batch() is not None)

    def undo_selected(self):
        """撤销本次导入 of the import selected in 最近的导入 (see :meth:`undo_batch`)."""
        chosen = self._selected_batch()
        if chosen is None:
            return None
        return self.undo_batch(*chosen)

    def undo_this_import(self):
        """撤销本次导入 on the result page: the import just made."""
        batch_id = self.result.batch_id if self.result is not None else None
        if batch_id is None:
            return None
        return self.undo_batch(batch_id, self.path.name if self.path else "")

    def undo_batch(self, batch_id: int, file_name: str):
        """Ask, then undo the batch off the GUI thread (a big batch takes a while);
        UndoError's message says why it could not be done (naming the person). Returns the
        progress dialog, or None when nothing was started."""
        if QMessageBox.question(self, self.tr("撤销本次导入"), (
                f"撤销导入批次{batch_id}（{file_name}）？\n本次导入新增的记录将被删除，修改过的记录改回导入前的值。"
                "\n如果导入后又修改或登记过这些人的记录，将不能撤销，数据不会改动。")) != QMessageBox.StandardButton.Yes:
            return None
        from wengang.store.undo import UndoError, undo_batch  # noqa: PLC0415

        def done(result) -> None:
            self.context.data_changed.emit()
            if self.pages.currentIndex() == 2 and self.result.batch_id == batch_id:
                self.undo_result_button.setEnabled(False)
                self.result_label.setText(self.result_label.text() + f"<br><b>已撤销本次导入（批次{batch_id}）。</b>")
            QMessageBox.information(self, self.tr("撤销本次导入"), (
                f"已撤销导入批次{batch_id}（{file_name}）：删除新增的 {result.deleted:,} 条，"
                f"改回 {result.restored:,} 条，恢复 {result.reinserted:,} 条。"))

        def failed(exc: BaseException) -> None:
            self.refresh()
            text = str(exc) if isinstance(exc, UndoError) else f"撤销失败：{exc}。数据未作任何改动。"
            QMessageBox.warning(self, self.tr("撤销本次导入"), text)

        return run_with_progress(self.context, self, self.tr("正在撤销导入"),
                                 lambda db, _p: undo_batch(db, batch_id), done, failed)

    def refresh(self) -> None:
        """The last imports (``import_batches``), newest first."""
        rows = lookups.import_history(self.context.db, limit=20)
        self.history.setRowCount(len(rows))
        status_words = {"done": "完成", "running": "未完成", "failed": "失败", "rolled_back": "已撤销",
                        "undone": "已撤销"}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                text = status_words.get(value, value) if c == 6 else value
                if c == 3:
                    text = kind_labels().get(value, value)
                text = "" if text is None else str(text)
                item = QTableWidgetItem(text.replace("T", " ") if c == 1 else text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, row[0])
                    item.setData(Qt.ItemDataRole.UserRole + 1, row[6])  # only a 'done' batch can be undone
                self.history.setItem(r, c, item)
        self._history_selected()

    def _preview_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        fields = QHBoxLayout()
        fields.addWidget(QLabel(self.tr("栏目：")))
        self.issue_fields = QComboBox()
        self.issue_fields.setToolTip(self.tr("只看某一栏目的错误和提示；括号里是条数"))
        self.issue_fields.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.issue_fields.currentIndexChanged.connect(self._issue_field_chosen)
        fields.addWidget(self.issue_fields)
        fields.addStretch()
        layout.addLayout(fields)
        self.issues_model = IssuesModel(self)
        # A lazy table's view: Ctrl+A and typed letters do not walk 40,000 提示 through the model
        # (widgets.lazy_table).
        self.issues = LazyTableView()
        self.issues.setModel(self.issues_model)
        self.issues.verticalHeader().setVisible(False)
        # Rows of one height, none measured: a file's 40,000 提示 are laid out without asking each.
        self.issues.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.issues.verticalHeader().setDefaultSectionSize(22)  # as the registry's tables
        self.issues.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issues.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.issues.setWordWrap(False)
        header = self.issues.horizontalHeader()
        for column, width in ((0, 70), (1, 150), (3, 60)):
            self.issues.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.issues, 1)
        buttons = QHBoxLayout()
        back = QPushButton(self.tr("重新选择文件…"))
        back.clicked.connect(self.start_over)
        buttons.addWidget(back)
        self.save_errors_button = QPushButton(self.tr("保存错误清单…"))
        self.save_errors_button.clicked.connect(self.save_errors)
        buttons.addWidget(self.save_errors_button)
        buttons.addStretch()
        self.confirm_button = QPushButton(self.tr("确认导入"))
        self.confirm_button.clicked.connect(self.confirm)
        buttons.addWidget(self.confirm_button)
        layout.addLayout(buttons)
        return page

    def _result_page(self) -> QWidget:
        """③ 导入结果: what was done, who changed in which field (old → new), and the undo."""
        page = QWidget()
        layout = QVBoxLayout(page)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setStyleSheet("font-size: 14px;")
        layout.addWidget(self.result_label)
        self.changes_label = QLabel()
        self.changes_label.setWordWrap(True)
        layout.addWidget(self.changes_label)
        self.changes = QTableWidget(0, len(CHANGE_HEADERS))
        self.changes.setHorizontalHeaderLabels(CHANGE_HEADERS)
        self.changes.verticalHeader().setVisible(False)
        self.changes.verticalHeader().setDefaultSectionSize(22)  # as the list of 提示: more of the 5,000 in view
        self.changes.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.changes.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.changes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.changes.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 110, 120, 180)):
            self.changes.setColumnWidth(column, width)
        layout.addWidget(self.changes, 1)
        row = QHBoxLayout()
        again = QPushButton(self.tr("导入另一个文件…"))
        again.clicked.connect(self.start_over)
        row.addWidget(again)
        row.addStretch()
        self.undo_result_button = QPushButton(self.tr("撤销本次导入…"))
        self.undo_result_button.setToolTip(self.tr("把刚才这次导入整批撤回：新增的删除，修改的改回原值"))
        self.undo_result_button.clicked.connect(self.undo_this_import)
        row.addWidget(self.undo_result_button)
        layout.addLayout(row)
        return page

    def start_over(self) -> None:
        """导入另一个文件 / 重新选择文件: back to ① with nothing stale on it, and the file picker open."""
        self.preview = None
        self.choose_status.setText("")
        self.choose_status.setStyleSheet("")
        self.go(0)
        self.refresh()
        self.choose_file()

    def go(self, step: int) -> None:
        self.pages.setCurrentIndex(step)
        names = ["① 选择文件", "② 预览核对", "③ 导入结果"]
        self.steps.setText("　→　".join(f"<u>{n}</u>" if i == step else n for i, n in enumerate(names)))

    # --- steps --------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path = ask_open_path(self, self.tr("选择导出文件"), "Excel 文件 (*.xlsx *.xls);;所有文件 (*)",
                             self.context.settings)
        if path is not None:
            self.load_preview(path)

    def load_preview(self, path: Path) -> None:
        """Read and check ``path`` in the background; the preview page shows the outcome."""
        self.path = Path(path)
        self.choose_status.setText(f"正在读取 {self.path.name}…")
        self.choose_status.setStyleSheet("")  # not in the red of a file that could not be read before
        importing = self.importing

        def failed(exc: BaseException) -> None:
            self.preview = None
            self.choose_status.setText(f"无法导入 {self.path.name}：{exc}")
            self.choose_status.setStyleSheet("color: #c62828;")

        def cancelled() -> None:
            self.preview = None
            self.choose_status.setText(self.tr("已取消读取 %s") % self.path.name)

        # The reading, checking and comparing report as they go; 取消 stops them (a 200,000-household
        # county's roster is read for 15 s or more).
        run_with_progress(self.context, self, self.tr("正在读取文件"),
                          lambda db, progress: importing.preview_file(db, path, progress=progress.callback),
                          self.show_preview, failed, cancelled)

    def show_preview(self, preview) -> None:
        self.preview = preview
        kind, errors, warnings = preview.kind, preview.errors, preview.warnings
        self.issues_model.set_issues(errors, warnings)
        self._list_issue_fields()
        counts = (f"将新增 {preview.to_add:,} 条，修改 {preview.to_change:,} 条，"
                  f"{preview.unchanged:,} 条无变化。")
        kind_text = kind_labels().get(kind, kind) if kind else "无法识别（表头不是国家系统导出的格式）"
        if errors and all(e.row <= 0 for e in errors):
            # about the whole file (or the order of the imports): said here, not "改正原文件"
            verdict = "<span style='color:#c62828'><b>不能导入：</b></span>" + html.escape(errors[0].message)
        elif errors or not kind:
            verdict = (f"<span style='color:#c62828'><b>有 {len(errors):,} 处错误，不能导入。</b></span>"
                       "请按下表改正原文件后重新选择，或保存错误清单交给填报人。")
        else:
            verdict = "<span style='color:#1b7f3b'><b>没有错误，可以导入。</b></span>" + (
                f" 另有 {len(warnings):,} 条提示，请留意。" if warnings else "")
        outside = f"<br><span style='color:#8a5a00'><b>{preview.outside}</b></span>" if preview.outside else ""
        if preview.hand_edits:  # listed first among the 提示 (no row: they are the ledger's, not the file's)
            outside += (f"<br><span style='color:#8a5a00'><b>其中 {preview.hand_edits:,} 处是台账中修改过、文件中不同的"
                        "内容（如已登记返乡，文件中仍在外务工），导入后以文件为准，见下表最前面的提示。</b></span>")
        self.summary.setText(f"文件：{self.path.name if self.path else ''}<br>类型：{kind_text}<br>"
                             f"{counts}<br>{verdict}{outside}")
        self.confirm_button.setEnabled(bool(kind) and not errors)
        self.save_errors_button.setEnabled(bool(errors or warnings))
        self.go(1)

    def _list_issue_fields(self) -> None:
        """The 栏目 choice: every 栏目 the errors and 提示 name, the most named first."""
        self.issue_fields.blockSignals(True)
        self.issue_fields.clear()
        self.issue_fields.addItem(self.tr("全部（%s条）") % f"{self.issues_model.rowCount():,}", None)
        for field, count in self.issues_model.fields():
            self.issue_fields.addItem(f"{field or self.tr('整个文件')}（{count:,}条）", field)
        self.issue_fields.blockSignals(False)
        self.issue_fields.setEnabled(self.issue_fields.count() > 2)  # one 栏目 or none: nothing to choose

    def _issue_field_chosen(self, index: int) -> None:
        self.issues_model.set_field(self.issue_fields.itemData(index) if index > 0 else None)
        self.issues.scrollToTop()

    def confirm(self) -> None:
        if self.preview is None or self.path is None or not self.confirm_button.isEnabled():
            return
        importing, path, kind = self.importing, self.path, self.preview.kind
        user = self.context.settings.value("user_name", None)

        def work(db, progress):
            return importing.import_file(db, kind, path, user=user, progress=progress.callback)

        run_with_progress(self.context, self, self.tr("正在导入"), work, self.show_result)

    def show_result(self, result) -> None:
        self.result = result
        added, changed, unchanged, errors = result.added, result.changed, result.unchanged, len(result.errors)
        self.result_label.setText(f"已导入 {self.path.name if self.path else ''}：新增 {added:,} 条，修改 {changed:,} 条，"
                                  f"{unchanged:,} 条无变化" + (f"，{errors:,} 行有错误未导入" if errors else "") + "。"
                                  + (f"以前导入的提示中有 {result.hints_resolved:,} 条已在本文件中改正，记为已处理。"
                                     if result.hints_resolved else "")
                                  + (f"{result.outside}。" if result.outside else ""))
        self.choose_status.setText("")  # the "正在读取…" of ① is over
        batch_id = result.batch_id
        self.undo_result_button.setEnabled(batch_id is not None)
        self.changes.setRowCount(0)
        self.changes_label.setText(self.tr("正在列出修改的内容…") if changed else self.tr("没有修改原有记录。"))
        self.go(2)
        self.context.data_changed.emit()
        if batch_id is not None and changed:
            self.context.run_in_background(lambda db, _p: batch_changes(db, batch_id), self.show_changes,
                                           lambda exc: self.changes_label.setText(f"无法列出修改：{exc}"))

    def show_changes(self, lines: list[list]) -> None:
        """Who changed in which field, old → new (证件号码 and 电话 masked)."""
        self.changes.setRowCount(len(lines))
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                self.changes.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
        more = f"（只列出前 {CHANGE_LIMIT:,} 处）" if len(lines) >= CHANGE_LIMIT else ""
        self.changes_label.setText(f"修改了以下 {len(lines):,} 处{more}：谁、哪一栏、原值 → 新值")

    def save_errors(self) -> None:
        if self.path is None:
            return
        target = ask_save_path(self, self.tr("保存错误清单"), f"{self.path.stem}_错误清单.xlsx",
                               "Excel 工作簿 (*.xlsx)", self.context.settings)
        if target is None:
            return
        importing, path, kind = self.importing, self.path, self.preview.kind

        def work(db, _progress):
            return importing.import_file(db, kind, path, dry_run=True, errors_path=target)

        def done(_result) -> None:
            self.error_workbook = target
            QMessageBox.information(self, self.tr("保存错误清单"), f"错误清单已保存到 {target}")

        run_with_progress(self.context, self, self.tr("正在生成错误清单"), work, done)
