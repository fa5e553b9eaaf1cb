"""Derived TEMP tables (statuses at a date, report cubes, ledger orderings), cached per connection.

Deriving the statuses of 150,000 persons at a date takes most of a second; forms, ledgers and
the overview at that date all read the same table. A derived table stays valid while the data
it came from is unchanged, which :func:`data_fingerprint` tells: this connection's
``total_changes`` and ``PRAGMA data_version`` (other connections' commits). Filling our own
TEMP tables moves ``total_changes`` too, so :func:`cached` and :func:`temp_write` carry the
fingerprint across those writes: building one derived table never invalidates another, while
any write to the data (an edit, an import, another program's commit) invalidates them all.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Hashable

import sqlite_utils

from wengang.store.migrations.m0130_ledger_order_changes import TRIGGER_COUNT as ORDER_TRIGGERS

KEEP_PER_KIND = 3  # dates kept per kind of table: switching between a few dates stays instant


def data_fingerprint(db: sqlite_utils.Database) -> tuple[int, int]:
    """Changes when the data may have: this connection's writes or another's commits."""
    return db.conn.total_changes, db.execute("PRAGMA data_version").fetchone()[0]


class _Registry:
    def __init__(self) -> None:
        self.fingerprint: tuple[int, int] | None = None
        self.tables: OrderedDict[tuple, str] = OrderedDict()  # (kind, key) → table name
        self.fresh: set[tuple] = set()  # built since the data last changed
        self.numbers = itertools.count(1)


def _registry(db: sqlite_utils.Database) -> _Registry:
    registry = getattr(db, "_wengang_derived", None)
    if registry is None:
        registry = _Registry()
        db._wengang_derived = registry  # noqa: SLF001 - one per connection, dies with it
    return registry


def drop_table(db: sqlite_utils.Database, name: str) -> None:
    """Drop our TEMP table (or TEMP view: the statuses read from the status store) ``name``."""
    # The connection may be closed already: its TEMP tables died with it.
    with contextlib.suppress(Exception):
        row = db.execute("SELECT type FROM sqlite_temp_master WHERE name = ? AND type IN ('table', 'view')",
                         [name]).fetchone()
        if row:
            db.execute(f"DROP {row[0].upper()} temp.{name}")


def cached(db: sqlite_utils.Database, kind: str, key: Hashable, build: Callable[[str], None]) -> str:
    """The TEMP table ``kind`` for ``key`` (e.g. an as-of date): ``build(name)`` creates it
    when it is missing or the data changed since; returns its name.

    A table keeps its name when rebuilt, so a query that holds the name reads the new rows;
    a stale table stays readable until then. The newest :data:`KEEP_PER_KIND` keys of each
    kind are kept, older ones dropped.
    """
    registry = _registry(db)
    if registry.fingerprint != data_fingerprint(db):
        registry.fresh.clear()
    entry = (kind, key)
    name = registry.tables.get(entry)
    if name is not None and entry in registry.fresh:
        registry.tables.move_to_end(entry)
        return name
    if name is None:
        name = f"{kind}_{next(registry.numbers)}"
    drop_table(db, name)
    build(name)
    registry.tables[entry] = name
    registry.tables.move_to_end(entry)
    registry.fresh.add(entry)
    same_kind = [e for e in registry.tables if e[0] == kind]
    for old in same_kind[: max(0, len(same_kind) - KEEP_PER_KIND)]:
        drop_table(db, registry.tables.pop(old))
        registry.fresh.discard(old)
    registry.fingerprint = data_fingerprint(db)  # our own TEMP writes are not data changes
    return name


def kept_while(db: sqlite_utils.Database, kind: str, version: Hashable, build: Callable[[str], None]) -> str:
    """The TEMP table ``kind``, built by ``build(name)`` and kept across the data's changes
    while ``version`` stays the same: a count the schema's triggers move on the writes that
    can change the table (:func:`order_changes`), not on every write as :func:`cached` has it.
    Built again under the same name, as :func:`cached` does: a query holding it reads the new rows."""
    registry = _registry(db)
    if registry.fingerprint != data_fingerprint(db):
        registry.fresh.clear()
    entry = (kind, version)
    name = registry.tables.get(entry)
    if name is not None:
        return name
    older = [e for e in registry.tables if e[0] == kind]
    name = registry.tables.pop(older[-1]) if older else f"{kind}_{next(registry.numbers)}"
    for stale in older[:-1]:
        drop_table(db, registry.tables.pop(stale))
    drop_table(db, name)
    build(name)
    registry.tables[entry] = name
    registry.fingerprint = data_fingerprint(db)  # our own TEMP writes are not data changes
    return name


def change_count(db: sqlite_utils.Database, counter: str, triggers: int) -> int | None:
    """``counter``'s ``n``: a one-row table that the schema's triggers named ``<counter>_…``
    move on the writes they watch (migrations 0125, 0130). None when it cannot be trusted: not
    there (a file not migrated yet) or fewer than ``triggers`` of them (a writer that rebuilt a
    table dropped some)."""
    named = counter.replace("_", "\\_") + "\\_%"  # the counter's own triggers, "_" taken literally
    try:
        n, present = db.execute(
            "SELECT n, (SELECT count(*) FROM main.sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\') "
            f"FROM main.{counter}", [named]).fetchone()
    except sqlite3.OperationalError:
        return None
    return n if present == triggers else None


def order_changes(db: sqlite_utils.Database) -> int | None:
    """The count of the writes that can change the lists' default order (migration 0130)."""
    return change_count(db, "ledger_order_changes", ORDER_TRIGGERS)


def fresh_keys(db: sqlite_utils.Database, kind: str) -> list[Hashable]:
    """The keys of the tables of ``kind`` that :func:`cached` would give as they are (the data
    unchanged since they were built)."""
    registry = _registry(db)
    if registry.fingerprint != data_fingerprint(db):
        return []
    return [key for (k, key) in registry.tables if k == kind and (k, key) in registry.fresh]


def temp_write(db: sqlite_utils.Database, sql: str, params: dict | None = None) -> None:
    """Execute a write into one of our TEMP tables without invalidating the cached ones."""
    registry = _registry(db)
    valid = registry.fingerprint == data_fingerprint(db)
    db.execute(sql, params or {})
    if valid:
        registry.fingerprint = data_fingerprint(db)


def fill_temp_table(db: sqlite_utils.Database, name: str, columns: list[str], rows: list) -> None:
    """TEMP table ``name`` made of kept rows (a stored summary or fact groups). One savepoint
    around the rows: in autocommit each INSERT would be its own transaction (50,000
    households' cohorts: 0.16 s → 0.04 s)."""
    db.execute(f"CREATE TEMP TABLE {name} ({', '.join(columns)})")
    db.execute("SAVEPOINT kept_rows")
    try:
        db.conn.executemany(f"INSERT INTO temp.{name} VALUES ({', '.join('?' * len(columns))})", rows)
    finally:
        db.execute("RELEASE kept_rows")


def forget(db: sqlite_utils.Database) -> None:
    """Drop every cached table of this connection (benchmarks time a cold start with it)."""
    registry = _registry(db)
    for name in registry.tables.values():
        drop_table(db, name)
    registry.tables.clear()
    registry.fresh.clear()
    registry.fingerprint = None
