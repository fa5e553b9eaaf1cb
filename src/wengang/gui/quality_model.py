"""The data-quality findings as a lazy SQL table (same machinery as the registry tables)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from wengang.gui.registry.models import SqlTableModel
from wengang.services.read.tables import FINDING_TABLE, FindingFilter, finding_counts_by_rule, finding_person

RULE_COLUMN, FIELD_COLUMN = 0, 5

# The columns findings name, in the caseworker's words (the rules name them by column).
FIELD_LABELS = {
    "name": "姓名", "id_number": "证件号码", "birth_date": "出生日期", "phone": "联系电话",
    "relation": "与户主关系", "labour_skill": "劳动技能", "student_status": "在校生状况",
    "verified_at": "核实日期", "start_date": "外出时间", "end_date": "返乡时间", "region": "就业地域",
    "channel": "就业渠道", "employer_name": "务工企业名称", "industry": "务工所属行业",
    "monthly_income": "月收入", "place_county": "务工地点", "hh_type": "户类型",
}


class FindingTableModel(SqlTableModel):
    table = FINDING_TABLE

    def __init__(self, db, parent=None):
        super().__init__(db, parent)
        self.filter = FindingFilter()
        self.sort_column = 0
        self.rule_titles: dict[str, str] = {}  # the tab sets them: rule id → its 中文 title

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        value = super().data(index, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) and value:
            if index.column() == RULE_COLUMN:
                return self.rule_titles.get(value, value)
            if index.column() == FIELD_COLUMN:
                return FIELD_LABELS.get(value, value)
        return value

    def person_of(self, row: int) -> int | None:
        finding_id = self.id_at(row)
        return finding_person(self.db, finding_id) if finding_id is not None else None

    def counts_by_rule(self) -> list[tuple[str, int]]:
        """Open findings per rule within the current area (the rule list on the left)."""
        flt = FindingFilter(area_id=self.filter.area_id, site_id=self.filter.site_id,
                            open_only=self.filter.open_only)
        return finding_counts_by_rule(self.db, flt)
