"""A city installation's own tables: its counties and the form submissions received from them.

Also the installation *level* (setting ``level``: ``county`` by default, ``city`` or
``township``), which decides what the window and the commands offer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from wengang.store.db import get_setting, set_setting

LEVEL_SETTING = "level"
TOWNSHIP_SETTING = "exchange_township"   # a township installation's own 乡镇, from the county's package
COUNTY_SETTING = "exchange_county"       # and its county
INSTALLATION_LEVELS = ("city", "county", "township")
LEVEL_NAMES = {"city": "市（州）", "county": "县（市、区）", "township": "乡镇（街道）"}


def installation_level(db: sqlite_utils.Database) -> str:
    """``city``, ``county`` (the default: every database made before levels existed) or ``township``."""
    level = get_setting(db, LEVEL_SETTING)
    return level if level in INSTALLATION_LEVELS else "county"


def set_installation_level(db: sqlite_utils.Database, level: str) -> None:
    if level not in INSTALLATION_LEVELS:
        raise ValueError(f"安装级别只能是 {'、'.join(INSTALLATION_LEVELS)}，不能是“{level}”")
    set_setting(db, LEVEL_SETTING, level)


def own_township(db: sqlite_utils.Database) -> str | None:
    """A township installation's own 乡镇 (None at a county or city, or before its first package)."""
    return (get_setting(db, TOWNSHIP_SETTING) or None) if installation_level(db) == "township" else None


def is_city(db: sqlite_utils.Database) -> bool:
    return installation_level(db) == "city"


# --- counties -------------------------------------------------------------------------------
def counties(db: sqlite_utils.Database) -> list[str]:
    """The city's counties in the order they were added (the order of the city's tables)."""
    return [r[0] for r in db.execute("SELECT name FROM city_counties ORDER BY sort_order, id")]


def add_counties(db: sqlite_utils.Database, names: list[str]) -> list[str]:
    """Add counties (in order); returns the ones that were new."""
    known = set(counties(db))
    added = []
    with db.atomic():
        start = db.execute("SELECT COALESCE(MAX(sort_order), 0) FROM city_counties").fetchone()[0]
        for name in names:
            if name in known or name in added:
                continue
            added.append(name)
            db.execute("INSERT INTO city_counties(name, sort_order) VALUES (?, ?)", [name, start + len(added)])
    return added


def remove_county(db: sqlite_utils.Database, name: str) -> bool:
    """Forget a county (its submissions stay until it is added again or they are replaced)."""
    with db.atomic():
        return db.execute("DELETE FROM city_counties WHERE name = ?", [name]).rowcount > 0


# --- submissions ------------------------------------------------------------------------------
@dataclass
class StoredSubmission:
    county: str
    form_id: str
    as_of: str
    period_from: str | None
    ref_date: str | None
    result_json: str
    dropped: list[str]
    package_id: str
    sender_key: str | None
    submitted_at: str | None
    received_at: str


_COLUMNS = ("county, form_id, as_of, period_from, ref_date, result_json, dropped_json, package_id, "
            "sender_key, submitted_at, received_at")


def _stored(row) -> StoredSubmission:
    values = list(row)
    values[6] = json.loads(values[6] or "[]")
    return StoredSubmission(*values)


def stored_submission(db: sqlite_utils.Database, county: str, form_id: str, as_of: str) -> StoredSubmission | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM city_submissions WHERE county = ? AND form_id = ? AND as_of = ?",
                     [county, form_id, as_of]).fetchone()
    return _stored(row) if row else None


def stored_submissions(db: sqlite_utils.Database, form_id: str | None = None,
                       as_of: str | None = None) -> list[StoredSubmission]:
    where, params = [], []
    if form_id:
        where.append("form_id = ?")
        params.append(form_id)
    if as_of:
        where.append("as_of = ?")
        params.append(as_of)
    sql = f"SELECT {_COLUMNS} FROM city_submissions" + (" WHERE " + " AND ".join(where) if where else "")
    return [_stored(r) for r in db.execute(sql + " ORDER BY as_of, county, form_id", params)]


def save_submission(db: sqlite_utils.Database, sub: StoredSubmission, changes: list | None) -> str:
    """Insert or replace one county's form for one date (the caller holds the transaction);
    returns ``received`` or ``replaced``."""
    replaced = stored_submission(db, sub.county, sub.form_id, sub.as_of) is not None
    db.execute(
        f"INSERT INTO city_submissions({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?, "
        "strftime('%Y-%m-%dT%H:%M:%S','now','localtime')) ON CONFLICT(county, form_id, as_of) DO UPDATE SET "
        "period_from = excluded.period_from, ref_date = excluded.ref_date, result_json = excluded.result_json, "
        "dropped_json = excluded.dropped_json, package_id = excluded.package_id, sender_key = excluded.sender_key, "
        "submitted_at = excluded.submitted_at, received_at = excluded.received_at",
        [sub.county, sub.form_id, sub.as_of, sub.period_from, sub.ref_date, sub.result_json,
         json.dumps(sub.dropped, ensure_ascii=False), sub.package_id, sub.sender_key, sub.submitted_at])
    action = "replaced" if replaced else "received"
    db.execute("INSERT INTO city_submission_log(county, form_id, as_of, package_id, action, changes_json) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               [sub.county, sub.form_id, sub.as_of, sub.package_id, action,
                json.dumps(changes, ensure_ascii=False, default=str) if changes is not None else None])
    return action


def submitted_dates(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """Every (county, form_id, as_of) received, for the 催报 list."""
    return [tuple(r) for r in db.execute("SELECT county, form_id, as_of FROM city_submissions")]


def latest_as_of(db: sqlite_utils.Database, form_id: str | None = None) -> str | None:
    sql = "SELECT MAX(as_of) FROM city_submissions" + (" WHERE form_id = ?" if form_id else "")
    return db.execute(sql, [form_id] if form_id else []).fetchone()[0]
