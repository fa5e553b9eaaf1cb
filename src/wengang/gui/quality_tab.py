"""数据质量: findings of the data-quality rules by rule and area; double-click opens the person.

The rules run by themselves in the background (``gui.quality_watch``) after every change and at
start; until the first run the count says "未检查", not 0. 按村导出… writes the findings of the
area picked in the navigator as one workbook with a sheet per village
(``services.rules.export.write_findings_by_village``), so villages correct their own rows;
读入村里核实情况… reads back what they wrote in it (``services.rules.replies``).
标记为已核实… records what checking the selected findings found (核实情况) and takes them off
the 待处理 list for as long as the data stay as they were (``services.rules.reviews``); 取消核实
puts them back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.quality_model import FindingTableModel
from wengang.gui.registry_tab import make_table
from wengang.gui.tab import Tab
from wengang.gui.widgets.flow import ElidedLabel, FlowLayout
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.save_dialog import ask_open_path, ask_save_path
from wengang.services.read import lookups


def rule_titles() -> dict[str, str]:
    """Rule id → the caseworker's title, from the rules service when it is installed; the hints
    an import keeps (``import.employment``) as "导入时的提示：务工就业信息"."""
    try:
        from wengang.services.importing.spec import load_kinds  # noqa: PLC0415
        from wengang.services.rules import quality_rules  # noqa: PLC0415 - lazily: another issue
        from wengang.services.rules.quality import IMPORT_OVERWRITTEN, group_title  # noqa: PLC0415
        titles = {rule.id: rule.title for rule in quality_rules()}
        titles.update({f"import.{kind}": group_title(f"import.{kind}") for kind in load_kinds()})
        titles[IMPORT_OVERWRITTEN] = group_title(IMPORT_OVERWRITTEN)
        return titles
    except (ImportError, OSError, ValueError):
        return {}


RULES_MIN_WIDTH, RULES_MAX_WIDTH = 200, 420  # the list of rules beside the findings


class QualityTab(Tab):
    title = "数据质量"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.model = FindingTableModel(context.db, self)
        self.titles = rule_titles()
        self.model.rule_titles = self.titles
        layout = QVBoxLayout(self)
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        def button(text: str, tip: str, slot) -> None:
            made = QPushButton(text)
            made.setToolTip(tip)
            made.clicked.connect(slot)
            bar.addWidget(made)

        button(self.tr("重新检查"), self.tr("检查会在每次导入、修改后自动在后台运行；这里可立即再查一遍"), self.run_rules)
        button(self.tr("按村导出…"),
               self.tr("把左侧“地区”所选的县、乡镇或村的问题导出为一个Excel文件，每村一个工作表，发给各村逐条核实改正"),
               self.export)
        button(self.tr("读入村里核实情况…"),
               self.tr("读入各村在“按村导出”的表里填写的核实情况：村里核实属实的记为已核实，写了已改正但数据未改的列出来"),
               self.read_replies)
        button(self.tr("标记为已核实…"),
               self.tr("选中的问题已核实（例如确实没有手机、收入属实）：写明核实情况后不再算待处理；"
                       "数据改动后如又查出不同的问题，会重新列出"), self.review_selected)
        button(self.tr("取消核实"), self.tr("选中的问题恢复为待处理"), self.take_back_selected)
        self.open_only = QCheckBox(self.tr("只看未处理"))
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(lambda on: (self.model.set_filter(open_only=on), self._fill_rules()))
        bar.addWidget(self.open_only)
        bar.addStretch()
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addWidget(bar_box)
        self.status = ElidedLabel()
        self.status.setStyleSheet("color: #555;")
        layout.addWidget(self.status)
        watch = getattr(context, "quality_watch", None)
        if watch is not None:
            watch.checked.connect(lambda _summary: self.mark_stale())
        split = QSplitter()
        self.rules = QListWidget()
        self.rules.setMaximumWidth(RULES_MAX_WIDTH)
        self.rules.setMinimumWidth(RULES_MIN_WIDTH)
        self.rules.currentItemChanged.connect(self._rule_picked)
        split.addWidget(self.rules)
        self.view = make_table(self.model)
        self.view.typed.connect(context.find_typed)
        self.view.doubleClicked.connect(self.open_finding)
        split.addWidget(self.view)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)

    def refresh(self) -> None:
        self.model.filter.area_id = self.context.area_id
        self.model.filter.site_id = self.context.site_id
        self.model.reload()
        self._fill_rules()

    def set_search(self, text: str) -> None:
        self.model.set_filter(search=text)
        self._update_count()

    def _fill_rules(self) -> None:
        current = self.model.filter.rule
        self.rules.blockSignals(True)
        self.rules.clear()
        counts = self.model.counts_by_rule()
        everything = QListWidgetItem(f"全部规则（{sum(n for _r, n in counts):,}）")
        everything.setData(Qt.ItemDataRole.UserRole, None)
        self.rules.addItem(everything)
        for rule, n in counts:
            item = QListWidgetItem(f"{self.titles.get(rule, rule)}（{n:,}）")
            item.setData(Qt.ItemDataRole.UserRole, rule)
            item.setToolTip(item.text())
            self.rules.addItem(item)
            if rule == current:
                self.rules.setCurrentItem(item)
        if self.rules.currentItem() is None:
            self.rules.setCurrentRow(0)
        self.rules.blockSignals(False)
        self._fit_rules()
        self._update_count()

    def _fit_rules(self) -> None:
        """The list as wide as its longest rule (务工时间重叠（上一段未结束就开始下一段）…), up to
        its maximum: the splitter otherwise gives it its minimum and cuts the names off."""
        rules = self.rules
        wanted = rules.sizeHintForColumn(0) + 2 * rules.frameWidth() + rules.verticalScrollBar().sizeHint().width()
        rules.setMinimumWidth(max(RULES_MIN_WIDTH, min(wanted, RULES_MAX_WIDTH)))

    def _rule_picked(self, item, _previous) -> None:
        self.model.set_filter(rule=item.data(Qt.ItemDataRole.UserRole) if item else None)
        self._update_count()

    def checked_yet(self) -> bool:
        from wengang.services.rules.quality import last_checked  # noqa: PLC0415
        return last_checked(self.context.db) is not None

    def _update_count(self) -> None:
        if not self.checked_yet() and self.model.rowCount() == 0:
            self.count_label.setText(self.tr("未检查"))
            self.count_label.setToolTip(self.tr("数据质量检查还没有运行过；导入或修改后会自动在后台检查"))
            return
        self.count_label.setToolTip("")
        self.count_label.setText(f"共 {self.model.rowCount():,} 条")

    def open_finding(self, index) -> None:
        person_id = self.model.person_of(index.row())
        if person_id is not None:
            self.context.open_person.emit(person_id)

    # --- checked by hand ------------------------------------------------------------------------
    def selected_finding_ids(self) -> list[int]:
        return self.view.selected_ids()

    def review_selected(self):
        """标记为已核实…: the selected findings get the 核实情况 asked for, written off the GUI
        thread (Ctrl+A over 77,000 phone findings at 200,000 households is seconds of writing).
        Returns the progress dialog (None when nothing was asked or it was cancelled)."""
        from wengang.services.rules.reviews import ReviewError, review_findings, review_note  # noqa: PLC0415
        ids = self.selected_finding_ids()
        if not ids:
            self.status.setText(self.tr("请先在列表中选中要标记的问题（按住 Ctrl 或 Shift 可多选）"))
            return None
        recent = list(self.context.settings.value(RECENT_NOTES_KEY, [], type=list) or [])
        note = ask_review_note(self, len(ids), recent)
        if note is None:
            return None
        try:
            note = review_note(note)  # said before anything is written
        except ReviewError as exc:
            self.status.setText(str(exc))
            return None

        def done(count: int) -> None:
            self.context.settings.setValue(RECENT_NOTES_KEY, [note, *[n for n in recent if n != note]][:RECENT_NOTES])
            said = self.tr("已将 {0} 条问题标记为已核实：{1}").format(f"{count:,}", note)
            if count < len(ids):  # the background check replaced those rows after they were selected
                said += self.tr("。另有 {0} 条在刚才的自动检查后已更新，未标记，请重新选中").format(f"{len(ids) - count:,}")
            self._findings_changed(said)

        return run_with_progress(self.context, self, self.tr("正在标记为已核实"),
                                 lambda db, _progress: review_findings(db, ids, note), done)

    def take_back_selected(self):
        """取消核实: the selected findings' reviews taken back, their findings 待处理 again (off
        the GUI thread). Returns the progress dialog (None when nothing was selected)."""
        from wengang.services.rules.reviews import take_back_reviews  # noqa: PLC0415
        ids = self.selected_finding_ids()
        if not ids:
            self.status.setText(self.tr("请先在列表中选中要取消核实的问题"))
            return None

        def done(count: int) -> None:
            if not count:
                self.status.setText(self.tr("选中的问题没有核实记录（取消“只看未处理”可看到已核实的问题）"))
                return
            self._findings_changed(self.tr("已取消 {0} 条核实，这些问题恢复为待处理").format(f"{count:,}"))

        return run_with_progress(self.context, self, self.tr("正在取消核实"),
                                 lambda db, _progress: take_back_reviews(db, ids), done)

    def _findings_changed(self, said: str) -> None:
        self.status.setText(said)
        watch = getattr(self.context, "quality_watch", None)
        if watch is not None:
            watch.reviewed()  # the count; this tab and 概览 follow its signal (mark_stale)
        else:
            self.refresh()

    def run_rules(self) -> None:
        """Check again now: through the window's background watch when there is one."""
        watch = getattr(self.context, "quality_watch", None)
        if watch is not None:
            watch.schedule(0)
            return
        from wengang.services.rules import run_quality  # noqa: PLC0415 - loaded when first asked
        as_of = self.context.as_of

        def work(db, progress):
            return run_quality(db, as_of, progress=progress.callback)

        run_with_progress(self.context, self, self.tr("正在检查数据质量"), work, lambda _r: self.mark_stale())

    # --- export -------------------------------------------------------------------------------
    def can_export(self) -> bool:
        return True

    def export(self):
        """按村导出…: the findings of the picked area, one sheet per village, off the GUI thread.
        Returns the progress dialog (None when cancelled)."""
        from wengang.gui.widgets import mask_choice  # noqa: PLC0415
        from wengang.services.rules.export import write_findings_by_village  # noqa: PLC0415
        place = self._place_name()
        path = ask_save_path(self, self.tr("数据质量问题按村导出"), f"数据质量问题_{place}_{self.context.as_of}.xlsx",
                             "Excel 工作簿 (*.xlsx)", self.context.settings)
        if path is None:
            return None
        mask = mask_choice.ask_masking(self, self.context.db, "quality", "数据质量问题")
        if mask is None:
            return None
        area_id, open_only = self.context.area_id, self.open_only.isChecked()

        def work(db, _progress):
            return write_findings_by_village(db, path, area_id=area_id, mask=mask, open_only=open_only)

        def done(result) -> None:
            _path, villages, count = result
            self.last_export = path
            self.status.setText(f"已导出 {count:,} 条问题（{villages} 个村，每村一个工作表）到 {path}")

        return run_with_progress(self.context, self, self.tr("正在导出数据质量问题"), work, done)

    def read_replies(self):
        """读入村里核实情况…: a village workbook read back and matched to the findings off the GUI
        thread, what it holds said, and the rows the villages found right recorded as checked
        once the caseworker agrees. Returns the progress dialog (None when no file was picked)."""
        from wengang.services.rules.replies import read_village_replies  # noqa: PLC0415
        path = ask_open_path(self, self.tr("读入村里填写的核实情况"), "Excel 工作簿 (*.xlsx *.xlsm *.xls)",
                             self.context.settings)
        if path is None:
            return None
        return run_with_progress(self.context, self, self.tr("正在读入村里填写的核实情况"),
                                 lambda db, _progress: read_village_replies(db, path), self._replies_read,
                                 lambda exc: self.status.setText(str(exc)))

    def _replies_read(self, replies) -> None:
        from wengang.services.rules.replies import accept_replies  # noqa: PLC0415
        if not confirm_replies(self, replies):
            self.status.setText(replies.summary())
            return
        chosen = replies.to_review

        def done(count: int) -> None:
            self._findings_changed(self.tr("已将 {0} 条问题记为已核实（核实情况写为“村里核实：…”）").format(f"{count:,}"))

        run_with_progress(self.context, self, self.tr("正在标记为已核实"),
                          lambda db, _progress: accept_replies(db, chosen), done)

    def _place_name(self) -> str:
        if self.context.area_id is None:
            return "全部"
        return lookups.area_name(self.context.db, self.context.area_id) or "全部"


