"""Migration 0110: the status store's rows made compact (issue 20).

Migration 0090 stored each person's statuses at a date as ``status_table`` gives them: 就业地域,
就业渠道 and 户类型 as Chinese text (9–21 bytes each, seven times a row), the latest survey's
date, planned month, reason and measure and the return's date and reason copied from their
rows — 20.5 MiB per stored date at 50,000 households (165,479 persons), 85 MiB at 200,000,
three dates kept and carried by every backup. Here:

- the code fields hold their place in the registry's code list (``resources/model/fields.json``
  → ``codes.json``): 0 and 1 take no bytes in a SQLite record, the others one; a value outside
  the list (written by hand, free text) is kept as the text itself, so nothing is lost;
- the survey's and the return's particulars are not copied: ``survey_id`` and
  ``return_spell_id`` name the rows they come from, and reading looks them up by id;
- a date built from a stored neighbour of the same year (``status_store_dates.base``) holds
  rows only for the persons whose statuses differ between the two; reading takes the base's
  row for everyone else.

``store/status_store.py`` encodes when it stores and decodes in the one view every reader
uses (its ``STORED``/``decoded_select``). The rows are derived data: the stored dates, their
summaries and the rows those summaries counted go with the old table and are derived again
when asked for.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
DROP TABLE status_store;
DELETE FROM status_store_dates;
-- A date built from a stored neighbour keeps rows only for the persons whose statuses differ;
-- everyone else's row is its base's (NULL: every person's row is the date's own).
ALTER TABLE status_store_dates ADD COLUMN base INTEGER;
DELETE FROM status_store_summaries;
DELETE FROM status_store_replaced;

CREATE TABLE status_store (
    day INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    is_labour,
    employed_last_year, last_year_region, last_year_channel, last_year_org_id,
    employed_this_year, this_year_region, this_year_channel, this_year_org_id,
    employed_now, now_region, now_channel, now_org_id, now_spell_id,
    returned, replaced, replaced_date,
    household_id, area_id, site_id, hh_type, relocated,
    survey_id, willing,
    last_year_spell_id, this_year_spell_id, return_spell_id,
    PRIMARY KEY (day, person_id)
) WITHOUT ROWID;
"""


@migrations(name="0110_compact_status_store")
def m0110_compact_status_store(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
