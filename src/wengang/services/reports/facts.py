"""The forms' period aggregates: fact rows summed per village and site once, kept per date.

F3 (posts and workshop workers at two dates), F4 (services and subsidies in the period) and
F9 (spot checks) count fact rows, not persons: a pass over a million services, 750,000
subsidies or a million spells with every row joined to its person and household cost
0.2–0.8 s CPU per form at 200,000 households, in every process (issue 20). Here each such
source is summed once per as-of date and period into groups of (village, relocation site),
every counted column of every declared form at once (``m<k>``), and the groups are kept
beside the stored statuses (``store.status_store``: :func:`~wengang.store.status_store.load_facts`,
migration 0115). A form's column is then a sum over a few hundred groups.

Why the groups add up to the same numbers: a fact row's place is its person's (their status
row at D: ``st.area_id``, ``st.site_id``, the household as at D, as ``h`` is elsewhere) or,
for a payment to an organisation, the organisation's area; a person is in one group, so
"distinct persons" per group add up to distinct persons per township. Distinct values of
anything else (organisations) are kept per group as sets and joined per row; a text column
(F4's 政策内容) keeps, per group, each text with the first fact row that has it, so the row's
text lists them in the order a scan of the rows would (what ``GROUP_CONCAT(DISTINCT …)``
gives). Columns reading anything the groups cannot carry (a person's own fields) stay on
the rows (:mod:`.engine`).

After an edit only the marked areas are counted again (their persons' fact rows, by index):
triggers mark the area of each service, subsidy or spot check written; the status store
marks the areas of persons whose statuses it refreshes (spells, households, 户类型).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import sqlite_utils

from wengang.services.reports import ahead
from wengang.services.reports.forms import list_forms, predicate_parts
from wengang.services.reports.sources import SOURCES, Source
from wengang.store import status_store
from wengang.store.derived import cached, fill_temp_table, fresh_keys, temp_write
from wengang.store.halves import Read
from wengang.store.migrations.m0115_report_facts import COUNTED

DIMENSIONS = ("area_id", "site_id")
_REFERENCE = re.compile(r"\b([A-Za-z_]+)\.([A-Za-z_]+)\b")
_H_COLUMN = re.compile(r"\bh\.([A-Za-z_]+)\b")
# The household columns a status row carries (as at D, store.status.PLACE_COLUMNS).
_H_COLUMNS = frozenset(("id", "area_id", "site_id", "hh_type", "relocated"))
_PERSONS = "report_facts_persons"  # TEMP: the persons of the areas counted again
_ORGS = "report_facts_orgs"  # TEMP: the organisations of those areas


@dataclass(frozen=True)
class FactTable:
    """A fact source as the groups read it: its rows joined to the statuses at D (``st``)."""

    source: str
    table: str
    alias: str
    area: str
    joins: str
    to_org: bool = False  # rows may be payments to an organisation (their area is its area)

    def rows(self, only_marked: bool) -> str:
        """The FROM clause: every row (one sequential scan: a period covers most rows, and
        the date index measured 7x slower, see sources.py), or the rows of the persons and
        organisations of the areas counted again (by their indexes)."""
        if not only_marked:
            return f"{self.table} {self.alias} NOT INDEXED {self.joins}"
        marked = f"SELECT * FROM {self.table} WHERE person_id IN (SELECT person_id FROM temp.{_PERSONS})"
        if self.to_org:
            marked += (f" UNION ALL SELECT * FROM {self.table} WHERE person_id IS NULL "
                       f"AND org_id IN (SELECT org_id FROM temp.{_ORGS})")
        return f"({marked}) {self.alias} {self.joins}"


FACT_TABLES = {
    "service": FactTable("service", "services", "svc", "st.area_id",
                         "JOIN temp.{status} st ON st.person_id = svc.person_id"),
    "subsidy": FactTable("subsidy", "subsidies", "sub", "coalesce(st.area_id, o.area_id)",
                         "LEFT JOIN temp.{status} st ON st.person_id = sub.person_id "
                         "LEFT JOIN organisations o ON o.id = sub.org_id", to_org=True),
    "spell": FactTable("spell", "employment_spells", "spell", "st.area_id",
                       "JOIN temp.{status} st ON st.person_id = spell.person_id"),
    "check": FactTable("check", "spot_checks", "chk", "st.area_id",
                       "JOIN temp.{status} st ON st.person_id = chk.person_id"),
}


def facts_source(name: str) -> Source:
    """The groups of fact source ``name`` as a :class:`Source` for the engine's row keys."""
    return Source(name, "temp.{facts} c", area="c.area_id", site="c.site_id", person=None, needs=("status",))


