"""Migration 0045: the import batch that created an area.

An import that names a township or village not yet known creates it. Undoing that import
removes the areas it created (those nothing else uses by then): ``areas.batch_id`` says which.
Areas created before this migration, or by hand, have none.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
ALTER TABLE areas ADD COLUMN batch_id INTEGER;
"""


@migrations(name="0045_area_batches")
def m0045_area_batches(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
