"""Migration 0040: audit trail, recycle bin, archive of submitted reports, locked months.

The audit *triggers* are not stored here: :mod:`wengang.store.audit` generates them as TEMP
triggers on every connection from the live schema, so tables and columns added by later
migrations are audited without another migration.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    user TEXT,
    table_name TEXT NOT NULL,
    row_id INTEGER,
    guid TEXT,
    action TEXT NOT NULL CHECK (action IN ('insert','update','delete')),
    old_json TEXT,
    new_json TEXT,
    reason TEXT,
    batch_id INTEGER,
    person_id INTEGER,          -- whose 修改记录 this belongs to (NULL for non-person rows)
    flag TEXT                   -- e.g. '已报送月份 2026-03' when a locked month was touched
);
-- Only the indexes the 修改记录 and undo need: every index slows every audited write (an
-- import of 25k rows: +1 s with two, +1.5 s with four). By batch or date is a rare full scan.
CREATE INDEX idx_audit_row ON audit_log(table_name, row_id);
CREATE INDEX idx_audit_person ON audit_log(person_id);

-- 回收站: a deleted row and its dependants as JSON, restorable until purged.
CREATE TABLE trash (
    id INTEGER PRIMARY KEY,
    deleted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    user TEXT,
    table_name TEXT NOT NULL,
    row_id INTEGER,
    guid TEXT,
    label TEXT,
    payload_json TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX idx_trash_guid ON trash(guid);

-- 已报送报表: what was reported, exactly as it was reported.
CREATE TABLE report_archive (
    id INTEGER PRIMARY KEY,
    form_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    params_json TEXT,
    result_json TEXT NOT NULL,
    file_name TEXT,
    file_blob BLOB,
    submitted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    user TEXT,
    locked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_archive_form ON report_archive(form_id, as_of);

-- 已锁定月份 (DHIS2's approval lock): later changes need a reason and are flagged.
CREATE TABLE locked_periods (
    period TEXT PRIMARY KEY,    -- YYYY-MM
    period_end TEXT NOT NULL,   -- last day of the month, ISO
    locked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    user TEXT
);
"""


@migrations(name="0040_reliability")
def m0040_reliability(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
