"""The data-quality findings as a lazy SQL table (same machinery as the registry tables)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from wengang.domain.fields import labels_by_column
from wengang.gui.registry.models import SqlTableModel
from wengang.services.read.tables import FINDING_TABLE, FindingFilter, finding_counts_by_rule, finding_person

RULE_COLUMN, FIELD_COLUMN = 0, 5

# The columns findings name, in the caseworker's words (the rules name them by column; a
# person's column first, then the spell's, the household's: resources/model/fields.json).
FIELD_LABELS = labels_by_column(("persons", "employment_spells", "households"))


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
