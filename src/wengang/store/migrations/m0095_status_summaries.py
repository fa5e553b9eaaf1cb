"""Migration 0095: summaries of the stored statuses (issue 20) — the report cube per date.

``status_store_summaries`` keeps, per stored date ``day`` and ``kind`` (the report engine's
person cube, its per-household F5 cohorts), a small table derived from that date's rows in
``status_store`` only, as JSON (``columns``: the names; ``rows``: the rows). ``definition``
hashes the SQL that derived it (another program's summary is derived again). Whenever a date's
statuses change (marked persons refreshed, the date rebuilt, evicted or the store emptied)
``store/status_store.py`` deletes that date's summaries in the same transaction, so a summary
present is always one of the statuses stored beside it — or, when a few marked persons' rows
were replaced, ``status_store_replaced`` holds their rows as that summary counted them (per
kind; ``existed`` 0 for a person added since), so the next reader corrects the summary by
those persons alone (their groups recounted) instead of counting everyone again. Derived
data: no guid, never audited.
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

CREATE TABLE status_store_replaced (
    day INTEGER NOT NULL,
    kind TEXT NOT NULL,                -- the summary that counted this row
    person_id INTEGER NOT NULL,
    existed INTEGER NOT NULL,          -- 0: no row then (a person added since)
    is_labour,
    employed_last_year, last_year_region, last_year_channel, last_year_org_id,
    employed_this_year, this_year_region, this_year_channel, this_year_org_id,
    employed_now, now_region, now_channel, now_org_id, now_spell_id,
    returned, return_date, return_reason, replaced, replaced_date,
    household_id, area_id, site_id, hh_type, relocated,
    survey_date, willing, planned_month, survey_reason, survey_measure,
    last_year_spell_id, this_year_spell_id, return_spell_id,
    PRIMARY KEY (day, kind, person_id)
) WITHOUT ROWID;
"""


@migrations(name="0095_status_summaries")
def m0095_status_summaries(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
