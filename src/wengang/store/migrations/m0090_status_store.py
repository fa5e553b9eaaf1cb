"""Migration 0090: the status store (issue 20) — statuses at a few as-of dates, kept current.

- ``status_store``: the rows ``store.status.status_table`` gives (one per person) for each
  stored date ``day`` (YYYYMMDD), keyed by (day, person_id).
- ``status_store_dates``: which dates are stored, the definition they were derived with (a
  hash of the SQL: a program whose derivation differs rebuilds them) and when.
- ``status_store_marks``: persons whose inputs changed since the stored dates were brought up
  to date. Triggers on everything the statuses read (persons, employment_spells, surveys,
  households and their type history) add the person ids, so every writer — the window, an
  import, undo, the exchange, another program — marks what it changed; a plain
  ``INSERT OR IGNORE`` of an id per written row is all a bulk write pays.

Derived data only: no guid (so not audited, not undone, not exchanged), no foreign keys
(a deleted person is marked, and the next read drops the row). ``store/status_store.py``
reads and maintains it; its docstring has the design.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

_MARK = "INSERT OR IGNORE INTO status_store_marks(person_id) VALUES ({});"
_MARK_HOUSEHOLD = "INSERT OR IGNORE INTO status_store_marks(person_id) SELECT id FROM persons WHERE household_id = {};"

# What the statuses read of a person and of a household (store/status.py: labour_sql, the place
# columns); tests/test_status_store.py checks these lists against the derivation's SQL.
PERSON_COLUMNS = ("id", "household_id", "labour_skill", "student_status")
HOUSEHOLD_COLUMNS = ("id", "area_id", "site_id", "hh_type", "relocated")


def _trigger(name: str, event: str, *marks: str) -> str:
    return f"CREATE TRIGGER status_mark_{name} AFTER {event} BEGIN {' '.join(marks)} END;"


def triggers() -> str:
    """The marking triggers, one statement a line."""
    statements = []
    for table in ("employment_spells", "surveys"):
        statements += [
            _trigger(f"{table}_insert", f"INSERT ON {table}", _MARK.format("NEW.person_id")),
            _trigger(f"{table}_update", f"UPDATE ON {table}",
                     _MARK.format("OLD.person_id"), _MARK.format("NEW.person_id")),
            _trigger(f"{table}_delete", f"DELETE ON {table}", _MARK.format("OLD.person_id")),
        ]
    statements += [
        _trigger("persons_insert", "INSERT ON persons", _MARK.format("NEW.id")),
        _trigger("persons_update", f"UPDATE OF {', '.join(PERSON_COLUMNS)} ON persons",
                 _MARK.format("OLD.id"), _MARK.format("NEW.id")),
        _trigger("persons_delete", "DELETE ON persons", _MARK.format("OLD.id")),
        # A household's persons take its place and type: marking them costs an index look-up.
        _trigger("households_update", f"UPDATE OF {', '.join(HOUSEHOLD_COLUMNS)} ON households",
                 _MARK_HOUSEHOLD.format("OLD.id"), _MARK_HOUSEHOLD.format("NEW.id")),
        _trigger("household_type_history_insert", "INSERT ON household_type_history",
                 _MARK_HOUSEHOLD.format("NEW.household_id")),
        _trigger("household_type_history_update", "UPDATE ON household_type_history",
                 _MARK_HOUSEHOLD.format("OLD.household_id"), _MARK_HOUSEHOLD.format("NEW.household_id")),
        _trigger("household_type_history_delete", "DELETE ON household_type_history",
                 _MARK_HOUSEHOLD.format("OLD.household_id")),
    ]
    return "\n".join(statements)


SCHEMA = f"""
CREATE TABLE status_store_dates (
    day INTEGER PRIMARY KEY,           -- the as-of date D as YYYYMMDD
    definition TEXT NOT NULL,          -- hash of the derivation's SQL that built these rows
    built_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f','now','localtime'))
);

CREATE TABLE status_store (
    day INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    is_labour,
    employed_last_year, last_year_region, last_year_channel, last_year_org_id,
    employed_this_year, this_year_region, this_year_channel, this_year_org_id,
    employed_now, now_region, now_channel, now_org_id, now_spell_id,
    returned, return_date, return_reason, replaced, replaced_date,
    household_id, area_id, site_id, hh_type, relocated,
    survey_date, willing, planned_month, survey_reason, survey_measure,
    last_year_spell_id, this_year_spell_id, return_spell_id,
    PRIMARY KEY (day, person_id)
) WITHOUT ROWID;

CREATE TABLE status_store_marks (person_id INTEGER PRIMARY KEY);

{triggers()}
"""


@migrations(name="0090_status_store")
def m0090_status_store(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
