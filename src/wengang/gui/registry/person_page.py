"""The person page: identity, household members, the spell timeline, and every list kept
about the person (spells, surveys, services, subsidies, spot checks, quality findings), and
the person's 修改记录 (the audit trail: who changed what, old and new value, why)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wengang.domain.ids import age_at
from wengang.domain.numbers import plain_amount
from wengang.domain.status import AsOf
from wengang.gui.context import AppContext
from wengang.gui.registry import dialogs
from wengang.gui.registry.timeline import SpellTimeline
from wengang.gui.reliability import HistoryTable
from wengang.services.read.person_card import (
    PERSON_LISTS,
    household_members,
    person_card,
    person_list_rows,
    person_spells,
)
from wengang.store.status import person_statuses


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _cell_text(value) -> str:
    """Money and counts are REAL in SQLite: 2900.0 shows as 2900, 2900.5 as it is."""
    return "" if value is None else str(plain_amount(value))


def _fill(table: QTableWidget, rows: list) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row[1:]):
            item = QTableWidgetItem(_cell_text(value))
            item.setData(Qt.ItemDataRole.UserRole, row[0])
            table.setItem(r, c, item)


class PersonPage(QDialog):
    """Everything about one person; its buttons run the same actions as the registry tab."""

    def __init__(self, context: AppContext, person_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.person_id = person_id
        self.resize(1000, 760)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.identity = QGroupBox(self.tr("基本信息"))
        self.identity_form = QFormLayout(self.identity)
        top.addWidget(self.identity, 3)
        members_box = QGroupBox(self.tr("家庭成员"))
        members_layout = QVBoxLayout(members_box)
        self.members = _table(["姓名", "与户主关系", "年龄", "劳动技能", "当前状态"])
        self.members.cellDoubleClicked.connect(self._open_member)
        members_layout.addWidget(self.members)
        top.addWidget(members_box, 4)
        layout.addLayout(top, 3)

        timeline_box = QGroupBox(self.tr("务工经历"))
        timeline_layout = QVBoxLayout(timeline_box)
        self.timeline = SpellTimeline()
        timeline_layout.addWidget(self.timeline)
        layout.addWidget(timeline_box, 2)

        self.lists = QTabWidget()
        self.tables: dict[str, QTableWidget] = {}
        for lst in PERSON_LISTS:
            self.tables[lst.title] = _table(list(lst.headers))
            self.lists.addTab(self.tables[lst.title], lst.title)
        self.tables["务工记录"].cellDoubleClicked.connect(self._edit_spell)
        self.history = HistoryTable(context.db, person_id)
        self.lists.addTab(self.history, "修改记录")
        layout.addWidget(self.lists, 4)

        buttons = QHBoxLayout()
        for label, slot in [("编辑人员", self._edit), ("登记外出", lambda: self._act(dialogs.departure_dialog)),
                            ("登记返乡", lambda: self._act(dialogs.return_dialog)),
                            ("登记再输出", lambda: self._act(dialogs.departure_dialog, after_return=True)),
                            ("记录意愿摸排", lambda: self._act(dialogs.survey_dialog)),
                            ("记录就业服务", lambda: self._act(dialogs.service_dialog)),
                            ("新增务工记录", lambda: self._edit_spell(-1, 0)),
                            ("删除务工记录", self.delete_spell)]:
            button = QPushButton(self.tr(label))
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch()
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        context.data_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        db, as_of = self.context.db, self.context.as_of
        person = person_card(db, self.person_id)
        if person is None:
            self.reject()
            return
        self.setWindowTitle(f"{person['name']} — 人员信息")
        status = person_statuses(db, AsOf(as_of), [self.person_id]).get(self.person_id, {})
        while self.identity_form.rowCount():
            self.identity_form.removeRow(0)
        import datetime as dt  # noqa: PLC0415
        age = age_at(dt.date.fromisoformat(person["birth_date"]), as_of) if person["birth_date"] else ""
        for label, value in [
            ("姓名", person["name"]), ("证件号码", person["id_number"]),
            ("性别 / 年龄", f"{person['gender'] or ''} / {age}"), ("户编号", person["hh_no"]),
            ("户类型", person["hh_type"] + (f"（{person['monitor_category']}）" if person["monitor_category"] else "")),
            ("所在地", person["place"]), ("与户主关系", person["relation"]),
            ("劳动技能", person["labour_skill"]), ("在校生状况", person["student_status"]),
            ("联系电话", person["phone"]),
            (f"{as_of} 状态", _status_text(status)),
        ]:
            label_widget = QLabel("" if value is None else str(value))
            label_widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.identity_form.addRow(label, label_widget)
        members = household_members(db, person["household_id"])
        statuses = person_statuses(db, AsOf(as_of), [m[0] for m in members])
        _fill(self.members, [(m[0], m[1], m[2], age_at(dt.date.fromisoformat(m[3]), as_of) if m[3] else "",
                              m[4], _status_text(statuses.get(m[0], {}))) for m in members])
        for title, rows in person_list_rows(db, self.person_id).items():
            if title == "数据质量":  # a rule by its title, as the 数据质量 tab shows it, not its id
                from wengang.gui.quality_tab import rule_titles  # noqa: PLC0415

                titles = rule_titles()
                rows = [(r[0], r[1], titles.get(r[2], r[2]), *r[3:]) for r in rows]
            _fill(self.tables[title], rows)
        self.history.person_id = self.person_id
        self.history.reload()
        self.timeline.set_spells(person_spells(db, self.person_id), as_of)

    def _edit(self) -> None:
        dialogs.person_dialog(self.context, self.person_id, parent=self).exec()

    def _act(self, factory, **kwargs) -> None:
        factory(self.context, [self.person_id], parent=self, **kwargs).exec()

    def _edit_spell(self, row: int, _column: int) -> None:
        spell_id = None
        if row >= 0:
            item = self.tables["务工记录"].item(row, 0)
            spell_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        dialogs.spell_dialog(self.context, self.person_id, spell_id, parent=self).exec()

    def delete_spell(self) -> bool:
        """Delete the spell selected under 务工记录, after asking (``self.confirm`` in tests)."""
        table = self.tables["务工记录"]
        item = table.item(table.currentRow(), 0) if table.currentRow() >= 0 else None
        if item is None:
            QMessageBox.information(self, self.tr("删除务工记录"), self.tr("请先在“务工记录”中选中一条。"))
            return False
        spell_id = item.data(Qt.ItemDataRole.UserRole)
        if not self.confirm(f"确定删除 {item.text()} 开始的这条务工记录？删除后本人的务工状态随之改变。"):
            return False
        from wengang.services import registry  # noqa: PLC0415 - loads pypinyin; only when deleting
        registry.delete_spell(self.context.db, spell_id)
        self.context.data_changed.emit()
        return True

    def confirm(self, question: str) -> bool:
        return QMessageBox.question(self, self.tr("删除"), question) == QMessageBox.StandardButton.Yes

    def _open_member(self, row: int, _column: int) -> None:
        item = self.members.item(row, 0)
        if item is not None:
            self.person_id = item.data(Qt.ItemDataRole.UserRole)
            self.reload()


def _status_text(status: dict) -> str:
    """The page's wording for the derived status (computed by wengang.store.status)."""
    if not status:
        return ""
    if status.get("employed_now"):
        return f"务工中（{status.get('now_region') or ''}，{status.get('now_channel') or ''}）"
    if status.get("returned"):
        return f"已返乡（{status.get('return_date')}，{status.get('return_reason') or ''}）"
    return "未务工" + ("（非劳动力）" if not status.get("is_labour") else "")