# --- which columns the groups answer -----------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """One summed figure per group: ``kind`` ``sum`` (counts, sums, distinct persons: they add
    up over groups), ``set`` (distinct values of anything else, as a JSON list) or ``text``
    (texts with their first row's id, as a JSON object)."""

    kind: str
    sql: str        # the aggregate (sum, set) or the text expression (text)
    where: str      # the row condition
    parts: tuple[str, ...] = ()  # its parts (ANDed): those of every measure filter the rows


def _on_rows(table: FactTable, sql: str) -> str | None:
    """``sql`` with ``h.`` read from the status row, or None when it reads what a group
    cannot carry (a person's fields, a household column the status row lacks) or what the
    marking triggers do not watch (migration 0115: a column of the fact table they ignore,
    an organisation's fields but its area)."""
    watched = set(COUNTED.get(table.table, ())) | {"id"}  # spells: every column marks (m0090)
    for alias, name in _REFERENCE.findall(sql):
        own = alias == table.alias and (name in watched or table.table not in COUNTED)
        if not (own or (alias == "h" and name in _H_COLUMNS)):
            return None
    return _H_COLUMN.sub(lambda m: "st.household_id" if m[1] == "id" else f"st.{m[1]}", sql)


def measure(decl: dict, col: dict) -> Measure | None:
    """The measure answering count column ``col`` of form ``decl`` from the groups, or None."""
    table = FACT_TABLES.get(col.get("source", ""))
    if table is None:
        return None
    parts = tuple(_on_rows(table, p) for p in predicate_parts(decl.get("filters", {}).get(table.source))
                  + predicate_parts(col.get("where")))
    kind, _, expr = col.get("measure", "count").partition(":")
    expr = _on_rows(table, expr) if expr else expr
    if None in parts or expr is None:
        return None
    where = " AND ".join(f"({p})" for p in parts) or "1"
    if kind == "count":
        return Measure("sum", f"SUM(CASE WHEN {where} THEN 1 ELSE 0 END)", where, parts)
    if kind == "sum":
        return Measure("sum", f"SUM(CASE WHEN {where} THEN {expr} ELSE 0 END)", where, parts)
    if kind == "distinct":
        one_group = expr == f"{table.alias}.person_id"  # a person is in one group: counts add up
        return Measure("sum" if one_group else "set", f"COUNT(DISTINCT CASE WHEN {where} THEN {expr} END)"
                       if one_group else f"json_group_array(DISTINCT CASE WHEN {where} THEN {expr} END)", where,
                       parts)
    if kind == "concat":
        return Measure("text", expr, where, parts)
    return None


def declared_measures(source: str, extra: tuple[dict, ...] = ()) -> tuple[Measure, ...]:
    """Every distinct measure of source ``source`` in the declared forms (then ``extra``'s)."""
    out: dict[Measure, None] = {}
    for decl in [spec.decl for spec in list_forms()] + list(extra):
        for col in decl["columns"]:
            if col.get("source") == source:
                found = measure(decl, col)
                if found is not None:
                    out.setdefault(found)
    return tuple(out)


# --- counting ---------------------------------------------------------------------------------------

def _common_parts(measures: tuple[Measure, ...]) -> list[str]:
    """The parts every measure has, once each (F4: 就业补助资金 in filter and column)."""
    common = [p for p in measures[0].parts if all(p in m.parts for m in measures[1:])] if measures else []
    return list(dict.fromkeys(common))


def _common(measures: tuple[Measure, ...]) -> str:
    """The parts every measure has (the forms' filters: F3's 公益性岗位 or 帮扶车间 of the poor):
    rows failing one count in none, so they are left out before the join to the statuses
    (F3's spells at 200,000 households: a million rows joined → 150,000)."""
    return "".join(f" AND ({p})" for p in _common_parts(measures))


def _own_parts(table: FactTable, measure: Measure) -> list[str]:
    """The parts of ``measure`` that read the fact row alone (no status, no organisation)."""
    return [p for p in measure.parts
            if (found := _REFERENCE.findall(p)) and all(alias == table.alias for alias, _ in found)]


def _counted_somewhere(table: FactTable, measures: tuple[Measure, ...]) -> str:
    """The rows some ``sum``/``set`` measure may count, by what the fact row alone says: a row
    none counts adds 0 or NULL to each, so it is left out before the join to the statuses
    (F3's spells: a 公益性岗位 or 帮扶车间 spell current at D or at the comparison date; at
    200,000 households 174,181 spells joined → 117,004). "" when one measure reads every row."""
    alternatives: list[frozenset[str]] = []
    common = set(_common_parts(measures))  # in the WHERE already
    for m in measures:
        if m.kind == "text":  # NULL in the groups' pass; its own pass has its own WHERE
            continue
        own = frozenset(p for p in _own_parts(table, m) if p not in common)
        if not own:
            return ""
        alternatives.append(own)
    # F4's 人数 and 单位 of one kind: the second's rows are among the first's
    kept = list(dict.fromkeys(a for a in alternatives if not any(b < a for b in alternatives)))
    if len(kept) < 2:  # one measure: its parts are the common ones already
        return ""
    return " AND (" + " OR ".join("(" + " AND ".join(f"({p})" for p in sorted(a)) + ")" for a in kept) + ")"


def _group_sql(table: FactTable, measures: tuple[Measure, ...], status: str, only_marked: bool) -> str:
    """One pass: per (area, site) group, every ``sum``/``set`` measure (``text`` ones NULL)."""
    cols = ", ".join(f"{m.sql if m.kind != 'text' else 'NULL'} AS m{k}" for k, m in enumerate(measures))
    base = SOURCES[table.source].base or "1"
    return (f"SELECT {table.area} AS area_id, st.site_id AS site_id, {cols} "
            f"FROM {table.rows(only_marked).format(status=status)} "
            f"WHERE ({base}){_common(measures)}{_counted_somewhere(table, measures)} "
            f"AND {table.area} IS NOT NULL GROUP BY 1, 2")


def _text_sql(table: FactTable, text: Measure, status: str, only_marked: bool) -> str:
    base = SOURCES[table.source].base or "1"
    return (f"SELECT {table.area}, st.site_id, {text.sql}, MIN({table.alias}.id) "
            f"FROM {table.rows(only_marked).format(status=status)} "
            f"WHERE ({base}) AND ({text.where}) AND {table.area} IS NOT NULL AND {text.sql} IS NOT NULL "
            "GROUP BY 1, 2, 3")


def _count(db, table: FactTable, measures: tuple[Measure, ...], status: str, params: dict,
           only_marked: bool) -> list[list]:
    """The groups' rows: area, site, then ``m<k>`` per measure."""
    rows = {(r[0], r[1]): list(r) for r in db.execute(_group_sql(table, measures, status, only_marked),
                                                       params).fetchall()}
    for k, m in enumerate(measures):
        if m.kind != "text":
            continue
        texts: dict[tuple, dict] = {}
        for area, site, text, first in db.execute(_text_sql(table, m, status, only_marked), params).fetchall():
            texts.setdefault((area, site), {})[text] = first
        for group, found in texts.items():
            rows[group][2 + k] = json.dumps(found, ensure_ascii=False)
    return sorted(rows.values(), key=lambda r: (r[0], r[1] is None, r[1] or 0))


def _recount_marked(db, table: FactTable, measures, status: str, params: dict, rows: list[list],
                    areas: list[int]) -> list[list]:
    """``rows`` with the groups of ``areas`` counted again from their persons' and
    organisations' rows only."""
    marks = ", ".join(str(int(a)) for a in areas)
    persons = ("SELECT p.id AS person_id FROM persons p WHERE p.household_id IN "
               f"(SELECT id FROM households WHERE area_id IN ({marks}))")
    for name, sql in ((_PERSONS, persons),
                      (_ORGS, f"SELECT id AS org_id FROM organisations WHERE area_id IN ({marks})")):
        temp_write(db, f"DROP TABLE IF EXISTS temp.{name}")
        temp_write(db, f"CREATE TEMP TABLE {name} AS {sql}")
    try:
        again = _count(db, table, measures, status, params, only_marked=True)
    finally:
        for name in (_PERSONS, _ORGS):
            temp_write(db, f"DROP TABLE temp.{name}")
    stale = set(areas)
    kept = [r for r in rows if r[0] not in stale]
    return sorted(kept + again, key=lambda r: (r[0], r[1] is None, r[1] or 0))


def _period(table: FactTable, measures: tuple[Measure, ...], params: dict) -> tuple[str, str]:
    """The period start and comparison date the groups depend on ("-" for one their SQL does
    not read: F3's spells are the same whatever F4's period, so they are counted once)."""
    sql = " ".join([SOURCES[table.source].base or ""] + [f"{m.sql} {m.where}" for m in measures])
    return tuple(params[name].replace("-", "") if f":{name}" in sql else "-"  # type: ignore[return-value]
                 for name in ("period_from", "ref_date"))


def _kind(source: str, period: tuple[str, str]) -> str:
    return f"facts_{source}_{period[0]}_{period[1]}".replace("-", "x")


def _definition(table: FactTable, measures: tuple[Measure, ...]) -> str:
    return status_store.definition_hash(*(_group_sql(table, measures, "status", False),
                                          *(_text_sql(table, m, "status", False) for m in measures
                                            if m.kind == "text")))


def _build(db, table: FactTable, measures, status: str, stored: bool, day: dt.date, params: dict,
           name: str) -> None:
    columns = list(DIMENSIONS) + [f"m{k}" for k in range(len(measures))]
    kind = _kind(table.source, _period(table, measures, params))
    definition = _definition(table, measures)
    version = db.execute("PRAGMA data_version").fetchone()[0]
    seen = status_store.fact_marks_seq(db) if stored else 0
    found = status_store.load_facts(db, day, kind, definition) if stored else None
    if found is not None and not found[2]:
        fill_temp_table(db, name, columns, found[1])
        return
    if found is not None:
        rows = _recount_marked(db, table, measures, status, params, found[1], found[2])
    else:
        made, rows = ahead.take(db, ("facts", _key(table, measures, params, stored)))
        if not made:
            rows = _count(db, table, measures, status, params, only_marked=False)
    fill_temp_table(db, name, columns, rows)
    if stored:
        status_store.save_facts(db, day, kind, definition, columns, rows, seen, version)


def fact_table(db: sqlite_utils.Database, source: str, measures: tuple[Measure, ...], status: str,
               stored: bool, params: dict) -> str:
    """The TEMP table of source ``source``'s groups at D for the period in ``params``
    (``as_of``, ``period_from``, ``ref_date``): read from the status store's date when
    ``stored`` (the areas marked since counted again), else counted; cached per connection."""
    table = FACT_TABLES[source]
    day = dt.date.fromisoformat(params["as_of"])
    return cached(db, f"report_facts_{source}", _key(table, measures, params, stored),
                  lambda name: _build(db, table, measures, status, stored, day, params, name))


def _key(table: FactTable, measures: tuple[Measure, ...], params: dict, stored: bool) -> tuple:
    """What a source's groups at D depend on: the date, the period its SQL reads, the measures."""
    return (params["as_of"], _period(table, measures, params), measures, stored)


# --- counted ahead, on a second connection (.ahead) ------------------------------------------

def read_ahead(db: sqlite_utils.Database, status: str, stored: bool, source: str, measures: tuple[Measure, ...],
               params: dict) -> list[tuple[tuple, Read]]:
    """The count of ``source``'s groups (``status``: the statuses at D, ``stored`` as
    ``store.status.is_stored`` says) to make beside (:mod:`.ahead`), as :func:`fact_table` would make
    them: none when kept in the store already, counted in this connection since the data last
    changed, or already being counted beside."""
    table = FACT_TABLES[source]
    key = _key(table, measures, params, stored)
    if (key in fresh_keys(db, f"report_facts_{source}") or ahead.pending(db, ("facts", key))
            or (stored and _kept(db, table, measures, params))):
        return []
    return [(("facts", key), lambda part: _count(part, table, measures, status, params, only_marked=False))]


def _kept(db: sqlite_utils.Database, table: FactTable, measures: tuple[Measure, ...], params: dict) -> bool:
    """Whether the store keeps the source's groups at D for this period (stale areas or not:
    those are recounted from their own rows)."""
    return status_store.load_facts(db, dt.date.fromisoformat(params["as_of"]), _kind(table.source, _period(
        table, measures, params)), _definition(table, measures)) is not None


def group_values(db, sql: str, params: dict, measures: list[tuple[str, Measure, int]]) -> dict:
    """Per row key, the ``set`` and ``text`` measures joined over its groups: ``sql`` selects
    (row key, then each measure's stored JSON) per group; ``measures`` names each column."""
    joined: dict = {}
    for row in db.execute(sql, params).fetchall():
        out = joined.setdefault(row[0], {key: {} for key, _, _ in measures})
        for (key, m, _), value in zip(measures, row[1:]):
            if value is None:
                continue
            if m.kind == "set":
                out[key].update(dict.fromkeys(v for v in json.loads(value) if v is not None))
            else:
                for text, first in json.loads(value).items():
                    out[key][text] = min(first, out[key].get(text, first))
    result: dict = {}
    for row_key, values in joined.items():
        result[row_key] = {}
        for key, m, _ in measures:
            if m.kind == "set":
                result[row_key][key] = len(values[key])
            else:
                ordered = sorted(values[key], key=values[key].get)
                result[row_key][key] = ",".join(ordered) or None
    return result
