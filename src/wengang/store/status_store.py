"""The status store: per-person statuses at a few as-of dates, kept current (issue 20).

Deriving everyone's statuses at a date costs about a second at 50,000 households; a new
process, a new date or any edit used to pay it again. The store (migration 0090) keeps the
derived rows in the database itself, for the last :data:`KEEP_DATES` dates asked for:

- **Marks, not rebuilds.** Triggers on every table the derivation reads add the ids of the
  persons a write touched to ``status_store_marks`` (an ``INSERT OR IGNORE`` per row). They
  live in the schema, so no writer can forget them: the window, imports, undo, the exchange's
  apply, another program.
- **Reading a date** (:func:`sync_date`) brings the store up to date: the marked persons are
  derived again (``store.status.materialize_status`` limited to them, one small query per
  stored date), their rows replaced at every stored date and their marks cleared. When many
  are marked (an import: more than 1/:data:`WHOLESALE_SHARE` of the persons) the store is
  emptied and the date asked for derived whole, as before. The oldest-built date beyond
  :data:`KEEP_DATES` makes room for a new one.
- **A new date from a stored neighbour.** Within a year a person's statuses at two dates
  differ only if one of their spells starts or ends, a survey is taken or their household's
  户类型 changes between them (:data:`_CHANGED_BETWEEN`). A date not stored yet is built from
  the nearest stored date of its year holding every person's row: the date keeps rows only
  for those persons (derived), and reads everyone else's through its ``base`` (migration
  0110); the neighbour's summaries come along, corrected by those persons alone. At 50,000
  households, F1 at a new date a few weeks from a stored one: 2.6–2.8 → 0.46–0.85 s CPU. With
  no such neighbour, or more than 1/:data:`WHOLESALE_SHARE` of the persons changed between,
  the date is derived whole. A base that makes room leaves the newest date built from it
  whole (its rows copied once), the base of the others.
- **Compact rows** (migration 0110): codes as numbers, the survey's and return's particulars
  looked up by id, decoded in the one view readers get (:func:`decoded_rows`): 20.5 → 9.4 MiB
  a whole date at 50,000 households.
- **Short writes.** Marked persons' rows and a date built from a neighbour are derived into
  TEMP tables first, without the write lock; the lock is taken only to copy the rows in, and
  only if no other connection committed meanwhile (else once more from the start). A date
  derived whole (after an import) has its latest spells and surveys derived so, and its rows
  inserted from them straight into the store under the lock (:func:`_write_whole`: a TEMP
  table of 165,479 rows and its copy cost 0.6 s CPU at 50,000 households, the insert 0.4 s,
  the time the lock is held). The window's edits (``Database.atomic``: ``BEGIN IMMEDIATE``)
  wait their turn meanwhile. With nothing marked and the date stored (the usual case),
  reading writes nothing at all.
- **Checked, not trusted.** A date is derived again when its definition hash (the
  derivation's SQL, code lists included) differs from this program's, or when its row count
  disagrees with the persons' (rows lost some other way). Missing triggers (a hand-edited
  file) are put back and the store emptied.
- **Where it cannot write** (a read-only file, a database locked past the busy timeout or
  opened without migrating, a failed background integrity check) :func:`sync_date` returns
  ``False`` and ``status_table`` derives into a TEMP table as it always did.

- **Summaries ride along.** Small tables derived from one date's rows only (the report
  engine's person cube, migration 0095) are kept beside them (:func:`load_summary`,
  :func:`save_summary`). Dropping or rebuilding a date drops its summaries in the same
  transaction; refreshing marked persons keeps their rows as the summaries counted them
  (:func:`replaced_selects`), so the next reader recounts those persons' groups only. A new
  process reads the cube instead of scanning every person's statuses again.

The rows are derived data: no guid, so the audit trail, undo and the exchange's projection
never see them; a backup carries them along with the marks that say what is stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import sqlite_utils

from wengang.domain import fields
from wengang.domain.codes import codes
from wengang.domain.sqltext import sql_text
from wengang.store import integrity
from wengang.store.migrations import m0090_status_store as schema
from wengang.store.migrations import m0115_report_facts as facts_schema

__all__ = ["CHANGED_BY", "KEEP_DATES", "STORED", "STORE_COLUMNS", "SURVEY_ID", "WHOLESALE_SHARE", "Into", "changed_since",
           "day_key", "decoded_rows", "definition_hash", "drop_scratch", "emptied_on_reading", "fact_marks_seq",
           "has_summary", "layout_sql", "load_facts", "load_summary", "marks_table", "neighbour_to_build_from",
           "replaced_selects", "save_facts", "save_summary", "stored_dates", "stored_past_marks", "sync_date",
           "whole_on_reading"]

KEEP_DATES = 3  # the dates a caseworker switches between (as derived.KEEP_PER_KIND); ≤ 10 MB each at 50k
WHOLESALE_SHARE = 8  # more than 1/8 of the persons marked: derive the date whole
STORE = "status_store"
DATES = "status_store_dates"
MARKS = "status_store_marks"
SUMMARIES = "status_store_summaries"  # migration 0095
REPLACED = "status_store_replaced"  # migration 0095: rows as the summaries counted them
FACTS = "status_store_facts"  # migration 0115: the forms' period aggregates (services/reports/facts.py)
FACT_MARKS = "status_store_fact_marks"  # migration 0115: areas whose facts changed, in order
KEEP_FACT_PERIODS = 12  # period aggregates kept per date (4 sources × the 3 periods last asked for)
FACT_TRIGGER_COUNT = facts_schema.triggers().count("CREATE TRIGGER")
_FACT_TRIGGERS = ("SELECT name FROM main.sqlite_master WHERE type = 'trigger' "
                  "AND name LIKE 'fact\\_mark\\_%' ESCAPE '\\'")
_SCRATCH = "status_store_new"  # TEMP: rows derived, not yet stored
_TODO = "status_store_todo"  # TEMP: the marks being answered
TRIGGER_COUNT = schema.triggers().count("CREATE TRIGGER")
_MARK_TRIGGERS = ("SELECT name FROM main.sqlite_master WHERE type = 'trigger' "
                  "AND name LIKE 'status\\_mark\\_%' ESCAPE '\\'")

STORE_COLUMNS = (
    "person_id", "is_labour",
    "employed_last_year", "last_year_region", "last_year_channel", "last_year_org_id",
    "employed_this_year", "this_year_region", "this_year_channel", "this_year_org_id",
    "employed_now", "now_region", "now_channel", "now_org_id", "now_spell_id",
    "returned", "return_date", "return_reason", "replaced", "replaced_date",
    "household_id", "area_id", "site_id", "hh_type", "relocated",
    "survey_date", "willing", "planned_month", "survey_reason", "survey_measure",
    "last_year_spell_id", "this_year_spell_id", "return_spell_id",
)
"""The columns every reader of the store sees (``status_table``'s columns), decoded."""

# --- the stored layout (migration 0110): codes and look-ups, decoded where read ---------------
# A code field is stored as its place in the registry's code list (0 and 1 take no bytes in a
# record, the rest one), a value outside the list (typed by hand, free text) as the text itself;
# the survey's and the return's particulars are looked up by the id of the row they come from.
# 20.5 → 9.4 MiB per stored date at 50,000 households (bench/status_store.py, store_size).
CODED = {
    "last_year_region": ("employment_spells", "region"),
    "last_year_channel": ("employment_spells", "channel"),
    "this_year_region": ("employment_spells", "region"),
    "this_year_channel": ("employment_spells", "channel"),
    "now_region": ("employment_spells", "region"),
    "now_channel": ("employment_spells", "channel"),
    "hh_type": ("households", "hh_type"),
}
"""Stored column → the registry field (table, column) whose code list it is stored by."""

LOOKED_UP = {
    "return_date": ("employment_spells", "return_spell_id", "end_date"),
    "return_reason": ("employment_spells", "return_spell_id", "return_reason"),
    "survey_date": ("surveys", "survey_id", "survey_date"),
    "planned_month": ("surveys", "survey_id", "planned_month"),
    "survey_reason": ("surveys", "survey_id", "reason"),
    "survey_measure": ("surveys", "survey_id", "measure"),
}
"""Column → (table, the stored id of its row, that row's column): read, not stored."""

SURVEY_ID = "survey_id"
STORED = tuple(c for c in STORE_COLUMNS if c not in LOOKED_UP) + (SURVEY_ID,)
"""The columns migration 0110 stores after ``day``: a derived table's (``materialize_status``
gives :data:`SURVEY_ID` beside :data:`STORE_COLUMNS`) but for the looked-up ones."""


@functools.cache
def _code_values(column: str) -> tuple[str, ...]:
    table, name = CODED[column]
    return codes(fields.field(table, name, source="store/status_store.py").codes).values


def _numbered(column: str) -> str:
    return " ".join(f"WHEN {sql_text(v)} THEN {i}" for i, v in enumerate(_code_values(column)))


def _encode(column: str, alias: str) -> str:
    return f"CASE {alias}.{column} {_numbered(column)} ELSE {alias}.{column} END"


def code_number(column: str, value: str) -> str:
    """SQL: the place of ``value`` (an SQL expression of a decoded :data:`CODED` column) in its
    code list, NULL for a value outside it (or NULL)."""
    return f"CASE {value} {_numbered(column)} END"


def _decode(column: str, value: str) -> str:
    whens = " ".join(f"WHEN {i} THEN {sql_text(v)}" for i, v in enumerate(_code_values(column)))
    return f"CASE {value} {whens} ELSE {value} END"


# A column that follows from another of the same row: ``replaced`` is whether there is a
# ``replaced_date``. It is stored NULL and read from the date: store.status derives both from one
# correlated sub-select, and SQLite, flattening the derivation into the store's INSERT, ran that
# sub-select once for every column written from it (issue 20).
IMPLIED = {"replaced": "replaced_date"}
"""Stored column → the stored column it is read from (as whether that one has a value)."""


def _stored_value(column: str, alias: str) -> str:
    if column in CODED:
        return _encode(column, alias)
    return "NULL" if column in IMPLIED else f"{alias}.{column}"


def _stored_select(alias: str) -> str:
    """The stored columns from a derived table's row ``alias`` (text codes → numbers)."""
    return ", ".join(_stored_value(c, alias) for c in STORED)


def decoded_select(value: Callable[[str], str]) -> str:
    """:data:`STORE_COLUMNS` from a stored row whose column ``c`` is ``value(c)``: codes back to
    their text, the survey's and the return's particulars looked up (a reader that does not ask
    for them pays nothing: SQLite flattens the view). The one place stored rows are decoded."""
    out = []
    for column in STORE_COLUMNS:
        if column in CODED:
            out.append(f"{_decode(column, value(column))} AS {column}")
        elif column in IMPLIED:
            out.append(f"{value(IMPLIED[column])} IS NOT NULL AS {column}")
        elif column in LOOKED_UP:
            table, key, source = LOOKED_UP[column]
            out.append(f"(SELECT x.{source} FROM main.{table} x WHERE x.id = {value(key)}) AS {column}")
        else:
            out.append(f"{value(column)} AS {column}")
    return ", ".join(out)


def _base(db: sqlite_utils.Database, key: int) -> int | None:
    row = db.execute(f"SELECT base FROM {DATES} WHERE day = ?", [key]).fetchone()
    return row[0] if row else None


def decoded_rows(db: sqlite_utils.Database, key: int, persons: str = "") -> str:
    """A SELECT of the stored statuses at day ``key`` as every reader sees them; ``persons``
    (a SELECT of person ids) limits it to those (SQLite does not push a filter into a subquery
    whose columns look rows up: filtered outside, all 165,479 rows at 50k were decoded, 1.3 s).

    A date built from a neighbour (its ``base``) holds rows only for the persons whose
    statuses differ; everyone else's row is the base's: each person's base row, overlaid by
    the date's own where it has one (one SELECT, so readers' filters still reach the rows).
    The base is looked up when the SELECT runs, so a view of it still reads right after the
    base made room and the date took its rows (base NULL: the date's own rows, twice joined)."""
    key = int(key)
    if _base(db, key) is None:
        only = f" AND s.person_id IN ({persons})" if persons else ""
        return f"SELECT {decoded_select(lambda c: f's.{c}')} FROM main.{STORE} s WHERE s.day = {key}{only}"
    only = f" AND b.person_id IN ({persons})" if persons else ""

    # person_id is the base row's (the overlay's is the same, joined on it): as a plain column a
    # reader joining on it looks the rows up by the key; as an iif() every spell joined to a
    # date built from a neighbour scanned all of its rows (F3 at 50,000 households: > 10 min).
    def value(column: str) -> str:
        return "b.person_id" if column == "person_id" else f"iif(o.day IS NULL, b.{column}, o.{column})"

    return (f"SELECT {decoded_select(value)} FROM main.{STORE} b "
            f"LEFT JOIN main.{STORE} o ON o.day = {key} AND o.person_id = b.person_id "
            f"WHERE b.day = coalesce((SELECT base FROM main.{DATES} WHERE day = {key}), {key}){only}")


def layout_sql() -> str:
    """How rows are stored and read back (code lists included): part of the definition hash, so
    a changed code list derives the stored dates again."""
    return _stored_select("n") + "\n" + decoded_select(lambda c: f"s.{c}")

# derive(as_of_date, table, persons[, into]): ``materialize_status`` into TEMP ``table`` (limited
# to the persons in table ``persons`` when given); ``store.status`` passes it in. With ``into``
# the rows go to ``into(select, params)`` instead (a whole date: straight into the store).
Into = Callable[[str, dict], object]
Derive = Callable[..., None]


def day_key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def definition_hash(*sql: str) -> str:
    """Identifies the derivation: stored rows built with other SQL are derived again."""
    return hashlib.sha1("\n".join(sql).encode()).hexdigest()[:16]  # a fingerprint, not security


def stored_dates(db: sqlite_utils.Database) -> list[dt.date]:
    """The dates the store holds, oldest-built first."""
    return [dt.date(d // 10000, d // 100 % 100, d % 100)
            for (d,) in db.execute(f"SELECT day FROM {DATES} ORDER BY built_at, day").fetchall()]


def _count(db: sqlite_utils.Database, sql: str, params: list | None = None) -> int:
    return db.execute(sql, params or []).fetchone()[0]


# --- planning (reads only) -------------------------------------------------------------------
@dataclass
class _Work:
    """What bringing the store up to date at one date takes."""

    key: int
    triggers_ok: bool = True
    clear: bool = False                                   # start from an empty store
    refresh: list[dt.date] = field(default_factory=list)  # stored dates: marked persons again
    build: bool = False                                   # derive the date whole
    evict: list[int] = field(default_factory=list)        # oldest dates making room
    neighbour: dt.date | None = None                      # build from this stored date instead

    @property
    def needed(self) -> bool:
        return not self.triggers_ok or self.clear or bool(self.refresh) or self.build


def _rows_after_marks(db: sqlite_utils.Database, key: int, marked: int) -> int:
    """How many rows the date will have once the marked persons are done (a date built from a
    neighbour: its base's, every person's row there or its own)."""
    key = _base(db, key) or key
    rows = _count(db, f"SELECT count(*) FROM {STORE} WHERE day = ?", [key])
    if marked:
        rows -= _count(db, f"SELECT count(*) FROM {STORE} WHERE day = ? AND person_id IN "
                           f"(SELECT person_id FROM {MARKS})", [key])
        rows += _count(db, f"SELECT count(*) FROM persons WHERE id IN (SELECT person_id FROM {MARKS})")
    return rows


def _stored_as(db: sqlite_utils.Database, key: int, definition: str) -> bool | None:
    """Whether the date ``key`` is stored, derived with ``definition`` (and its base, if built
    from one, too); None: not stored at all."""
    row = db.execute(f"SELECT d.definition, b.definition FROM {DATES} d LEFT JOIN {DATES} b ON b.day = d.base "
                     "WHERE d.day = ?", [key]).fetchone()
    if row is None:
        return None
    return row[0] == definition and row[1] in (None, definition)


def _plan(db: sqlite_utils.Database, day: dt.date, definition: str) -> _Work:
    work = _Work(day_key(day))
    work.triggers_ok = len(db.execute(_MARK_TRIGGERS).fetchall()) == TRIGGER_COUNT
    persons = _count(db, "SELECT count(*) FROM persons")
    marked = _count(db, f"SELECT count(*) FROM {MARKS}")
    # An import or a bulk apply marks most persons: deriving this date whole is cheaper than
    # person by person at every date (the others are derived again when asked for). Without
    # the triggers nothing stored can be trusted.
    work.clear = not work.triggers_ok or marked * WHOLESALE_SHARE > persons  # as emptied_on_reading
    if work.clear:
        work.build = True
        return work
    stored = _stored_as(db, work.key, definition)
    if marked:
        work.refresh = stored_dates(db)
    # Rows lost some other way show in the count.
    work.build = not stored or _rows_after_marks(db, work.key, marked) != persons
    if work.build and day in work.refresh:
        work.refresh.remove(day)
    if stored is None:
        _make_room(db, work)
    if work.build:
        work.neighbour = _neighbour(db, day, definition, persons, marked, work.evict)
    return work


def emptied_on_reading(db: sqlite_utils.Database) -> bool:
    """Whether reading any date now would empty the store and derive that date whole: most
    persons marked (an import, a bulk apply) or the marking triggers gone. Reads only.
    (A caller that needs a few counts and nothing else may count them from a derivation of
    its own instead, leaving the store as it is for the next reader.)"""
    if not _usable(db):
        return False
    if len(db.execute(_MARK_TRIGGERS).fetchall()) != TRIGGER_COUNT:
        return True
    return _count(db, f"SELECT count(*) FROM {MARKS}") * WHOLESALE_SHARE > _count(db, "SELECT count(*) FROM persons")


def whole_on_reading(db: sqlite_utils.Database, day: dt.date, definition: str) -> bool:
    """Whether reading ``day`` now would derive every person's row at it: the store emptied
    first (:func:`emptied_on_reading`), or ``day`` not stored as this program derives and no
    stored date of its year to build it from. Reads only."""
    if not _usable(db) or _stored_as(db, day_key(day), definition):
        return False  # stored: its rows read or refreshed (the plan's counting, 0.09 s at 200k, not needed)
    work = _plan(db, day, definition)
    return work.clear or (work.build and work.neighbour is None)


def neighbour_to_build_from(db: sqlite_utils.Database, day: dt.date, definition: str) -> dt.date | None:
    """The stored date ``day`` would now be built from (:func:`_neighbour`), when that is all
    reading it would do: nothing marked, ``day`` not stored as this program derives. Reads only."""
    if not _usable(db) or db.execute(f"SELECT 1 FROM {MARKS} LIMIT 1").fetchone() is not None:
        return None  # marked persons are refreshed at every stored date first: the usual way
    work = _plan(db, day, definition)
    return None if work.clear else work.neighbour


def stored_past_marks(db: sqlite_utils.Database, day: dt.date, definition: str) -> bool:
    """Whether ``day`` is stored as this program derives and persons were marked since, fewer
    than derive it whole: reading it would refresh their rows first (what an edit, or a
    monthly import changing some persons, leaves). Reads only."""
    if not _usable(db) or db.execute(f"SELECT 1 FROM {MARKS} LIMIT 1").fetchone() is None:
        return False
    work = _plan(db, day, definition)
    return not (work.clear or work.build)


def marks_table() -> str:
    """The table of the marked persons (a ``person_id`` column), for a caller's ``IN (SELECT
    person_id FROM …)``."""
    return f"main.{MARKS}"


def changed_since(db: sqlite_utils.Database, day: dt.date, neighbour: dt.date,
                  compared: Collection[str] | None = None) -> str | None:
    """TEMP table (``person_id``) of the persons whose statuses at ``day`` may differ from
    theirs at the stored ``neighbour`` (:data:`_CHANGED_BETWEEN`; nothing marked), or None
    when more than 1/:data:`WHOLESALE_SHARE` of the persons (derive whole). ``compared``:
    the dated things (:data:`CHANGED_BY`) the caller's status columns compare with D, when
    it reads only some (None: every one). Drop it with :func:`drop_scratch`."""
    db.execute(f"DROP TABLE IF EXISTS temp.{_TODO}")
    db.execute(f"CREATE TEMP TABLE {_TODO} (person_id INTEGER PRIMARY KEY)")
    if _changed_between(db, day, neighbour, compared) * WHOLESALE_SHARE > _count(db, "SELECT count(*) FROM persons"):
        return None
    return f"temp.{_CHANGED}"


def _neighbour(db: sqlite_utils.Database, day: dt.date, definition: str, persons: int, marked: int,
               evicted: list[int]) -> dt.date | None:
    """The stored date of the same year nearest to ``day`` that holds every person's row (not
    itself built from a neighbour), derived as this program derives (:func:`_changed_between`
    says why the year must be the same)."""
    heirs = [s[0] for base in evicted if (s := _staying_dependents(db, base, evicted))]  # whole by then
    rows = db.execute(f"SELECT day FROM {DATES} WHERE definition = ? AND (base IS NULL OR day IN "
                      f"({', '.join(map(str, heirs))})) AND day / 10000 = ? AND day <> ? "
                      "ORDER BY abs(julianday(printf('%04d-%02d-%02d', day / 10000, day / 100 % 100, day % 100)) "
                      "- julianday(?)) LIMIT 2", [definition, day.year, day_key(day), day.isoformat()])
    for (key,) in rows.fetchall():
        if key not in evicted and _rows_after_marks(db, key, marked) == persons:
            return dt.date(key // 10000, key // 100 % 100, key % 100)
    return None


def _make_room(db: sqlite_utils.Database, work: _Work) -> None:
    """A new date: the oldest-built dates beyond :data:`KEEP_DATES` go (not refreshed first)."""
    work.evict = [d for (d,) in db.execute(
        f"SELECT day FROM {DATES} ORDER BY built_at DESC, day DESC LIMIT -1 OFFSET ?",
        [KEEP_DATES - 1]).fetchall()]
    work.refresh = [d for d in work.refresh if day_key(d) not in work.evict]


# --- deriving (TEMP only, no lock) and writing (write lock held briefly) -----------------------
def _scratch(key: int) -> str:
    return f"{_SCRATCH}_{key}"


# --- a new date from a stored neighbour -------------------------------------------------------
# Within one year the periods (this year, last year) are the same at every date, so a person's
# statuses at D and at D' differ only if a date the derivation compares with D falls between
# them: a spell's start (known, current, this year) or end (current, returned), a survey's date
# (the latest by D), or a 户类型 change (valid from/to). Everyone else's row at D' is their row at
# D. Bounds are taken inclusively: a person too many is derived again, never one too few.
# tests/test_status_neighbour.py compares dates built so with a fresh derivation and count.
# The spells' starts and ends as two ranges, each read from its index alone (migration 0120:
# the index carries the person); one WHERE with OR looked every spell up in the table when
# inserted (31,413 spells at 200k: 0.07 → 0.011 s CPU).
# By the dated thing compared with D: a reader of a few status columns (a form asked alone,
# ``store.status.count_from_neighbour``) asks only for those its columns compare.
CHANGED_BY = {
    "start_date": "SELECT s.person_id FROM main.employment_spells s WHERE s.start_date BETWEEN :low AND :high",
    "end_date": "SELECT s.person_id FROM main.employment_spells s WHERE s.end_date BETWEEN :low AND :high",
    "survey_date": "SELECT v.person_id FROM main.surveys v WHERE v.survey_date BETWEEN :low AND :high",
    "hh_type": "SELECT p.id FROM main.persons p JOIN main.household_type_history t ON t.household_id = p.household_id"
               "\n    WHERE t.valid_from BETWEEN :low AND :high OR t.valid_to BETWEEN :low AND :high",
}
_MARKED = "SELECT person_id FROM temp.{todo}"


def _changed_select(compared: Collection[str] = tuple(CHANGED_BY)) -> str:
    return "\n" + "\nUNION ".join([*(sql for thing, sql in CHANGED_BY.items() if thing in compared), _MARKED])


_CHANGED_BETWEEN = _changed_select()
_CHANGED = "status_store_changed"  # TEMP: persons whose rows the neighbour cannot give
_WAS = "status_store_was"  # TEMP: rows about to be replaced, as the summaries counted them


def _changed_between(db: sqlite_utils.Database, day: dt.date, neighbour: dt.date,
                     compared: Collection[str] | None = None) -> int:
    """Fill TEMP :data:`_CHANGED` with the persons whose statuses at ``day`` may differ from
    theirs at ``neighbour`` (same year), the marked ones included; returns how many.
    ``compared``: only the dated things of :data:`CHANGED_BY` named (None: every one)."""
    db.execute(f"DROP TABLE IF EXISTS temp.{_CHANGED}")
    db.execute(f"CREATE TEMP TABLE {_CHANGED} (person_id INTEGER PRIMARY KEY)")
    low, high = sorted((day, neighbour))
    select = _CHANGED_BETWEEN if compared is None else _changed_select(compared)
    db.execute(f"INSERT INTO temp.{_CHANGED} {select.format(todo=_TODO)}", {"low": low.isoformat(), "high": high.isoformat()})
    return _count(db, f"SELECT count(*) FROM temp.{_CHANGED}")


def _derive(db: sqlite_utils.Database, work: _Work, day: dt.date, derive: Derive) -> None:
    db.execute(f"DROP TABLE IF EXISTS temp.{_TODO}")
    db.execute(f"CREATE TEMP TABLE {_TODO} (person_id INTEGER PRIMARY KEY)")
    if not work.clear:  # the store emptied and the date derived whole: every mark answered
        db.execute(f"INSERT INTO temp.{_TODO} SELECT person_id FROM main.{MARKS}")
    for other in work.refresh:
        derive(other, _scratch(day_key(other)), f"temp.{_TODO}")
    if work.neighbour is not None:
        persons = _count(db, "SELECT count(*) FROM persons")
        if _changed_between(db, day, work.neighbour) * WHOLESALE_SHARE > persons:
            work.neighbour = None  # a year's worth of changes: deriving whole is cheaper
        else:
            derive(day, _scratch(work.key), f"temp.{_CHANGED}")
            return
    # A whole date is derived straight into the store under the write lock (_write_whole).


def _write_whole(db: sqlite_utils.Database, work: _Work, day: dt.date, derive: Derive, definition: str,
                 version: int) -> bool:
    """Write ``work`` with the date derived whole straight into the store's table: its latest
    spells and surveys are derived into TEMP first, without the lock; the rows themselves are
    inserted from them under it. A TEMP table of the rows and their copy into the store cost as
    much again (0.6 → 0.4 s CPU at 50,000 households)."""
    written: list[bool] = []

    def into(select: str, params: dict) -> None:
        written.append(_write(db, lambda: _apply(db, work, definition, (select, params)), version))

    derive(day, _scratch(work.key), None, into)
    return bool(written) and written[0]


def drop_scratch(db: sqlite_utils.Database) -> None:
    """Drop the TEMP tables of a derivation (:func:`changed_since`'s among them)."""
    _drop_scratch(db)


def _drop_scratch(db: sqlite_utils.Database) -> None:
    for (name,) in db.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table' AND "
                              "(name LIKE ? OR name IN (?, ?))", [f"{_SCRATCH}%", _TODO, _CHANGED]).fetchall():
        db.execute(f"DROP TABLE temp.{name}")


def _put_triggers_back(db: sqlite_utils.Database) -> None:
    """Someone dropped or changed the marking triggers: the migration's go back."""
    for (name,) in db.execute(_MARK_TRIGGERS).fetchall():
        db.execute(f'DROP TRIGGER main."{name}"')
    for statement in schema.triggers().splitlines():
        db.execute(statement)


def _store_rows(db: sqlite_utils.Database, key: int, rows: tuple[str, dict] | None = None) -> None:
    """The rows derived at ``key`` into the store: from its TEMP table, or from ``rows`` (a
    SELECT of them and its parameters, :func:`_write_whole`)."""
    if rows is None:
        db.execute(f"INSERT INTO {STORE} (day, {', '.join(STORED)}) SELECT ?, {_stored_select('n')} "
                   f"FROM temp.{_scratch(key)} n", [key])
        return
    select, params = rows
    if "store_day" in params:
        raise ValueError("store_day")
    db.execute(f"INSERT INTO {STORE} (day, {', '.join(STORED)}) SELECT :store_day, {_stored_select('n')} "
               f"FROM ({select}) n", {**params, "store_day": key})


def _note_replaced(db: sqlite_utils.Database, key: int, persons: str = _TODO, into: int | None = None) -> None:
    """Before the rows at ``key`` of the ``persons`` (a TEMP table; the marked ones) are
    replaced: keep them as each summary of the date counted them (only the first time a person
    is replaced since), so a summary is corrected by these persons alone
    (:func:`replaced_selects`). ``into``: another date, whose summaries are copies of these."""
    if db.execute(f"SELECT 1 FROM {SUMMARIES} WHERE day = ? LIMIT 1", [key]).fetchone() is None:
        return  # nothing counted them
    columns = ", ".join(STORE_COLUMNS[1:])
    kinds = f"(SELECT kind FROM {SUMMARIES} WHERE day = :day) k"
    params = {"day": key, "into": key if into is None else into}
    # Decoded once, not once per summary; the looked-up columns left out (NULL): no summary
    # counts them (tests/test_status_neighbour.py), and their look-ups were half the cost
    # (0.24 s CPU for 30,000 persons at 200k).
    kept = ", ".join(f"NULL AS {c}" if c in LOOKED_UP else c for c in STORE_COLUMNS)
    db.execute(f"CREATE TEMP TABLE {_WAS} AS SELECT {kept} "
               f"FROM ({decoded_rows(db, key, f'SELECT person_id FROM temp.{persons}')})")
    try:
        db.execute(f"INSERT OR IGNORE INTO {REPLACED} (day, kind, person_id, existed, {columns}) "
                   f"SELECT :into, k.kind, s.person_id, 1, {columns} FROM temp.{_WAS} s, {kinds}", params)
    finally:
        db.execute(f"DROP TABLE temp.{_WAS}")
    db.execute(f"INSERT OR IGNORE INTO {REPLACED} (day, kind, person_id, existed) "
               f"SELECT :into, k.kind, t.person_id, 0 FROM temp.{persons} t, {kinds}", params)


def _build_from_neighbour(db: sqlite_utils.Database, key: int, neighbour: int) -> None:
    """The rows at ``key``: the changed persons' rows, derived; everyone else's are the
    neighbour's (its ``base``: read through, not copied — copying 165,479 rows cost 0.5–0.6 s
    CPU at 50k, as much as deriving them). The neighbour's summaries come along, with the
    changed persons' rows as they counted them, so the next reader corrects them by those
    persons alone instead of counting everyone."""
    _store_rows(db, key)
    db.execute(f"INSERT INTO {SUMMARIES} (day, kind, definition, columns, rows) "
               f"SELECT ?, kind, definition, columns, rows FROM {SUMMARIES} WHERE day = ?", [key, neighbour])
    columns = ", ".join(STORE_COLUMNS[1:])
    db.execute(f"INSERT INTO {REPLACED} (day, kind, person_id, existed, {columns}) "
               f"SELECT ?, kind, person_id, existed, {columns} FROM {REPLACED} WHERE day = ?", [key, neighbour])
    _note_replaced(db, neighbour, _CHANGED, into=key)


def _mark_fact_areas(db: sqlite_utils.Database, key: int) -> None:
    """Before the marked persons' rows at ``key`` are replaced: the areas of their rows then
    and now are marked for the period aggregates (:func:`load_facts`), which group by them."""
    if not _facts_usable(db) or db.execute(f"SELECT 1 FROM {FACTS} LIMIT 1").fetchone() is None:
        return
    db.execute(f"INSERT OR REPLACE INTO {FACT_MARKS} (area_id, seq) "
               f"SELECT area_id, (SELECT coalesce(max(seq), 0) + 1 FROM {FACT_MARKS}) FROM ("
               f"SELECT area_id FROM ({decoded_rows(db, key, f'SELECT person_id FROM temp.{_TODO}')}) "
               f"UNION SELECT area_id FROM temp.{_scratch(key)}) WHERE area_id IS NOT NULL")


def _drop_date(db: sqlite_utils.Database, key: int) -> None:
    for (dependent,) in db.execute(f"SELECT day FROM {DATES} WHERE base = ?", [key]).fetchall():
        _drop_date(db, dependent)  # its rows stand on these
    if _facts_usable(db):
        db.execute(f"DELETE FROM {FACTS} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {STORE} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {DATES} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {SUMMARIES} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {REPLACED} WHERE day = ?", [key])


def _apply(db: sqlite_utils.Database, work: _Work, definition: str, rows: tuple[str, dict] | None = None) -> None:
    """Write ``work`` (under the write lock); ``rows``: the whole date's rows as a SELECT to
    insert from (:func:`_write_whole`), else they are in its TEMP table."""
    if not work.triggers_ok:
        _put_triggers_back(db)
    if work.clear:
        db.execute(f"DELETE FROM {STORE}")
        db.execute(f"DELETE FROM {DATES}")
        db.execute(f"DELETE FROM {SUMMARIES}")
        db.execute(f"DELETE FROM {REPLACED}")
        if _facts_usable(db):
            db.execute(f"DELETE FROM {FACTS}")
    for key in work.evict:
        _keep_dependents(db, key, work.evict)
        _drop_date(db, key)
    # Dates built from a neighbour first: their rows as their summaries counted them are read
    # through their base's, which must not be refreshed yet.
    for other in sorted(work.refresh, key=lambda d: _base(db, day_key(d)) is None):
        key = day_key(other)
        _note_replaced(db, key)
        _mark_fact_areas(db, key)
        db.execute(f"DELETE FROM {STORE} WHERE day = ? AND person_id IN (SELECT person_id FROM temp.{_TODO})",
                   [key])
        _store_rows(db, key)
    if work.build:
        _drop_date(db, work.key)
        if work.neighbour is not None:
            _build_from_neighbour(db, work.key, day_key(work.neighbour))
        else:
            _store_rows(db, work.key, rows)
        base = None if work.neighbour is None else day_key(work.neighbour)
        db.execute(f"INSERT INTO {DATES} (day, definition, base) VALUES (?, ?, ?)", [work.key, definition, base])
    # Only the marks these rows answer: one made since by another connection would stay (but
    # _write refuses when another connection committed, so in practice these are all of them).
    # Emptied and derived whole: all of them (listing 165,479 marks and deleting them one by one
    # cost 0.06 s CPU at 50,000 households, 0.25 s at 200,000).
    if work.clear:
        db.execute(f"DELETE FROM {MARKS}")
    else:
        db.execute(f"DELETE FROM {MARKS} WHERE person_id IN (SELECT person_id FROM temp.{_TODO})")


def _copy_base_rows(db: sqlite_utils.Database, key: int, base: int, persons: str = "") -> None:
    """Give the date ``key`` its base's rows for the persons (of ``persons``, a SELECT of ids,
    if given) it has none of its own for."""
    columns = ", ".join(STORED)
    only = f" AND b.person_id IN ({persons})" if persons else ""
    db.execute(f"INSERT INTO {STORE} (day, {columns}) SELECT ?, {columns} FROM {STORE} b WHERE b.day = ?{only} "
               f"AND NOT EXISTS (SELECT 1 FROM {STORE} o WHERE o.day = ? AND o.person_id = b.person_id)",
               [key, base, key])


def _staying_dependents(db: sqlite_utils.Database, key: int, evicted: list[int]) -> list[int]:
    """The dates built from ``key`` that are not making room, newest-built first (the first
    becomes whole when ``key`` goes)."""
    return [d for (d,) in db.execute(f"SELECT day FROM {DATES} WHERE base = ? ORDER BY built_at DESC, day DESC",
                                     [key]).fetchall() if d not in evicted]


def _keep_dependents(db: sqlite_utils.Database, key: int, evicted: list[int]) -> None:
    """The base ``key`` makes room: of the dates built from it that stay, the newest becomes
    whole (its rows copied, once) and the base of the others, which take from ``key`` the rows
    of the persons that one has its own for (a few) and stand on it instead."""
    staying = _staying_dependents(db, key, evicted)
    if not staying:
        return
    heir, others = staying[0], staying[1:]
    for other in others:
        _copy_base_rows(db, other, key, f"SELECT person_id FROM {STORE} WHERE day = {int(heir)}")
        db.execute(f"UPDATE {DATES} SET base = ? WHERE day = ?", [heir, other])
    _copy_base_rows(db, heir, key)
    db.execute(f"UPDATE {DATES} SET base = NULL WHERE day = ?", [heir])


def _undo(db: sqlite_utils.Database, outer: bool) -> None:
    if outer:
        db.execute("ROLLBACK TO status_store")
        db.execute("RELEASE status_store")
    else:
        db.execute("ROLLBACK")


def _cannot_write(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return any(reason in text for reason in ("readonly", "read-only", "locked", "not authorized"))


def _write(db: sqlite_utils.Database, apply: Callable[[], None], version: int) -> bool:
    """``apply()`` under the write lock; ``False`` if another connection committed since
    ``version`` of ``PRAGMA data_version`` (what was derived may miss its changes)."""
    outer = db.conn.in_transaction
    try:
        # IMMEDIATE: the lock at once (a deferred read upgraded later fails against a writer).
        db.execute("SAVEPOINT status_store" if outer else "BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False  # locked by another program past the busy timeout, or a read-only file
    try:
        if db.execute("PRAGMA data_version").fetchone()[0] != version:
            _undo(db, outer)
            return False
        apply()
    except sqlite3.DatabaseError as exc:
        _undo(db, outer)
        if _cannot_write(exc):
            return False
        raise
    except BaseException:
        _undo(db, outer)
        raise
    db.execute("RELEASE status_store" if outer else "COMMIT")
    return True


def _usable(db: sqlite_utils.Database) -> bool:
    have = {r[0] for r in db.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name IN (?, ?, ?, ?, ?)",
        [STORE, DATES, MARKS, SUMMARIES, REPLACED]).fetchall()}
    return len(have) == 5


def _check_passed(db: sqlite_utils.Database, *, wait: bool = True) -> bool:
    """The window's background integrity check (``store.integrity.BackgroundCheck``) holds
    writes until it passes: wait for it before taking the write lock, not while holding it
    (other connections' edits would queue behind us); a failed check means no store writes
    (the window reports the damage). ``wait=False``: ``False`` at once while it still runs."""
    check = getattr(db, "integrity", None)
    if check is None:
        return True
    try:
        return check.wait(None if wait else 0)
    except integrity.WaitInterrupted:
        raise  # the work was stopped (store.db.interrupted_when), not the check failed
    except Exception:  # noqa: BLE001 - its error is the window's to show
        return False


def sync_date(db: sqlite_utils.Database, day: dt.date, definition: str, derive: Derive) -> bool:
    """Bring the stored statuses at ``day`` up to date (deriving what is missing or marked);
    ``False`` when the store cannot be used on this connection now (then derive into TEMP)."""
    if not _usable(db):
        return False
    for _attempt in range(2):  # once more if another connection committed meanwhile
        version = db.execute("PRAGMA data_version").fetchone()[0]
        work = _plan(db, day, definition)
        if not work.needed:
            return True  # reading only: no need to wait for the background integrity check
        if not _check_passed(db):
            return False
        try:
            _derive(db, work, day, derive)
            if work.build and work.neighbour is None:
                if _write_whole(db, work, day, derive, definition, version):
                    return True
            elif _write(db, lambda work=work: _apply(db, work, definition), version):
                return True
        finally:
            _drop_scratch(db)
    return False


# --- summaries of a stored date ---------------------------------------------------------------
def load_summary(db: sqlite_utils.Database, day: dt.date, kind: str,
                 definition: str) -> tuple[list[str], list[list]] | None:
    """The stored summary ``kind`` at ``day`` as (column names, rows), if one derived with
    ``definition`` is there. Call right after :func:`sync_date` succeeded for ``day``: a
    summary is deleted with the date's rows, and counts what they were but for the persons
    :func:`replaced_selects` gives (none, mostly)."""
    if not _usable(db):
        return None
    row = db.execute(f"SELECT columns, rows FROM {SUMMARIES} WHERE day = ? AND kind = ? AND definition = ?",
                     [day_key(day), kind, definition]).fetchone()
    return (json.loads(row[0]), json.loads(row[1])) if row else None


def has_summary(db: sqlite_utils.Database, day: dt.date, kind: str, definition: str | None = None) -> bool:
    """Whether a summary ``kind`` at ``day`` is stored (derived with ``definition``, if given)."""
    if not _usable(db):
        return False
    sql = f"SELECT 1 FROM {SUMMARIES} WHERE day = ? AND kind = ?"
    params: list = [day_key(day), kind]
    if definition is not None:
        sql, params = sql + " AND definition = ?", [*params, definition]
    return db.execute(sql, params).fetchone() is not None


def save_summary(db: sqlite_utils.Database, day: dt.date, kind: str, definition: str, columns: list[str],
                 rows: list, version: int) -> bool:
    """Keep the summary ``kind`` at ``day`` (derived from the stored rows while ``PRAGMA
    data_version`` was ``version``): a short write, refused (``False``) when another
    connection committed since, the date is not stored, or the file cannot be written.

    Also refused while the window's background integrity check still runs, not waited for:
    the caller has its numbers already and the summary is only kept for the next reader. At
    200,000 households the check of a copied file takes 16 s, and the 台账's first count
    waited for it before showing the list."""
    if not _usable(db) or not _check_passed(db, wait=False):
        return False
    key = day_key(day)

    def apply() -> None:
        if db.execute(f"SELECT 1 FROM {DATES} WHERE day = ?", [key]).fetchone() is None:
            return  # the date left the store meanwhile: nothing to summarise
        db.execute(f"INSERT OR REPLACE INTO {SUMMARIES} (day, kind, definition, columns, rows) "
                   "VALUES (?, ?, ?, ?, ?)", [key, kind, definition, json.dumps(columns),
                                              json.dumps(rows, separators=(",", ":"))])
        db.execute(f"DELETE FROM {REPLACED} WHERE day = ? AND kind = ?", [key, kind])  # counted now

    return _write(db, apply, version)


def replaced_selects(db: sqlite_utils.Database, day: dt.date, kind: str) -> tuple[str, str] | None:
    """For the persons whose rows at ``day`` were replaced since summary ``kind`` counted
    them: a SELECT of their rows as it counted them, and one of their rows now (both with
    :data:`STORE_COLUMNS`); the summary is right after taking the first out and the second
    in. None when there are none."""
    key = day_key(day)
    if not kind.replace("_", "").isalnum():
        raise ValueError(f"summary kind {kind!r}")
    if db.execute(f"SELECT 1 FROM {REPLACED} WHERE day = ? AND kind = ? LIMIT 1", [key, kind]).fetchone() is None:
        return None
    columns = ", ".join(STORE_COLUMNS)
    mine = f"day = {key} AND kind = '{kind}'"
    was = f"SELECT {columns} FROM main.{REPLACED} WHERE {mine} AND existed"
    now = f"SELECT {columns} FROM ({decoded_rows(db, key, f'SELECT person_id FROM main.{REPLACED} WHERE {mine}')})"
    return was, now


# --- the forms' period aggregates of a stored date (migration 0115) ----------------------------
def _facts_usable(db: sqlite_utils.Database) -> bool:
    return len(db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name IN (?, ?)",
                          [FACTS, FACT_MARKS]).fetchall()) == 2


def _put_fact_triggers_back(db: sqlite_utils.Database) -> None:
    """Someone dropped or changed the fact marking triggers: the migration's go back and
    every kept aggregate goes (edits made meanwhile were not marked)."""
    for (name,) in db.execute(_FACT_TRIGGERS).fetchall():
        db.execute(f'DROP TRIGGER main."{name}"')
    for statement in facts_schema.triggers().splitlines():
        db.execute(statement)
    db.execute(f"DELETE FROM {FACTS}")


def fact_marks_seq(db: sqlite_utils.Database) -> int:
    """The latest area mark (0 for none): what a sum counted now includes."""
    return db.execute(f"SELECT coalesce(max(seq), 0) FROM {FACT_MARKS}").fetchone()[0]


def load_facts(db: sqlite_utils.Database, day: dt.date, kind: str,
               definition: str) -> tuple[list[str], list[list], list[int]] | None:
    """The stored period aggregate ``kind`` at ``day`` as (column names, rows, the areas marked
    since it was counted: their rows are stale), if one counted with ``definition`` is there.
    Call right after :func:`sync_date` succeeded for ``day`` (it marks the areas of the
    persons whose statuses it refreshed)."""
    if not _usable(db) or not _facts_usable(db) or len(db.execute(_FACT_TRIGGERS).fetchall()) != FACT_TRIGGER_COUNT:
        return None
    row = db.execute(f"SELECT columns, rows, seen FROM {FACTS} WHERE day = ? AND kind = ? AND definition = ?",
                     [day_key(day), kind, definition]).fetchone()
    if row is None:
        return None
    stale = [a for (a,) in db.execute(f"SELECT area_id FROM {FACT_MARKS} WHERE seq > ? ORDER BY area_id",
                                      [row[2]]).fetchall()]
    return json.loads(row[0]), json.loads(row[1]), stale


def save_facts(db: sqlite_utils.Database, day: dt.date, kind: str, definition: str, columns: list[str],
               rows: list, seen: int, version: int) -> bool:
    """Keep the period aggregate ``kind`` at ``day``, counted with the marks up to ``seen``
    while ``PRAGMA data_version`` was ``version``: refused (``False``) as :func:`save_summary`."""
    if not _usable(db) or not _facts_usable(db) or not _check_passed(db, wait=False):
        return False
    key = day_key(day)

    def apply() -> None:
        if db.execute(f"SELECT 1 FROM {DATES} WHERE day = ?", [key]).fetchone() is None:
            return  # the date left the store meanwhile
        if len(db.execute(_FACT_TRIGGERS).fetchall()) != FACT_TRIGGER_COUNT:
            _put_fact_triggers_back(db)  # then nothing kept can be trusted, this one neither
            return
        db.execute(f"INSERT OR REPLACE INTO {FACTS} (day, kind, definition, seen, columns, rows) "
                   "VALUES (?, ?, ?, ?, ?, ?)", [key, kind, definition, seen, json.dumps(columns),
                                                 json.dumps(rows, separators=(",", ":"))])
        db.execute(f"DELETE FROM {FACTS} WHERE day = ? AND kind IN (SELECT kind FROM {FACTS} WHERE day = ? "
                   "ORDER BY built_at DESC, kind LIMIT -1 OFFSET ?)", [key, key, KEEP_FACT_PERIODS])

    return _write(db, apply, version)
