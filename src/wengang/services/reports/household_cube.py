"""F5's household counts per group of households, kept per date (issue 20).

F5 counts households by their cohort (户内务工人员减少为0 …): per household, its last-year
employed and how many of them work this year (:func:`.sources.household_select`). Counting
them per row over every household (200,000 at the largest counties) joined to its place
cost 0.3 s CPU warm, and reading a stored table of every household's cohort 0.6 s more in a
new process. Here the households are grouped by village, site, 户类型 and 搬迁 (the person
cube's :data:`.cube.DIMENSIONS`, which every person of a household shares) and, per group,
the households meeting each declared household predicate are counted (``m<k>``; sums such
as 人数 likewise); a form's column is a sum over a few thousand groups, and the groups are
kept beside the stored statuses (``store.status_store``, kind :data:`KIND`).

After an edit (persons whose status rows were replaced since the groups were counted,
``status_store.replaced_selects``) only the households they belonged to or belong to are
counted again: their groups lose those households as they were (their other persons' rows
now, the touched persons' rows as counted) and gain them as they are.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlite_utils

from wengang.services.reports import ahead
from wengang.services.reports.cube import DIMENSIONS, group_key
from wengang.services.reports.forms import list_forms, predicate_parts
from wengang.services.reports.sources import Source, household_select
from wengang.store import status_store
from wengang.store.derived import cached, fill_temp_table, fresh_keys, temp_write
from wengang.store.halves import Read
from wengang.store.status import is_stored

KIND = "report_household_cube"
HOUSEHOLD_CUBE_SOURCE = Source("household", "temp.{household_cube} c", area="c.area_id", site="c.site_id",
                               person=None, needs=("status", "household_cube"))
_HH_COLUMNS = frozenset(("persons", "cohort", "cohort_this_year"))
_REFERENCE = re.compile(r"\b([A-Za-z_]+)\.([A-Za-z_]+)\b")
_H_ALIAS = re.compile(r"\bh\.")
_TOUCHED = "report_household_touched"  # TEMP: the touched persons and their households


def _reads_only(sql: str, household: bool) -> bool:
    """Whether ``sql`` reads the household rows' sums only (``hh.``) and, with ``household``,
    the groups' columns (``h.``)."""
    return all((a == "hh" and n in _HH_COLUMNS) or (household and a == "h" and n in DIMENSIONS)
               for a, n in _REFERENCE.findall(sql))


def _on_groups(part: str) -> bool:
    refs = _REFERENCE.findall(part)
    return bool(refs) and all(a == "h" for a, _ in refs)


def split(decl: dict, col: dict) -> tuple[str | None, str] | None:
    """A household column as (condition on the groups, or None; the measure counted per
    group over the household rows ``hh``), or None when the groups cannot answer it."""
    if col.get("source") != "household":
        return None
    parts = predicate_parts(decl.get("filters", {}).get("household")) + predicate_parts(col.get("where"))
    if not all(_reads_only(p, household=True) for p in parts):
        return None
    on_groups = [_H_ALIAS.sub("c.", p) for p in parts if _on_groups(p)]  # F5's 脱贫户/监测户
    counted = [_H_ALIAS.sub("hh.", p) for p in parts if not _on_groups(p)]
    where = " AND ".join(f"({p})" for p in counted) or "1"
    kind, _, expr = col.get("measure", "count").partition(":")
    if kind == "count":
        measure = f"SUM(CASE WHEN {where} THEN 1 ELSE 0 END)"
    elif kind == "sum" and _reads_only(expr, household=False):
        measure = f"SUM(CASE WHEN {where} THEN {expr} ELSE 0 END)"
    else:
        return None
    return " AND ".join(f"({p})" for p in on_groups) or None, measure


def declared_measures(extra: tuple[dict, ...] = ()) -> tuple[str, ...]:
    """Every distinct household measure of the declared forms (then ``extra``'s)."""
    out: dict[str, None] = {}
    for decl in [spec.decl for spec in list_forms()] + list(extra):
        for col in decl["columns"]:
            found = split(decl, col)
            if found is not None:
                out.setdefault(found[1])
    return tuple(out)


def cube_sql(name: str, status: str, measures: tuple[str, ...]) -> str:
    """``CREATE TEMP TABLE name``: per group of households, how many (``households``) and
    ``m<k>`` per measure, from the statuses ``status``."""
    dims = ", ".join(f"hh.{d}" for d in DIMENSIONS)
    sums = "".join(f", {m} AS m{k}" for k, m in enumerate(measures))
    return (f"CREATE TEMP TABLE {name} AS SELECT {dims}, COUNT(*) AS households{sums} "
            f"FROM ({household_select(status, place=True)}) hh GROUP BY {group_key('hh')} ORDER BY {dims}")


def _rows(db, name: str) -> list[list]:
    return [list(r) for r in db.execute(f"SELECT * FROM temp.{name}").fetchall()]


