"""Migration 0130: a count of the writes that can change the lists' default order (issue 20).

The 台账's default order (乡镇 and 村 in their sort order, 户编号, 户主 first:
``services.ledgers.query``) is a TEMP table of the connection, 1.4–2 s to build at 200,000
households. Kept only while nothing at all was written, it was built again after every edit,
though the edit a caseworker makes most, a 务工 record, cannot change it.
``ledger_order_changes.n`` moves, in the same transaction and from any connection, on the
writes that can: a person added or removed, or moved to another household or 与户主关系; a
household added or removed, or given another 户编号 or place; any change to the areas (a few
hundred rows). A rolled-back write takes its count back. A writer that drops the triggers
leaves the count behind: the reader then goes back to rebuilding after every write
(``store.derived.order_changes``).
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

# (table, event as the trigger says it, the trigger's name's last part)
EVENTS = (
    ("persons", "INSERT", "insert"), ("persons", "DELETE", "delete"),
    ("persons", "UPDATE OF household_id, relation", "update"),
    ("households", "INSERT", "insert"), ("households", "DELETE", "delete"),
    ("households", "UPDATE OF hh_no, area_id", "update"),
    ("areas", "INSERT", "insert"), ("areas", "DELETE", "delete"), ("areas", "UPDATE", "update"),
)
TRIGGER_COUNT = len(EVENTS)  # ledger_order_changes_<table>_<event>

SCHEMA = ("CREATE TABLE ledger_order_changes (n INTEGER NOT NULL);\n"
          "INSERT INTO ledger_order_changes (n) VALUES (0);\n" + "".join(
              f"CREATE TRIGGER ledger_order_changes_{table}_{name} AFTER {event} ON {table} "
              "BEGIN UPDATE ledger_order_changes SET n = n + 1; END;\n"
              for table, event, name in EVENTS))


@migrations(name="0130_ledger_order_changes")
def m0130_ledger_order_changes(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
