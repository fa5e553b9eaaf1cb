"""Keyed insert-or-update with change detection, for one table, in memory.

The writers preload a table's rows keyed by the natural key (one query), compare each
incoming row with what is stored, and write only what differs — that is what makes a second
import of the same file change nothing, and what lets a dry run count added/changed/unchanged.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils


def _same(old: object, new: object) -> bool:
    if old == new:
        return True
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return abs(float(old) - float(new)) < 1e-9
    return False


def now_stamp() -> str:
    return dt.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


class Upserter:
    """Insert-or-update rows of ``table`` identified by ``key`` columns."""

    def __init__(self, db: sqlite_utils.Database, table: str, key: tuple[str, ...],
                 columns: tuple[str, ...], batch_id: int | None, where: str = "", id_column: str = "id"):
        self.db, self.table, self.key, self.batch_id = db, table, key, batch_id
        self.id_column = id_column
        self.columns = tuple(c for c in columns if c not in key)
        cols = ", ".join((id_column, *key, *self.columns))
        self.rows: dict[tuple, tuple[int, dict]] = {}
        for row in db.execute(f"SELECT {cols} FROM {table} {where}"):
            k = tuple(row[1:1 + len(key)])
            self.rows[k] = (row[0], dict(zip(self.columns, row[1 + len(key):])))
        self._stamp = now_stamp()

    def find(self, key: tuple) -> int | None:
        hit = self.rows.get(key)
        return hit[0] if hit else None

    def apply(self, key: tuple, values: dict) -> tuple[str, int]:
        """Write ``values`` (only the columns given) for ``key``; returns (outcome, row id)."""
        hit = self.rows.get(key)
        if hit is None:
            cols = (*self.key, *values, "batch_id")
            params = (*key, *values.values(), self.batch_id)
            cursor = self.db.execute(
                f"INSERT INTO {self.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", params)
            row_id = key[0] if self.id_column in self.key else cursor.lastrowid
            self.rows[key] = (row_id, {c: values.get(c) for c in self.columns})
            return "added", row_id
        row_id, stored = hit
        diff = {c: v for c, v in values.items() if not _same(stored.get(c), v)}
        if not diff:
            return "unchanged", row_id
        sets = ", ".join(f"{c} = ?" for c in diff)
        self.db.execute(f"UPDATE {self.table} SET {sets}, updated_at = ?, batch_id = ? WHERE {self.id_column} = ?",
                        (*diff.values(), self._stamp, self.batch_id, row_id))
        stored.update(diff)
        return "changed", row_id
