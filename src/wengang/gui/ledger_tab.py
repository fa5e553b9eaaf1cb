"""台账: pick a list (the six lists and the other ledgers), see it, export it to Excel or PDF,
print it (through ``gui.printing``, see :mod:`wengang.gui.ledger_output`).

The 隐藏证件号码 choice is remembered per list in the database (``services.privacy``), and an
unmasked export to a USB stick asks first (issue 7).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from wengang.gui import ledger_output
from wengang.gui.context import AppContext
from wengang.gui.ledger_model import PAGE, LedgerModel
from wengang.gui.tab import Tab
from wengang.gui.widgets.flow import ElidedLabel, FlowLayout
from wengang.gui.widgets.lazy_table import LazyTableView
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.save_dialog import ask_folder, ask_save_path
from wengang.services import ledgers
from wengang.services.privacy import mask_preference, set_mask_preference
from wengang.services.read.lookups import person_id_by_id_number

PRINT_ROW_LIMIT = ledger_output.PRINT_ROW_LIMIT


class LedgerTab(Tab):
    title = "台账"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        self.ledger_db = None
        self.ledgers = ledgers
        self.available = list(ledgers.list_ledgers())
        self._building = False
        self._again = False
        self._sized_for = None  # the list whose column widths were last set
        split = QSplitter()
        self.picker = QListWidget()
        for item in self.available:
            entry = QListWidgetItem(item.title)
            entry.setData(Qt.ItemDataRole.UserRole, item.id)
            self.picker.addItem(entry)
        self.picker.setMaximumWidth(260)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.picker, 1)
        # The monthly upload: all six lists at the date, one file each, in one go.
        self.export_six = QPushButton(self.tr("六张清单全部导出…"))
        self.export_six.setToolTip(self.tr("把六张清单按当前日期、地区和脱敏选择各导出为一个Excel文件，放到所选文件夹"))
        self.export_six.clicked.connect(self.export_six_lists)
        self.export_six.setMaximumWidth(260)
        left_layout.addWidget(self.export_six)
        split.addWidget(left)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        # The caption is elided and on its own line, the buttons wrap: picking another list
        # (a longer title, another count) moves nothing, and the tab fits 1024 pixels.
        self.caption = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.caption.setStyleSheet("font-weight: bold;")
        right_layout.addWidget(self.caption)
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        self.mask = QCheckBox(self.tr("隐藏证件号码、电话中间几位（显示和导出）"))
        self.mask.setChecked(True)
        self.mask.toggled.connect(self._mask_toggled)
        bar.addWidget(self.mask)
        export = QPushButton(self.tr("导出Excel…"))
        export.clicked.connect(self.export)
        bar.addWidget(export)
        pdf = QPushButton(self.tr("导出PDF…"))
        pdf.clicked.connect(self.export_pdf)
        bar.addWidget(pdf)
        printer = QPushButton(self.tr("打印…"))
        printer.clicked.connect(self.print_)
        bar.addWidget(printer)
        right_layout.addWidget(bar_box)
        self.model = LedgerModel(self)
        self.model.number_rows = self._number_rows  # a deep page numbers the rows on the worker
        self.view = LazyTableView()
        self.view.typed.connect(context.find_typed)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.verticalHeader().setVisible(False)  # the ledger has its own 序号
        self.view.doubleClicked.connect(lambda index: self.open_person_at(index.row()))
        self.view.setToolTip(self.tr("双击一行打开该人员（需取消“隐藏证件号码”）"))
        self.order_by: str | None = None
        header = self.view.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self._sort)
        right_layout.addWidget(self.view, 1)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        layout.addWidget(split)
        self.picker.currentRowChanged.connect(self._picked)
        if self.available:
            self.picker.setCurrentRow(0)

    def size_columns(self, widths: list[float] | None) -> None:
        """Columns as wide as the list declares them for Excel (character widths), and never
        narrower than their header: a 户编号 or 证件号码 is read whole, not as 6207220010…."""
        if not widths:
            return
        metrics = self.view.fontMetrics()
        digit = metrics.horizontalAdvance("0")
        header = self.view.horizontalHeader()
        for section, width in enumerate(widths[: self.model.columnCount()]):
            label = self.model.columns[section]
            header.resizeSection(section, max(round(width * digit) + 12, metrics.horizontalAdvance(label) + 18))

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        """A header click: the ledger query sorts in SQL by that column's label (序号: area order)."""
        label = self.model.columns[column] if 0 < column < len(self.model.columns) else None
        self.order_by = None if label is None else ("-" if order == Qt.SortOrder.DescendingOrder else "") + label
        self.mark_stale()

    def current_id(self):
        item = self.picker.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def mask_kind(self) -> str | None:
        """The export kind the masking choice is remembered under (``ledger_labour`` …)."""
        ledger_id = self.current_id()
        return None if ledger_id is None else f"ledger_{ledger_id}"

    def _mask_toggled(self, checked: bool) -> None:
        kind = self.mask_kind()
        if kind is not None:
            set_mask_preference(self.context.db, kind, checked)
        self.mark_stale()

    def _picked(self, _row: int) -> None:
        kind = self.mask_kind()
        if kind is not None:  # this list's remembered choice (masked unless told otherwise)
            self.mask.blockSignals(True)
            self.mask.setChecked(mask_preference(self.context.db, kind))
            self.mask.blockSignals(False)
        self.order_by = None
        self.view.horizontalHeader().blockSignals(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.horizontalHeader().blockSignals(False)
        self.mark_stale()  # a hidden tab computes nothing until it is shown

    def refresh(self) -> None:
        """Build the ledger query off the GUI thread (it derives every status: seconds at county
        scale), then show it; the table pages rows in as the view asks."""
        ledger_id = self.current_id()
        if ledger_id is None:
            return
        if self._building:
            self._again = True  # one build at a time on the ledger connection; redo when it ends
            return
        # A model reset gives every column the default width again: the same list (re-sorted,
        # unmasked, at another date) keeps what the user dragged; a new list starts from its
        # declared widths.
        header = self.view.horizontalHeader()
        kept = [header.sectionSize(i) for i in range(header.count())] \
            if self._sized_for == ledger_id and self.model.query is not None else None
        self.model.set_query(None)  # the GUI thread leaves the ledger connection alone while building
        title = self.picker.currentItem().text()
        self.caption.setText(f"{title}（截至 {self.context.as_of}，计算中…）")
        ledgers = self.ledgers
        as_of, area_id, site_id = self.context.as_of, self.context.area_id, self.context.site_id
        order_by, mask = self.order_by, self.mask.isChecked()
        self._building = True

        def work(_worker_db, _progress):
            if self.ledger_db is None:
                # The shown query keeps a TEMP status table and is paged from the GUI thread, so
                # it lives on its own connection (opened here: the open checks the whole file).
                self.ledger_db = self.context.connect()  # with the password of an encrypted file
            query = ledgers.ledger_query(self.ledger_db, ledger_id, as_of, area_id=area_id, site_id=site_id,
                                         order_by=order_by, mask=mask)
            query.prepare()  # the order ranks here, not on the GUI thread's first page
            count = query.count()  # counted here: at county scale it takes a moment
            return query, count, query.first_rows(PAGE)  # and the rows shown first

        def finished(built) -> None:
            self._building = False
            if self.ledger_db is None:
                return  # the window closed meanwhile
            if self._again:
                self._again = False
                self.refresh()
                return
            if built is not None:
                header = self.view.horizontalHeader()
                self.model.set_query(*built)
                self._sized_for = ledger_id
                if kept and len(kept) == header.count():
                    for section, size in enumerate(kept):
                        header.resizeSection(section, size)
                else:
                    self.size_columns(built[0].widths)
                self.caption.setText(f"{title}（截至 {as_of}，共 {self.model.rowCount():,} 人）")

        def failed(exc: BaseException) -> None:
            finished(None)
            self.caption.setText(f"{title}：无法生成（{exc}）")

        self.context.run_in_background(work, finished, failed)

    def _number_rows(self, query, done) -> None:
        """The model's deep page needs every member numbered: on the worker, as the build was."""
        def failed(exc: BaseException) -> None:
            done(False)
            self.caption.setText(f"{self.caption.text()}：后面的行无法显示（{exc}）")

        self.context.run_in_background(lambda _db, _progress: query.number_rows(), lambda _r: done(True), failed)

    def show_ledger(self, ledger_id: str) -> bool:
        """Pick the list ``ledger_id`` (``labour``, ``willing`` …); False when there is none."""
        for i in range(self.picker.count()):
            if self.picker.item(i).data(Qt.ItemDataRole.UserRole) == ledger_id:
                self.picker.setCurrentRow(i)
                return True
        return False

    def open_person_at(self, row: int) -> int | None:
        """Open the person of a ledger row, found by its 证件号码 (not possible while masked)."""
        if "证件号码" not in self.model.columns:
            return None
        if self.model.row(row) is None:  # its page is still being read on the worker ("…")
            self.say(self.tr("这一页还在读取，稍候片刻再双击即可打开人员"))
            return None
        number = self.model.index(row, self.model.columns.index("证件号码")).data()
        person_id = person_id_by_id_number(self.context.db, number)
        if person_id is None:
            hint = (self.tr("证件号码已隐藏：取消勾选“隐藏证件号码”后可双击打开人员") if self.mask.isChecked()
                    else self.tr("找不到证件号码为 %1 的人员（可能刚被删除）").replace("%1", number or ""))
            self.caption.setToolTip(hint)
            self.say(hint)
            return None
        self.context.open_person.emit(person_id)
        return person_id

    def shutdown(self) -> None:
        if self.ledger_db is not None:
            self.ledger_db.close()
            self.ledger_db = None

    def is_ready(self) -> bool:
        return not self._building and self.model.query is not None

    def can_export(self) -> bool:
        return self.current_id() is not None

    can_print = can_export

    def export(self) -> None:
        ledger_id = self.current_id()
        if ledger_id is None:
            return
        name = self.picker.currentItem().text()
        path = ask_save_path(self, self.tr("导出台账"), f"{name}_{self.context.as_of}.xlsx",
                             "Excel 工作簿 (*.xlsx)", self.context.settings)
        if path is None or not self.ask_masking() or not ledger_output.confirm_unmasked(self, path, self.mask.isChecked()):
            return
        as_of, area_id, site_id = self.context.as_of, self.context.area_id, self.context.site_id
        mask, order_by = self.mask.isChecked(), self.order_by
        ledgers = self.ledgers

        def work(db, progress):
            return ledgers.write_ledger(db, ledger_id, as_of, path, mask=mask, area_id=area_id,
                                        site_id=site_id, order_by=order_by, progress=progress.callback)

        self.last_export = path
        run_with_progress(self.context, self, self.tr("正在导出台账"), work,
                          lambda _r: self.say(f"已导出 {path}"))

    def export_six_lists(self) -> None:
        """The six lists into one folder (``services.ledgers.write_ledgers``), off the GUI thread."""
        folder = ask_folder(self, self.tr("六张清单导出到文件夹"), self.context.settings)
        if folder is None or not self.ask_masking("六张清单") or not ledger_output.confirm_unmasked(
                self, folder / "六张清单.xlsx", self.mask.isChecked()):
            return
        as_of, area_id, site_id = self.context.as_of, self.context.area_id, self.context.site_id
        mask, ledgers = self.mask.isChecked(), self.ledgers

        def work(db, progress):
            return ledgers.write_ledgers(db, ledgers.SIX_LISTS, as_of, folder, mask=mask, area_id=area_id,
                                         site_id=site_id, progress=progress.callback)

        def done(files) -> None:
            self.last_export = folder
            self.say(self.tr("已导出六张清单（{n}个文件，共{persons:,}人次）到 {folder}").format(
                n=len(files), persons=sum(n for _, _, n in files), folder=folder))

        run_with_progress(self.context, self, self.tr("正在导出六张清单"), work, done)

    def ask_masking(self, what: str | None = None) -> bool:
        """Asked at every export, showing this list's remembered choice (the checkbox follows
        the answer); False when cancelled."""
        from wengang.gui.widgets import mask_choice  # noqa: PLC0415
        kind = self.mask_kind()
        if kind is None:
            return False
        masked = mask_choice.ask_masking(self, self.context.db, kind, what or self.picker.currentItem().text())
        if masked is None:
            return False
        if masked != self.mask.isChecked():
            self.mask.setChecked(masked)  # remembered by _mask_toggled; the shown list follows
        return True

    def _query_maker(self):
        """Builds the shown ledger (same list, date, area, order, masking) on another
        connection — the worker's: the shown query belongs to the GUI thread."""
        ledgers, ledger_id = self.ledgers, self.current_id()
        as_of, area_id, site_id = self.context.as_of, self.context.area_id, self.context.site_id
        mask, order_by = self.mask.isChecked(), self.order_by
        return lambda db: ledgers.ledger_query(db, ledger_id, as_of, area_id=area_id, site_id=site_id,
                                               order_by=order_by, mask=mask)


    def export_pdf(self) -> None:
        """The whole list to PDF (header on every page, page numbers), off the GUI thread."""
        if self.current_id() is None:
            return
        name = self.picker.currentItem().text()
        path = ask_save_path(self, self.tr("导出台账PDF"), f"{name}_{self.context.as_of}.pdf",
                             "PDF 文件 (*.pdf)", self.context.settings)
        if path is None or not self.ask_masking() or not ledger_output.confirm_unmasked(self, path, self.mask.isChecked()):
            return
        self.last_export = path
        ledger_output.write_pdf_in_background(
            self.context, self, self._query_maker(), path,
            lambda pages: self.say(f"已导出 {path}（共 {pages} 页）"))

    def print_(self) -> None:
        """Print preview of the shown list; a long list can instead be printed directly, painted
        off the GUI thread (the preview paints on it, so it shows the first rows only)."""
        if self.current_id() is None or self.model.query is None:
            return
        rows = self.model.rowCount()
        limit = None
        if rows > ledger_output.PREVIEW_ROW_LIMIT:
            box = QMessageBox(QMessageBox.Icon.Question, self.tr("打印台账"), self.tr(
                f"台账共 {rows:,} 行（约 {ledger_output.pages_hint(rows):,} 页）。\n"
                f"打印预览只显示前 {ledger_output.PREVIEW_ROW_LIMIT:,} 行；直接打印最多 {PRINT_ROW_LIMIT:,} 行，"
                "在后台排版，不影响继续工作。完整台账请导出Excel或PDF。"), parent=self)
            preview_button = box.addButton(self.tr("预览前 {0:,} 行").format(ledger_output.PREVIEW_ROW_LIMIT),
                                           QMessageBox.ButtonRole.AcceptRole)
            direct = box.addButton(self.tr("直接打印…"), QMessageBox.ButtonRole.ActionRole)
            box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            if box.clickedButton() is direct:
                ledger_output.print_in_background(self.context, self, self._query_maker(), rows,
                                                  lambda pages: self.say(f"已送打印机（{pages} 页）"))
                return
            if box.clickedButton() is not preview_button:
                return
            limit = ledger_output.PREVIEW_ROW_LIMIT
        self.preview_in_background(limit)

    def preview_in_background(self, limit: int | None):
        """The pages are laid out and drawn on the worker thread (``printing.pictures``) behind a
        progress dialog; the preview then only replays them, so the window never freezes."""
        from wengang.gui.printing import ledger_document  # noqa: PLC0415 - on demand
        from wengang.gui.printing.pictures import paint_pictures  # noqa: PLC0415
        make_query = self._query_maker()

        def work(db, _progress):
            return paint_pictures(ledger_document(make_query(db), limit))

        def show(pages) -> None:
            from wengang.gui.print_preview import preview  # noqa: PLC0415
            from wengang.gui.printing.pictures import replay  # noqa: PLC0415
            self.last_preview = preview(self, lambda printer: replay(*pages, printer))

        return run_with_progress(self.context, self, self.tr("正在排版打印预览"), work, show)
