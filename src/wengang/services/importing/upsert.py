"""Keyed insert-or-update with change detection, for one table, written in bulk.

The writers preload a table's rows keyed by the natural key (one query), compare each
incoming row with what is stored, and write only what differs — that is what makes a second
import of the same file change nothing, and what lets a dry run count added/changed/unchanged.

Writes are collected and sent with ``executemany`` in :meth:`Upserter.flush` (one statement
per column layout and chunk, not one ``execute`` per row: 215,000 single executes with their
audit triggers took 17.5 s of a 165,000-person import).
New rows get their ids here (after the table's largest), so a household's id is known to its
members before anything is written. The engine flushes every upserter, in creation order
(parents first, for the foreign keys), before the transaction ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import json
import operator
import secrets
import sqlite3
from collections.abc import Callable, Iterator

import sqlite_utils

from wengang.store.owed_indexes import LEFT_TO_LATER, defer
from wengang.store.row_marks import marked_afterwards

CHUNK = 5000  # rows per executemany call: bounded parameter lists, same speed as one call
STAGE = "wengang_import_stage"  # the TEMP tables new rows pass through are named from it (Upserter._insert)
STAGE_ROWS = 1000  # from this many new rows of one layout, they pass through STAGE
BULK_INDEX_ROWS = 10_000  # from this many rows into an empty table, indexes are built afterwards
# From this many new rows sent at once, their insert triggers' marks are made afterwards in one
# statement each (store.row_marks): 244,303 spells 0.27 s CPU less; two triggers dropped and
# made again per send cost 0.2 ms, what about 200 rows' trigger calls do.
SET_BASED_MARK_ROWS = 1000
# Rows per statement filling a TEMP table (insert_grouped), fewer for wide rows: a statement
# takes at most 999 parameters in SQLite before 3.32.
STAGE_GROUP = 64


def _same(old: object, new: object) -> bool:
    if old == new:
        return True
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return abs(float(old) - float(new)) < 1e-9
    return False


def now_stamp() -> str:
    return dt.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


def load_stored(db: sqlite_utils.Database, table: str, key: tuple[str, ...], columns: tuple[str, ...],
                where: str = "", id_column: str = "id", values: bool = True) -> dict[tuple, tuple]:
    """The rows an :class:`Upserter` with these arguments compares with: key → (row id,
    stored values in column order). Tuples, not dicts, because 240,000 spells are held at once.

    ``values=False``: key → row id alone (an int, no tuple: 244,303 spells 12 MiB less), the
    values read a chunk at a time when the rows are compared (:meth:`Upserter.fetch_values`).
    A county's monthly re-import of 244,303 spells held them all, 106 MiB, for the
    comparison: its peak was 377 MiB, against 272 for the first import (issue 20)."""
    columns = tuple(c for c in columns if c not in key) if values else ()
    cols = ", ".join((id_column, *key, *columns))
    rows: dict[tuple, tuple] = {}
    width = len(key)
    # Stored texts repeat (dates, places, firms): one object per distinct value keeps a
    # county's 240,000 spells in memory at half the size.
    shared: dict = {}
    share = shared.setdefault
    if not values:
        if width == 2:  # the spells' (person, 开始时间): one comprehension, no call or list per row
            # (244,303 spells 0.37–0.41 → 0.26–0.27 s; 978,033 at 200k about 0.5 s less)
            return {(share(a, a), share(b, b)): row_id for row_id, a, b in db.execute(f"SELECT {cols} FROM {table} {where}")}
        # A key of one column is unique: nothing to share.
        key_of = (lambda row: row[1:]) if width == 1 else (lambda row: tuple([share(v, v) for v in row[1:]]))
        for row in db.execute(f"SELECT {cols} FROM {table} {where}"):
            rows[key_of(row)] = row[0]
        return rows
    for row in db.execute(f"SELECT {cols} FROM {table} {where}"):
        rows[tuple(row[1:1 + width])] = (row[0], tuple([share(v, v) for v in row[1 + width:]]))
    return rows


class Upserter:
    """Insert-or-update rows of ``table`` identified by ``key`` columns."""

    def __init__(self, db: sqlite_utils.Database, table: str, key: tuple[str, ...],
                 columns: tuple[str, ...], batch_id: int | None, where: str = "", id_column: str = "id",
                 stored: dict[tuple, tuple] | None = None, values: bool = True):
        self.db, self.table, self.key, self.batch_id = db, table, key, batch_id
        self.id_column = id_column
        self.columns = tuple(c for c in columns if c not in key)
        # key → (row id, stored values as a tuple in self.columns order); (row id,): a row this
        # batch added; the row id as an int: with ``values=False``, a stored row whose values
        # are read when it is compared (fetch_values; :meth:`_hit` gives it as (row id,)).
        # ``stored`` is what :func:`load_stored` read with the same arguments (while the file
        # was being read).
        self.rows: dict[tuple, tuple] = \
            load_stored(db, table, key, columns, where, id_column, values) if stored is None else stored
        self._fetched: dict[int, tuple] = {}  # row id → stored values, read for the rows compared now
        self._position = {c: i for i, c in enumerate(self.columns)}
        self._empty = not self.rows and not where and \
            db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None
        self._next_id = None if id_column in key else \
            db.execute(f"SELECT coalesce(max({id_column}), 0) FROM {table}").fetchone()[0] + 1
        self._stamp = now_stamp()
        # The stamps are given, not left to the column defaults: SQLite's 'localtime' conversion
        # per row cost 0.7 s of a 240,000-spell insert.
        self._stamps = tuple(c for c in ("created_at", "updated_at") if c in db[table].columns_dict)
        # guids as the demo builder makes them: a random prefix per batch and table plus a counter
        # (32 hex digits like the column default). Consecutive values append to the guid index
        # instead of landing at random pages: 0.3 s of a 240,000-spell insert.
        self._guid_column = ("guid",) if "guid" in db[table].columns_dict else ()
        self._guid_prefix, self._guids = secrets.token_hex(8), itertools.count()
        # With ids given here the counter is the id's distance from the first one: SQLite makes
        # the guid from the id parameter (no 32-character string per row held until the flush:
        # 200,000 spells, 16 MB).
        self._first_id = self._next_id
        self._guid_in_sql = bool(self._guid_column) and self._next_id is not None
        # batch_id and the stamps are the same for every row: written into the insert's text
        # (binding them per row was a sixth of staging 165,000 persons).
        self._extra = {"batch_id": "NULL" if batch_id is None else str(int(batch_id)),
                       **{c: f"'{self._stamp}'" for c in self._stamps}}
        # values' columns → key → the parameter row still to be inserted with that layout (the
        # INSERT's columns are in _insert_columns). Keyed, so a row added and not sent yet is
        # found by its key (:meth:`_stored_again`), and handing the rows off lets go of them
        # all at once (no loop over the rows).
        self._pending: dict[tuple[str, ...], dict[tuple, tuple]] = {}
        self._insert_columns: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._updates: dict[tuple[str, ...], list[tuple]] = {}
        self._dropped: list[tuple[str, str]] = []  # (name, sql) of the indexes built again at the end, or owed
        self._stage_names: dict[tuple[str, ...], str] = {}  # insert columns → their TEMP table (_stage_table)
        self._picks: dict[tuple[str, ...], Callable | bool] = {}  # layout → its stored values' picker (_pick)

    def _layout(self, layout: tuple[str, ...]) -> dict[tuple, tuple]:
        generated = () if self._next_id is None else (self.id_column,)
        self._insert_columns[layout] = (*generated, *self._guid_column, *self.key, *layout, "batch_id",
                                        *self._stamps)
        return self._pending.setdefault(layout, {})

    def _stored_again(self, key: tuple, hit: tuple) -> tuple[int, tuple]:
        """(row id, values) of a row held by its id alone (``hit``): one this batch added, from
        its parameter row while it waits to be sent, or a stored one (``values=False``) from
        what :meth:`fetch_values` read; else read back (a row sent already, or not fetched)."""
        for layout, pending in self._pending.items():
            params = pending.get(key)
            if params is not None:
                given = dict(zip(layout, params[len(params) - len(layout):]))
                return hit[0], tuple(map(given.get, self.columns))
        fetched = self._fetched.get(hit[0])
        if fetched is not None:
            return hit[0], fetched
        cols = ", ".join(self.columns) or "NULL"
        row = self.db.execute(f"SELECT {cols} FROM {self.table} WHERE {self.id_column} = ?", [hit[0]]).fetchone()
        return hit[0], tuple(row) if self.columns else ()

    def fetch_values(self, hits: list[tuple | int | None]) -> None:
        """Read, in one statement, the stored values of those ``hits`` (what :attr:`rows`
        gives for the keys about to be compared) held by their id alone, letting go of those
        read before: a writer calls it for each chunk it compares, so the stored values in
        memory are a chunk's (``values=False``)."""
        ids = [hit for hit in hits if type(hit) is int]
        self._fetched = {}
        if not ids:
            return
        select = f"SELECT {self.id_column}, {', '.join(self.columns) or 'NULL'} FROM {self.table}"
        low, high = min(ids), max(ids)
        if high - low < 2 * len(ids):
            # Ids close together (a re-import walks the rows as the first one stored them): the
            # range read in order, the few others dropped, is twice as fast as looking each up.
            wanted = set(ids)
            read = self.db.execute(f"{select} WHERE {self.id_column} BETWEEN ? AND ?", [low, high])
            self._fetched = {row[0]: row[1:] for row in read if row[0] in wanted}
        else:
            read = self.db.execute(f"{select} WHERE {self.id_column} IN (SELECT value FROM json_each(?))",
                                   [json.dumps(ids)])
            self._fetched = {row[0]: row[1:] for row in read}

    def values_of(self, hit: tuple | int) -> tuple | None:
        """The stored values of ``hit`` (what :attr:`rows` gives for a key) when they are at
        hand: held, or read by :meth:`fetch_values`; None otherwise."""
        if type(hit) is int:
            return self._fetched.get(hit)
        return hit[1] if len(hit) == 2 else None

    def _hit(self, key: tuple) -> tuple | None:
        """What :attr:`rows` holds for ``key``, a stored row held by its id alone as (id,)."""
        hit = self.rows.get(key)
        return (hit,) if type(hit) is int else hit

    def stored_value(self, key: tuple, column: str) -> object:
        """``column`` of the row for ``key`` as stored (or as this batch set it); None without a row."""
        hit = self._hit(key)
        if hit is None:
            return None
        if len(hit) != 2:
            hit = self._stored_again(key, hit)
        return hit[1][self._position[column]]

    def find(self, key: tuple) -> int | None:
        hit = self.rows.get(key)
        return hit if hit is None or type(hit) is int else hit[0]

    def apply(self, key: tuple, values: dict) -> tuple[str, int]:
        """Write ``values`` (only the columns given) for ``key``; returns (outcome, row id)."""
        hit = self._hit(key)
        if hit is None:
            return "added", self._add(key, tuple(values), tuple(values.values()))
        if len(hit) == 2:
            return self.apply_values(key, tuple(values), tuple(values.values()))
        return self._update(key, hit, values)

    def apply_values(self, key: tuple, layout: tuple[str, ...], values: tuple) -> tuple[str, int]:
        """``apply(key, dict(zip(layout, values)))``, without the dict for a new row or an
        unchanged stored one."""
        hit = self._hit(key)
        if hit is None:
            return "added", self._add(key, layout, values)
        stored = hit[1] if len(hit) == 2 else self._fetched.get(hit[0])
        if stored is not None:
            pick = self._picks.get(layout)
            if pick is None:
                pick = self._pick(layout)
            if pick is not False and pick(stored) == values:
                return "unchanged", hit[0]
        return self._update(key, hit, dict(zip(layout, values)))

    def _pick(self, layout: tuple[str, ...]):
        """A function giving the stored values of ``layout``'s columns as a tuple in that order
        (False when one of them is not a stored column). A row whose values equal them is
        unchanged: equal values are the same by :func:`_same` too, and comparing the tuples at
        once spares a call per column (a second import of 165,000 persons: 0.4 s)."""
        position = self._position
        if not layout or any(c not in position for c in layout):
            pick = False
        elif len(layout) == 1:
            at = position[layout[0]]
            pick = lambda stored: (stored[at],)  # noqa: E731 - itemgetter of one gives no tuple
        else:
            pick = operator.itemgetter(*(position[c] for c in layout))
        self._picks[layout] = pick
        return pick

    def add_columns(self, keys: list[list], layout: tuple[str, ...], columns: list[list], *,
                    named: bool = True) -> None:
        """Add a row per position of ``keys`` (the key's columns) and ``columns`` (``layout``'s),
        none of them stored or added before, their ids in that order: ``apply_values`` of each
        new row, a column at a time (a roster's 165,000 new persons one call each: 0.3 s).
        ``named=False``: :meth:`add_unnamed` of each row (the batch names none of them again)."""
        rows = list(zip(*keys))
        if self._next_id is None:  # the key holds the id: one row at a time
            add = self._add if named else self.add_unnamed
            for key, values in zip(rows, zip(*columns)):
                add(key, layout, values)
            return
        pending = self._pending.get(layout)
        if pending is None:
            pending = self._layout(layout)
        first = self._next_id
        self._next_id = first + len(keys[0])
        ids = range(first, self._next_id)
        pending.update(zip(rows, zip(ids, *keys, *columns)))  # the guid is made from the id (_values_sql)
        if named:
            self.rows.update(zip(rows, zip(ids)))

    def _add(self, key: tuple, layout: tuple[str, ...], values: tuple) -> int:
        row_id = self.add_unnamed(key, layout, values)
        # Its values stay in the parameter row (no second tuple per added row: 200,000 spells
        # are 30 MB fewer); a later apply() of the same key reads them back from there.
        self.rows[key] = (row_id,)
        return row_id

    def add_unnamed(self, key: tuple, layout: tuple[str, ...], values: tuple) -> int:
        """Add a new row for ``key`` (``apply_values`` of a key not stored), which the batch
        names no more: it is not remembered (``find``, ``apply`` and ``stored_value`` do not
        see it), so once handed off (:meth:`hand_off`) nothing of it is held. A writer that
        makes its keys unique first (employment: 244,303 new spells) holds no key, id and
        one-tuple per row until the end: 29 MiB off the import's peak. Its row id."""
        pending = self._pending.get(layout)
        if pending is None:
            pending = self._layout(layout)
        if self._next_id is None:
            row_id = key[self.key.index(self.id_column)]
            guid = (f"{self._guid_prefix}{next(self._guids):016x}",) if self._guid_column else ()
            pending[key] = (*guid, *key, *values)
        else:
            row_id = self._next_id
            self._next_id = row_id + 1
            pending[key] = (row_id, *key, *values)  # the guid is made from row_id (_values_sql)
        return row_id

    def updates(self) -> Iterator[tuple[int, dict]]:
        """(row id, column → the value it will be given) of the updates not yet sent (all of
        them until :meth:`flush`: updates are sent there, inserts before)."""
        for columns, rows in self._updates.items():
            width = len(columns)
            for row in rows:
                yield row[-1], dict(zip(columns, row[:width]))

    def _update(self, key: tuple, hit: tuple, values: dict) -> tuple[str, int]:
        if len(hit) != 2:
            hit = self._stored_again(key, hit)
        row_id, stored = hit
        position = self._position
        diff = {c: v for c, v in values.items()
                if not _same(stored[position[c]] if c in position else None, v)}
        if not diff:
            return "unchanged", row_id
        self._updates.setdefault(tuple(diff), []).append((*diff.values(), self._stamp, self.batch_id, row_id))
        fresh = list(stored)
        for c, v in diff.items():
            if c in position:
                fresh[position[c]] = v
        self.rows[key] = (row_id, tuple(fresh))
        return "changed", row_id

    def _values_sql(self, columns: tuple[str, ...], staged: tuple[str, ...] | None = None) -> str:
        """What the insert takes for ``columns``: each column's value, from the staged row or
        (with ``staged``, the parameter row's columns) its parameter; batch_id and the stamps
        as written in the text; a guid made in SQL is the batch's prefix and the id's distance
        from the first id in 16 hex digits, the same text :meth:`_add` makes otherwise."""
        value = {c: f"?{n}" for n, c in enumerate(staged, 1)} if staged is not None else {}
        value.update(self._extra)
        if self._guid_in_sql:
            value["guid"] = f"'{self._guid_prefix}' || printf('%016x', " \
                            f"{value.get(self.id_column, self.id_column)} - {int(self._first_id)})"
        return ", ".join(value.get(c, c) for c in columns)

    def _staged_columns(self, columns: tuple[str, ...]) -> tuple[str, ...]:
        """The columns of a parameter row (the insert's, less a guid made in SQL, batch_id
        and the stamps)."""
        return tuple(c for c in columns if not (self._guid_in_sql and c == "guid") and c not in self._extra)

    @property
    def pending(self) -> int:
        """New rows collected and not sent yet."""
        return sum(map(len, self._pending.values()))

    def send(self) -> None:
        """Insert the new rows collected so far, now, on this thread (see :meth:`hand_off`)."""
        job = self.hand_off(self.db.conn)
        if job is not None:
            job(self.db.conn)

    def hand_off(self, conn) -> Callable[[sqlite3.Connection], None] | None:
        """The new rows collected so far, taken out of the upserter and staged on ``conn`` (on
        this thread), and a job that moves them into the table (on whichever thread then holds
        the connection: ``importing.sender``), before the import ends (inside its
        transaction); None without new rows. The job is a few long statements in SQLite alone:
        binding the rows one by one is done here, not on the sender's thread, which would take
        the GIL back and forth row by row with this one.

        A row handed off is remembered by its id only, its values read back in the rare case
        the batch names its key again (a read that waits for the job). A 150,000-person
        roster no longer holds every person's row until the end (the writer's memory grows by
        a chunk, not by the file)."""
        if not self._pending:
            return None
        pending, self._pending = self._pending, {}
        drop, self._empty = self._empty, False  # an import sending before its end is large
        staged = [self._stage(conn, self._insert_columns[layout], list(params.values()))
                  for layout, params in pending.items()]
        return functools.partial(self._send_now, staged, drop)

    def flush(self) -> None:
        """Send the collected inserts, then the updates (inside the caller's transaction)."""
        conn = self.db.conn
        pending, self._pending = self._pending, {}
        drop = self._empty and sum(map(len, pending.values())) >= BULK_INDEX_ROWS
        if pending:
            self._empty = False
        self._send_now([(self._insert_columns[layout], list(params.values())) for layout, params in pending.items()],
                       drop, conn)
        # The indexes only the window reads, and the spells' dates, are left for later
        # (store.owed_indexes): a roster's import no longer builds seven of the persons' eight
        # (0.68 s of 7.2 s at 50,000 households), the spells' import two of its three (0.57 s).
        owed = [(name, sql) for name, sql in self._dropped if name in LEFT_TO_LATER]
        for name, sql in self._dropped:
            if name not in LEFT_TO_LATER:
                conn.execute(sql)
        if owed:
            defer(conn, owed)
        self._dropped = []
        for cols, params in self._updates.items():
            self._update_rows(conn, cols, params)
        self._updates.clear()

    def _update_rows(self, conn, cols: tuple[str, ...], params: list[tuple]) -> None:
        """Set ``cols`` (then updated_at and batch_id) of the rows whose id ends each parameter
        row. Many rows go a chunk at a time through a TEMP table, one ``UPDATE … FROM`` per
        chunk: sent one by one, every row was its own statement with its own statement journal
        (the tables' triggers), 8,273 changed persons 0.23 s CPU, 0.16 s staged. The rows are
        updated in the same order, through the same triggers. A few rows, or a row named twice
        (which of the two a join would take is not defined), go one by one."""
        if len(params) < STAGE_ROWS or len({p[-1] for p in params}) < len(params):
            sets = ", ".join(f"{c} = ?" for c in cols)
            sql = f"UPDATE {self.table} SET {sets}, updated_at = ?, batch_id = ? WHERE {self.id_column} = ?"
            for i in range(0, len(params), CHUNK):
                conn.executemany(sql, params[i:i + CHUNK])
            return
        name, width = f"{STAGE}_{self.table}_update", len(cols) + 3
        sets = ", ".join(f"{c} = u.c{n}" for n, c in enumerate((*cols, "updated_at", "batch_id")))
        conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        conn.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'c{n}' for n in range(width))})")
        _through_stage(conn, name, width, params, f"UPDATE {self.table} SET {sets} FROM temp.{name} AS u "
                                                   f"WHERE {self.table}.{self.id_column} = u.c{width - 1}")

    def _on_foreign_key(self, conn, index: str) -> bool:
        """Whether ``index`` leads with a column of one of the table's foreign keys."""
        keys = {r[3] for r in conn.execute(f'PRAGMA foreign_key_list("{self.table}")')}
        first = conn.execute(f'PRAGMA index_info("{index}")').fetchone()
        return first is not None and first[2] in keys

    def _send_now(self, staged: list[tuple[tuple[str, ...], list[tuple] | str]], drop: bool, conn) -> None:
        """Insert what :meth:`_stage` staged, in order, on ``conn``; ``drop``: first drop the
        table's indexes, built again at the end (:meth:`flush`; some left owed). From
        :data:`SET_BASED_MARK_ROWS` new rows with ids given here (so above every stored one),
        the table's insert triggers mark them all at once afterwards (``store.row_marks``).

        Filling an empty table (the first import of a county): its secondary indexes are built
        once afterwards, sorted, instead of row by row — the same indexes (those left for later
        once they are built, ``store.owed_indexes``); 165,000 persons and
        240,000 spells were written 15–25 % faster. Decided when the first rows go: an import
        sending rows before its end is that large. An index on a foreign-key column stays:
        other tables' triggers find rows by it while this one fills (a household's new 户类型
        history marks its persons: without idx_persons_household every household sent after
        the first persons scanned them all)."""
        if drop:
            self._dropped = [(name, sql) for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                [self.table]).fetchall() if not self._on_foreign_key(conn, name)]
            for name, _ in self._dropped:
                conn.execute(f'DROP INDEX "{name}"')  # inside the import's transaction: all or nothing
        # A staged TEMP table holds STAGE_ROWS rows at least.
        rows = sum(STAGE_ROWS if isinstance(params, str) else len(params) for _columns, params in staged)
        set_based = rows >= SET_BASED_MARK_ROWS and self._next_id is not None
        with marked_afterwards(conn, self.table) if set_based else contextlib.nullcontext():
            for columns, params in staged:
                if isinstance(params, str):
                    conn.execute(self._move_sql(columns, params))
                    conn.execute(f"DROP TABLE temp.{params}")
                else:
                    self._insert(conn, columns, params)

    def _stage_table(self, conn, columns: tuple[str, ...]) -> str:
        """A new, empty TEMP table for parameter rows of the insert's ``columns``: its name,
        the same for the same columns (one statement text, prepared once)."""
        name = self._stage_names.get(columns)
        if name is None:
            name = self._stage_names[columns] = f"{STAGE}_{self.table}_{len(self._stage_names)}"
        conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        conn.execute(f"CREATE TEMP TABLE {name} ({', '.join(self._staged_columns(columns))})")
        return name

    def _stage(self, conn, columns: tuple[str, ...], params: list[tuple]) -> tuple[tuple[str, ...], list[tuple] | str]:
        """(``columns``, the TEMP table now holding ``params``), or (``columns``, ``params``)
        for a few rows, which go straight in (the TEMP table would cost more)."""
        if len(params) < STAGE_ROWS:
            return columns, params
        name = self._stage_table(conn, columns)
        width = len(self._staged_columns(columns))
        for i in range(0, len(params), CHUNK):
            insert_grouped(conn, f"temp.{name}", width, params[i:i + CHUNK])
        return columns, name

    def _move_sql(self, columns: tuple[str, ...], name: str) -> str:
        return (f"INSERT INTO {self.table} ({', '.join(columns)}) "
                f"SELECT {self._values_sql(columns)} FROM temp.{name} ORDER BY rowid")

    def _insert(self, conn, columns: tuple[str, ...], params: list[tuple]) -> None:
        """Insert ``params`` (rows of :meth:`_staged_columns`) into the table. Many rows go a
        chunk at a time through a TEMP table without indexes, triggers or constraints, one
        ``INSERT … SELECT`` per chunk: sent straight to the table, every row was its own
        statement, and with the table's triggers (the status store's marks, the 户类型 history)
        each one opened a statement journal; 150,000 persons took 3.0 s CPU to insert that
        way, 1.5 s staged. The rows go in in the same order, through the same triggers and
        column affinities. A few rows go straight in (the TEMP table would cost more)."""
        staged = self._staged_columns(columns)
        if len(params) < STAGE_ROWS:
            sql = f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES ({self._values_sql(columns, staged)})"
            conn.executemany(sql, params)
            return
        name = self._stage_table(conn, columns)
        _through_stage(conn, name, len(staged), params, self._move_sql(columns, name))


