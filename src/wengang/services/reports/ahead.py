"""Counts a batch of forms will ask for, begun on a second connection (issue 20).

``wengang report all`` and the 报表 tab's 全部导出 compute the forms one after another on one
connection, and the first count of each group table a form reads takes one core: at 200,000
households F3's spells 0.6 s, F4's services 0.2 and subsidies 0.3, F5's household groups
0.8. Once the person cube is counted (in halves, on both cores), the counts after the first
(:func:`begin`, from ``engine.count_ahead``) are made one after another on a second,
read-only connection (``store.halves.read_aside``) while this one computes the forms up to
them and counts the first itself; each form takes its table's rows (:func:`take`) when it
comes to them, waiting if they are still being counted — and while it waits this connection
counts the next table not begun there yet itself, so the two share what is left (a county's
first ``report all`` at 200,000 households: 4.63 → 4.13 s fastest of four). Rows counted there are taken only
if no other connection committed since (else counted here again, as before); a batch's end
or a cancel stops what is left (:func:`stop`).
"""

from __future__ import annotations

from collections.abc import Hashable

import sqlite_utils

from wengang.store.halves import Read, read_aside

_ATTR = "_wengang_counted_ahead"  # the connection's attribute: its Asides (store.halves), newest last


def _asides(db: sqlite_utils.Database) -> list:
    return getattr(db, _ATTR, [])


def begin(db: sqlite_utils.Database, status: str, reads: list[tuple[Hashable, Read]]) -> None:
    """Begin ``reads`` ((key, read), in the order they will be taken) beside this connection,
    with the stored statuses ``status`` there too; nothing where a second connection would
    not read what this one reads (then each is counted here as it comes)."""
    aside = read_aside(db, status, reads)
    if aside is not None:
        setattr(db, _ATTR, [*_asides(db), aside])


def pending(db: sqlite_utils.Database, key: Hashable) -> bool:
    """Whether ``key`` is being counted beside, or waits there to be taken."""
    return any(aside.has(key) for aside in _asides(db))


def take(db: sqlite_utils.Database, key: Hashable) -> tuple[bool, object]:
    """(True, the value) counted beside for ``key`` (waiting for it), or (False, None) where
    none was begun, it failed, or another connection committed since it began."""
    for aside in _asides(db):
        if aside.has(key):
            return aside.value(key)
    return False, None


def stop(db: sqlite_utils.Database) -> None:
    """Stop what :func:`begin` began and forget it: the batch ended or was cancelled."""
    for aside in _asides(db):
        aside.stop()
    setattr(db, _ATTR, [])
