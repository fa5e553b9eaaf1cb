"""Migration 0070: a city's counties and the form submissions it received from them.

A city installation keeps no person-level data: only the counties it consolidates
(``city_counties``) and, per county, form and reporting date, the latest submitted
aggregates (``city_submissions``, the form as JSON) with what it replaced
(``city_submission_log``).
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE TABLE city_counties (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime'))
);
CREATE TABLE city_submissions (
    id INTEGER PRIMARY KEY,
    county TEXT NOT NULL,
    form_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    period_from TEXT,
    ref_date TEXT,
    result_json TEXT NOT NULL,      -- the county's form by township (services.archive JSON)
    dropped_json TEXT,              -- townships the form leaves out (F1: no 上年 employment)
    package_id TEXT NOT NULL,       -- the package it came in (SHA-256 of the signed payload)
    sender_key TEXT,                -- fingerprint of the county's signing key
    submitted_at TEXT,              -- when the county made the package
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    UNIQUE (county, form_id, as_of)
);
CREATE TABLE city_submission_log (
    id INTEGER PRIMARY KEY,
    county TEXT NOT NULL,
    form_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    package_id TEXT NOT NULL,
    action TEXT NOT NULL,           -- 'received' or 'replaced'
    changes_json TEXT,              -- the cells that changed from the replaced submission
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime'))
);
"""


@migrations(name="0070_city")
def m0070_city(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
