"""数据质量: findings of the data-quality rules by rule and area; double-click opens the person."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.quality_model import FindingTableModel
from wengang.gui.registry_tab import make_table
from wengang.gui.tab import Tab
from wengang.gui.widgets.progress import run_with_progress


def rule_titles() -> dict[str, str]:
    """Rule id → the caseworker's title, from the rules service when it is installed."""
    try:
        from wengang.services.rules import quality_rules  # noqa: PLC0415 - lazily: another issue
        return {rule.id: rule.title for rule in quality_rules()}
    except (ImportError, OSError, ValueError):
        return {}


class QualityTab(Tab):
    title = "数据质量"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.model = FindingTableModel(context.db, self)
        self.titles = rule_titles()
        self.model.rule_titles = self.titles
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.run_button = QPushButton(self.tr("运行数据质量检查"))
        self.run_button.clicked.connect(self.run_rules)
        bar.addWidget(self.run_button)
        self.open_only = QCheckBox(self.tr("只看未处理"))
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(lambda on: (self.model.set_filter(open_only=on), self._fill_rules()))
        bar.addWidget(self.open_only)
        bar.addStretch()
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addLayout(bar)
        split = QSplitter()
        self.rules = QListWidget()
        self.rules.setMaximumWidth(380)
        self.rules.setMinimumWidth(300)
        self.rules.currentItemChanged.connect(self._rule_picked)
        split.addWidget(self.rules)
        self.view = make_table(self.model)
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
            self.rules.addItem(item)
            if rule == current:
                self.rules.setCurrentItem(item)
        if self.rules.currentItem() is None:
            self.rules.setCurrentRow(0)
        self.rules.blockSignals(False)
        self._update_count()

    def _rule_picked(self, item, _previous) -> None:
        self.model.set_filter(rule=item.data(Qt.ItemDataRole.UserRole) if item else None)
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(f"共 {self.model.rowCount():,} 条")

    def open_finding(self, index) -> None:
        person_id = self.model.person_of(index.row())
        if person_id is not None:
            self.context.open_person.emit(person_id)

    def run_rules(self) -> None:
        from wengang.services.rules import run_quality  # noqa: PLC0415 - loaded when first asked
        as_of = self.context.as_of

        def work(db, progress):
            return run_quality(db, as_of, progress=progress.callback)

        run_with_progress(self.context, self, self.tr("正在检查数据质量"), work,
                          lambda _r: self.context.data_changed.emit())
