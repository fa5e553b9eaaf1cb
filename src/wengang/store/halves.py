"""A summary of a big stored date counted in two halves at once, on two connections (issue 20).

SQLite runs a statement on one core. The report engine's full cube over a stored date is one
GROUP BY of every person's stored statuses: 660,519 persons and 33 counts at 200,000
households, 1.8–2.9 s CPU here, the largest single step of the forms once the
statuses are stored (the window's 报表 tab after an import, ``wengang report all``). Its counts
are sums over persons, by group, so the persons of the lower half of ids are counted on a
second connection, on a second thread, while this one counts the upper half, and the two
halves' groups are summed (``store.status``'s summaries already count so: a correction adds
and takes out rows by group).

The latest spells of everyone (a derivation's first pass, one GROUP BY of 978,033 spells at
200,000 households) were tried the same way and not kept: each half's index range took
0.76–0.79 s where the whole took 0.8–1.15 s, and the lower half's 171,907 rows cost 0.2 s more
to hand over (no TEMP table is shared by two connections); F1 right after an import was
slower in halves in four rounds of six (a contended hour).

Only where it is sure to give the same numbers, else :func:`count_in_halves` says no and the
caller counts as before: the statuses are a view of the stored rows (the second connection
reads the same file; a TEMP table derived here it cannot see), the file is a plain one (not
:memory:, not encrypted: the key is not kept), this connection holds no transaction, and no
other connection committed while the halves were counted (``PRAGMA data_version``): both
halves then read the same rows.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from wengang.store import crypto
from wengang.store.derived import fill_temp_table

__all__ = ["HALVES_FROM", "count_in_halves"]

HALVES_FROM = 50_000
"""Persons (their id span) from which a second connection pays: opening it, its view and its
thread cost a few thousandths of a second; the full cube of 165,479 persons (50,000
households) took 0.60–0.71 s once and 0.41–0.47 s in halves, of 660,519 (200,000 households)
2.05–2.52 s and 1.24–1.57 s (``bench/halves.py``)."""

_VIEW = re.compile(r"\s*CREATE\s+VIEW\s", re.IGNORECASE)


def count_in_halves(db: sqlite_utils.Database, status: str, create_sql: Callable[[str, str], str],
                    name: str) -> bool:
    """TEMP table ``name`` as ``create_sql(name, status)`` makes it, counted in two halves of
    the persons at once; ``create_sql`` groups by its first columns and counts persons in a
    column ``persons`` right after, every later column a count too (summed by group). False,
    nothing made, where it cannot be sure of the same numbers (the module's docstring)."""
    plan = _plan(db, status)
    if plan is None:
        return False
    path, view_sql, middle = plan
    before = _data_version(db)
    lower = _Lower(path, view_sql, status, create_sql, middle)
    lower.start()
    upper = f"{name}_upper"
    try:
        db.execute(f"CREATE TEMP VIEW {upper}_rows AS SELECT * FROM temp.{status} WHERE person_id >= {middle}")
        db.execute(create_sql(upper, f"{upper}_rows"))
    except BaseException:
        lower.interrupt()  # a failed or cancelled count: the other half is for nothing
        raise
    finally:
        db.execute(f"DROP VIEW IF EXISTS temp.{upper}_rows")
        lower.join()
    try:
        if lower.rows is None or _data_version(db) != before:
            return False  # the helper failed, or another connection committed meanwhile
        columns = [row[1] for row in db.execute(f"PRAGMA temp.table_info({upper})").fetchall()]
        if columns != lower.columns or "persons" not in columns:
            return False
        fill_temp_table(db, f"{name}_lower", columns, lower.rows)
        keys = columns[:columns.index("persons")]
        summed = ", ".join([*keys, *(f"SUM({c}) AS {c}" for c in columns[len(keys):])])
        grouped = f" GROUP BY {', '.join(keys)}" if keys else ""
        db.execute(f"CREATE TEMP TABLE {name} AS SELECT {summed} FROM "
                   f"(SELECT * FROM temp.{upper} UNION ALL SELECT * FROM temp.{name}_lower){grouped}")
        return True
    finally:
        db.execute(f"DROP TABLE IF EXISTS temp.{upper}")
        db.execute(f"DROP TABLE IF EXISTS temp.{name}_lower")


def _plan(db: sqlite_utils.Database, status: str) -> tuple[str, str, int] | None:
    """(the file, the statuses' view as SQL, the first person id of the upper half), or None
    where the halves are not to be counted."""
    if (os.cpu_count() or 1) < 2 or db.conn.in_transaction or crypto.is_encrypted_connection(db.conn):
        return None
    path = db.execute("PRAGMA database_list").fetchone()[2]
    row = db.execute("SELECT sql FROM sqlite_temp_master WHERE type = 'view' AND name = ?", [status]).fetchone()
    if not path or row is None or not _VIEW.match(row[0]) or re.search(r"\btemp\.", row[0], re.IGNORECASE):
        return None  # :memory:, a TEMP table derived here, or a view reading one
    # two look-ups at the ends of the rowid b-tree (min and max in one SELECT scan every row)
    low, high = db.execute("SELECT (SELECT min(id) FROM main.persons), (SELECT max(id) FROM main.persons)").fetchone()
    if low is None or high - low < HALVES_FROM:
        return None
    return path, _VIEW.sub("CREATE TEMP VIEW ", row[0], count=1), (low + high + 1) // 2


def _data_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA data_version").fetchone()[0]


class _Lower(threading.Thread):
    """The lower half counted on a connection of its own: ``rows`` and ``columns`` once done,
    ``rows`` None if it failed (the caller then counts the whole itself)."""

    def __init__(self, path: str, view_sql: str, status: str, create_sql: Callable[[str, str], str], middle: int):
        super().__init__(name="wengang-lower-half", daemon=True)
        self.path, self.view_sql, self.status, self.create_sql, self.middle = path, view_sql, status, create_sql, middle
        self.rows: list | None = None
        self.columns: list[str] = []
        self.conn: sqlite3.Connection | None = None
        self.lock = threading.Lock()  # the connection is interrupted only while open

    def run(self) -> None:
        try:
            with self.lock:
                # read-only: it makes TEMP tables, never a change to the caseworker's file
                self.conn = sqlite3.connect(f"{Path(self.path).as_uri()}?mode=ro", uri=True, isolation_level=None,
                                            check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.conn.execute(self.view_sql)  # the same statuses, by the same name
            self.conn.execute(f"CREATE TEMP VIEW lower_rows AS SELECT * FROM temp.{self.status} "
                              f"WHERE person_id < {self.middle}")
            self.conn.execute(self.create_sql("lower_half", "lower_rows"))
            cursor = self.conn.execute("SELECT * FROM temp.lower_half")
            self.columns = [c[0] for c in cursor.description]
            self.rows = cursor.fetchall()
        except sqlite3.Error:
            self.rows = None
        finally:
            with self.lock:
                if self.conn is not None:
                    self.conn.close()
                    self.conn = None

    def interrupt(self) -> None:
        with self.lock:
            if self.conn is not None:
                self.conn.interrupt()
