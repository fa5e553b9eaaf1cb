"""SQL for the registry tables: columns, filters and sort orders, built once and shared.

The tables never hold all rows: a query returns only the ordered ids matching the filters
(sorting and filtering happen in SQL — QSortFilterProxyModel took 24 s on 150,000 rows), and
rows are fetched by id in pages when the view asks. The current status reuses the spell
predicates of ``wengang.domain.status`` (the one definition); it is not re-derived here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from wengang.domain.status import SPELL_CURRENT, SPELL_RETURNED, AsOf, labour_sql


@dataclass(frozen=True)
class ColumnSpec:
    title: str
    select: str          # SQL expression shown
    order: str           # SQL expression to ORDER BY


def _exists(predicate: str) -> str:
    return f"EXISTS (SELECT 1 FROM employment_spells s WHERE s.person_id = p.id AND {predicate})"


STATUS_SQL = (f"CASE WHEN {_exists(SPELL_CURRENT)} THEN '务工中' "
              f"WHEN {_exists(SPELL_RETURNED)} THEN '已返乡' ELSE '未务工' END")
AGE_SQL = ("(CAST(strftime('%Y', :as_of) AS INTEGER) - CAST(strftime('%Y', p.birth_date) AS INTEGER)"
           " - (strftime('%m-%d', :as_of) < strftime('%m-%d', p.birth_date)))")

PERSON_COLUMNS = [
    ColumnSpec("乡镇", "t.name", "t.sort_order, t.name"),
    ColumnSpec("村", "v.name", "t.name, v.name"),
    ColumnSpec("户编号", "h.hh_no", "h.hh_no"),
    ColumnSpec("姓名", "p.name", "p.name"),
    ColumnSpec("性别", "p.gender", "p.gender"),
    ColumnSpec("年龄", AGE_SQL, "0 - julianday(p.birth_date)"),
    ColumnSpec("证件号码", "p.id_number", "p.id_number"),
    ColumnSpec("与户主关系", "p.relation", "p.relation"),
    ColumnSpec("劳动技能", "p.labour_skill", "p.labour_skill"),
    ColumnSpec("联系电话", "p.phone", "p.phone"),
    ColumnSpec("当前状态", STATUS_SQL, STATUS_SQL),
]

HOUSEHOLD_COLUMNS = [
    ColumnSpec("乡镇", "t.name", "t.sort_order, t.name"),
    ColumnSpec("村", "v.name", "t.name, v.name"),
    ColumnSpec("户编号", "h.hh_no", "h.hh_no"),
    ColumnSpec("户主", "h.head_name", "h.head_name"),
    ColumnSpec("户类型", "h.hh_type", "h.hh_type"),
    ColumnSpec("监测对象类别", "h.monitor_category", "h.monitor_category"),
    ColumnSpec("人数", "(SELECT count(*) FROM persons p WHERE p.household_id = h.id)",
               "(SELECT count(*) FROM persons p WHERE p.household_id = h.id)"),
    ColumnSpec("易地搬迁", "CASE h.relocated WHEN 1 THEN '是' ELSE '否' END", "h.relocated"),
    ColumnSpec("联系电话", "h.phone", "h.phone"),
]

PERSON_FROM = ("FROM persons p JOIN households h ON h.id = p.household_id "
               "LEFT JOIN areas v ON v.id = h.area_id LEFT JOIN areas t ON t.id = v.parent_id")
HOUSEHOLD_FROM = ("FROM households h LEFT JOIN areas v ON v.id = h.area_id "
                  "LEFT JOIN areas t ON t.id = v.parent_id")


@dataclass
class RegistryFilter:
    """What the registry shows: set by the navigator, the search box and the filter bar."""

    as_of: dt.date = field(default_factory=dt.date.today)
    area_id: int | None = None
    site_id: int | None = None
    search: str = ""
    hh_type: str | None = None
    labour_only: bool = False
    employed: bool | None = None      # True 当前务工, False 未务工, None all
    household_id: int | None = None

    def where(self, *, persons: bool) -> tuple[str, dict]:
        """SQL conditions and parameters (the person table is ``p``, household ``h``)."""
        parts: list[str] = []
        params: dict = AsOf(self.as_of).params() if persons else {}
        if self.area_id is not None:
            parts.append("h.area_id IN (WITH RECURSIVE sub(id) AS (SELECT :area_id UNION ALL "
                         "SELECT a.id FROM areas a JOIN sub ON a.parent_id = sub.id) SELECT id FROM sub)")
            params["area_id"] = self.area_id
        if self.site_id is not None:
            parts.append("h.site_id = :site_id")
            params["site_id"] = self.site_id
        if self.hh_type:
            parts.append("h.hh_type = :hh_type")
            params["hh_type"] = self.hh_type
        if self.household_id is not None:
            parts.append("h.id = :household_id")
            params["household_id"] = self.household_id
        text = self.search.strip()
        if text:
            params["q_like"] = f"%{text}%"
            params["q_prefix"] = f"{text.lower()}%"
            if persons:
                parts.append(_person_search(text))
            else:
                parts.append("(h.hh_no LIKE :q_like OR h.head_name LIKE :q_like OR h.id IN "
                             f"(SELECT p.household_id FROM persons p WHERE {_person_search(text)}))")
        if persons:
            if self.labour_only:
                parts.append(labour_sql("p"))
            if self.employed is not None:
                parts.append(("" if self.employed else "NOT ") + _exists(SPELL_CURRENT))
        return (" WHERE " + " AND ".join(parts)) if parts else "", params


def _person_search(text: str) -> str:
    """Name contains, 证件号码/phone contain digits, or pinyin initials start with letters."""
    if text.isascii() and text.isalpha():
        return "p.pinyin_initials LIKE :q_prefix"
    if text.replace("x", "").replace("X", "").isdigit():
        return "(p.id_number LIKE :q_like OR p.phone LIKE :q_like)"
    return "p.name LIKE :q_like"


def id_query(columns: list[ColumnSpec], base_from: str, id_expr: str, flt: RegistryFilter,
             sort_column: int, descending: bool, *, persons: bool) -> tuple[str, dict]:
    where, params = flt.where(persons=persons)
    spec = columns[sort_column] if 0 <= sort_column < len(columns) else None
    direction = " DESC" if descending else ""
    order = ", ".join(part.strip() + direction for part in spec.order.split(",")) if spec else ""
    order = (order + ", " if order else "") + id_expr
    if persons and spec and ":as_of" in spec.order:
        params.update(AsOf(flt.as_of).params())
    return f"SELECT {id_expr} {base_from}{where} ORDER BY {order}", params


def rows_query(columns: list[ColumnSpec], base_from: str, id_expr: str, ids: list[int]) -> str:
    select = ", ".join(c.select for c in columns)
    return f"SELECT {id_expr}, {select} {base_from} WHERE {id_expr} IN ({','.join(str(int(i)) for i in ids)})"
