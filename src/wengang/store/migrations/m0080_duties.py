"""Migration 0080: the caseworker's duties (issue 16) — spot-check samples, relocation sites'
job supply, 培训需求.

- ``spot_check_samples`` / ``spot_check_sample_persons``: a drawn telephone spot-check sample
  (seed, date, how many per township, exclusions) and who is in it, with the unit that calls
  them (交叉核查) and each row's number on the call sheet, so a filled sheet imports back.
- ``site_jobs``: the job-supply list of a relocation site (seed 003 §三: posts offered to the
  people of a site).
- ``persons.training_need``: 培训需求 (seed 003 §二: 对有培训意愿的搬迁群众 …), the trade wanted;
  ``services.days``: a training course's days (the training subsidy is per day).
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE TABLE spot_check_samples (
    id INTEGER PRIMARY KEY,
    drawn_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    as_of TEXT NOT NULL,
    seed INTEGER NOT NULL,
    per_township INTEGER NOT NULL,
    exclude_months INTEGER NOT NULL DEFAULT 0,
    cross_check INTEGER NOT NULL DEFAULT 0,
    note TEXT
);

CREATE TABLE spot_check_sample_persons (
    sample_id INTEGER NOT NULL REFERENCES spot_check_samples(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,                -- 抽查编号 on the call sheet: <sample>-<seq>
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    township TEXT,
    stratum TEXT,                        -- 就业地域 of the spell the call checks
    checker_unit TEXT,                   -- 核查单位 (another township/county when cross-checked)
    spell_id INTEGER REFERENCES employment_spells(id) ON DELETE SET NULL,
    PRIMARY KEY (sample_id, seq),
    UNIQUE (sample_id, person_id)
);

CREATE TABLE site_jobs (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES relocation_sites(id) ON DELETE CASCADE,
    employer TEXT NOT NULL,
    post TEXT NOT NULL,
    openings INTEGER,
    pay TEXT,
    offered_date TEXT NOT NULL,
    contact TEXT,
    guid TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(16)))),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime'))
);
CREATE INDEX idx_site_jobs_site ON site_jobs(site_id);

ALTER TABLE persons ADD COLUMN training_need TEXT;

-- 培训天数 of a 免费培训 (seed 003: training subsidy 150 元 a day, at most 1,000 元 a course)
ALTER TABLE services ADD COLUMN days INTEGER;
"""


@migrations(name="0080_duties")
def m0080_duties(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
