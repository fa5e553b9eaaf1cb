"""文件 → 数据交换…: packages between the townships and the county, and the conflict review.

The county sees every township with its last package and what is overdue, makes starting
packages and answers; a township sends its month and imports the county's answer. Packages
dropped into the inbox folder (a shared network folder) are picked up by a folder watcher.
The second tab lists conflicts side by side: pick the value to keep and give a reason; the
decision goes into the audit trail and travels with the next package.

Exports and imports run off the GUI thread behind a cancellable progress dialog
(``widgets.progress.run_with_progress``): at 50,000 households a township's starting package
took 4 CPU seconds to make and 8 to apply, a month's package 4 to apply, and the window froze
meanwhile. Each package is still applied in one transaction: 取消 rolls the current one back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext, Cancelled
from wengang.gui.widgets.progress import run_with_progress
from wengang.services.exchange import engine as ex
from wengang.store.db import get_setting, set_setting

PARTNER_HEADERS = ["单位", "已发到第几号", "最近发出", "已收到第几号", "最近收到", "待裁决冲突", "提醒"]
CONFLICT_HEADERS = ["编号", "来自", "类型", "记录", "项目", "上次交换时", "本机的值", "对方的值", "现保留", "状态"]
STATUS_WORDS = {"open": "待裁决", "decided": "已裁决", "refused": "已拒收"}
# What to do when an export or import failed for a reason the exchange did not foresee (a full
# disk, a damaged database file): the exchange's own refusals already say what to do.
RETRY_ADVICE = "请检查文件和磁盘空间后重试；仍不成功，请把这段话告诉县里的技术人员"


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _when(text: str | None) -> str:
    return (text or "")[:16].replace("T", " ")


def _import_in_order(db, progress, paths: list[Path]) -> list[tuple[Path, object]]:
    """(path, ImportResult | ExchangeRefused | None) for each package tried, on the background
    thread. A refused package does not stop the next one (another township's); 取消 rolls back
    the package under way (None) and stops, keeping the ones applied before it."""
    outcomes: list[tuple[Path, object]] = []
    for i, path in enumerate(paths):
        def step(done: int, steps: int, words: str, i: int = i) -> None:
            progress.callback(i * steps + done, len(paths) * steps, words)
        try:
            outcomes.append((path, ex.import_package(db, path, step)))
        except ex.ExchangeRefused as exc:
            outcomes.append((path, exc))
        except Cancelled:
            outcomes.append((path, None))
            break
    return outcomes


class ExchangeDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.db = context.db
        self.county = ex.level(self.db) == "county"
        self.setWindowTitle("数据交换")
        self.resize(900, 520)
        layout = QVBoxLayout(self)
        who = "县级台账：与各乡镇交换" if self.county else f"乡镇台账：与“{get_setting(self.db, ex.COUNTY_SETTING) or '县里'}”交换"
        self.title = QLabel(f"本机：{ex.my_area(self.db) or '（未设置）'}（{who}）")
        layout.addWidget(self.title)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._partners_page(), "交换包")
        self.tabs.addTab(self._conflicts_page(), "冲突裁决")
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(close)
        layout.addLayout(row)
        self.running = None  # the progress dialog of an export or import under way
        self.looking = False  # the inbox folder is being read
        self.imported: list[tuple[Path, ex.ImportResult | None]] = []  # the last run, for tests
        self.exported: ex.ExportResult | None = None
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _p: self.check_inbox(quiet=True))
        self._watch()
        self.reload()

    # --- packages ----------------------------------------------------------------------------
    def _county_due(self) -> str:
        """A township's next deadline: the county's, before which its changes should be sent."""
        from wengang.services.duties.schedule import schedule  # noqa: PLC0415 - only a township asks

        found = schedule(self.db, dt.date.today())
        if found.problem or not found.upcoming:
            return ""
        nearest = found.upcoming[0]
        late = f"；{found.sender.late_word} {len(found.late)} 期" if found.late else ""
        return (f"县里下次报送截止 {nearest.deadline.due}（{nearest.deadline.period_label}{'、'.join(nearest.deadline.forms)}），"
                f"请在此前发出{late}。")

    def _partners_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        hint = ("每月：各乡镇导出交换包发来，县里逐个导入，再给每个乡镇导出回执包（含县里的更正和裁决）。"
                if self.county else "每月：导出交换包发给县里；收到县里的回执包后导入。" + self._county_due())
        label = QLabel(hint)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.partners = _table(PARTNER_HEADERS)
        layout.addWidget(self.partners, 1)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("导入交换包…")
        self.import_button.clicked.connect(self.import_file)
        buttons.addWidget(self.import_button)
        self.export_button = QPushButton("给所选乡镇导出回执包…" if self.county else "导出交换包（发给县里）…")
        self.export_button.clicked.connect(self.export_file)
        buttons.addWidget(self.export_button)
        if self.county:
            self.base_button = QPushButton("给所选乡镇生成起始包…")
            self.base_button.clicked.connect(self.export_base)
            buttons.addWidget(self.base_button)
        buttons.addStretch()
        layout.addLayout(buttons)
        inbox = QHBoxLayout()
        inbox.addWidget(QLabel("收件文件夹："))
        self.inbox_edit = QLineEdit(get_setting(self.db, ex.INBOX_SETTING) or "")
        self.inbox_edit.setPlaceholderText("共享文件夹或U盘上的文件夹，放进去的交换包会自动导入")
        self.inbox_edit.editingFinished.connect(self._inbox_changed)
        inbox.addWidget(self.inbox_edit, 1)
        choose = QPushButton("选择…")
        choose.clicked.connect(self._choose_inbox)
        inbox.addWidget(choose)
        check = QPushButton("立即检查")
        check.clicked.connect(lambda: self.check_inbox(quiet=False))
        inbox.addWidget(check)
        layout.addLayout(inbox)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        return page

    def reload(self) -> None:
        rows = ex.status(self.db)
        self.partners.setRowCount(len(rows))
        for r, s in enumerate(rows):
            values = [s.partner, s.sent_seq, _when(s.last_sent_at), s.received_seq, _when(s.last_received_at),
                      s.open_conflicts or "", "逾期未交" if s.overdue else ""]
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setData(Qt.ItemDataRole.UserRole, s.partner)
                if c == 6 and value:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.partners.setItem(r, c, item)
        self._reload_conflicts()

    def _selected_partner(self) -> str | None:
        row = self.partners.currentRow()
        item = self.partners.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #a00;" if error else "color: #060;")
        self.message.setText(text)

    def busy(self) -> bool:
        """An export or import is under way, or the inbox folder is being read (the folder
        watcher fires while packages are written)."""
        return self.running is not None or self.looking

    def _run(self, title: str, work, done):
        """``work(db, progress)`` off the GUI thread behind 取消; returns the progress dialog."""
        def finished(result) -> None:
            self.running = None
            done(result)

        def failed(exc: BaseException) -> None:
            self.running = None
            if isinstance(exc, ex.ExchangeRefused):
                self._say(f"{title}未完成：{exc}", error=True)
            else:
                self._say(f"{title}未完成：{exc}。数据未作任何改动。{RETRY_ADVICE}。", error=True)

        def cancelled() -> None:
            self.running = None
            self._say(f"已取消{title}，数据未作任何改动。")

        self.running = run_with_progress(self.context, self, f"正在{title}", work, finished, failed, cancelled)
        return self.running

    def import_paths(self, paths: list[Path]):
        """Import ``paths`` in order on the background thread, each package in its own
        transaction; returns the progress dialog. A refused package is said and the next one
        still tried; 取消 rolls back the package under way and leaves the rest for later."""
        paths = [Path(p) for p in paths]
        return self._run("导入交换包", lambda db, progress: _import_in_order(db, progress, paths),
                         self.show_imported)

    def show_imported(self, outcomes: list) -> None:
        """Say what each package did (the last one's words stay; refusals in red)."""
        self.imported = [(path, r if isinstance(r, ex.ImportResult) else None) for path, r in outcomes]
        lines, error = [], False
        for path, r in outcomes:
            if r is None:
                lines.append(f"已取消导入 {path.name}，此包未作任何改动，可稍后再导入。")
            elif isinstance(r, ex.ExchangeRefused):
                lines.append(f"已拒收 {path.name}：{r}")
                error = True
            else:
                lines.append(f"已导入“{r.partner}”第{r.seq}号包：写入{r.applied}条"
                             + (f"，拒收{r.refused}处（非本乡镇记录）" if r.refused else "")
                             + (f"，{r.conflicts}处冲突待裁决（见“冲突裁决”）" if r.conflicts else "")
                             + f"。可在“导入”中撤销批次{r.batch_id}。")
        self._say("\n".join(lines), error=error)
        if any(r is not None for _p, r in self.imported):
            self.reload()
            self.context.data_changed.emit()

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入交换包", "", "交换包 (*.wgx)")
        if path:
            self.import_paths([Path(path)])

    def export_to(self, path: Path, *, base: bool = False):
        """Write the package for the selected township (county) or the county (township) on the
        background thread; returns the progress dialog, None when nothing was started."""
        partner = self._selected_partner() if self.county else None
        if self.county and not partner:
            self._say("请先在上面的表格中选中一个乡镇。", error=True)
            return None
        path = Path(path)

        def work(db, progress):
            try:
                if base:
                    return ex.export_base(db, partner, path, progress.callback)
                return ex.export_changes(db, path, township=partner, progress=progress.callback)
            except OSError as exc:
                raise ex.ExchangeRefused(f"无法写入 {path}：{exc.strerror or exc}，请换一个文件夹") from exc

        def done(result: ex.ExportResult) -> None:
            self.exported = result
            self._say(f"已生成发给“{result.partner}”的第{result.seq}号{'起始' if base else '交换'}包：{result.path}"
                      f"（{result.changes}处修改）")
            self.reload()

        return self._run("生成起始包" if base else "导出交换包", work, done)

    def _default_name(self, base: bool) -> str:
        partner = self._selected_partner() if self.county else get_setting(self.db, ex.COUNTY_SETTING)
        return f"{ex.my_area(self.db)}-发给{partner or ''}-{'起始包' if base else '交换包'}.wgx"

    def export_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出交换包", self._default_name(False), "交换包 (*.wgx)")
        if path:
            self.export_to(Path(path))

    def export_base(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "生成起始包", self._default_name(True), "交换包 (*.wgx)")
        if path:
            self.export_to(Path(path), base=True)

    def _choose_inbox(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "收件文件夹", self.inbox_edit.text())
        if folder:
            self.inbox_edit.setText(folder)
            self._inbox_changed()

    def _inbox_changed(self) -> None:
        set_setting(self.db, ex.INBOX_SETTING, self.inbox_edit.text().strip() or None)
        self._watch()

    def _watch(self) -> None:
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        folder = self.inbox_edit.text().strip()
        if folder and Path(folder).is_dir():
            self.watcher.addPath(folder)

    def check_inbox(self, quiet: bool = False) -> None:
        """Import every package waiting in the inbox folder, in order. The folder is read on the
        background thread without a progress box (the folder watcher calls this whenever a file
        changes there); only packages found are imported behind one. ``self.imported`` lists
        what the last import did."""
        folder = self.inbox_edit.text().strip()
        if not folder:
            if not quiet:
                self._say("请先设置收件文件夹。", error=True)
            return
        if self.busy():  # our own export into the folder, or a package still being applied
            return
        folder_path = Path(folder)

        def found(waiting: list[Path]) -> None:
            if waiting:
                self.import_paths(waiting)
            else:
                self.imported = []
                if not quiet:
                    self._say("收件文件夹里没有新的交换包。")
            self.looking = False

        def failed(exc: BaseException) -> None:
            self.looking = False
            if not quiet:
                self._say(f"无法读取收件文件夹 {folder}：{exc}", error=True)

        self.looking = True
        self.context.run_in_background(lambda db, _p: ex.pending_inbox(db, folder_path), found, failed)

    # --- conflicts ---------------------------------------------------------------------------
    def _conflicts_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.conflicts = _table(CONFLICT_HEADERS)
        self.conflicts.itemSelectionChanged.connect(self._conflict_selected)
        layout.addWidget(self.conflicts, 1)
        self.empty = QLabel("没有待裁决的冲突。")
        self.empty.setStyleSheet("color: #666;")
        layout.addWidget(self.empty)
        pick = QHBoxLayout()
        self.keep_local = QRadioButton("保留本机的值")
        self.keep_remote = QRadioButton("采用对方的值")
        group = QButtonGroup(page)
        group.addButton(self.keep_local)
        group.addButton(self.keep_remote)
        pick.addWidget(self.keep_local)
        pick.addWidget(self.keep_remote)
        pick.addWidget(QLabel("理由："))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：入户核实、电话核实（记入修改记录）")
        pick.addWidget(self.reason, 1)
        self.decide_button = QPushButton("裁决")
        self.decide_button.clicked.connect(self.decide_selected)
        pick.addWidget(self.decide_button)
        layout.addLayout(pick)
        row = QHBoxLayout()
        self.show_all = QCheckBox("也显示已裁决和已拒收的")
        self.show_all.toggled.connect(lambda _on: self._reload_conflicts())
        row.addWidget(self.show_all)
        excel = QPushButton("导出冲突清单（Excel）…")
        excel.clicked.connect(self._export_conflicts)
        row.addWidget(excel)
        row.addStretch()
        layout.addLayout(row)
        return page

    def _reload_conflicts(self) -> None:
        pending = len(ex.conflicts(self.db))
        items = ex.conflicts(self.db, status=None if self.show_all.isChecked() else "open")
        self.conflicts.setRowCount(len(items))
        for r, c in enumerate(items):
            values = [c.id, c.partner, c.kind_label, c.label, c.field_label, ex._show(c.base),  # noqa: SLF001
                      ex._show(c.local), ex._show(c.remote), "对方的值" if c.kept == "remote" else "本机的值",  # noqa: SLF001
                      STATUS_WORDS[c.status] + (f"：{c.reason}" if c.reason else "")]
            for col, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setData(Qt.ItemDataRole.UserRole, c.id)
                item.setData(Qt.ItemDataRole.UserRole + 1, c.status)
                self.conflicts.setItem(r, col, item)
        self.empty.setVisible(not items)
        self.tabs.setTabText(1, f"冲突裁决（{pending}）" if pending else "冲突裁决")
        self._conflict_selected()

    def _conflict_selected(self) -> None:
        row = self.conflicts.currentRow()
        item = self.conflicts.item(row, 0) if row >= 0 and self.conflicts.selectedItems() else None
        self.decide_button.setEnabled(item is not None and item.data(Qt.ItemDataRole.UserRole + 1) == "open")

    def decide_selected(self) -> bool:
        row = self.conflicts.currentRow()
        item = self.conflicts.item(row, 0) if row >= 0 else None
        if item is None:
            return False
        if not (self.keep_local.isChecked() or self.keep_remote.isChecked()):
            QMessageBox.information(self, "冲突裁决", "请选择保留本机的值还是采用对方的值。")
            return False
        try:
            ex.decide(self.db, item.data(Qt.ItemDataRole.UserRole),
                      "remote" if self.keep_remote.isChecked() else "local", self.reason.text())
        except ex.ExchangeRefused as exc:
            QMessageBox.warning(self, "冲突裁决", str(exc))
            return False
        self.reason.clear()
        self.reload()
        self.context.data_changed.emit()
        return True

    def _export_conflicts(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出冲突清单", "交换冲突.xlsx", "Excel (*.xlsx)")
        if path:
            try:
                ex.write_conflicts_xlsx(self.db, Path(path))
            except OSError as exc:
                QMessageBox.warning(self, "导出冲突清单", f"无法写入 {path}：{exc.strerror or exc}")
