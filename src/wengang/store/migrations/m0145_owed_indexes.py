"""Migration 0145: indexes an import left to be built after it (``owed_indexes``).

A first import into an empty table builds its indexes once, at its end. Those that only the
window reads (``store.owed_indexes.WINDOW_ONLY``) are left out of the import and recorded here,
in its transaction, with the statement that builds each; the window builds them on its
background thread and deletes the row in the same transaction. A row here means the index is
absent: every query still answers, the window's sorted pages more slowly.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE TABLE owed_indexes (
    name TEXT PRIMARY KEY,
    sql TEXT NOT NULL                  -- the CREATE INDEX statement, as sqlite_master held it
);
"""


@migrations(name="0145_owed_indexes")
def m0145_owed_indexes(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
