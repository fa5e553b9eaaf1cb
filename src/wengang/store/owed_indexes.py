"""Indexes an import leaves for later: those only the window reads, and the spells' dates (issue 20).

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

The spells' two date indexes (:data:`SPELL_DATES`) are left too. One reader wants them: a
date built from a stored neighbour finds the persons whose spells start or end between the two
dates (``store.status_store``), a range of each instead of a scan of every spell (at 200,000
households 0.02 s against 0.22–0.33 s warm, and the whole table read from disk cold). The
forms, lists and rules answer as fast without them (at 50,000 households ``report all``, the
six lists, ``quality``: the same times; no list of the window is sorted by a spell's date), and
right after an import no date has such a neighbour: every person is marked, dates are derived
whole. Building them was 0.57 s of a 50,000-household employment import, 1.56 s at 200,000.
The window builds them with the others; ``wengang import``, which has no idle time after it,
builds them at once after its commit (:func:`build_owed` with ``keep``), so a county kept
from the command line alone never goes without them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import sqlite_utils

WINDOW_ONLY = frozenset({
    "idx_persons_name", "idx_persons_pinyin", "idx_persons_phone",  # the search, and their sorted pages
    "idx_persons_gender", "idx_persons_relation", "idx_persons_labour_skill", "idx_persons_age",  # sorted pages
})
"""The indexes that only the window reads: an import may leave them owed."""

SPELL_DATES = frozenset({"idx_spells_start", "idx_spells_end"})  # a new date's changed persons
"""The spells' date indexes: read by a date built from a neighbour alone (see above)."""

LEFT_TO_LATER = WINDOW_ONLY | SPELL_DATES
"""What a first import into an empty table leaves owed instead of building it at its end."""


def defer(conn, indexes: Iterable[tuple[str, str]]) -> None:
    """Record ``indexes`` ((name, CREATE INDEX statement) of dropped indexes) as owed, inside the
    caller's transaction: the import that dropped them leaves them to :func:`build_owed`."""
    conn.executemany("INSERT OR REPLACE INTO owed_indexes(name, sql) VALUES (?, ?)", indexes)


def owed(db: sqlite_utils.Database) -> list[str]:
    """The names of the indexes an import left to be built."""
    return [name for (name,) in db.execute("SELECT name FROM owed_indexes ORDER BY name")]


def build_owed(db: sqlite_utils.Database, *, keep: Collection[str] = ()) -> list[str]:
    """Build every owed index but those named in ``keep`` and forget it, in one transaction: the
    names built. Nothing to do costs one look at a small table; an index that exists already
    (built by hand, or by a migration meanwhile) is only forgotten."""
    if not set(owed(db)) - set(keep):
        return []
    with db.atomic():
        rows = [(name, sql) for name, sql in db.execute("SELECT name, sql FROM owed_indexes ORDER BY name")
                if name not in keep]
        for name, sql in rows:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name]).fetchone():
                db.execute(sql)
        db.conn.executemany("DELETE FROM owed_indexes WHERE name = ?", [(name,) for name, _ in rows])
    return [name for name, _ in rows]
