"""登记: households and persons in lazily loaded tables, with the everyday actions one click away.

The tables keep only ids (``gui.registry.models``); sorting is a header click that re-runs the
id query with another ``ORDER BY``; the filter bar, the global search box, the area navigator and
the as-of date all become ``WHERE`` clauses. Actions work on every selected person at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wengang.domain.codes import codes
from wengang.gui.context import AppContext
from wengang.gui.registry import dialogs
from wengang.gui.registry.form import RecordDialog
from wengang.gui.registry.models import HouseholdTableModel, PersonTableModel, SqlTableModel
from wengang.gui.registry.person_page import PersonPage
from wengang.gui.tab import Tab
from wengang.gui.widgets.flow import FlowLayout
from wengang.gui.widgets.lazy_table import LazyTableView
from wengang.services.read import lookups

# The everyday actions: button label → dialog factory (and its keyword arguments).
ACTIONS = {
    "登记外出": (dialogs.departure_dialog, {}),
    "登记返乡": (dialogs.return_dialog, {}),
    "登记再输出": (dialogs.departure_dialog, {"after_return": True}),
    "记录意愿摸排": (dialogs.survey_dialog, {}),
    "记录就业服务": (dialogs.service_dialog, {}),
}


# The widest text a column commonly shows, measured in the view's font (a caseworker's 125 %
# Windows font or a larger one widens them alike): a 户编号 or 证件号码 is read whole, and
# 劳动技能's 弱劳动力或半劳动力 is not cut to 弱劳动力或半劳….
WIDE_COLUMNS = {"户编号": "620722001000000009", "证件号码": "62072219530307211X", "问题": "中" * 30,
                "核实情况": "中" * 15, "发现时间": "2026-12-07 15:31", "监测对象类别": "突发严重困难户",
                "规则": "公益性岗位或帮扶车间却在县外务工", "劳动技能": "弱劳动力或半劳动力", "联系电话": "18812345678"}
_CELL_PADDING = 14  # the cell's margins and the grid line
# A selection kept over a reload: up to this many rows, in up to this many ranges (Ctrl+A over
# a whole county is not worth keeping: its ids would be read to do it).
KEPT_SELECTED = 500
KEPT_RANGES = 50


def make_table(model: SqlTableModel) -> QTableView:
    view = LazyTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setDefaultSectionSize(22)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSortIndicator(model.sort_column, Qt.SortOrder.AscendingOrder)
    view.horizontalHeader().setSortIndicatorShown(True)
    view.horizontalHeader().setSectionsClickable(True)
    # Not setSortingEnabled: that sorts once more on every model reset; a click is enough.
    view.horizontalHeader().sortIndicatorChanged.connect(model.sort)
    view.horizontalHeader().setStretchLastSection(True)
    # Widths from a sample text, not the contents (measuring 150,000 rows is what lazy models avoid).
    metrics = view.fontMetrics()
    for column, spec in enumerate(model.columns):
        sample = WIDE_COLUMNS.get(spec.title)
        if sample:
            view.setColumnWidth(column, metrics.horizontalAdvance(sample) + _CELL_PADDING)
    return view


class RegistryTab(Tab):
    title = "登记"
    status_msecs = 10000  # what an action recorded is read after the dialog closes

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.persons = PersonTableModel(context.db, self)
        self.households = HouseholdTableModel(context.db, self)
        for model in (self.persons, self.households):
            model.background = self._read_in_background
        self.confirm = self._ask  # replaced in tests: (question) -> bool
        layout = QVBoxLayout(self)

        # Rows that wrap (gui.widgets.flow): the tab fits a 1024-pixel screen beside the 地区 pane.
        bar_box = QWidget()
        bar = FlowLayout(bar_box)
        bar.addWidget(QLabel(self.tr("户类型")))
        self.hh_type = QComboBox()
        self.hh_type.addItem(self.tr("全部"), None)
        for value in codes("hh_type").values:
            self.hh_type.addItem(value, value)
        self.hh_type.currentIndexChanged.connect(self._filters_changed)
        bar.addWidget(self.hh_type)
        self.labour_only = QCheckBox(self.tr("仅劳动力"))
        self.labour_only.toggled.connect(self._filters_changed)
        bar.addWidget(self.labour_only)
        bar.addWidget(QLabel(self.tr("务工状态")))
        self.employed = QComboBox()
        for label, value in [("全部", None), ("目前务工", True), ("目前未务工", False)]:
            self.employed.addItem(self.tr(label), value)
        self.employed.currentIndexChanged.connect(self._filters_changed)
        bar.addWidget(self.employed)
        bar.addStretch()
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addWidget(bar_box)

        buttons_box = QWidget()
        buttons = FlowLayout(buttons_box)
        self.buttons: dict[str, QPushButton] = {}
        for label, slot in [("新增户", self.add_household), ("新增人员", self.add_person),
                            ("编辑", self.edit_current), ("删除", self.delete_selected)]:
            self._button(buttons, label, slot)
        for label in ACTIONS:
            self._button(buttons, label, lambda _=False, name=label: self._run_action(name))
        self._button(buttons, "导出名单…", self.export)
        layout.addWidget(buttons_box)

        self.tables = QTabWidget()
        self.person_view = make_table(self.persons)
        self.household_view = make_table(self.households)
        for view in (self.person_view, self.household_view):
            view.typed.connect(context.find_typed)
        self.tables.addTab(self.person_view, self.tr("人员"))
        self.tables.addTab(self.household_view, self.tr("户"))
        self.person_view.doubleClicked.connect(lambda index: self.open_person(self.persons.id_at(index.row())))
        self.household_view.doubleClicked.connect(self._household_members)
        self._behind: SqlTableModel | None = None
        self.tables.currentChanged.connect(self._table_switched)
        layout.addWidget(self.tables, 1)

    def _read_in_background(self, work, done) -> None:
        """A table's whole id list, read on the window's background connection (the result is
        dropped once the window closes)."""
        self.context.run_in_background(work, lambda ids: None if self.context.closed else done(ids))

    def _button(self, row: FlowLayout, label: str, slot) -> None:
        button = QPushButton(self.tr(label))
        button.clicked.connect(slot)
        row.addWidget(button)
        self.buttons[label] = button

    # --- what is shown ----------------------------------------------------------------------
    def refresh(self) -> None:
        for model in (self.persons, self.households):
            model.filter.as_of = self.context.as_of
            model.filter.area_id = self.context.area_id
            model.filter.site_id = self.context.site_id
        front, back = (self.households, self.persons) if self._on_households() else (self.persons, self.households)
        view = self.household_view if front is self.households else self.person_view
        # the rows chosen stay chosen (a 返乡 just recorded, a date changed) if still listed
        chosen = view.selected_ids() if len(view.selectionModel().selection()) <= KEPT_RANGES else []
        front.reload()
        view.select_ids(chosen[:KEPT_SELECTED])
        self._behind = back  # reloaded when its table is shown
        self._update_count()

    def set_search(self, text: str) -> None:
        """The global search box: name, partial 证件号码, phone, pinyin initials.

        Only the table in front is queried now; the other follows when it is shown.
        """
        self.persons.filter.household_id = None
        front, back = (self.households, self.persons) if self._on_households() else (self.persons, self.households)
        back.filter.search = text
        self._behind = back
        front.set_filter(search=text)
        self._update_count()

    def _table_switched(self, _index: int) -> None:
        front = self.households if self._on_households() else self.persons
        if self._behind is front:
            self._behind = None
            front.reload()
        self._update_count()

    def _filters_changed(self, *_args) -> None:
        hh_type = self.hh_type.currentData()
        self.persons.filter.household_id = None
        self.persons.set_filter(hh_type=hh_type, labour_only=self.labour_only.isChecked(),
                                employed=self.employed.currentData())
        self.households.set_filter(hh_type=hh_type)
        self._update_count()

    def _update_count(self) -> None:
        model = self.persons if self.tables.currentIndex() == 0 else self.households
        unit = "人" if model is self.persons else "户"
        text = model.filter.search.strip()
        if model.rowCount() == 0 and text:
            # an empty table alone looked like a window still loading
            narrowed = self.context.area_id is not None or self.context.site_id is not None or any(
                (self.hh_type.currentData(), self.labour_only.isChecked(), self.employed.currentData()))
            shown = text if len(text) <= 20 else text[:20] + "…"  # the bar fits a 1024-pixel screen
            self.count_label.setText(self.tr("没有找到“{0}”（可搜姓名、证件号码、电话、拼音首字母{1}）").format(
                shown, self.tr("；只在所选地区和筛选条件内查找") if narrowed else ""))
            return
        self.count_label.setText(f"共 {model.rowCount():,} {unit}")

    def _household_members(self, index) -> None:
        """Double-clicking a household lists its members in the person table."""
        self.persons.set_filter(household_id=self.households.id_at(index.row()))
        self.tables.setCurrentIndex(0)
        self._update_count()

    # --- selection --------------------------------------------------------------------------
    def selected_person_ids(self) -> list[int]:
        return self.person_view.selected_ids()

    def selected_household_ids(self) -> list[int]:
        return self.household_view.selected_ids()

    def _on_households(self) -> bool:
        return self.tables.currentIndex() == 1

    # --- actions ----------------------------------------------------------------------------
    def action_dialog(self, name: str) -> RecordDialog | None:
        """The unshown dialog of an everyday action for the selected persons (None: nobody selected)."""
        ids = self.selected_person_ids()
        if not ids:
            QMessageBox.information(self, name, self.tr("请先在人员表中选择一人或多人（可按住Ctrl或Shift多选）。"))
            return None
        factory, kwargs = ACTIONS[name]
        return factory(self.context, ids, parent=self, **kwargs)

    def _run_action(self, name: str) -> None:
        if self._on_households():
            self.tables.setCurrentIndex(0)
        ids = self.selected_person_ids()
        dialog = self.action_dialog(name)
        if dialog is not None and dialog.exec():
            # said where the eye goes after the dialog closes: the row shows no change
            self.say(self.tr("已%s：%s") % (name, dialogs.names(self.context, ids)))

    def add_household(self) -> None:
        """新增户, then its 户主 at once: a household without members shows in no list of people,
        and 新增人员 needs one of its members (or the household) chosen."""
        dialog = dialogs.household_dialog(self.context, parent=self)
        if not dialog.exec() or not dialog.result_value:
            return
        household_id, hh_no = dialog.result_value, dialog.values()["hh_no"]
        self.say(self.tr("已新增户 %s；请添加户主") % hh_no)
        head = dialogs.person_dialog(self.context, household_id=household_id, parent=self,
                                     values={"relation": "户主", "name": dialog.values().get("head_name")})
        if head.exec() and head.result_value:
            self.say(self.tr("已新增户 %s 和户主；家庭成员：在该户选一人，再点“新增人员”") % hh_no)
            if self.person_view.select_ids([head.result_value]):
                self.person_view.scrollTo(self.person_view.currentIndex())

    # --- 文件 → 导出: the people listed, as filtered ------------------------------------------
    def can_export(self) -> bool:
        return self.persons.rowCount() > 0

    def list_title(self) -> str:
        """登记人员名单（沙河镇永丰村，脱贫户，仅劳动力，目前未务工，搜索“张”）: what the list shows."""
        flt = self.persons.filter
        parts = [lookups.place_label(self.context.db, self.context.area_id, self.context.site_id),
                 flt.hh_type, "仅劳动力" if flt.labour_only else None,
                 {True: "目前务工", False: "目前未务工"}.get(flt.employed),
                 "同一户" if flt.household_id is not None else None,
                 f"搜索“{flt.search.strip()}”" if flt.search.strip() else None]
        named = "，".join(p for p in parts if p)
        return "登记人员名单" + (f"（{named}）" if named else "")

    def export(self):
        """The persons the table lists (its filters, search and place; every row, not only those
        loaded) to Excel; returns the progress dialog, None when nothing was written."""
        if self._on_households():
            self.tables.setCurrentIndex(0)  # the list is of people: the households' members
        if not self.can_export():
            QMessageBox.information(self, self.tr("导出名单"), self.tr("表中没有人员可导出。"))
            return None
        from wengang.gui.person_list_export import export_person_list  # noqa: PLC0415
        from wengang.services.read.tables import TableReader  # noqa: PLC0415

        query, table = self.persons.reader.id_query(self.persons.filter, self.persons.sort_column,
                                                    self.persons.descending), self.persons.table
        return export_person_list(self.context, self, self.list_title(), lambda db: TableReader(db, table).ids(query),
                                  lambda path, count: self.say(self.tr("已导出 %s 人到 %s") % (f"{count:,}", path)),
                                  mask_kind="registry")


    def add_person(self) -> None:
        households = self.selected_household_ids() if self._on_households() else []
        if not households:
            persons = self.selected_person_ids()
            if persons:
                households = [lookups.household_of(self.context.db, persons[0])]
        if not households:
            QMessageBox.information(self, self.tr("新增人员"),
                                    self.tr("请先选择要添加人员的户（或该户的一名成员）。"))
            return
        dialogs.person_dialog(self.context, household_id=households[0], parent=self).exec()

    def edit_current(self) -> None:
        if self._on_households():
            ids = self.selected_household_ids()
            if ids:
                dialogs.household_dialog(self.context, ids[0], parent=self).exec()
        else:
            ids = self.selected_person_ids()
            if ids:
                dialogs.person_dialog(self.context, ids[0], parent=self).exec()

    def delete_selected(self) -> None:
        from wengang.services import registry  # noqa: PLC0415 - see dialogs._LazyRegistry
        if self._on_households():
            ids = self.selected_household_ids()
            what, delete = f"{len(ids)} 户（连同其成员和全部记录）", registry.delete_household
        else:
            ids = self.selected_person_ids()
            what, delete = f"{len(ids)} 人（连同其务工、摸排、服务等记录）", registry.delete_person
        if not ids or not self.confirm(f"确定删除所选 {what}？删除后无法恢复。"):
            return
        with self.context.db.atomic():
            for record_id in ids:
                delete(self.context.db, record_id)
        self.context.data_changed.emit()

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, self.tr("删除"), question)
        return answer == QMessageBox.StandardButton.Yes

    def open_person(self, person_id: int | None) -> PersonPage | None:
        if person_id is None:
            return None
        page = PersonPage(self.context, person_id, self)
        page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        page.show()
        return page
