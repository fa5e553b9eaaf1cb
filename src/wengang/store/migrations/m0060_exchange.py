"""Migration 0060: township ⇄ county exchange — partners, packages, conflicts.

``exchange_partners`` keeps, per partner (a township at the county, the county at a township),
the sequence numbers sent and received and ``known_image``: the partner's slice as this
installation last knew the partner to hold it (a zlib-compressed SQLite image of the
guid-keyed projection, see ``services/exchange``). It lives in the database itself, so it is
encrypted with it, travels with backups and changes in the same transaction as an applied
package.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE TABLE exchange_partners (
    partner TEXT PRIMARY KEY,           -- township name (at the county) or county name (at a township)
    role TEXT NOT NULL,                 -- the partner's role: township / county
    sent_seq INTEGER NOT NULL DEFAULT 0,
    received_seq INTEGER NOT NULL DEFAULT 0,
    known_image BLOB,
    last_sent_at TEXT,
    last_received_at TEXT
);

CREATE TABLE exchange_packages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    partner TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- base / changes
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S','now','localtime')),
    file_name TEXT,
    changes INTEGER NOT NULL DEFAULT 0,
    applied INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    conflicts INTEGER NOT NULL DEFAULT 0,
    batch_id INTEGER REFERENCES import_batches(id),
    package BLOB                        -- outgoing packages are kept so a lost one can be written again
);
CREATE INDEX idx_exchange_packages_partner ON exchange_packages(partner, direction, seq);

-- Changes that were not applied as sent: the same field changed on both sides (update),
-- a row deleted on one side and changed on the other (delete), two rows that clash on a
-- natural key (insert), or a township's change to a row it does not own (refused).
CREATE TABLE exchange_conflicts (
    id INTEGER PRIMARY KEY,
    package_id INTEGER REFERENCES exchange_packages(id),
    partner TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('update', 'delete', 'insert', 'refused')),
    table_name TEXT NOT NULL,
    guid TEXT NOT NULL,
    field TEXT,                         -- NULL for a whole-row conflict
    base_value TEXT,                    -- JSON
    local_value TEXT,                   -- JSON; what this database holds
    remote_value TEXT,                  -- JSON; what the partner sent
    kept TEXT NOT NULL DEFAULT 'local', -- local / remote: which value stands until decided
    label TEXT,                         -- the person or household, in words
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'decided', 'refused')),
    decision TEXT,                      -- local / remote
    forwarded_in INTEGER,               -- at a township: the package that took it to the county for review
    reason TEXT,
    decided_at TEXT,
    user TEXT
);
CREATE INDEX idx_exchange_conflicts_status ON exchange_conflicts(status);
"""


@migrations(name="0060_exchange")
def m0060_exchange(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
