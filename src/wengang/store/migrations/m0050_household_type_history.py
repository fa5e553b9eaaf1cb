"""Migration 0050: a dated history of each household's 户类型 and 监测对象类别.

DOMAIN.md "Household type at D": a 监测户 is identified on a date and its risk eliminated on a
date; a household can leave the groups. Every form and list at D uses the type the household
had at D (``store.household_type``), so a past report never changes when today's data does.

``households.hh_type``/``monitor_category`` stay the current values (what the registry shows
and edits). The triggers below keep the history: a new household opens a row valid since
before the ledger (``valid_from`` NULL, the best knowledge of its past); a change of type or
category closes the open row and opens a new one dated the day of the change, whoever writes
it (the registry, an import, an exchange package). Changed twice on one day, the day keeps
its last value; changed back on the same day, the earlier row simply reopens. The registry's
``change_household_type`` then moves the dates to the day the change took effect.
Existing households are backfilled from their current type.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

_TODAY = "date('now','localtime')"
_OPEN = "household_id = NEW.id AND valid_to IS NULL"
_SAME = "hh_type IS NEW.hh_type AND monitor_category IS NEW.monitor_category"

SCHEMA = f"""
CREATE TABLE household_type_history (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL,   -- households(id); rows go with the household (trigger)
    hh_type TEXT NOT NULL,           -- 脱贫户 / 监测户 / 同步搬迁户 / 一般户 (left the groups)
    monitor_category TEXT,           -- 监测对象类别 while a 监测户
    valid_from TEXT,                 -- first day of this type; NULL = since before the ledger
    valid_to TEXT,                   -- first day of the next type; NULL = still
    reason TEXT,                     -- 风险消除, 新识别, 类型更正 …
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);
CREATE INDEX idx_household_type_history ON household_type_history(household_id, valid_from);

INSERT INTO household_type_history (household_id, hh_type, monitor_category, reason)
SELECT id, hh_type, monitor_category, '建立户类型历史时的类型' FROM households;

CREATE TRIGGER household_type_history_insert AFTER INSERT ON households
WHEN NOT EXISTS (SELECT 1 FROM household_type_history WHERE household_id = NEW.id)
BEGIN
    INSERT INTO household_type_history (household_id, hh_type, monitor_category, reason)
    VALUES (NEW.id, NEW.hh_type, NEW.monitor_category, '登记');
END;

CREATE TRIGGER household_type_history_update AFTER UPDATE OF hh_type, monitor_category ON households
WHEN NEW.hh_type IS NOT OLD.hh_type OR NEW.monitor_category IS NOT OLD.monitor_category
BEGIN
    -- a second change on the same day replaces that day's row
    DELETE FROM household_type_history WHERE {_OPEN} AND valid_from = {_TODAY};
    -- changed back on the same day: the row closed today reopens
    UPDATE household_type_history SET valid_to = NULL
    WHERE household_id = NEW.id AND valid_to = {_TODAY} AND {_SAME}
      AND NOT EXISTS (SELECT 1 FROM household_type_history WHERE {_OPEN});
    UPDATE household_type_history SET valid_to = {_TODAY} WHERE {_OPEN} AND NOT ({_SAME});
    INSERT INTO household_type_history (household_id, hh_type, monitor_category, valid_from, reason)
    SELECT NEW.id, NEW.hh_type, NEW.monitor_category, {_TODAY}, '变更'
    WHERE NOT EXISTS (SELECT 1 FROM household_type_history WHERE {_OPEN});
END;

CREATE TRIGGER household_type_history_delete AFTER DELETE ON households
BEGIN
    DELETE FROM household_type_history WHERE household_id = OLD.id;
END;
"""


@migrations(name="0050_household_type_history")
def m0050_household_type_history(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
