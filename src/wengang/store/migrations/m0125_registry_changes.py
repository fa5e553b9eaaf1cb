"""Migration 0125: a count of the writes that can change the registry's lists (issue 20).

The window's person and household tables remember id lists (an order, a search) while the
rows they come from are unchanged (``gui/registry/models.py``). ``PRAGMA data_version`` moves
on every other connection's commit, also the derived writes that change no list: the status
store, the quality findings, the report summaries and facts, the backup bookkeeping, the
settings. After one of those the next keystroke re-read everything (the search 'z' at 200,000
households 0.2 → 0.7 s). ``registry_changes.n`` moves, in the same transaction, on every
insert, delete and update of the tables the registry's lists read — persons, households,
areas, employment_spells (当前状态 and the 务工 filter) — from any connection, and on nothing
else; a rolled-back write takes its count back with it. Cost: one single-row update per row
written to those tables (about 0.4 µs: 0.7 s CPU on an UPDATE of all 660,519 persons and 978,033 spells at
200,000 households, 3.4 → 4.1 s). A writer that drops the triggers (a table rebuilt) leaves
the count behind: the reader then goes back to counting every commit
(``services/read/tables.py``, ``TableReader.data_version``).
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

TABLES = ("persons", "households", "areas", "employment_spells")
EVENTS = ("INSERT", "UPDATE", "DELETE")
TRIGGER_COUNT = len(TABLES) * len(EVENTS)  # registry_changes_<table>_<event>

SCHEMA = "CREATE TABLE registry_changes (n INTEGER NOT NULL);\nINSERT INTO registry_changes (n) VALUES (0);\n" + "".join(
    f"CREATE TRIGGER registry_changes_{table}_{event.lower()} AFTER {event} ON {table} "
    "BEGIN UPDATE registry_changes SET n = n + 1; END;\n"
    for table in TABLES for event in EVENTS)


@migrations(name="0125_registry_changes")
def m0125_registry_changes(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
