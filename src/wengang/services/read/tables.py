"""The registry and data-quality tables: columns, filters and sort orders, and the reads.

The window's table models (``gui/registry/models.py``, ``gui/quality_model.py``) hold a
:class:`TableSpec` and ask :class:`TableReader` for ids, counts and rows; they hold no SQL.
The tables never hold all rows: a query returns only the ordered ids matching the filters
(sorting and filtering happen in SQL — QSortFilterProxyModel took 24 s on 150,000 rows), and
rows are fetched by id in pages when the view asks. The current status reuses the spell
predicates of ``wengang.domain.status`` (the one definition); it is not re-derived here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlite_utils

from wengang.domain.fields import label
from wengang.domain.sqltext import sql_text, stamp_shown
from wengang.domain.status import SPELL_CURRENT, SPELL_RETURNED, AsOf, age_sql, labour_sql
from wengang.services.overview import place_filter
from wengang.store.areas import VILLAGE_IN_TOWNSHIP
from wengang.store.derived import change_count
from wengang.store.migrations.m0125_registry_changes import TRIGGER_COUNT
from wengang.store.owed_indexes import WINDOW_ONLY, owed


@dataclass(frozen=True)
class ColumnSpec:
    title: str
    select: str          # SQL expression shown
    order: str           # SQL expression to ORDER BY
    by_area: bool = False  # the order depends on the household's area alone (see first_ids)
    # A computed column of few values: (value, the SQL condition for it), ascending (see first_ids)
    values: tuple[tuple[str, str], ...] = ()
    by_value: bool = False  # a stored column of few values with an index (migration 0100)


_ALIAS = re.compile(r"\b(\w+)\.")


def aliases_in(sql: str) -> set[str]:
    """The table aliases an SQL fragment of ours refers to (``p.name`` → ``p``)."""
    return set(_ALIAS.findall(sql))


@dataclass(frozen=True)
class Join:
    """One many-to-one join of a :class:`Source`: dropping it never changes which rows match."""

    alias: str
    table: str
    on: str
    left: bool = True

    def sql(self, *, cross: bool = False) -> str:
        kind = "LEFT JOIN" if self.left else ("CROSS JOIN" if cross else "JOIN")
        return f"{kind} {self.table} {self.alias} ON {self.on}"


@dataclass(frozen=True)
class Source:
    """A table and the many-to-one joins its columns and filters may need.

    :meth:`sql` writes the FROM clause with only the joins a query refers to: the id query
    sorts and filters 150,000 rows, and sorting by 姓名 then walks the name index alone instead
    of joining every household and area (1.6 s → a few ms).
    """

    table: str
    alias: str
    joins: tuple[Join, ...] = ()

    def sql(self, used: str | None = None, *, cross: Iterable[str] = ()) -> str:
        """``FROM …`` with the joins ``used`` (SQL text) refers to, and those they hang off;
        all joins when ``used`` is None. Inner joins of the aliases in ``cross`` become CROSS
        JOINs (SQLite then keeps the written order: the base table is filtered first)."""
        needed = None if used is None else aliases_in(used)
        kept: list[Join] = []
        for join in reversed(self.joins):  # later joins hang off earlier ones (t ON v, v ON h)
            if needed is None or join.alias in needed:
                kept.append(join)
                if needed is not None:
                    needed |= aliases_in(join.on)
        crossed = set(cross)
        return " ".join([f"FROM {self.table} {self.alias}",
                         *(j.sql(cross=j.alias in crossed) for j in reversed(kept))])


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
# 当前状态 value by value, ascending as SQLite compares the texts (务 U+52A1 < 已 U+5DF2 < 未 U+672A);
# per-row EXISTS: walking persons by id, a page of the largest value is found at once.
STATUS_VALUES = (("务工中", _exists(SPELL_CURRENT)),
                 ("已返乡", f"NOT {_exists(SPELL_CURRENT)} AND {_exists(SPELL_RETURNED)}"),
                 ("未务工", f"NOT {_exists(SPELL_CURRENT)} AND NOT {_exists(SPELL_RETURNED)}"))
AGE_SQL = age_sql("p")

PERSON_COLUMNS = [
    ColumnSpec("乡镇", "t.name", "t.sort_order, t.name", by_area=True),
    ColumnSpec("村", "v.name", "t.name, v.name", by_area=True),
    ColumnSpec(label("households", "hh_no"), "h.hh_no", "h.hh_no"),
    ColumnSpec(label("persons", "name"), "p.name", "p.name"),
    ColumnSpec(label("persons", "gender"), "p.gender", "p.gender", by_value=True),
    ColumnSpec("年龄", AGE_SQL, "0 - julianday(p.birth_date)"),
    ColumnSpec(label("persons", "id_number"), "p.id_number", "p.id_number"),
    ColumnSpec(label("persons", "relation"), "p.relation", "p.relation", by_value=True),
    ColumnSpec(label("persons", "labour_skill"), "p.labour_skill", "p.labour_skill", by_value=True),
    ColumnSpec(label("persons", "phone"), "p.phone", "p.phone"),
    ColumnSpec("当前状态", STATUS_SQL, STATUS_ORDER, values=STATUS_VALUES),
]

HOUSEHOLD_COLUMNS = [
    ColumnSpec("乡镇", "t.name", "t.sort_order, t.name", by_area=True),
    ColumnSpec("村", "v.name", "t.name, v.name", by_area=True),
    ColumnSpec(label("households", "hh_no"), "h.hh_no", "h.hh_no"),
    ColumnSpec("户主", "h.head_name", "h.head_name"),
    ColumnSpec(label("households", "hh_type"), "h.hh_type", "h.hh_type"),
    ColumnSpec(label("households", "monitor_category"), "h.monitor_category", "h.monitor_category"),
    ColumnSpec("人数", "(SELECT count(*) FROM persons p WHERE p.household_id = h.id)",
               "(SELECT count(*) FROM persons p WHERE p.household_id = h.id)"),
    ColumnSpec(label("households", "relocated"), "CASE h.relocated WHEN 1 THEN '是' ELSE '否' END", "h.relocated"),
    ColumnSpec(label("households", "phone"), "h.phone", "h.phone"),
]

_VILLAGE = Join("v", "areas", "v.id = h.area_id")
_TOWNSHIP = Join("t", "areas", VILLAGE_IN_TOWNSHIP)
# Every area households name, with its village and township: the keys of a by-area order.
HOUSEHOLD_AREAS = Source("(SELECT DISTINCT area_id FROM households)", "h", (_VILLAGE, _TOWNSHIP))
PERSON_SOURCE = Source("persons", "p", (Join("h", "households", "h.id = p.household_id", left=False),
                                        _VILLAGE, _TOWNSHIP))
HOUSEHOLD_SOURCE = Source("households", "h", (_VILLAGE, _TOWNSHIP))


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
                # Seven in ten persons are labour: through the 劳动技能 index (migration 0100)
                # SQLite read them all and sorted for a page (监测户 labour at 200,000 households
                # by 姓名: 0.39 s); unary + leaves the order's index walk to the planner.
                parts.append(labour_sql("p").replace("(p.labour_skill IN", "(+p.labour_skill IN", 1))
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


def _literal(value: str | float) -> str:
    """A value as SQL text (a group's condition is written out, like the area ids)."""
    if isinstance(value, str):
        return sql_text(value)
    return repr(value)


def order_terms(order: str) -> list[str]:
    """The terms of an ORDER BY list, split at its own commas only: not those inside brackets
    or quotes (当前状态 sorts by a CASE whose spells are ``region IN ('省外', '省内县外')``)."""
    terms, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(order):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(order[start:i].strip())
            start = i + 1
    return [*terms, order[start:].strip()]


def directed(order: str, descending: bool) -> str:
    """An ORDER BY list with every term in one direction."""
    return ", ".join(part + (" DESC" if descending else "") for part in order_terms(order))


def id_query(columns: list[ColumnSpec], source: Source, id_expr: str, flt: RegistryFilter,
             sort_column: int, descending: bool, *, persons: bool) -> tuple[str, dict]:
    where, params = flt.where(persons=persons)
    spec = columns[sort_column] if 0 <= sort_column < len(columns) else None
    order = directed(spec.order, descending) if spec else ""
    order = (order + ", " if order else "") + id_expr
    if persons and spec and ":as_of" in spec.order:
        params.update(AsOf(flt.as_of).params())
    # Few persons match a search or a cell's list: make SQLite filter persons first and join
    # their households after, instead of walking all households in 户编号 order
    # (张: 232 ms → 45 ms at 165,000).
    few = persons and (flt.search.strip() or flt.person_ids is not None)
    slim = source.sql(where + " " + order, cross=("h",) if few else ())
    return f"SELECT {id_expr} {slim}{where} ORDER BY {order}", params


def count_query(source: Source, where: str) -> str:
    """How many rows match ``where`` (no ORDER BY, and only the joins the filter needs)."""
    return f"SELECT count(*) {source.sql(where)}{where}"


def match_query(source: Source, id_expr: str, condition: str) -> str:
    """The ids meeting ``condition``, unordered, from only the tables it names (the search
    box's condition: the person table alone)."""
    where = f" WHERE {condition}"
    return f"SELECT {id_expr} {source.sql(where + ' ' + id_expr)}{where}"


def misses_query(source: Source, flt: RegistryFilter, *, persons: bool) -> tuple[str, dict]:
    """Whether some row passes every filter but fails the search: "6207" (the county's ID
    prefix) matches all 165,000 persons, and that is known after one scan that finds no miss
    (23 ms), while a narrow search finds its first miss at once."""
    where, params = flt.where(persons=persons, search=False)
    condition, search_params = flt.search_condition(persons=persons)
    miss = f"NOT coalesce({condition}, 0)"  # NULL phone: not a match, so a miss
    where = f"{where} AND {miss}" if where else f" WHERE {miss}"
    return f"SELECT EXISTS (SELECT 1 {source.sql(where)}{where})", {**params, **search_params}


def rows_query(columns: list[ColumnSpec], source: Source, id_expr: str, ids: list[int]) -> str:
    select = ", ".join(c.select for c in columns)
    return f"SELECT {id_expr}, {select} {source.sql()} WHERE {id_expr} IN ({','.join(str(int(i)) for i in ids)})"


# --- the data-quality findings: the same machinery ------------------------------------------------
FINDING_COLUMNS = [
    ColumnSpec("规则", "f.rule", "f.rule"),
    ColumnSpec("乡镇", "t.name", "t.sort_order, t.name"),
    ColumnSpec("村", "v.name", "t.name, v.name"),
    ColumnSpec("姓名", "coalesce(p.name, h.head_name)", "p.name"),
    ColumnSpec("证件号码", "p.id_number", "p.id_number"),
    ColumnSpec("栏目", "f.field", "f.field"),
    ColumnSpec("问题", "f.message", "f.message"),
    ColumnSpec("核实情况", "r.note", "r.note"),
    # when, as the caseworker reads it (2026-12-08 02:34, not the stored 2026-12-08T02:34:39)
    ColumnSpec("发现时间", stamp_shown("f.found_at"), "f.found_at"),
]
FINDING_SOURCE = Source("quality_findings", "f", (
    Join("p", "persons", "p.id = f.person_id"),
    Join("r", "quality_reviews", "r.id = f.review_id"),
    Join("h", "households", "h.id = coalesce(f.household_id, p.household_id)"),
    _VILLAGE, _TOWNSHIP))


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


# --- the tables and their reads ------------------------------------------------------------------
@dataclass(frozen=True)
class TableSpec:
    """A table the window shows: its columns, where its rows come from, what identifies one."""

    columns: tuple[ColumnSpec, ...]
    source: Source
    id_expr: str
    persons: bool   # rows are persons (the as-of status and the person filters apply)
    # A one-row count that moves on every write that can change the table's ids (migration
    # 0125: persons, households, areas, spells); None: every commit may change them.
    changes: str | None = None


PERSON_TABLE = TableSpec(tuple(PERSON_COLUMNS), PERSON_SOURCE, "p.id", persons=True, changes="registry_changes")
HOUSEHOLD_TABLE = TableSpec(tuple(HOUSEHOLD_COLUMNS), HOUSEHOLD_SOURCE, "h.id", persons=False,
                            changes="registry_changes")
FINDING_TABLE = TableSpec(tuple(FINDING_COLUMNS), FINDING_SOURCE, "f.id", persons=False)

IdQuery = tuple[str, dict]   # an id query as built by :meth:`TableReader.id_query` (opaque above)


class TableReader:
    """The reads a lazily fetching table model makes, over one connection (no Qt)."""

    def __init__(self, db: sqlite_utils.Database, table: TableSpec):
        self.db, self.table = db, table

    def id_query(self, flt: RegistryFilter, sort_column: int, descending: bool) -> IdQuery:
        t = self.table
        return id_query(list(t.columns), t.source, t.id_expr, flt, sort_column, descending, persons=t.persons)

    def first_ids(self, flt: RegistryFilter, sort_column: int, descending: bool, limit: int) -> list[int]:
        """The first ``limit`` ids of :meth:`id_query`'s order: the window's first page.

        ``ORDER BY … LIMIT`` walks an index where the order has one (migration 0100), so it
        costs milliseconds at any size. Other orders come group by group
        (:meth:`_first_ids_by_group`): 乡镇 and 村 (the area's names, in no index of the
        person table), 当前状态 (a value derived from the spells), and 性别, 与户主关系,
        劳动技能 (a few values: walking their ascending index value by value serves the
        descending order too, ties by id ascending, without a second index to keep).
        """
        columns = self.table.columns
        spec = columns[sort_column] if 0 <= sort_column < len(columns) else None
        # Not with the 务工状态 filter or a search: their subqueries would be paid per group.
        if spec is not None and flt.employed is None and not flt.search.strip():
            if spec.by_area:
                return self._first_ids_by_group(flt, self._area_groups(spec, descending), limit, walk_ids=False)
            # Right after a first import, until the window has built them (store.owed_indexes),
            # the few values' indexes are missing: a look-up per value would scan every person
            # (与户主关系 at 660,519 persons: 1.0–1.2 s), a plain ORDER BY … LIMIT sorts once.
            if spec.values or (spec.by_value and WINDOW_ONLY.isdisjoint(owed(self.db))):
                conditions = ([condition for _value, condition in spec.values] if spec.values
                              else self._value_groups(spec))
                return self._first_ids_by_group(flt, conditions[::-1] if descending else conditions, limit,
                                                walk_ids=True)
        return self.ids(self.id_query(flt, sort_column, descending), limit)

    def _value_groups(self, spec: ColumnSpec) -> list[str]:
        """Conditions for each value of an indexed column, ascending (NULL first, as SQLite
        sorts): the values found by stepping through the index, one look-up each."""
        column = spec.order
        source = self.table.source.sql(column)
        conditions = []
        if self.db.execute(f"SELECT EXISTS (SELECT 1 {source} WHERE {column} IS NULL)").fetchone()[0]:
            conditions.append(f"{column} IS NULL")
        value = self.db.execute(f"SELECT min({column}) {source}").fetchone()[0]
        while value is not None:
            conditions.append(f"{column} = {_literal(value)}")
            value = self.db.execute(f"SELECT min({column}) {source} WHERE {column} > ?", [value]).fetchone()[0]
        return conditions

    def _area_groups(self, spec: ColumnSpec, descending: bool) -> list[str]:
        """Conditions on the household's area, one per sort key of ``spec`` in its order:
        areas with equal keys (two villages 新庄村 in two townships of one name) share one."""
        keys = order_terms(spec.order)
        areas = self.db.execute(f"SELECT h.area_id, {', '.join(keys)} {HOUSEHOLD_AREAS.sql()} "
                                f"ORDER BY {directed(spec.order, descending)}").fetchall()
        groups: list[list[int | None]] = []
        for i, (area_id, *key) in enumerate(areas):
            if i and key == list(areas[i - 1][1:]):
                groups[-1].append(area_id)
            else:
                groups.append([area_id])
        conditions = []
        for group in groups:
            known = [str(int(a)) for a in group if a is not None]
            conditions.append(" OR ".join([*(["h.area_id IS NULL"] if None in group else []),
                                           *([f"h.area_id IN ({','.join(known)})"] if known else [])]))
        return conditions

    def _first_ids_by_group(self, flt: RegistryFilter, groups: list[str], limit: int, *, walk_ids: bool) -> list[int]:
        """The first ids of an order whose rows fall in ``groups`` (conditions, in the order's
        order), each group's by id: :func:`id_query`'s order (sort key, then id) without
        sorting all 660,519 persons of a 200,000-household county for a page (乡镇: 227 ms,
        当前状态: 690 ms → a few ms). ``walk_ids``: a group's rows come in id order (the table
        walked by id, or one value's index entries); else they are gathered and sorted (a few
        areas' rows, found by the households' area index)."""
        t = self.table
        where, params = flt.where(persons=t.persons)
        order = t.id_expr if walk_ids else f"+{t.id_expr}"  # unary +: not the id order's walk
        ids: list[int] = []
        for group in groups:
            condition = f"{where} AND ({group})" if where else f" WHERE ({group})"
            sql = (f"SELECT {t.id_expr} {t.source.sql(condition)}{condition} "
                   f"ORDER BY {order} LIMIT {limit - len(ids)}")
            ids += [r[0] for r in self.db.execute(sql, params)]
            if len(ids) >= limit:
                break
        return ids

    def ids(self, query: IdQuery, limit: int | None = None) -> list[int]:
        sql, params = query
        if limit is not None:
            sql = f"{sql} LIMIT {int(limit)}"
        return [r[0] for r in self.db.execute(sql, params)]  # (no list of 660,519 row tuples first)

    def count(self, flt: RegistryFilter) -> int:
        where, params = flt.where(persons=self.table.persons)
        return self.db.execute(count_query(self.table.source, where), params).fetchone()[0]

    def everyone_matches_search(self, flt: RegistryFilter) -> bool:
        """No row passes the other filters but fails the search (see :func:`misses_query`)."""
        return not self.db.execute(*misses_query(self.table.source, flt, persons=self.table.persons)).fetchone()[0]

    def search_matches(self, flt: RegistryFilter) -> list[int]:
        """The ids meeting the search box alone, unordered."""
        condition, params = flt.search_condition(persons=self.table.persons)
        return [r[0] for r in self.db.execute(match_query(self.table.source, self.table.id_expr, condition), params)]

    def rows(self, ids: list[int], as_of: dt.date) -> list[tuple]:
        """(id, cell, cell, …) for each of ``ids`` (unordered)."""
        t = self.table
        params = AsOf(as_of).params() if t.persons else {}
        return self.db.execute(rows_query(list(t.columns), t.source, t.id_expr, ids), params).fetchall()

    def data_version(self) -> tuple:
        """Equal means the table's ids are unchanged: the table's count of changes (on this
        connection, uncommitted ones too, and on others; the status store's or the findings'
        writes leave it alone), else every change on this connection and on others."""
        if self.table.changes:
            # (with its triggers all there: a writer that rebuilt a table may have dropped some)
            n = change_count(self.db, self.table.changes, TRIGGER_COUNT)
            if n is not None:
                return (n,)
        return (self.db.conn.total_changes, self.db.execute("PRAGMA data_version").fetchone()[0])


def finding_person(db: sqlite_utils.Database, finding_id: int) -> int | None:
    hit = db.execute("SELECT person_id FROM quality_findings WHERE id = ?", [finding_id]).fetchone()
    return hit[0] if hit else None


def finding_counts_by_rule(db: sqlite_utils.Database, flt: FindingFilter) -> list[tuple[str, int]]:
    """Findings per rule under ``flt`` (most first)."""
    where, params = flt.where(persons=False)
    return [(r[0], r[1]) for r in db.execute(
        f"SELECT f.rule, count(*) {FINDING_SOURCE.sql(where)}{where} GROUP BY f.rule ORDER BY count(*) DESC",
        params).fetchall()]
