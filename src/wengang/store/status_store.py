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
  emptied and the date asked for derived whole, as before. A date not stored yet is derived
  whole and stored; the oldest-built date beyond :data:`KEEP_DATES` goes.
- **Short writes.** Everything is derived into TEMP tables first, without the write lock; the
  lock is taken only to copy the rows in, and only if no other connection committed meanwhile
  (else once more from the start). So the window's edits on its other connection never queue
  behind a derivation — their read-then-write transactions would fail at once, not wait.
  With nothing marked and the date stored (the usual case), reading writes nothing at all.
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
import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from wengang.store.migrations import m0090_status_store as schema
from wengang.store.migrations import m0115_report_facts as facts_schema

__all__ = ["KEEP_DATES", "STORE_COLUMNS", "WHOLESALE_SHARE", "day_key", "definition_hash", "fact_marks_seq",
           "load_facts", "load_summary", "replaced_selects", "save_facts", "save_summary", "stored_dates",
           "sync_date"]

KEEP_DATES = 3  # the dates a caseworker switches between (as derived.KEEP_PER_KIND); ~22 MB each at 50k
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
"""The columns migration 0090 stores after ``day`` (``status_table``'s columns)."""

# derive(as_of_date, table, persons): ``materialize_status`` into TEMP ``table`` (limited to the
# persons in table ``persons`` when given); ``store.status`` passes it in.
Derive = Callable[[dt.date, str, "str | None"], None]


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

    @property
    def needed(self) -> bool:
        return not self.triggers_ok or self.clear or bool(self.refresh) or self.build


def _rows_after_marks(db: sqlite_utils.Database, key: int, marked: int) -> int:
    """How many rows the date will have once the marked persons are done."""
    rows = _count(db, f"SELECT count(*) FROM {STORE} WHERE day = ?", [key])
    if marked:
        rows -= _count(db, f"SELECT count(*) FROM {STORE} WHERE day = ? AND person_id IN "
                           f"(SELECT person_id FROM {MARKS})", [key])
        rows += _count(db, f"SELECT count(*) FROM persons WHERE id IN (SELECT person_id FROM {MARKS})")
    return rows


def _plan(db: sqlite_utils.Database, day: dt.date, definition: str) -> _Work:
    work = _Work(day_key(day))
    work.triggers_ok = len(db.execute(_MARK_TRIGGERS).fetchall()) == TRIGGER_COUNT
    persons = _count(db, "SELECT count(*) FROM persons")
    marked = _count(db, f"SELECT count(*) FROM {MARKS}")
    # An import or a bulk apply marks most persons: deriving this date whole is cheaper than
    # person by person at every date (the others are derived again when asked for). Without
    # the triggers nothing stored can be trusted.
    work.clear = not work.triggers_ok or marked * WHOLESALE_SHARE > persons
    if work.clear:
        work.build = True
        return work
    row = db.execute(f"SELECT definition FROM {DATES} WHERE day = ?", [work.key]).fetchone()
    if marked:
        work.refresh = stored_dates(db)
    # Rows lost some other way show in the count.
    work.build = row is None or row[0] != definition or _rows_after_marks(db, work.key, marked) != persons
    if work.build and day in work.refresh:
        work.refresh.remove(day)
    if row is None:
        _make_room(db, work)
    return work


def _make_room(db: sqlite_utils.Database, work: _Work) -> None:
    """A new date: the oldest-built dates beyond :data:`KEEP_DATES` go (not refreshed first)."""
    work.evict = [d for (d,) in db.execute(
        f"SELECT day FROM {DATES} ORDER BY built_at DESC, day DESC LIMIT -1 OFFSET ?",
        [KEEP_DATES - 1]).fetchall()]
    work.refresh = [d for d in work.refresh if day_key(d) not in work.evict]


# --- deriving (TEMP only, no lock) and writing (write lock held briefly) -----------------------
def _scratch(key: int) -> str:
    return f"{_SCRATCH}_{key}"


def _derive(db: sqlite_utils.Database, work: _Work, day: dt.date, derive: Derive) -> None:
    db.execute(f"DROP TABLE IF EXISTS temp.{_TODO}")
    db.execute(f"CREATE TEMP TABLE {_TODO} (person_id INTEGER PRIMARY KEY)")
    db.execute(f"INSERT INTO temp.{_TODO} SELECT person_id FROM main.{MARKS}")
    for other in work.refresh:
        derive(other, _scratch(day_key(other)), f"temp.{_TODO}")
    if work.build:
        derive(day, _scratch(work.key), None)


def _drop_scratch(db: sqlite_utils.Database) -> None:
    for (name,) in db.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table' AND "
                              "(name LIKE ? OR name = ?)", [f"{_SCRATCH}%", _TODO]).fetchall():
        db.execute(f"DROP TABLE temp.{name}")


