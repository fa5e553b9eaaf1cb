"""Per-person derived statuses at an as-of date, in SQL, from ``wengang.domain.status``.

:func:`status_sql` returns a ``WITH`` clause whose last table, ``person_status``, has one row
per person::

    person_id, is_labour,
    employed_last_year, last_year_region, last_year_channel, last_year_org_id,
    employed_this_year, this_year_region, this_year_channel, this_year_org_id,
    employed_now, now_region, now_channel, now_org_id, now_spell_id,
    returned, return_date, return_reason, replaced, replaced_date

:func:`person_statuses` reads it for a few persons (the person page). Forms, lists and the
overview read :func:`status_table` instead: the same statuses for everyone, plus each
person's household place and latest survey, materialised once per connection and date (one
GROUP BY pass over the spells, one over the surveys, one over the persons) and shared by all
of them while the data is unchanged (``store.derived``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Callable, Collection, Iterator

import sqlite_utils

from wengang.domain.codes import codes
from wengang.domain.sqltext import sql_text
from wengang.domain.status import (
    SPELL_CURRENT,
    SPELL_IN_YEAR,
    SPELL_KNOWN,
    SPELL_LAST_YEAR,
    SPELL_RETURNED,
    AsOf,
    labour_sql,
)
from wengang.store import status_store
from wengang.store.derived import cached, data_fingerprint, drop_table, fill_temp_table, fresh_keys
from wengang.store.halves import count_by_halves, count_in_halves
from wengang.store.household_type import TYPE_AT_SQL, household_places_at, household_places_view, households_at

__all__ = ["EMPLOYED_COLUMNS", "PLACE_COLUMNS", "SPELL_ID_COLUMNS", "STATUS_COLUMNS", "SURVEY_COLUMNS", "count_derived",
           "count_from_neighbour", "count_past_marks", "data_fingerprint", "derived_whole_on_reading",
           "is_stored", "latest_spell_select", "latest_survey_sql", "marked_summary", "materialize_status",
           "neighbour_summary", "person_statuses", "status_sql", "status_table", "summary_definition",
           "summary_stored", "summary_table"]


# Spell keys order a person's spells by (date, id) in one integer (the date's day number × 10¹⁰
# + id), so a plain MAX finds the latest spell of a kind and its id together (cheaper than text
# keys). The day number is unixepoch()'s days, counted from 1696 so that it is never negative
# (the id is read back with %, which keeps a negative key's sign); a date that is not one (never
# stored: the importers and the forms write ISO dates) orders first instead of dropping its
# spell. unixepoch() took a fifth of CAST(replace(date, '-', '')): the latest spells of a
# 50,000-household county 0.52 → 0.42 s (issue 20).
def _spell_key(date: str) -> str:
    return f"coalesce(unixepoch(s.{date}) / 86400 + 100000, 0) * 10000000000 + s.id"


def _latest_id(predicate: str, date: str) -> str:
    """Id of the spell with the latest ``date`` (then highest id) among those matching."""
    return f"MAX(CASE WHEN {predicate} THEN {_spell_key(date)} END) % 10000000000"


def latest_spell_select(predicate: str) -> str:
    """``SELECT person_id, spell_id``: per person with a spell matching ``predicate`` (on the
    spells as ``s``), the latest-starting one (then the highest id), as the statuses choose."""
    return (f"SELECT s.person_id, MAX({_spell_key('start_date')}) % 10000000000 AS spell_id "
            f"FROM employment_spells s WHERE {predicate} GROUP BY s.person_id")


SPELL_LATEST_COLUMNS = "person_id, ly_id, ty_id, cur_id, return_id"

STATUS_COLUMNS = (
    "person_id", "is_labour",
    "employed_last_year", "last_year_region", "last_year_channel", "last_year_org_id",
    "employed_this_year", "this_year_region", "this_year_channel", "this_year_org_id",
    "employed_now", "now_region", "now_channel", "now_org_id", "now_spell_id",
    "returned", "return_date", "return_reason", "replaced", "replaced_date",
)
"""The columns of ``person_status`` (:func:`status_sql`, :func:`person_statuses`)."""

PLACE_COLUMNS = ("household_id", "area_id", "site_id", "hh_type", "relocated")
SURVEY_COLUMNS = ("survey_date", "willing", "planned_month", "survey_reason", "survey_measure")
SPELL_ID_COLUMNS = ("last_year_spell_id", "this_year_spell_id", "return_spell_id")
"""What :func:`status_table` adds to each person's statuses: their household's place and
type, their latest intention survey on or before D, and the ids of the spells that gave
last year's and this year's 地域/渠道 and of the return (the lists show those spells)."""


# The status columns each latest-spell id gives (every other column: the person, the household
# and the latest survey), for a derivation read for a few columns only (count_derived).
_FROM_LATEST = {
    "ly_id": ("employed_last_year", "last_year_region", "last_year_channel", "last_year_org_id",
              "last_year_spell_id"),
    "ty_id": ("employed_this_year", "this_year_region", "this_year_channel", "this_year_org_id",
              "this_year_spell_id"),
    "cur_id": ("employed_now", "now_region", "now_channel", "now_org_id", "now_spell_id"),
    "return_id": ("returned", "return_date", "return_reason", "replaced", "replaced_date", "return_spell_id"),
}
_FROM_SURVEY = SURVEY_COLUMNS + ("survey_id",)
_SURVEY_PARTICULARS = ("planned_month", "survey_reason", "survey_measure")

# A derivation read for nothing but the households' places and whether, and where (地域), a
# person worked last year, this year or now (F1's counts: ``count_derived``) carries each
# kind's 地域 in the latest-spell key's two low bits (the region code list's first three values;
# 0: any other value, looked up by the spell's id), so no spell is looked up again per person
# (≈ 0.2 s CPU of ``wengang report F1`` at 200,000 households).
_CARRIED = {"ly_id": (SPELL_LAST_YEAR, "employed_last_year", "last_year_region"),
            "ty_id": (SPELL_IN_YEAR, "employed_this_year", "this_year_region"),
            "cur_id": (SPELL_CURRENT, "employed_now", "now_region")}
_CARRIED_COLUMNS = frozenset(("person_id",) + PLACE_COLUMNS
                             + tuple(column for _, *columns in _CARRIED.values() for column in columns))
EMPLOYED_COLUMNS = tuple(employed for _, employed, _ in _CARRIED.values())
"""Whether a person worked last year, this year, now: false for a person with no spell."""


_SPELLS_BY_D = "s.start_date <= :as_of AND (s.end_date IS NULL OR s.end_date >= :ly_start)"


def _spell_latest_select(spell_filter: str = "", kinds: frozenset[str] | None = None) -> str:
    """One pass over the spells: per person, the id of the latest spell of each kind (of
    ``kinds`` only, when given: the others NULL).

    Replaces one window-function pass per status (ROW_NUMBER() OVER … ORDER BY start_date
    DESC, id DESC): same choice of spell, a quarter of the sorting.
    """
    latest = {"ly_id": _latest_id(SPELL_LAST_YEAR, "start_date"), "ty_id": _latest_id(SPELL_IN_YEAR, "start_date"),
              "cur_id": _latest_id(SPELL_CURRENT, "start_date"), "return_id": _latest_id(SPELL_RETURNED, "end_date")}
    ids = ",".join(f"\n        {sql if kinds is None or kind in kinds else 'NULL'} AS {kind}"
                   for kind, sql in latest.items())
    return f"""SELECT s.person_id,{ids}
    FROM employment_spells s
    -- every kind above needs a spell started by D that had not ended before last year
    WHERE {_SPELLS_BY_D}{spell_filter}
    GROUP BY s.person_id"""


# Re-placed: the first spell started after the latest return, by D. Looked up for the returned
# only, on the (person_id, start_date) index; a grouped sub-select over all returns cost an
# automatic index on every run (twice the time).
_REPLACED = f"""(CASE WHEN lr.id IS NOT NULL THEN (
            SELECT MIN(s.start_date) FROM employment_spells s
            WHERE s.person_id = p.id AND s.start_date > lr.end_date AND {SPELL_KNOWN}) END)"""


def _person_status_select(latest: str, extra_columns: str = "", extra_joins: str = "", where: str = "") -> str:
    """One row per person from the latest-spell ids in table ``latest`` (rowid look-ups)."""
    return f"""SELECT p.id AS person_id,{extra_columns}
        {labour_sql("p")} AS is_labour,
        ly.id IS NOT NULL AS employed_last_year,
        ly.region AS last_year_region, ly.channel AS last_year_channel, ly.org_id AS last_year_org_id,
        ty.id IS NOT NULL AS employed_this_year,
        ty.region AS this_year_region, ty.channel AS this_year_channel, ty.org_id AS this_year_org_id,
        cur.id IS NOT NULL AS employed_now,
        cur.region AS now_region, cur.channel AS now_channel, cur.org_id AS now_org_id,
        cur.id AS now_spell_id,
        lr.id IS NOT NULL AS returned,
        lr.end_date AS return_date, lr.return_reason,
        {_REPLACED} IS NOT NULL AS replaced,
        {_REPLACED} AS replaced_date
    FROM persons p{extra_joins}
    LEFT JOIN {latest} a ON a.person_id = p.id
    LEFT JOIN employment_spells ly ON ly.id = a.ly_id
    LEFT JOIN employment_spells ty ON ty.id = a.ty_id
    LEFT JOIN employment_spells cur ON cur.id = a.cur_id
    LEFT JOIN employment_spells lr ON lr.id = a.return_id{where}"""


def status_sql(spell_filter: str = "") -> str:
    """The ``WITH …`` clause defining ``person_status`` (needs ``AsOf.params()``).

    ``(person_id, start_date)`` is UNIQUE, so "the latest-starting spell" is one spell;
    returns that end on the same day are told apart by the higher id, as before.
    ``tests/test_status_speed.py`` keeps the former window-function version and compares.
    ``spell_filter`` (`` AND s.person_id IN (…)``) limits the spells read to a few persons.
    """
    return f"""WITH
