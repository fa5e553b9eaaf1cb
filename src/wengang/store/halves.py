"""A big county's report counts made in two halves at once, on two connections (issue 20).

SQLite runs a statement on one core. Two counts over every person decide how long a big
county's forms take, and both are sums over persons by group, so the persons of the lower
half of ids are counted on a second connection, on a second thread, while this one counts
the upper half, and the two halves' groups (a couple of thousand rows) are summed
(``store.status``'s summaries already count so: a correction adds and takes out rows by
group):

- :func:`count_in_halves`: the report engine's cube over a stored date, one GROUP BY of every
  person's stored statuses (660,519 persons and 33 counts at 200,000 households; the window's
  报表 and 概览 after an import, ``wengang report all``, a date's first form).
- :func:`count_by_halves` with a count of one's own: ``wengang report F1`` right after an
  import (``store.status.count_derived``), where each connection derives its half from the
  ledger itself: the households' places, the latest spells of its persons, their counts.
  Only the groups cross over. Handing the latest spells themselves over instead (171,907 rows
  of the lower half at 200k) cost 0.2 s and was not kept.

- :func:`read_aside`: reads of their own (the forms' period aggregates, ``services.reports.facts``)
  made on the second connection while this one goes on with others, each read's value taken
  when this one comes to need it.

Only where it is sure to give the same numbers, else the caller counts once as before: what
is counted is the file's (the second connection reads the same file; a TEMP table derived
here it cannot see), the file is a plain one (not :memory:, not encrypted: the key is not
kept), this connection holds no transaction, and no other connection committed while the
halves were counted (``PRAGMA data_version``): both halves then read the same rows.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Callable, Hashable

import sqlite_utils

from wengang.store import crypto
from wengang.store.derived import fill_temp_table
from wengang.store.sqlite_file import read_only_uri

__all__ = ["HALVES_FROM", "Aside", "Count", "count_by_halves", "count_in_halves", "read_aside"]

HALVES_FROM = 50_000
"""Persons (their id span) from which a second connection pays: opening it, its view and its
thread cost a few thousandths of a second. The full cube of 165,479 persons (50,000
households) took 0.60–0.71 s once and 0.41–0.47 s in halves, of 660,519 (200,000 households)
2.05–2.52 s and 1.24–1.57 s; F1 right after an import 0.42–0.52 and 0.39–0.40 s, 1.57–1.81 and
1.27–1.62 s (``bench/halves.py``; ``compute_form(…, alone=True)``)."""

_VIEW = re.compile(r"\s*CREATE\s+VIEW\s", re.IGNORECASE)


Count = Callable[[sqlite_utils.Database, str, str], None]
"""``count(part, condition, table)``: make TEMP table ``table`` on the connection ``part``,
counting the persons whose id meets ``condition`` (``"< 330260"``), grouped by its first
columns, ``persons`` right after them, every later column a count of persons too."""


def _status_view_sql(db: sqlite_utils.Database, status: str) -> str | None:
    """The statement that makes the stored statuses ``status`` (a TEMP view) on another
    connection, by the same name; None for a TEMP table derived here, or a view reading one:
    the other connection cannot see it."""
    row = db.execute("SELECT sql FROM sqlite_temp_master WHERE type = 'view' AND name = ?", [status]).fetchone()
    if row is None or not _VIEW.match(row[0]) or re.search(r"\btemp\.", row[0], re.IGNORECASE):
        return None
    return _VIEW.sub("CREATE TEMP VIEW ", row[0], count=1)


def count_in_halves(db: sqlite_utils.Database, status: str, create_sql: Callable[[str, str], str],
                    name: str) -> bool:
    """TEMP table ``name`` as ``create_sql(name, status)`` makes it over the stored statuses
    ``status`` (a view), counted in two halves of the persons at once; ``create_sql`` groups
    by its first columns and counts persons in a column ``persons`` right after, every later
    column a count too (summed by group). False, nothing made, where it cannot be sure of
    the same numbers (the module's docstring)."""
    view_sql = _status_view_sql(db, status)
    if view_sql is None:
        return False

    def count(part: sqlite_utils.Database, condition: str, table: str) -> None:
        if part is not db:
            part.execute(view_sql)  # the same statuses, by the same name
        part.execute(f"CREATE TEMP VIEW {table}_rows AS SELECT * FROM temp.{status} WHERE person_id {condition}")
        try:
            part.execute(create_sql(table, f"{table}_rows"))
        finally:
            part.execute(f"DROP VIEW temp.{table}_rows")

    return count_by_halves(db, name, count)


def count_by_halves(db: sqlite_utils.Database, name: str, count: Count) -> bool:
    """TEMP table ``name``: ``count``'s tables (:data:`Count`) of the two halves of the
    persons summed by group, the lower half counted on a second connection to the file
    (read-only, on its own thread) while this one counts the upper half. False, nothing
    made, where a second connection cannot be sure to read what this one reads or does not
    pay (:func:`_split`), when it failed, or when another connection committed meanwhile."""
    split = _split(db)
    if split is None:
        return False
    path, middle = split
    before = _data_version(db)
    lower = _Lower(path, lambda part: count(part, f"< {middle}", "lower_half"))
    lower.start()
    upper = f"{name}_upper"
    try:
        count(db, f">= {middle}", upper)
    except BaseException:
        lower.interrupt()  # a failed or cancelled count: the other half is for nothing
        raise
    finally:
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


def _second_file(db: sqlite_utils.Database) -> str | None:
    """The file a second connection would read, where it reads what this one reads and a core
    is there for it: two cores, a plain file (not :memory:, not encrypted), no transaction here."""
    if (os.cpu_count() or 1) < 2 or db.conn.in_transaction or crypto.is_encrypted_connection(db.conn):
        return None
    return db.execute("PRAGMA database_list").fetchone()[2] or None


def _split(db: sqlite_utils.Database) -> tuple[str, int] | None:
    """(the file, the first person id of the upper half) where a second connection reads
    what this one reads and pays (:func:`_second_file`, enough persons)."""
    path = _second_file(db)
    if path is None:
        return None
    # two look-ups at the ends of the rowid b-tree (min and max in one SELECT scan every row)
    low, high = db.execute("SELECT (SELECT min(id) FROM main.persons), (SELECT max(id) FROM main.persons)").fetchone()
    if low is None or high - low < HALVES_FROM:
        return None
    return path, (low + high + 1) // 2


def _data_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA data_version").fetchone()[0]


class _SecondConnection(threading.Thread):
    """A thread with a read-only connection of its own to the file: it can make TEMP tables
    and views there, never a change to the caseworker's data; this connection may interrupt
    it while it is open."""

    def __init__(self, name: str, path: str):
        super().__init__(name=name, daemon=True)
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.lock = threading.Lock()  # the connection is interrupted only while open
        self.stopped = False

    def _open(self) -> sqlite_utils.Database | None:
        """The connection, opened; None once :meth:`interrupt` came first."""
        with self.lock:
            if self.stopped:
                return None
            self.conn = sqlite3.connect(read_only_uri(self.path), uri=True, isolation_level=None,
                                        check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 5000")
        # No PRAGMA threads here (store.db's connections have it): this connection runs while
        # the first one counts on the other core, so a sorter's helper thread would only take
        # turns with one of the two.
        return sqlite_utils.Database(self.conn, execute_plugins=False)

    def _close(self) -> None:
        with self.lock:
            if self.conn is not None:
                self.conn.close()
                self.conn = None

    def interrupt(self) -> None:
        """Stop what the connection is doing, and anything it would begin."""
        with self.lock:
            self.stopped = True
            if self.conn is not None:
                self.conn.interrupt()


class _Lower(_SecondConnection):
    """The lower half counted on a connection of its own: ``count(part)`` makes TEMP table
    ``lower_half`` there; ``rows`` and ``columns`` of it once done, ``rows`` None if it failed
    (the caller then counts the whole itself)."""

    def __init__(self, path: str, count: Callable[[sqlite_utils.Database], None]):
        super().__init__("wengang-lower-half", path)
        self.count = count
        self.rows: list | None = None
        self.columns: list[str] = []

    def run(self) -> None:
        try:
            part = self._open()
            if part is None:
                return
            self.count(part)
            cursor = part.execute("SELECT * FROM temp.lower_half")
            self.columns = [c[0] for c in cursor.description]
            self.rows = cursor.fetchall()
        except Exception:  # noqa: BLE001 - any failure: the caller counts the whole itself
            self.rows = None
        finally:
            self._close()


Read = Callable[[sqlite_utils.Database], object]
"""``read(part)``: a value read on the second connection ``part`` (the statuses' view made
there by the same name)."""


class Aside(_SecondConnection):
    """Reads made one after another on a second, read-only connection while this one goes on
    (:func:`read_aside`); :meth:`value` gives a read's value once this one needs it."""

    def __init__(self, db: sqlite_utils.Database, path: str, view_sql: str, reads: list[tuple[Hashable, Read]]):
        super().__init__("wengang-aside", path)
        self.db, self.view_sql, self.reads = db, view_sql, reads
        self.version = _data_version(db)
        self.values: dict[Hashable, object] = {}
        self.done = {key: threading.Event() for key, _ in reads}
        self.begun: set[Hashable] = set()  # reads begun, beside or here (:meth:`_help`)
        self.here: set[Hashable] = set()  # reads made here
        self.claims = threading.Lock()

    def _claim(self) -> tuple[Hashable, Read] | None:
        """The first read not begun yet, now begun by the caller; None when all are."""
        with self.claims:
            for key, read in self.reads:
                if key not in self.begun:
                    self.begun.add(key)
                    return key, read
        return None

    def run(self) -> None:
        try:
            part = self._open()
            if part is None:
                return
            part.execute(self.view_sql)
            while not self.stopped and (claimed := self._claim()) is not None:
                key, read = claimed
                self.values[key] = read(part)
                self.done[key].set()
        except Exception:  # noqa: BLE001 - any failure: the reads not made are this connection's to make
            return
        finally:
            self._close()
            for event in self.done.values():
                event.set()

    def has(self, key: Hashable) -> bool:
        """Whether ``key`` is one of the reads (made, being made or to be made)."""
        return key in self.done

    def value(self, key: Hashable) -> tuple[bool, object]:
        """(True, the value) of read ``key`` once made — waiting for it, and meanwhile making
        here the reads not begun yet (:meth:`_help`) — and, made beside, only while no other
        connection committed since the reads began (the same rows this one would read);
        (False, None) otherwise: a failed read, or the data changed."""
        event = self.done.get(key)
        if event is None:
            return False, None
        while not event.is_set():
            if not self._help():
                event.wait()
        if key not in self.values or (key not in self.here and _data_version(self.db) != self.version):
            return False, None
        return True, self.values.pop(key)

    def _help(self) -> bool:
        """Make here the first read not begun yet, while the one asked for is made beside: the
        second connection has more to read than this one waits for (a county's first
        ``report all`` at 200,000 households: F3's spells here, 1.0 s; services, subsidies and
        the household groups beside, 2.1 s). False when every read is begun."""
        claimed = self._claim()
        if claimed is None:
            return False
        key, read = claimed
        try:
            self.values[key] = read(self.db)
            self.here.add(key)
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise  # a cancel (store.db.interrupted_when) is the batch's, not this read's
        except Exception:  # noqa: BLE001, S110 - not made: its taker counts it again, and says why
            pass
        finally:
            self.done[key].set()
        return True

    def stop(self) -> None:
        """Stop reading (what is made is kept) and wait for the connection to close."""
        self.interrupt()
        if self.is_alive():
            self.join()


def read_aside(db: sqlite_utils.Database, status: str, reads: list[tuple[Hashable, Read]]) -> Aside | None:
    """``reads`` (key, read) begun on a second connection to the file, one after another,
    with the stored statuses ``status`` (a TEMP view here) made there by the same name: the
    values for this connection to take (:meth:`Aside.value`) when it comes to them. None —
    this connection reads them itself — where the second would not read what this one reads
    (:func:`_second_file`, statuses derived into a TEMP table here) or there is nothing to read."""
    path = _second_file(db) if reads else None
    view_sql = _status_view_sql(db, status) if path else None
    if view_sql is None:
        return None
    aside = Aside(db, path, view_sql, reads)
    aside.start()
    return aside