def _counted_over(db, name: str, select: str, measures: tuple[str, ...]) -> list[list]:
    """The groups of the status rows ``select`` (a TEMP view for the while)."""
    view = f"{name}_rows"
    temp_write(db, f"CREATE TEMP VIEW {view} AS {select}")
    try:
        temp_write(db, cube_sql(name, view, measures))
        rows = _rows(db, name)
        temp_write(db, f"DROP TABLE temp.{name}")
    finally:
        temp_write(db, f"DROP VIEW temp.{view}")
    return rows


def _corrected(db, status: str, selects: tuple[str, str], rows: list[list],
               measures: tuple[str, ...]) -> list[list]:
    """``rows`` after the touched persons (``selects``: their rows as counted, and now): the
    households they were or are in, counted as they were and taken out, as they are and put in."""
    was, now = selects
    columns = ", ".join(status_store.STORE_COLUMNS)
    temp_write(db, f"DROP TABLE IF EXISTS temp.{_TOUCHED}")
    temp_write(db, f"CREATE TEMP TABLE {_TOUCHED} AS SELECT person_id, household_id FROM ({was}) "
                   f"UNION SELECT person_id, household_id FROM ({now})")
    try:
        households = f"(SELECT household_id FROM temp.{_TOUCHED})"
        members = (f"SELECT {columns} FROM temp.{status} WHERE person_id IN "
                   f"(SELECT id FROM persons WHERE household_id IN {households})")
        before = (f"{members} AND person_id NOT IN (SELECT person_id FROM temp.{_TOUCHED}) "
                  f"UNION ALL SELECT {columns} FROM ({was}) WHERE household_id IN {households}")
        parts = [_counted_over(db, f"{KIND}_{n}", sql, measures) for n, sql in (("was", before), ("now", members))]
    finally:
        temp_write(db, f"DROP TABLE temp.{_TOUCHED}")
    keys = len(DIMENSIONS)
    groups = {tuple(r[:keys]): list(r) for r in rows}
    for sign, part in zip((-1, 1), parts):
        for row in part:
            group = groups.setdefault(tuple(row[:keys]), list(row[:keys]) + [0] * (len(row) - keys))
            for i in range(keys, len(row)):
                group[i] += sign * (row[i] or 0)
    return [row for row in groups.values() if row[keys]]


def _definition(measures: tuple[str, ...]) -> str:
    return status_store.definition_hash(cube_sql("summary", "status", measures))


def _build(db, day: dt.date, status: str, measures: tuple[str, ...], name: str) -> None:
    stored = is_stored(db, status)  # the status store's rows, not a TEMP table
    definition = _definition(measures)
    version = db.execute("PRAGMA data_version").fetchone()[0]
    found = status_store.load_summary(db, day, KIND, definition) if stored else None
    if found is None:
        made, counted = ahead.take(db, _ahead_key(day, measures))
        if made:
            fill_temp_table(db, name, *counted)  # counted beside (.ahead)
        else:
            db.execute(cube_sql(name, status, measures))
        if stored:
            cursor = db.execute(f"SELECT * FROM temp.{name}")
            columns = [c[0] for c in cursor.description]
            status_store.save_summary(db, day, KIND, definition, columns, cursor.fetchall(), version)
        return
    columns, rows = found
    selects = status_store.replaced_selects(db, day, KIND)
    if selects is not None:
        rows = _corrected(db, status, selects, rows, measures)
    fill_temp_table(db, name, columns, rows)
    if selects is not None:  # corrected: stored so, the replaced rows answered
        status_store.save_summary(db, day, KIND, definition, columns, rows, version)


def household_cube(db: sqlite_utils.Database, day: dt.date, status: str, measures: tuple[str, ...]) -> str:
    """The TEMP table of household groups at ``day`` from the statuses ``status`` (as
    ``store.status.status_table`` gives them): read from the status store when kept there
    (corrected for the persons touched since), else counted; cached per connection."""
    return cached(db, KIND, (day, measures), lambda name: _build(db, day, status, measures, name))


def _ahead_key(day: dt.date, measures: tuple[str, ...]) -> tuple:
    return (KIND, day, measures)


def read_ahead(db: sqlite_utils.Database, day: dt.date, status: str, measures: tuple[str, ...]) -> list[tuple[tuple, Read]]:
    """The count of the household groups at ``day`` to make beside (:mod:`.ahead`), as
    :func:`household_cube` would count them (columns and rows); none when they are kept in
    the store or counted in this connection since the data last changed."""
    kept = is_stored(db, status) and status_store.load_summary(db, day, KIND, _definition(measures)) is not None
    if kept or (day, measures) in fresh_keys(db, KIND) or ahead.pending(db, _ahead_key(day, measures)):
        return []

    def count(part: sqlite_utils.Database) -> tuple[list[str], list[list]]:
        part.execute(cube_sql("household_cube_aside", status, measures))
        try:  # dropped after: this connection may make the read itself again (halves.Aside)
            cursor = part.execute("SELECT * FROM temp.household_cube_aside")
            return [c[0] for c in cursor.description], [list(r) for r in cursor.fetchall()]
        finally:
            part.execute("DROP TABLE temp.household_cube_aside")

    return [(_ahead_key(day, measures), count)]