def _through_stage(conn, name: str, width: int, params: list[tuple], statement: str) -> None:
    """``params`` a chunk at a time into the empty TEMP table ``name`` (``width`` columns),
    ``statement`` run on each chunk (it reads the table), the table dropped in the end."""
    try:
        for i in range(0, len(params), CHUNK):
            insert_grouped(conn, f"temp.{name}", width, params[i:i + CHUNK])
            conn.execute(statement)
            conn.execute(f"DELETE FROM temp.{name}")
    finally:
        conn.execute(f"DROP TABLE IF EXISTS temp.{name}")


def insert_grouped(conn, into: str, width: int, rows: list[tuple]) -> None:
    """``rows`` (``width`` values each) inserted ``into`` a table (its name, and the columns
    they fill if not all), in order: STAGE_GROUP rows (fewer when wide) per INSERT statement,
    their values made into one parameter list a statement at a time; the rest one per
    statement. Each statement run costs about as much as binding its row: 165,000 persons
    staged row by row took 0.29 s, 64 at a time 0.23 s."""
    row = f"({', '.join('?' * width)})"
    group = max(1, min(STAGE_GROUP, 999 // max(width, 1)))
    whole = len(rows) - len(rows) % group
    if whole:
        sql = f"INSERT INTO {into} VALUES {', '.join([row] * group)}"
        chain = itertools.chain.from_iterable
        conn.executemany(sql, (list(chain(rows[i:i + group])) for i in range(0, whole, group)))
    if whole < len(rows):
        conn.executemany(f"INSERT INTO {into} VALUES {row}", rows[whole:])