spell_latest AS (
    {_spell_latest_select(spell_filter)}
),
person_status AS (
    {_person_status_select("spell_latest")}
)
"""


def _latest_survey_select(survey_filter: str = "", particulars: bool = True) -> str:
    # One GROUP BY pass (a window over every survey took twice as long): with a single MAX(),
    # SQLite takes the bare columns from the row holding the maximum (documented), and
    # (person_id, survey_date) is UNIQUE, so that row is the person's latest survey.
    # ``particulars``: its 计划外出时间, 原因 and 措施 too; else NULL (the status store looks them up
    # by the survey's id: not copying them from every new maximum took a third off the pass).
    copied = "v.planned_month, v.reason, v.measure" if particulars else "NULL, NULL, NULL"
    return f"""SELECT v.person_id, MAX(v.survey_date) AS survey_date, v.willing, {copied}, v.id
        FROM surveys v WHERE v.survey_date <= :as_of{survey_filter}
        GROUP BY v.person_id"""


def latest_survey_sql() -> str:
    """A CTE fragment ``latest_survey(person_id, survey_date, willing, planned_month, reason,
    measure)``: each person's latest survey on or before D. Append to :func:`status_sql` with
    a comma: ``status_sql() + ", " + latest_survey_sql()``."""
    return f"""latest_survey AS (
    SELECT person_id, survey_date, willing, planned_month, reason, measure FROM (
        {_latest_survey_select()}
    )
)
"""


def person_statuses(
    db: sqlite_utils.Database, as_of: AsOf, person_ids: list[int] | None = None
) -> dict[int, dict]:
    """Statuses for some (or all) persons, keyed by person id: for tests and the person page."""
    sql = status_sql() + "SELECT * FROM person_status"
    params: dict = dict(as_of.params())
    if person_ids is not None:
        # Read only their spells (the person page: 400 ms for everyone's → a few ms).
        marks = ", ".join(f":p{i}" for i in range(len(person_ids))) or "NULL"
        sql = status_sql(f" AND s.person_id IN ({marks})") + "SELECT * FROM person_status"
        sql += f" WHERE person_id IN ({marks})"
        params.update({f"p{i}": pid for i, pid in enumerate(person_ids)})
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}


def _hh_type_at(household: str) -> str:
    """户类型 at D for one household (its id ``household``), looked up by index: what
    ``households_at`` gives, for the few households of the persons recomputed after an edit
    (the whole table would cost more)."""
    return f"""(SELECT t.hh_type FROM household_type_history t WHERE t.household_id = {household}
            AND (t.valid_from IS NULL OR t.valid_from <= :as_of) AND (t.valid_to IS NULL OR t.valid_to > :as_of))"""


_HH_TYPE_AT = _hh_type_at("h.id")


def _read_in(columns: Collection[str] | None) -> tuple[frozenset[str] | None, bool, bool]:
    """(The latest-spell kinds, whether the latest survey, whether its particulars) the status
    ``columns`` need; (None, True, True): every one (``columns`` None: any may be read)."""
    if columns is None:
        return None, True, True
    read = frozenset(columns)
    return (frozenset(kind for kind, given in _FROM_LATEST.items() if read.intersection(given)),
            bool(read.intersection(_FROM_SURVEY)), bool(read.intersection(_SURVEY_PARTICULARS)))


def materialize_status(db: sqlite_utils.Database, as_of: AsOf, table: str = "person_status_at",
                       hh_at: str | None = None, persons: str | None = None,
                       into: Callable[[str, dict], object] | None = None,
                       reads: Collection[str] | None = None) -> str:
    """Build the statuses at D into the TEMP table ``table`` (keyed by person_id); returns it.

    Columns: :data:`STATUS_COLUMNS`, then :data:`PLACE_COLUMNS`, :data:`SURVEY_COLUMNS`,
    :data:`SPELL_ID_COLUMNS` and the survey's id (the status store keeps it instead of the
    survey's particulars), so
    forms and lists read one table instead of joining households and surveys again. Uncached:
    :func:`status_table` is the cached way in. ``persons`` (a table with a ``person_id``
    column) limits the rows to those persons, reading only their spells and surveys.
    ``into(select, params)``: the rows are not put in ``table``; ``into`` is given a SELECT of
    them (those columns, in person order) to insert where it likes (the status store: straight
    into its table, no TEMP copy) while the TEMP tables it reads (named after ``table``) exist.
    ``reads``: the columns that will be read of the rows (None: any); the latest spells of a
    kind and the latest surveys are looked for only if one of them is a column they give (the
    others NULL).
    """
    params = as_of.params()
    latest, surveys = f"{table}_latest", f"{table}_survey"
    for name in (table, latest, surveys):
        db.execute(f"DROP TABLE IF EXISTS temp.{name}")
    only = f" IN (SELECT person_id FROM {persons})" if persons else ""
    if persons and hh_at is None:
        households, hh_type = "households", _HH_TYPE_AT
    else:
        # The household's 户类型 as it was at D (DOMAIN.md "Household type at D"); status_table
        # passes it in, built before its own table (a cached table built inside another's build
        # would take the other tables' freshness with it).
        households, hh_type = f"temp.{hh_at or households_at(db, as_of.date)}", "h.hh_type"
    # The latest spells and surveys first, keyed by person (rows arrive in person order, so
    # the keys cost nothing): joining persons to them is then a rowid look-up, where a CTE
    # would get an automatic index built on every run.
    kinds, survey, particulars = _read_in(reads)
    db.execute(f"CREATE TEMP TABLE {latest} (person_id INTEGER PRIMARY KEY, ly_id, ty_id, cur_id, return_id)")
    db.execute(f"INSERT INTO temp.{latest} ({SPELL_LATEST_COLUMNS}) "
               + _spell_latest_select(f" AND s.person_id{only}" if only else "", kinds), params)
    db.execute(f"CREATE TEMP TABLE {surveys} (person_id INTEGER PRIMARY KEY, survey_date, willing, "
               "planned_month, reason, measure, id)")
    if survey:
        db.execute(f"INSERT INTO temp.{surveys} "
                   + _latest_survey_select(f" AND v.person_id{only}" if only else "", particulars),
                   params)
    select = _person_status_select(
        f"temp.{latest}",
        extra_columns=(f"\n        p.household_id, h.area_id, h.site_id, {hh_type} AS hh_type, h.relocated, "
                       "sv.survey_date, sv.willing, sv.planned_month, sv.reason AS survey_reason, "
                       "sv.measure AS survey_measure, a.ly_id AS last_year_spell_id, "
                       "a.ty_id AS this_year_spell_id, a.return_id AS return_spell_id, "
                       f"sv.id AS {status_store.SURVEY_ID},"),
        extra_joins=(f"\n    JOIN {households} h ON h.id = p.household_id"
                     f"\n    LEFT JOIN temp.{surveys} sv ON sv.person_id = p.id"),
        where=f"\n    WHERE p.id{only}" if only else "")
    columns = STATUS_COLUMNS + PLACE_COLUMNS + SURVEY_COLUMNS + SPELL_ID_COLUMNS + (status_store.SURVEY_ID,)
    try:
        if into is not None:
            into(f"SELECT {', '.join(columns)} FROM ({select})", params)
            return table
        # person_id as the rowid: rows arrive in person order (no index to build afterwards) and
        # the joins on person_id become rowid look-ups.
        db.execute(f"CREATE TEMP TABLE {table} (person_id INTEGER PRIMARY KEY, {', '.join(columns[1:])})")
        db.execute(f"INSERT INTO temp.{table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM ({select})",
                   params)
    finally:
        db.execute(f"DROP TABLE IF EXISTS temp.{latest}")
        db.execute(f"DROP TABLE IF EXISTS temp.{surveys}")
    return table


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _with_literals(sql: str, params: dict[str, str]) -> str:
    """``sql`` with its named parameters (``AsOf.params()``: ISO dates, nothing else) written
    in as text literals: a view cannot take parameters."""
    for value in params.values():
        if not _ISO_DAY.fullmatch(value):
            raise ValueError(f"not a date: {value!r}")
    names = "|".join(sorted(map(re.escape, params), key=len, reverse=True))
    return re.sub(rf":({names})\b", lambda m: f"'{params[m.group(1)]}'", sql)


def count_derived(db: sqlite_utils.Database, as_of: AsOf, create_sql: Callable[[str, str], str], name: str,
                  hh_at: str | None, reads: Collection[str] | None, employed_only: bool = False) -> None:
    """TEMP table ``name`` as ``create_sql(name, status)`` makes it, counted over everyone's
    statuses at D derived here and now (``hh_at``: :func:`households_at` at D, or its places
    alone; None: its places alone, made where they are read: each half of a count in halves
    makes its own as it begins — a view of the households where the latest spells are
    carried, ``household_places_view``, else the table ``household_places_at``), read once and
    kept nowhere: the same rows :func:`status_table` would give, without writing them.
    ``reads``: the status columns ``create_sql`` reads (None: any); only the latest spells (and
    surveys) they need are looked for — F1: 2 kinds of 4, no surveys — and where they are the
    places and the latest spells' presence and 地域 alone, those are carried with the latest
    spells (:data:`_CARRIED`) instead of derived through every person's spells.

    For a process that asks one form and nothing else, when reading D would derive every
    person's statuses anyway (:func:`derived_whole_on_reading`: right after an import, or at a
    date with no stored date of its year). It
    pays the latest spells and one pass counting through the derivation (SQLite computes
    only the columns the counts read), not the rows written into the store and read back
    (≈ 0.3 s CPU of ``wengang report F1`` at 50,000 households). The store is left as it was,
    its marks standing: the next reader of the rows derives and stores the date.
    ``employed_only``: what ``create_sql`` counts is false for anyone who worked neither last
    year, this year nor now (:data:`EMPLOYED_COLUMNS`; F1's every count): where the
    derivation is carried, the rows are the persons with a spell alone (:func:`_carried_rows`),
    so ``create_sql``'s groups and counts of persons meeting its predicates are the same and
    its count of everyone is not (F1 keeps none)."""
    if _carried(reads):
        def count(part: sqlite_utils.Database, condition: str, table: str) -> None:
            # The persons whose id meets ``condition`` ("": everyone); one half of them
            # (store.halves) on the second connection with households' places of its own.
            places = hh_at if part is db and hh_at is not None else household_places_view(part, as_of.date)
            where, spells = (f" WHERE p.id {condition}", f" AND s.person_id {condition}") if condition else ("", "")
            with _carried_rows(part, as_of, f"{table}_rows", frozenset(reads), _places_of_everyone(places) + where,
                               employed_only=employed_only, spell_filter=spells):
                part.execute(create_sql(table, f"{table}_rows"))

        if not count_by_halves(db, name, count):
            count(db, "", name)
        return
    view = f"{name}_rows"
    counting = create_sql(name, view)

    def count(select: str, params: dict) -> None:
        db.execute(f"CREATE TEMP VIEW {view} AS {_with_literals(select, params)}")
        try:
            db.execute(counting)
        finally:
            db.execute(f"DROP VIEW temp.{view}")

    materialize_status(db, as_of, f"{name}_derived", hh_at or household_places_at(db, as_of.date), into=count,
                       reads=reads)


def _carried_regions() -> list[tuple[int, str]]:
    """(code, 地域) of the 地域 a carried key codes: the region code list's first three, 1–3."""
    return list(enumerate(codes("region").values[:3], 1))


def _carried(reads: Collection[str] | None) -> bool:
    """Whether the columns ``reads`` are all a carried derivation gives (:func:`_carried_rows`)."""
    return reads is not None and _CARRIED_COLUMNS.issuperset(reads)


def _carried_kinds(reads: frozenset[str]) -> list[str]:
    """The kinds of latest spell (:data:`_CARRIED`) whose columns ``reads`` names."""
    return [kind for kind, (_, *columns) in _CARRIED.items() if reads.intersection(columns)]


_COMPARED_WITH_D = re.compile(r"\bs\.(start_date|end_date) (?:<=|<|>=|>) :as_of\b")


def _compared_with_d(reads: Collection[str] | None) -> frozenset[str] | None:
    """What a carried derivation read for ``reads`` compares with D (``status_store.CHANGED_BY``'s
    names): the spell dates the latest spells of those kinds and the spells' filter compare
    with it (their other dates are the year's, the same at a neighbour of the same year), and
    the households' 户类型 history (the places at D). F1 reads last year's spells (no D in
    them) and this year's (started by D): a spell's end between two dates of a year changes
    neither (at 200,000 households, two months apart: 23,960 persons to correct, not 76,124).
    None (every dated thing) for other columns, or where D is compared another way."""
    if not _carried(reads):
        return None
    sql = " ".join([_SPELLS_BY_D, *(_CARRIED[kind][0] for kind in _carried_kinds(frozenset(reads)))])
    compared = _COMPARED_WITH_D.findall(sql)
    if len(compared) != sql.count(":as_of"):
        return None
    return frozenset(compared) | {"hh_type"}


def _carried_latest_select(kinds: list[str], spell_filter: str = "") -> str:
    """Per person, each of ``kinds``' latest spell (:func:`_spell_latest_select`'s choice) as its
    key × 4 + its 地域's code: the region code list's first three values 1–3, anything else 0."""
    code = " ".join(f"WHEN {sql_text(region)} THEN {i}" for i, region in _carried_regions())
    carried = f"({_spell_key('start_date')}) * 4 + (CASE s.region {code} ELSE 0 END)"
    latest = ",".join(f"\n        MAX({carried}) FILTER (WHERE {_CARRIED[kind][0]}) AS {kind}" for kind in kinds)
    return f"""SELECT s.person_id,{latest}
    FROM employment_spells s
    WHERE {_SPELLS_BY_D}{spell_filter}
    GROUP BY s.person_id"""


def _region_carried(carried: str) -> str:
    """The 地域 of the spell ``carried`` (:func:`_carried_latest_select`) names; NULL for none."""
    whens = " ".join(f"WHEN {i} THEN {sql_text(region)}" for i, region in _carried_regions())
    return (f"CASE {carried} % 4 {whens} ELSE (SELECT r.region FROM employment_spells r "
            f"WHERE r.id = {carried} / 4 % 10000000000) END")


def _places_of_everyone(hh_at: str) -> str:
    """Every person's household and its places (``hh_at``: :func:`households_at` at D, or its
    places alone): :func:`_carried_rows`' ``places`` for a count of everyone."""
    return ("SELECT p.id AS person_id, p.household_id, h.area_id, h.site_id, h.hh_type, h.relocated "
            f"FROM persons p JOIN temp.{hh_at} h ON h.id = p.household_id")


@contextlib.contextmanager
def _carried_rows(db: sqlite_utils.Database, as_of: AsOf, view: str, reads: frozenset[str], places: str,
                  persons: str | None = None, employed_only: bool = False, spell_filter: str = "") -> Iterator[None]:
    """While open, TEMP view ``view``: ``places`` (a SELECT of person_id, household_id,
    area_id, site_id, hh_type and relocated, one row per person counted) with, for the kinds
    of latest spell ``reads`` names, whether the person has one and its 地域 — the columns
    :func:`materialize_status` gives them, from one pass over the spells and no spell looked
    up per person (a 地域 outside the code list's first three: by the spell's id).
    ``persons`` (a table with a ``person_id`` column): the persons ``places`` gives, whose
    spells alone are read (None: everyone's, or those ``spell_filter`` keeps: `` AND s.person_id
    < 123``, one half of the persons, ``store.halves``). ``employed_only``: only the persons with a spell read
    for the latest spells (the others worked in none of the kinds; at 200,000 households
    344,472 persons of 660,519: F1's cube after an import 0.87–0.90 → 0.61–0.62 s CPU); the
    rows then come from the latest spells, in person order, each person and household looked
    up by id, in the statement that reads the view (no TEMP table of them written and read
    back: a half's F1 at 200,000 households 0.92 → 0.77 s CPU, median of 12)."""
    kinds = _carried_kinds(reads)
    latest = f"{view}_latest"
    columns = "".join(f", {kind}, {kind}_region" for kind in kinds)
    carried = "".join(f", {kind}, {_region_carried(kind)} AS {kind}_region" for kind in kinds)
    given = "".join(f",\n        a.{kind} IS NOT NULL AS {employed}, a.{kind}_region AS {region}"
                    for kind in kinds for _, employed, region in [_CARRIED[kind]])
    only = f" AND s.person_id IN (SELECT person_id FROM {persons})" if persons else spell_filter
    latest_select = f"SELECT person_id{carried} FROM ({_carried_latest_select(kinds, only)})"
    if not kinds:
        rows = f"({places}) p"
    elif employed_only:
        # CROSS JOIN: SQLite's way to keep this order (the spells first), params inlined: a view
        rows = f"({_with_literals(latest_select, as_of.params())}) a CROSS JOIN ({places}) p ON p.person_id = a.person_id"
    else:
        rows = f"({places}) p\n    LEFT JOIN temp.{latest} a ON a.person_id = p.person_id"
    try:
        if kinds and not employed_only:
            db.execute(f"CREATE TEMP TABLE {latest} (person_id INTEGER PRIMARY KEY{columns})")
            db.execute(f"INSERT INTO temp.{latest} {latest_select}", as_of.params())
        db.execute(f"""CREATE TEMP VIEW {view} AS SELECT p.person_id, p.household_id, p.area_id, p.site_id,
        p.hh_type, p.relocated{given}
    FROM {rows}""")
        yield
    finally:
        db.execute(f"DROP VIEW IF EXISTS temp.{view}")
        db.execute(f"DROP TABLE IF EXISTS temp.{latest}")


Kinds = list[tuple[str, Callable[[str, str], str]]]


def neighbour_summary(db: sqlite_utils.Database, as_of: AsOf, kinds: Kinds) -> tuple[dt.date, int] | None:
    """At a date not stored that reading would build from a stored neighbour (nothing marked,
    ``status_store.neighbour_to_build_from``): the neighbour and the place in ``kinds`` (kind,
    create_sql) of the first summary it keeps. Reads only."""
    if as_of.date in fresh_keys(db, "status_at"):
        return None
    neighbour = status_store.neighbour_to_build_from(db, as_of.date, _definition())
    k = None if neighbour is None else _first_kept(db, neighbour, kinds)
    return None if k is None else (neighbour, k)


def _first_kept(db: sqlite_utils.Database, day: dt.date, kinds: Kinds) -> int | None:
    """The place in ``kinds`` (kind, create_sql) of the first summary stored at ``day`` as
    that create_sql counts it; None when none is."""
    for k, (kind, create_sql) in enumerate(kinds):
        if status_store.has_summary(db, day, kind, summary_definition(create_sql)):
            return k
    return None


def count_from_neighbour(db: sqlite_utils.Database, as_of: AsOf, neighbour: dt.date,
                         kept: tuple[str, Callable[[str, str], str]], create_sql: Callable[[str, str], str], name: str,
                         reads: Collection[str] | None) -> bool:
    """TEMP table ``name`` as ``create_sql`` makes it: the stored ``neighbour``'s summary
    ``kept`` (its kind and the ``create_sql`` it was counted with, :func:`neighbour_summary`)
    corrected by the persons whose statuses differ between it and D — their rows at the
    neighbour taken out, theirs at D (derived, only the columns ``create_sql`` reads, ``reads``) put in:
    the numbers the store would give once it built D, without building it. The kept summary
    may count more than ``create_sql`` (the full cube, where one form's own is asked): its
    rows are narrowed to ``create_sql``'s counts, and only those are corrected. False (nothing
    made) when too many persons changed, or the summary cannot be corrected."""
    kind, kept_sql = kept
    found = status_store.load_summary(db, neighbour, kind, summary_definition(kept_sql))
    if found is None:
        return False
    try:
        changed = status_store.changed_since(db, as_of.date, neighbour, _compared_with_d(reads))
        corrected = None if changed is None else _corrected(db, neighbour, kind, create_sql, name, *found)
        if changed is None or corrected is None:
            return False
        was = status_store.decoded_rows(db, status_store.day_key(neighbour), f"SELECT person_id FROM {changed}")
        with _derived_for(db, as_of, f"{name}_derived", changed, reads, was) as now:
            corrected = _regrouped(db, (was, now), create_sql, name, *corrected)
        if corrected is None:
            return False
    finally:
        status_store.drop_scratch(db)
    fill_temp_table(db, name, *corrected)
    return True


def marked_summary(db: sqlite_utils.Database, as_of: AsOf, kinds: Kinds) -> int | None:
    """At a date stored with a few persons marked since (``status_store.stored_past_marks``:
    an edit, a monthly import), the place in ``kinds`` (kind, create_sql) of the first summary
    it keeps; None otherwise. Reads only."""
    if as_of.date in fresh_keys(db, "status_at") or not status_store.stored_past_marks(db, as_of.date, _definition()):
        return None
    return _first_kept(db, as_of.date, kinds)


def count_past_marks(db: sqlite_utils.Database, as_of: AsOf, kept: tuple[str, Callable[[str, str], str]],
                     create_sql: Callable[[str, str], str], name: str, reads: Collection[str] | None) -> bool:
    """TEMP table ``name`` as ``create_sql`` makes it: the summary ``kept`` at the stored D
    (its kind and the ``create_sql`` it was counted with, :func:`marked_summary`), corrected by
    the persons marked since — their stored rows taken out, their statuses at D now (derived
    for them alone, only the columns ``reads``) put in: the numbers reading D would give once
    their rows were refreshed, without refreshing them. The store and its marks are left as
    they are, for the next reader of the rows (a monthly import marking 5 % of 200,000
    households: ``wengang report F1`` no longer rewrites their rows at every stored date and
    commits). False (nothing made) when the summary cannot be corrected."""
    kind, kept_sql = kept
    found = status_store.load_summary(db, as_of.date, kind, summary_definition(kept_sql))
    corrected = None if found is None else _corrected(db, as_of.date, kind, create_sql, name, *found)
    if corrected is None:
        return False
    marks = status_store.marks_table()
    was = status_store.decoded_rows(db, status_store.day_key(as_of.date), f"SELECT person_id FROM {marks}")
    with _derived_for(db, as_of, f"{name}_derived", marks, reads, None) as now:
        corrected = _regrouped(db, (was, now), create_sql, name, *corrected)
    if corrected is None:
        return False
    fill_temp_table(db, name, *corrected)
    return True


@contextlib.contextmanager
def _derived_for(db: sqlite_utils.Database, as_of: AsOf, name: str, persons: str,
                 reads: Collection[str] | None, was: str | None) -> Iterator[str]:
    """While open, a SELECT of the statuses at D of the ``persons`` (a table of person ids),
    for the columns ``reads``; ``was``: their rows at a stored date with nothing marked since
    (None: they are marked, their rows there not current). Where the places and the latest
    spells' presence and 地域 are all they read, those are carried with their latest spells
    (:func:`_carried_rows`), the places taken from ``was`` (a person's household and its
    area, site and 搬迁 are not dated, and the stored rows are current while nothing is
    marked) or else from the persons and households, the 户类型 at D looked up by household:
    F1 at 200,000 households, 76,000 persons two months from a stored date, 0.6 → 0.25 s CPU.
    Otherwise derived (:func:`materialize_status`)."""
    if _carried(reads):
        if was is None:
            hh_type = _with_literals(_hh_type_at("h.id"), as_of.params())
            places = (f"SELECT p.id AS person_id, p.household_id, h.area_id, h.site_id, {hh_type} AS hh_type, "
                      f"h.relocated FROM persons p JOIN households h ON h.id = p.household_id "
                      f"WHERE p.id IN (SELECT person_id FROM {persons})")
        else:
            hh_type = _with_literals(_hh_type_at("w.household_id"), as_of.params())
            places = (f"SELECT w.person_id, w.household_id, w.area_id, w.site_id, {hh_type} AS hh_type, "
                      f"w.relocated FROM ({was}) w")
        with _carried_rows(db, as_of, name, frozenset(reads), places, persons):
            yield f"SELECT * FROM temp.{name}"
        return
    try:
        materialize_status(db, as_of, name, persons=persons, reads=reads)
        yield f"SELECT * FROM temp.{name}"
    finally:
        db.execute(f"DROP TABLE IF EXISTS temp.{name}")


@functools.cache
def _definition() -> str:
    """What the stored statuses were derived with: the SQL (code lists included)."""
    return status_store.definition_hash(
        _spell_latest_select(), _latest_survey_select(), _person_status_select("latest"), _HH_TYPE_AT,
        TYPE_AT_SQL, ", ".join(STATUS_COLUMNS + PLACE_COLUMNS + SURVEY_COLUMNS + SPELL_ID_COLUMNS),
        status_store.layout_sql())


def _status_at(db: sqlite_utils.Database, as_of: AsOf, name: str, hh_at: Callable[[], str]) -> None:
    """``name``: a TEMP view of the stored statuses at D (``store.status_store``), else, where
    the store cannot be written, a TEMP table derived here."""
    def derive(day: dt.date, table: str, persons: str | None, into: status_store.Into | None = None) -> None:
        # Derived for the store, which keeps its columns alone (the rest it looks up).
        whole_at_d = persons is None and day == as_of.date
        materialize_status(db, AsOf(day), table, hh_at() if whole_at_d else None, persons, into=into,
                           reads=status_store.STORED)

    drop_table(db, name)
    if status_store.sync_date(db, as_of.date, _definition(), derive):
        db.execute(f"CREATE TEMP VIEW {name} AS {status_store.decoded_rows(db, status_store.day_key(as_of.date))}")
    else:
        materialize_status(db, as_of, name, hh_at())


def derived_whole_on_reading(db: sqlite_utils.Database, as_of: AsOf) -> bool:
    """Whether :func:`status_table` at D would now derive every person's statuses afresh —
    emptying the store to keep them (most persons marked, as an import leaves them), or at a
    date not stored with no stored date of its year to build it from (the first month of a
    year, a date in another year) — rather than read them or build them from a stored date.
    Reads only."""
    if as_of.date in fresh_keys(db, "status_at"):
        return False
    return status_store.emptied_on_reading(db) or status_store.whole_on_reading(db, as_of.date, _definition())


def status_table(db: sqlite_utils.Database, as_of: AsOf) -> str:
    """The statuses at D, built once and shared by the forms, the lists and the overview while
    the data is unchanged: a TEMP view of the status store (kept current across processes and
    edits, see ``store.status_store``), or a TEMP table where the store cannot be written.
    Its rows are every person; columns as :func:`materialize_status` says."""
    # 户类型 at D only when statuses are derived: reading stored ones needs no households_at
    # (0.5 s CPU at 200,000 households, most of a new process's forms).
    return cached(db, "status_at", as_of.date,
                  lambda name: _status_at(db, as_of, name, lambda: households_at(db, as_of.date)))


def is_stored(db: sqlite_utils.Database, status: str) -> bool:
    """Whether ``status`` (a :func:`status_table` name) reads the status store (a TEMP view)
    rather than a TEMP table derived where the store could not be written (then nothing
    counted from it is kept there)."""
    row = db.execute("SELECT type FROM sqlite_temp_master WHERE name = ?", [status]).fetchone()
    return row is not None and row[0] == "view"


def _corrected(db: sqlite_utils.Database, day: dt.date, kind: str, create_sql: Callable[[str, str], str],
               name: str, columns: list[str], rows: list) -> tuple[list[str], list] | None:
    """The stored summary's ``rows`` (``columns``) corrected for the persons whose rows were
    replaced since it was counted: their rows as counted taken out, their rows now put in, by
    group (the columns before ``persons``); groups left with no persons go. As (columns,
    rows): :func:`_regrouped`'s. None when it cannot be (nothing replaced: ``rows`` as they
    are; no ``persons`` column or an empty sum: count again)."""
    selects = status_store.replaced_selects(db, day, kind)
    return (columns, rows) if selects is None else _regrouped(db, selects, create_sql, name, columns, rows)


def _regrouped(db: sqlite_utils.Database, selects: tuple[str, str], create_sql: Callable[[str, str], str],
               name: str, columns: list[str], rows: list) -> tuple[list[str], list] | None:
    """A summary's ``rows`` with the rows of ``selects[0]`` taken out and those of
    ``selects[1]`` put in, by group (:func:`_corrected`), as (columns, rows) of what
    ``create_sql`` counts: a summary counting more is narrowed to those (:func:`_narrowed`)."""
    if "persons" not in columns:
        return None
    parts, counted = [], columns
    for suffix, select in zip(("was", "now"), selects):
        view, table = f"{name}_{suffix}_rows", f"{name}_{suffix}"
        db.execute(f"CREATE TEMP VIEW {view} AS {select}")
        try:
            db.execute(create_sql(table, view))
            cursor = db.execute(f"SELECT * FROM temp.{table}")
            counted = [c[0] for c in cursor.description]
            parts.append(cursor.fetchall())
            db.execute(f"DROP TABLE temp.{table}")
        finally:
            db.execute(f"DROP VIEW temp.{view}")
    narrowed = _narrowed(columns, rows, counted)
    if narrowed is None:
        return None
    keys = counted.index("persons")
    groups = {tuple(row[:keys]): list(row) for row in narrowed}
    for sign, part in zip((-1, 1), parts):
        for row in part:
            group = groups.setdefault(tuple(row[:keys]), list(row[:keys]) + [0] * (len(row) - keys))
            for i in range(keys, len(row)):
                if row[i] is None or group[i] is None:
                    return None
                group[i] += sign * row[i]
    return counted, [row for row in groups.values() if row[keys]]


def _narrowed(columns: list[str], rows: list, counted: list[str]) -> list | None:
    """A summary's ``rows`` (``columns``) as rows of ``counted``: the same groups and
    ``persons``, then some of its counts (each count is a column of its own, by group, so
    the others can be left out). None when ``counted`` is not such a part of ``columns``."""
    if counted == columns:
        return rows
    keys = columns.index("persons")
    if counted[:keys + 1] != columns[:keys + 1] or not set(counted).issubset(columns):
        return None
    picked = [columns.index(column) for column in counted]
    return [[row[i] for i in picked] for row in rows]


def summary_definition(create_sql: Callable[[str, str], str]) -> str:
    """What :func:`summary_table` stores a summary made by ``create_sql`` under."""
    return status_store.definition_hash(create_sql("summary", "status"))


def summary_stored(db: sqlite_utils.Database, day: dt.date, status: str, kind: str,
                   create_sql: Callable[[str, str], str] | None = None) -> bool:
    """Whether :func:`summary_table` would read the summary ``kind`` at ``day`` from the store
    (any made with ``create_sql``, else any at all) rather than count it."""
    definition = None if create_sql is None else summary_definition(create_sql)
    return is_stored(db, status) and status_store.has_summary(db, day, kind, definition)


def summary_table(db: sqlite_utils.Database, day: dt.date, status: str, kind: str,
                  create_sql: Callable[[str, str], str], name: str, *, in_halves: bool = False) -> None:
    """Build the TEMP table ``name`` that ``create_sql(name, status)`` creates from the statuses
    at ``day`` (``status``, as :func:`status_table` gives it) — from the summary stored beside
    them when there is one (``store.status_store``: kept per date, gone when the date goes;
    after an edit corrected by the persons it touched alone), else by running it and storing
    what it gave. The report engine's cube and F5 cohorts: a new process reads a thousand
    stored rows instead of scanning every person. ``create_sql`` groups by its first columns
    and counts them in a column ``persons`` right after (how a correction finds the groups),
    every later column a sum by group too. ``in_halves``: a big county's may be counted in two
    halves at once (``store.halves``), for a summary of few groups (the cube's couple of
    thousand), whose halves cost little to hand over; not for F5's household groups (split by
    household, each half reads every stored row of the date: 0.41 and 0.61 s at once against
    0.23 and 0.29 s alone at 200,000 households, no gain; bench/README, sixteenth session)."""
    stored = is_stored(db, status)
    definition = summary_definition(create_sql)
    version = db.execute("PRAGMA data_version").fetchone()[0]
    found = status_store.load_summary(db, day, kind, definition) if stored else None
    corrected = _corrected(db, day, kind, create_sql, name, *found) if found is not None else None
    if corrected is not None:
        columns, rows = corrected
        fill_temp_table(db, name, columns, rows)
        if rows is not found[1]:  # corrected: stored so, the replaced rows answered
            status_store.save_summary(db, day, kind, definition, columns, rows, version)
        return
    if not (stored and in_halves and count_in_halves(db, status, create_sql, name)):
        db.execute(create_sql(name, status))
    if stored:
        cursor = db.execute(f"SELECT * FROM temp.{name}")
        columns = [c[0] for c in cursor.description]
        status_store.save_summary(db, day, kind, definition, columns, cursor.fetchall(), version)
