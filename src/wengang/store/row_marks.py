"""A large insert's row marks made once, set-based, instead of by a trigger per row (issue 20).

Every row inserted into ``employment_spells`` or ``persons`` fires two AFTER INSERT triggers:
the status store's mark of its person (migration 0090) and the registry's change count
(migration 0125). An import of 244,303 spells ran them 244,303 times each: 0.27 s CPU of the
0.8 s its rows took to move into the table; the same marks made by two statements over the
new rows took 0.02 s. A household's insert opens its 户类型 history (migration 0050) and
counts the change: 50,000 new households 0.33 -> 0.25 s CPU made set-based (without insert
triggers an INSERT … SELECT also no longer copies its rows into an ephemeral table first).

:func:`marked_afterwards` drops those triggers around a block of inserts (inside the caller's
transaction), then makes their marks for the rows the block added and creates the triggers
again from the text they had in ``sqlite_master`` (the migrations' definitions stay the only
ones). Nothing outside the block ever sees the table without its triggers, and a rollback
takes the drop back with everything else. A table with an insert trigger not known here, or
a known one whose text is not the migration's, keeps its triggers: the block runs as it is.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator

from wengang.store.migrations import (
    m0050_household_type_history,
    m0090_status_store,
    m0125_registry_changes,
    m0130_ledger_order_changes,
)

# Table → its column holding the person the status store marks (NEW.person_id, NEW.id in 0090).
_MARKED_PERSON = {"employment_spells": "person_id", "persons": "id"}
# A new household's first 户类型 row, as household_type_history_insert adds it (its WHEN: none
# yet), for every household above ?1 in id order: the history's ids come out as per row. Its
# own trigger (the marks of the household's persons) fires per history row as before.
_TYPE_HISTORY_OPENED = (
    "INSERT INTO household_type_history (household_id, hh_type, monitor_category, reason) "
    "SELECT id, hh_type, monitor_category, '登记' FROM households AS h WHERE rowid > ?1 "
    "AND NOT EXISTS (SELECT 1 FROM household_type_history WHERE household_id = h.id) ORDER BY rowid")
_INSERT_EVENT = re.compile(r"\bINSERT\s+ON\b", re.IGNORECASE)
_MULTILINE_TRIGGER = re.compile(r"^CREATE TRIGGER (\S+) .*?^END", re.DOTALL | re.MULTILINE)


def _definitions() -> dict[str, str]:
    """The migrations' trigger statements by name, as ``sqlite_master`` keeps them (no ';')."""
    statements = (m0090_status_store.triggers().splitlines() + m0125_registry_changes.SCHEMA.splitlines()
                  + m0130_ledger_order_changes.SCHEMA.splitlines())
    known = {s.split()[2]: s.rstrip().rstrip(";") for s in statements if s.startswith("CREATE TRIGGER ")}
    known.update((m.group(1), m.group(0)) for m in _MULTILINE_TRIGGER.finditer(m0050_household_type_history.SCHEMA))
    return known


def set_based_marks(table: str) -> dict[str, str]:
    """Insert trigger name → the statement making, for every row of ``table`` with a rowid
    above ``?1``, what that trigger makes for each row inserted (the same final rows: the
    marks are a set, the count a sum, the type history's rows are added in id order)."""
    counted = {f"registry_changes_{table}_insert":
               f"UPDATE registry_changes SET n = n + (SELECT count(*) FROM {table} WHERE rowid > ?1)"}
    if table in ("persons", "households"):  # the lists' order counts them too (migration 0130)
        counted[f"ledger_order_changes_{table}_insert"] = (
            f"UPDATE ledger_order_changes SET n = n + (SELECT count(*) FROM {table} WHERE rowid > ?1)")
    if table == "households":
        return {"household_type_history_insert": _TYPE_HISTORY_OPENED, **counted}
    person = _MARKED_PERSON.get(table)
    if person is None:
        return {}
    return {f"status_mark_{table}_insert":
            f"INSERT OR IGNORE INTO status_store_marks(person_id) SELECT {person} FROM {table} WHERE rowid > ?1",
            **counted}


def _insert_triggers(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, str]]:
    """(schema, name, sql) of every INSERT trigger on ``table``, the temporary ones too, in
    the order they were created."""
    found = []
    for schema in ("main", "temp"):
        found += [(schema, name, sql) for name, sql in conn.execute(
            f"SELECT name, sql FROM {schema}.sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY rowid",
            [table]) if _INSERT_EVENT.search(sql.split(" BEGIN ", 1)[0])]
    return found


@contextlib.contextmanager
def marked_afterwards(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Rows inserted into ``table`` within the block (rowids above the table's largest before
    it, as ids given in order are) get the marks of its insert triggers once, at its end,
    when every one of those triggers has a set-based equivalent; else the triggers fire as
    usual. Call it inside a transaction."""
    marks = set_based_marks(table)
    triggers = _insert_triggers(conn, table) if marks else []
    known = _definitions()
    if not triggers or any(schema != "main" or name not in marks or known.get(name) != sql
                           for schema, name, sql in triggers):
        yield
        return
    before = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0]
    for _schema, name, _sql in triggers:
        conn.execute(f'DROP TRIGGER main."{name}"')
    try:
        yield
        for _schema, name, _sql in triggers:
            conn.execute(marks[name], [before])
    finally:
        # Put back in their order (the same firing order); after an error too, unless the
        # error's rollback has put them back already.
        present = {name for (name,) in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'trigger'")}
        for _schema, name, sql in triggers:
            if name not in present:
                conn.execute(sql)