def _put_triggers_back(db: sqlite_utils.Database) -> None:
    """Someone dropped or changed the marking triggers: the migration's go back."""
    for (name,) in db.execute(_MARK_TRIGGERS).fetchall():
        db.execute(f'DROP TRIGGER main."{name}"')
    for statement in schema.triggers().splitlines():
        db.execute(statement)


def _store_rows(db: sqlite_utils.Database, key: int) -> None:
    columns = ", ".join(STORE_COLUMNS)
    db.execute(f"INSERT INTO {STORE} (day, {columns}) SELECT ?, {columns} FROM temp.{_scratch(key)}", [key])


def _note_replaced(db: sqlite_utils.Database, key: int) -> None:
    """Before the marked persons' rows at ``key`` are replaced: keep them as each summary of
    the date counted them (only the first time a person is replaced since), so a summary is
    corrected by these persons alone (:func:`replaced_selects`)."""
    columns = ", ".join(STORE_COLUMNS[1:])
    kinds = f"(SELECT kind FROM {SUMMARIES} WHERE day = :day) k"
    todo = f"(SELECT person_id FROM temp.{_TODO})"
    db.execute(f"INSERT OR IGNORE INTO {REPLACED} (day, kind, person_id, existed, {columns}) "
               f"SELECT s.day, k.kind, s.person_id, 1, {columns} FROM {STORE} s, {kinds} "
               f"WHERE s.day = :day AND s.person_id IN {todo}", {"day": key})
    db.execute(f"INSERT OR IGNORE INTO {REPLACED} (day, kind, person_id, existed) "
               f"SELECT :day, k.kind, t.person_id, 0 FROM temp.{_TODO} t, {kinds}", {"day": key})


def _mark_fact_areas(db: sqlite_utils.Database, key: int) -> None:
    """Before the marked persons' rows at ``key`` are replaced: the areas of their rows then
    and now are marked for the period aggregates (:func:`load_facts`), which group by them."""
    if not _facts_usable(db) or db.execute(f"SELECT 1 FROM {FACTS} LIMIT 1").fetchone() is None:
        return
    db.execute(f"INSERT OR REPLACE INTO {FACT_MARKS} (area_id, seq) "
               f"SELECT area_id, (SELECT coalesce(max(seq), 0) + 1 FROM {FACT_MARKS}) FROM ("
               f"SELECT area_id FROM {STORE} WHERE day = ? AND person_id IN (SELECT person_id FROM temp.{_TODO}) "
               f"UNION SELECT area_id FROM temp.{_scratch(key)}) WHERE area_id IS NOT NULL", [key])


def _drop_date(db: sqlite_utils.Database, key: int) -> None:
    if _facts_usable(db):
        db.execute(f"DELETE FROM {FACTS} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {STORE} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {DATES} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {SUMMARIES} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {REPLACED} WHERE day = ?", [key])


def _apply(db: sqlite_utils.Database, work: _Work, definition: str) -> None:
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
        _drop_date(db, key)
    for other in work.refresh:
        key = day_key(other)
        _note_replaced(db, key)
        _mark_fact_areas(db, key)
        db.execute(f"DELETE FROM {STORE} WHERE day = ? AND person_id IN (SELECT person_id FROM temp.{_TODO})",
                   [key])
        _store_rows(db, key)
    if work.build:
        _drop_date(db, work.key)
        _store_rows(db, work.key)
        db.execute(f"INSERT INTO {DATES} (day, definition) VALUES (?, ?)", [work.key, definition])
    # Only the marks these rows answer: one made since by another connection would stay (but
    # _write refuses when another connection committed, so in practice these are all of them).
    db.execute(f"DELETE FROM {MARKS} WHERE person_id IN (SELECT person_id FROM temp.{_TODO})")


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


def _check_passed(db: sqlite_utils.Database) -> bool:
    """The window's background integrity check (``store.integrity.BackgroundCheck``) holds
    writes until it passes: wait for it before taking the write lock, not while holding it
    (other connections' edits would queue behind us); a failed check means no store writes
    (the window reports the damage)."""
    check = getattr(db, "integrity", None)
    if check is None:
        return True
    try:
        return check.wait()
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
            if _write(db, lambda work=work: _apply(db, work, definition), version):
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


def save_summary(db: sqlite_utils.Database, day: dt.date, kind: str, definition: str, columns: list[str],
                 rows: list, version: int) -> bool:
    """Keep the summary ``kind`` at ``day`` (derived from the stored rows while ``PRAGMA
    data_version`` was ``version``): a short write, refused (``False``) when another
    connection committed since, the date is not stored, or the file cannot be written."""
    if not _usable(db) or not _check_passed(db):
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
    now = (f"SELECT {columns} FROM main.{STORE} WHERE day = {key} "
           f"AND person_id IN (SELECT person_id FROM main.{REPLACED} WHERE {mine})")
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
    if not _usable(db) or not _facts_usable(db) or not _check_passed(db):
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
