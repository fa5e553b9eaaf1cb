"""The data-quality findings as a lazy SQL table (same machinery as the registry tables)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from wengang.gui.registry.models import SqlTableModel
from wengang.gui.registry.queries import ColumnSpec, RegistryFilter

FINDING_COLUMNS = [
    ColumnSpec("规则", "f.rule", "f.rule"),
    ColumnSpec("乡镇", "t.name", "t.sort_order, t.name"),
    ColumnSpec("村", "v.name", "t.name, v.name"),
    ColumnSpec("姓名", "coalesce(p.name, h.head_name)", "p.name"),
    ColumnSpec("证件号码", "p.id_number", "p.id_number"),
    ColumnSpec("栏目", "f.field", "f.field"),
    ColumnSpec("问题", "f.message", "f.message"),
    ColumnSpec("发现时间", "f.found_at", "f.found_at"),
]
FINDING_FROM = ("FROM quality_findings f LEFT JOIN persons p ON p.id = f.person_id "
                "LEFT JOIN households h ON h.id = coalesce(f.household_id, p.household_id) "
                "LEFT JOIN areas v ON v.id = h.area_id LEFT JOIN areas t ON t.id = v.parent_id")
PERSON_ID_SQL = "SELECT person_id FROM quality_findings WHERE id = ?"
RULE_COLUMN, FIELD_COLUMN = 0, 5

# The columns findings name, in the caseworker's words (the rules name them by column).
FIELD_LABELS = {
    "name": "姓名", "id_number": "证件号码", "birth_date": "出生日期", "phone": "联系电话",
    "relation": "与户主关系", "labour_skill": "劳动技能", "student_status": "在校生状况",
    "verified_at": "核实日期", "start_date": "外出时间", "end_date": "返乡时间", "region": "就业地域",
    "channel": "就业渠道", "employer_name": "务工企业名称", "industry": "务工所属行业",
    "monthly_income": "月收入", "place_county": "务工地点", "hh_type": "户类型",
}


@dataclass
class FindingFilter(RegistryFilter):
    """The registry's area/site/search filter plus the rule picked and open-only."""

    rule: str | None = None
    open_only: bool = True

    def where(self, *, persons: bool) -> tuple[str, dict]:
        sql, params = super().where(persons=False)
        parts = [sql[len(" WHERE "):]] if sql else []
        if self.rule:
            parts.append("f.rule = :rule")
            params["rule"] = self.rule
        if self.open_only:
            parts.append("f.resolved_at IS NULL")
        return (" WHERE " + " AND ".join(parts)) if parts else "", params


class FindingTableModel(SqlTableModel):
    columns = FINDING_COLUMNS
    base_from = FINDING_FROM
    id_expr = "f.id"
    persons = False

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
        hit = self.db.execute(PERSON_ID_SQL, [finding_id]).fetchone() if finding_id is not None else None
        return hit[0] if hit else None

    def counts_by_rule(self) -> list[tuple[str, int]]:
        """Open findings per rule within the current area (the rule list on the left)."""
        flt = FindingFilter(area_id=self.filter.area_id, site_id=self.filter.site_id,
                            open_only=self.filter.open_only)
        where, params = flt.where(persons=False)
        return [(r[0], r[1]) for r in self.db.execute(
            f"SELECT f.rule, count(*) {FINDING_FROM}{where} GROUP BY f.rule ORDER BY count(*) DESC",
            params).fetchall()]