RECENT_NOTES_KEY, RECENT_NOTES = "quality/review_notes", 8
COMMON_NOTES = ["已入户核实，情况属实", "本人无手机，已留家属电话", "年老或年幼，无需联系电话", "收入属实（试用期、零工）"]


def confirm_replies(parent: QWidget, replies) -> bool:
    """What a village workbook holds (``rules.replies.VillageReplies``), with the rows to look at
    in 显示详情…; True when there are findings the villages found right and the caseworker
    agrees to record them as checked."""
    box = QMessageBox(parent)
    box.setWindowTitle(parent.tr("村里填写的核实情况"))
    box.setText(replies.summary())
    listed = [(parent.tr("村里核实属实，可记为已核实："), replies.to_review),
              (parent.tr("村里写了已改正，但数据还是这样（请在登记页改正）："), replies.said_corrected),
              (parent.tr("已不是待处理的问题："), replies.gone)]
    details = "\n\n".join(title + "\n" + "\n".join(f"{r.where()} {r.person_name} {r.title}：{r.answer}" for r in rows)
                           for title, rows in listed if rows)
    if details:
        box.setDetailedText(details)
    if not replies.to_review:
        box.setIcon(QMessageBox.Icon.Information)
        box.exec()
        return False
    box.setIcon(QMessageBox.Icon.Question)
    box.setInformativeText(parent.tr("把村里核实属实的 {0} 条记为已核实？核实情况写为“村里核实：”加村里填写的原话；"
                                     "以后可以选中后取消核实。").format(f"{len(replies.to_review):,}"))
    accept = box.addButton(parent.tr("记为已核实"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(parent.tr("取消"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(accept)
    box.exec()
    return box.clickedButton() is accept


def ask_review_note(parent: QWidget, count: int, recent: list[str]) -> str | None:
    """The 核实情况 for ``count`` findings: typed, or one used before (``recent`` first, then
    the usual ones); None when cancelled."""
    choices = list(dict.fromkeys([*recent, *COMMON_NOTES]))
    note, ok = QInputDialog.getItem(parent, parent.tr("标记为已核实"),
                                    parent.tr("已选 {0} 条问题。核实情况（显示在“核实情况”一栏，记入操作记录）：").format(f"{count:,}"),
                                    choices, 0, True)
    return note if ok else None
