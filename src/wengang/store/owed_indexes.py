"""Indexes an import leaves for later: those only the window reads (issue 20).

A first import into an empty table drops the table's secondary indexes and builds them once
at its end, sorted (``services.importing.upsert``). Seven of the persons' eight serve the
window alone: its sorted pages of 人员 (姓名, 拼音首字母, 联系电话, 性别, 与户主关系, 劳动技能,
年龄; migration 0100) and its search. Forms, ledgers, rules, exchange and the import's own
look-ups need none of them. Building them was 0.68 s of a 50,000-household roster's import
and 3.7–5.6 s at 200,000, paid by every first import before a report could run. The import
now records them here, in its transaction (:func:`defer`), and the window builds them on its
background thread when it opens and after an import (:func:`build_owed`), long before a
caseworker sorts by them. A sort asked meanwhile is answered without the index: the same
order, found more slowly.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

WINDOW_ONLY = frozenset({
    "idx_persons_name", "idx_persons_pinyin", "idx_persons_phone",  # the search, and their sorted pages
    "idx_persons_gender", "idx_persons_relation", "idx_persons_labour_skill", "idx_persons_age",  # sorted pages
})
"""The indexes that only the window reads: an import may leave them owed."""


def defer(conn, indexes: Iterable[tuple[str, str]]) -> None:
    """Record ``indexes`` ((name, CREATE INDEX statement) of dropped indexes) as owed, inside the
    caller's transaction: the import that dropped them leaves them to :func:`build_owed`."""
    conn.executemany("INSERT OR REPLACE INTO owed_indexes(name, sql) VALUES (?, ?)", indexes)


def owed(db: sqlite_utils.Database) -> list[str]:
    """The names of the indexes an import left to be built."""
    return [name for (name,) in db.execute("SELECT name FROM owed_indexes ORDER BY name")]


def build_owed(db: sqlite_utils.Database) -> list[str]:
    """Build every owed index and forget it, in one transaction: the names built. Nothing to
    do costs one look at an empty table; an index that exists already (built by hand, or by a
    migration meanwhile) is only forgotten."""
    if not owed(db):
        return []
    with db.atomic():
        rows = db.execute("SELECT name, sql FROM owed_indexes ORDER BY name").fetchall()
        for name, sql in rows:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name]).fetchone():
                db.execute(sql)
        db.execute("DELETE FROM owed_indexes")
    return [name for name, _ in rows]
