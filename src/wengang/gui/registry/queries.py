"""SQL for the registry tables: columns, filters and sort orders, built once and shared.

The tables never hold all rows: a query returns only the ordered ids matching the filters
(sorting and filtering happen in SQL — QSortFilterProxyModel took 24 s on 150,000 rows), and
rows are fetched by id in pages when the view asks. The current status reuses the spell
predicates of ``wengang.domain.status`` (the one definition); it is not re-derived here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from wengang.domain.status import SPELL_CURRENT, SPELL_RETURNED, AsOf, age_sql, labour_sql
from wengang.services.overview import place_filter


@dataclass(frozen=True)
class ColumnSpec:
    title: str
    select: str          # SQL expression shown
    order: str           # SQL expression to ORDER BY


def _exists(predicate: str) -> str:
    return f"EXISTS (SELECT 1 FROM employment_spells s WHERE s.person_id = p.id AND {predicate})"


def _among(predicate: str) -> str:
    """The same test as :func:`_exists` as one uncorrelated set: SQLite builds it once, which
    is what sorting or filtering 150,000 persons wants (per-row EXISTS suits a page of 200).
    NOT INDEXED: walking the start_date index and fetching spells one by one is 4x slower than
    reading the table (1.5 s vs 0.4 s at 240,000 spells)."""
    return f"p.id IN (SELECT s.person_id FROM employment_spells s NOT INDEXED WHERE {predicate})"


STATUS_SQL = (f"CASE WHEN {_exists(SPELL_CURRENT)} THEN '务工中' "
              f"WHEN {_exists(SPELL_RETURNED)} THEN '已返乡' ELSE '未务工' END")
STATUS_ORDER = (f"CASE WHEN {_among(SPELL_CURRENT)} THEN '务工中' "
                f"WHEN {_among(SPELL_RETURNED)} THEN '已返乡' ELSE '未务工' END")
AGE_SQL = age_sql("p")

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
    ColumnSpec("当前状态", STATUS_SQL, STATUS_ORDER),
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
    person_ids: list[int] | None = None   # a fixed set (the people behind a report cell)

    def where(self, *, persons: bool, search: bool = True) -> tuple[str, dict]:
        """SQL conditions and parameters (the person table is ``p``, household ``h``);
        ``search=False`` leaves the search text out (every other filter stays)."""
        parts: list[str] = []
        params: dict = AsOf(self.as_of).params() if persons else {}
        place, place_params = place_filter(self.area_id, self.site_id)  # the one subtree definition
        if place:
            parts.append(place.removeprefix(" AND "))
            params.update(place_params)
        if self.hh_type:
            parts.append("h.hh_type = :hh_type")
            params["hh_type"] = self.hh_type
        if self.household_id is not None:
            parts.append("h.id = :household_id")
            params["household_id"] = self.household_id
        if self.person_ids is not None and persons:
            # Inline integers: a cell can hold tens of thousands, beyond SQLite's parameter limit.
            parts.append(f"p.id IN ({','.join(str(int(i)) for i in self.person_ids) or 'NULL'})")
        condition, search_params = self.search_condition(persons=persons) if search else ("", {})
        if condition:
            parts.append(condition)
            params.update(search_params)
        if persons:
            if self.labour_only:
                parts.append(labour_sql("p"))
            if self.employed is not None:
                parts.append(("" if self.employed else "NOT ") + _among(SPELL_CURRENT))
        return (" WHERE " + " AND ".join(parts)) if parts else "", params

    def search_condition(self, *, persons: bool) -> tuple[str, dict]:
        """The search box's condition alone ("" when the box is empty) and its parameters."""
        text = self.search.strip()
        if not text:
            return "", {}
        params = {"q_like": f"%{text}%",
                  # A prefix as a range, so the pinyin index is used (LIKE would scan: BINARY index).
                  "q_lo": text.lower(), "q_hi": text.lower() + "{"}  # "{" sorts right after "z"
        if persons:
            return _person_search(text), params
        return ("(h.hh_no LIKE :q_like OR h.head_name LIKE :q_like OR h.id IN "
                f"(SELECT p.household_id FROM persons p WHERE {_person_search(text)}))"), params


def _person_search(text: str) -> str:
    """Name contains, 证件号码/phone contain digits, or pinyin initials start with letters."""
    if text.isascii() and text.isalpha():
        return "(p.pinyin_initials >= :q_lo AND p.pinyin_initials < :q_hi)"
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
    slim = slim_from(base_from, where + " " + order)
    if persons and (flt.search.strip() or flt.person_ids is not None):
        # Few persons match: make SQLite filter persons first and join their households after,
        # instead of walking all households in 户编号 order (张: 232 ms → 45 ms at 165,000).
        slim = slim.replace(" JOIN households h", " CROSS JOIN households h", 1)
    return f"SELECT {id_expr} {slim}{where} ORDER BY {order}", params


def count_query(base_from: str, where: str) -> str:
    """How many rows match ``where`` (no ORDER BY, and only the joins the filter needs)."""
    return f"SELECT count(*) {slim_from(base_from, where)}{where}"


def match_query(base_from: str, id_expr: str, condition: str) -> str:
    """The ids meeting ``condition``, unordered, from only the tables it names (the search
    box's condition: the person table alone)."""
    where = f" WHERE {condition}"
    return f"SELECT {id_expr} {slim_from(base_from, where + ' ' + id_expr)}{where}"


def misses_query(base_from: str, flt: RegistryFilter, *, persons: bool) -> tuple[str, dict]:
    """Whether some row passes every filter but fails the search: "6207" (the county's ID
    prefix) matches all 165,000 persons, and that is known after one scan that finds no miss
    (23 ms), while a narrow search finds its first miss at once."""
    where, params = flt.where(persons=persons, search=False)
    condition, search_params = flt.search_condition(persons=persons)
    miss = f"NOT coalesce({condition}, 0)"  # NULL phone: not a match, so a miss
    where = f"{where} AND {miss}" if where else f" WHERE {miss}"
    return f"SELECT EXISTS (SELECT 1 {slim_from(base_from, where)}{where})", {**params, **search_params}


_JOIN = re.compile(r"(?<!LEFT)\s+(?=(?:LEFT\s+)?JOIN\b)")
_ALIAS = re.compile(r"\b(\w+)\.")


def slim_from(base_from: str, used_sql: str) -> str:
    """``base_from`` without the joins nothing in ``used_sql`` refers to.

    The id query sorts and filters 150,000 rows: sorting by 姓名 then walks the name index
    alone instead of joining every household and area (1.6 s → a few ms). Only many-to-one
    joins are declared, so dropping one never changes which rows match.
    """
    head, *joins = _JOIN.split(base_from)
    needed = set(_ALIAS.findall(used_sql))
    kept: list[str] = []
    for join in reversed(joins):  # later joins hang off earlier ones (t ON v, v ON h)
        match = re.match(r"(?:LEFT\s+)?JOIN\s+\w+\s+(\w+)\s+ON\s+(.*)", join.strip(), re.DOTALL)
        if match is None or match.group(1) in needed:
            kept.append(join)
            needed |= set(_ALIAS.findall(match.group(2) if match else join))
    return head + "".join(" " + j for j in reversed(kept))


def rows_query(columns: list[ColumnSpec], base_from: str, id_expr: str, ids: list[int]) -> str:
    select = ", ".join(c.select for c in columns)
    return f"SELECT {id_expr}, {select} {base_from} WHERE {id_expr} IN ({','.join(str(int(i)) for i in ids)})"
