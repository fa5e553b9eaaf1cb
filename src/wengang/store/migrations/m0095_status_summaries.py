"""Migration 0095: summaries of the stored statuses (issue 20) — the report cube per date.

``status_store_summaries`` keeps, per stored date ``day`` and ``kind`` (the report engine's
person cube, its per-household F5 cohorts), a small table derived from that date's rows in
``status_store`` only, as JSON (``columns``: the names; ``rows``: the rows). ``definition``
hashes the SQL that derived it (another program's summary is derived again). Whenever a date's
statuses change (marked persons refreshed, the date rebuilt, evicted or the store emptied)
``store/status_store.py`` deletes that date's summaries in the same transaction, so a summary
present is always one of the statuses stored beside it. Derived data: no guid, never audited.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE TABLE status_store_summaries (
    day INTEGER NOT NULL,              -- the as-of date D as YYYYMMDD (a day of status_store)
    kind TEXT NOT NULL,                -- what it summarises, e.g. report_cube
    definition TEXT NOT NULL,          -- hash of the SQL that derived it
    columns TEXT NOT NULL,             -- JSON list of column names
    rows TEXT NOT NULL,                -- JSON list of rows
    PRIMARY KEY (day, kind)
) WITHOUT ROWID;
"""


@migrations(name="0095_status_summaries")
def m0095_status_summaries(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
