"""The import's write side (issue 20 "Imports near the floor"): how rows reach SQLite, with
every stored value the same as before."""

from __future__ import annotations

import sqlite3

from wengang.store import db as store_db


def test_none_parameters_bind_null_through_the_registered_adapter():
    # Without an adapter for None, Python's sqlite3 tried two attribute look-ups per blank
    # parameter before binding NULL (a roster's blank cells: a second of its insert).
    assert sqlite3.adapters.get((type(None), sqlite3.PrepareProtocol)) is not None
    conn = store_db._connect(":memory:")  # noqa: SLF001 - the program's own connection set-up
    try:
        conn.execute("CREATE TABLE t (a, b NOT NULL DEFAULT 0)")
        conn.executemany("INSERT INTO t (a) VALUES (?)", [(None,), ("x",)])
        assert conn.execute("SELECT a IS NULL, typeof(a), b FROM t ORDER BY rowid").fetchall() == \
            [(1, "null", 0), (0, "text", 0)]
        try:
            conn.execute("INSERT INTO t (a, b) VALUES (?, ?)", ["y", None])
        except sqlite3.IntegrityError:
            pass  # a None is still NULL: a NOT NULL column refuses it as before
        else:
            raise AssertionError("None was bound as something other than NULL")
    finally:
        conn.close()
