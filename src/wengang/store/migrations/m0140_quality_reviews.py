"""Migration 0140: a data-quality finding checked by hand and its 核实情况 (``quality_reviews``).

The 数据质量 panel listed every finding as 待处理 until the data changed: a child with no
phone, a spell of 2019 without its employer, an income of 800 yuan that is right. Nothing a
caseworker did could take them off. A review records, for a finding's identity (its rule,
person, household, field and message), that it was checked and what was found; the rules,
re-run after every change, keep it 已处理 while they find the same thing, and a finding that
changes (another message) is 待处理 again. Reviews carry a guid, so the audit trail records
who reviewed what and who took a review back (``store.audit``). ``quality_findings.review_id``
names the review that closed a finding.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE TABLE quality_reviews (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    person_id INTEGER REFERENCES persons(id) ON DELETE CASCADE,
    household_id INTEGER REFERENCES households(id) ON DELETE CASCADE,
    field TEXT,
    message TEXT NOT NULL,
    note TEXT NOT NULL,                -- 核实情况, in the caseworker's words
    reviewed_by TEXT,
    reviewed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    guid TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(16)))),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime'))
);
-- one review per finding identity; the findings are matched to it by these expressions
CREATE UNIQUE INDEX idx_quality_reviews_identity ON quality_reviews(
    rule, coalesce(person_id, 0), coalesce(household_id, 0), coalesce(field, ''), message);
CREATE INDEX idx_quality_reviews_person ON quality_reviews(person_id);
CREATE INDEX idx_quality_reviews_household ON quality_reviews(household_id);
ALTER TABLE quality_findings ADD COLUMN review_id INTEGER REFERENCES quality_reviews(id) ON DELETE SET NULL;
CREATE INDEX idx_findings_review ON quality_findings(review_id) WHERE review_id IS NOT NULL;
"""


@migrations(name="0140_quality_reviews")
def m0140_quality_reviews(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
