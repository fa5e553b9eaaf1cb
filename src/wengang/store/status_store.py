"""The status store: per-person statuses at a few as-of dates, kept current (issue 20).

Deriving everyone's statuses at a date costs about a second at 50,000 households; a new
process, a new date or any edit used to pay it again. The store (migration 0090) keeps the
derived rows in the database itself, for the last :data:`KEEP_DATES` dates asked for:

- **Marks, not rebuilds.** Triggers on every table the derivation reads add the ids of the
  persons a write touched to ``status_store_marks`` (an ``INSERT OR IGNORE`` per row). They
  live in the schema, so no writer can forget them: the window, imports, undo, the exchange's
  apply, another program.
- **Reading a date** (:func:`sync_date`) brings the store up to date in one transaction: the
  marked persons are derived again (``store.status.materialize_status`` limited to them, one
  small query per stored date) and their rows replaced at every stored date, then the marks
  are cleared. When many are marked (an import: more than 1/:data:`WHOLESALE_SHARE` of the
  persons), the other dates are dropped and the date asked for is derived whole, as before.
  A date not stored yet is derived whole and stored; the oldest-built date beyond
  :data:`KEEP_DATES` goes.
- **Checked, not trusted.** A date is rebuilt when its definition hash (the derivation's SQL
  text, which includes the code lists) differs from this program's, or when its row count
  differs from the persons' (rows lost some other way). Missing triggers (a hand-edited
  file) are put back and the store emptied.
- **Where it cannot write** (a read-only file, a locked database, a database opened without
  migrating) :func:`sync_date` returns ``False`` and ``status_table`` derives into a TEMP table
  as it always did.

The rows are derived data: no guid, so the audit trail, undo and the exchange's projection
never see them; a backup carries them along with the marks that say what is stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Callable

import sqlite_utils

from wengang.store.migrations import m0090_status_store as schema

__all__ = ["KEEP_DATES", "STORE_COLUMNS", "WHOLESALE_SHARE", "day_key", "stored_dates", "sync_date"]

KEEP_DATES = 3  # the dates a caseworker switches between (as derived.KEEP_PER_KIND); ~22 MB each at 50k
WHOLESALE_SHARE = 8  # more than 1/8 of the persons marked: derive the date whole
STORE = "status_store"
DATES = "status_store_dates"
MARKS = "status_store_marks"
_SCRATCH = "status_store_changed"
TRIGGER_COUNT = schema.triggers().count("CREATE TRIGGER")

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


def stored_dates(db: sqlite_utils.Database) -> list[dt.date]:
    """The dates the store holds, oldest-built first."""
    return [dt.date(d // 10000, d // 100 % 100, d % 100)
            for (d,) in db.execute(f"SELECT day FROM {DATES} ORDER BY built_at, day").fetchall()]


def _usable(db: sqlite_utils.Database) -> bool:
    have = {r[0] for r in db.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
        [STORE, DATES, MARKS]).fetchall()}
    return len(have) == 3


def _triggers_in_place(db: sqlite_utils.Database) -> bool:
    count = db.execute("SELECT count(*) FROM main.sqlite_master WHERE type = 'trigger' "
                       "AND name LIKE 'status\\_mark\\_%' ESCAPE '\\'").fetchone()[0]
    if count == TRIGGER_COUNT:
        return True
    # Someone dropped or changed them: nothing stored can be trusted. Put them back.
    for (name,) in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'trigger' "
                              "AND name LIKE 'status\\_mark\\_%' ESCAPE '\\'").fetchall():
        db.execute(f'DROP TRIGGER main."{name}"')
    for statement in schema.triggers().splitlines():
        db.execute(statement)
    return False


def _clear(db: sqlite_utils.Database) -> None:
    db.execute(f"DELETE FROM {STORE}")
    db.execute(f"DELETE FROM {DATES}")
    db.execute(f"DELETE FROM {MARKS}")


def _drop_date(db: sqlite_utils.Database, key: int) -> None:
    db.execute(f"DELETE FROM {STORE} WHERE day = ?", [key])
    db.execute(f"DELETE FROM {DATES} WHERE day = ?", [key])


def _store_rows(db: sqlite_utils.Database, key: int, table: str) -> None:
    columns = ", ".join(STORE_COLUMNS)
    db.execute(f"INSERT INTO {STORE} (day, {columns}) SELECT ?, {columns} FROM temp.{table}", [key])
    db.execute(f"DROP TABLE temp.{table}")


def _build_whole(db: sqlite_utils.Database, day: dt.date, definition: str, derive: Derive) -> None:
    key = day_key(day)
    _drop_date(db, key)
    derive(day, _SCRATCH, None)
    _store_rows(db, key, _SCRATCH)
    db.execute(f"INSERT INTO {DATES} (day, definition) VALUES (?, ?)", [key, definition])


def _apply_marks(db: sqlite_utils.Database, derive: Derive) -> None:
    """Derive the marked persons again at every stored date, replace their rows, clear the marks."""
    for day in stored_dates(db):
        key = day_key(day)
        db.execute(f"DELETE FROM {STORE} WHERE day = ? AND person_id IN (SELECT person_id FROM {MARKS})", [key])
        derive(day, _SCRATCH, f"main.{MARKS}")
        _store_rows(db, key, _SCRATCH)
    db.execute(f"DELETE FROM {MARKS}")


def _bring_up_to_date(db: sqlite_utils.Database, day: dt.date, definition: str, derive: Derive) -> None:
    if not _triggers_in_place(db):
        _clear(db)
    key = day_key(day)
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    marked = db.execute(f"SELECT count(*) FROM {MARKS}").fetchone()[0]
    if marked and marked * WHOLESALE_SHARE > persons:
        # An import or a bulk apply: cheaper to derive this date whole than person by person
        # at every date; the other dates are derived again when asked for.
        _clear(db)
    elif marked:
        _apply_marks(db, derive)
    row = db.execute(f"SELECT definition FROM {DATES} WHERE day = ?", [key]).fetchone()
    if row is not None and row[0] == definition and \
            db.execute(f"SELECT count(*) FROM {STORE} WHERE day = ?", [key]).fetchone()[0] == persons:
        return
    if row is None:
        for (old,) in db.execute(f"SELECT day FROM {DATES} ORDER BY built_at DESC, day DESC "
                                 f"LIMIT -1 OFFSET ?", [KEEP_DATES - 1]).fetchall():
            _drop_date(db, old)
    _build_whole(db, day, definition, derive)
    db.execute(f"DELETE FROM {MARKS}")  # a whole build reads everything as it is now


def definition_hash(*sql: str) -> str:
    """Identifies the derivation: stored rows built with other SQL are rebuilt."""
    return hashlib.sha1("\n".join(sql).encode()).hexdigest()[:16]  # a fingerprint, not security


def _undo(db: sqlite_utils.Database, outer: bool) -> None:
    if outer:
        db.execute("ROLLBACK TO status_store")
        db.execute("RELEASE status_store")
    else:
        db.execute("ROLLBACK")


def _cannot_write(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "readonly" in text or "read-only" in text or "locked" in text


def sync_date(db: sqlite_utils.Database, day: dt.date, definition: str, derive: Derive) -> bool:
    """Bring the stored statuses at ``day`` up to date (deriving what is missing or marked);
    ``False`` when the store cannot be used on this connection (then derive into TEMP)."""
    if not _usable(db):
        return False
    outer = db.conn.in_transaction
    try:
        # IMMEDIATE: two connections bringing the store up to date take turns instead of one
        # failing to upgrade its read to a write.
        db.execute("SAVEPOINT status_store" if outer else "BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False  # locked by another program past the busy timeout, or a read-only file
    try:
        _bring_up_to_date(db, day, definition, derive)
    except sqlite3.OperationalError as exc:
        _undo(db, outer)
        if _cannot_write(exc):
            return False
        raise
    except BaseException:
        _undo(db, outer)
        raise
    db.execute("RELEASE status_store" if outer else "COMMIT")
    return True
