"""Migration 0115: the forms' period aggregates kept per stored date and period (issue 20).

F3's posts and workshop workers, F4's services and subsidies and F9's spot checks count fact
rows (a million services, 750,000 subsidies, a million spells at 200,000 households): one
pass over each table cost 0.2–0.8 s CPU for every form, every process. The report engine
(``services/reports/facts.py``) now sums them per village and relocation site once and keeps
the sums here, next to the stored statuses of that date:

- ``status_store_facts``: per stored date ``day`` and ``kind`` (the source and the period,
  e.g. ``facts_service_20260101_20251231``) the per-group sums as JSON, ``definition`` the
  hash of the SQL that counted them and ``seen`` the last area mark they include.
- ``status_store_fact_marks``: the areas (villages) whose facts changed, with a sequence
  number: a stored sum is right but for the areas marked after its ``seen``, which the next
  reader counts again (their persons' rows only) and stores. The triggers below mark the
  services, subsidies and spot checks an edit touches (the columns the forms read: an UPDATE
  of every service's kind at 50,000 households 0.75 → 1.9 s CPU, an INSERT of 36,207 services
  0.5 → 0.8 s; a note written marks nothing) and an organisation that moves;
  spells, persons and households reach the sums through the statuses (a person whose
  status rows are refreshed has the areas of the old and new rows marked,
  ``store/status_store.py``). One row per area, so marks never pile up.
- A date keeps the aggregates of the last ``status_store.KEEP_FACT_PERIODS`` (source, period)
  pairs asked for (``built_at``).
- ``idx_subsidies_to_org``: payments to organisations (a few dozen rows) found by index
  when an area's sums are counted again.

Derived data: no guid, never audited; a date leaving the store takes its sums with it.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

_NEXT_SEQ = "(SELECT coalesce(max(seq), 0) + 1 FROM status_store_fact_marks)"
_MARK = ("INSERT INTO status_store_fact_marks(area_id, seq) "
         f"SELECT a, {_NEXT_SEQ} FROM (SELECT {{}} AS a) WHERE a IS NOT NULL "
         "ON CONFLICT(area_id) DO UPDATE SET seq = excluded.seq;")
_PERSON_AREA = ("(SELECT h.area_id FROM persons p JOIN households h ON h.id = p.household_id "
                "WHERE p.id = {})")
_ORG_AREA = "(SELECT o.area_id FROM organisations o WHERE o.id = {})"


def _trigger(name: str, event: str, *marks: str) -> str:
    return f"CREATE TRIGGER fact_mark_{name} AFTER {event} BEGIN {' '.join(marks)} END;"


def _area(table: str, row: str) -> str:
    area = _PERSON_AREA.format(f"{row}.person_id")
    if table == "subsidies":  # paid to a person, or to an organisation (its area)
        area = f"coalesce({area}, {_ORG_AREA.format(f'{row}.org_id')})"
    return area


# What the forms read of each fact table (a note or updated_at written marks nothing: an
# UPDATE of every service's note measured 0.53 s CPU without marks, 2.9 s marking every row),
# and what says whose it is (a change of owner marks the former owner's area too).
COUNTED = {
    "services": ("person_id", "service_date", "kind"),
    "subsidies": ("person_id", "org_id", "paid_date", "kind", "amount", "funding", "persons_covered",
                  "policy_text"),
    "spot_checks": ("person_id", "check_date", "phone_connected", "place_consistent", "time_consistent",
                    "policy_aware"),
}
_OWNER = {"services": ("person_id",), "subsidies": ("person_id", "org_id"), "spot_checks": ("person_id",)}


def triggers() -> str:
    """The marking triggers, one statement a line."""
    statements = []
    for table, counted in COUNTED.items():
        moved = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _OWNER[table])
        statements += [
            _trigger(f"{table}_insert", f"INSERT ON {table}", _MARK.format(_area(table, "NEW"))),
            _trigger(f"{table}_update", f"UPDATE OF {', '.join(counted)} ON {table}", _MARK.format(_area(table, "NEW"))),
            _trigger(f"{table}_owner", f"UPDATE OF {', '.join(_OWNER[table])} ON {table} WHEN {moved}",
                     _MARK.format(_area(table, "OLD"))),
            _trigger(f"{table}_delete", f"DELETE ON {table}", _MARK.format(_area(table, "OLD"))),
        ]
    statements += [
        _trigger("organisations_update", "UPDATE OF area_id ON organisations",
                 _MARK.format("OLD.area_id"), _MARK.format("NEW.area_id")),
        _trigger("organisations_delete", "DELETE ON organisations", _MARK.format("OLD.area_id")),
    ]
    return "\n".join(statements)


SCHEMA = f"""
CREATE TABLE status_store_facts (
    day INTEGER NOT NULL,              -- the as-of date D as YYYYMMDD (a day of status_store)
    kind TEXT NOT NULL,                -- the source and period counted
    definition TEXT NOT NULL,          -- hash of the SQL that counted them
    seen INTEGER NOT NULL,             -- the last status_store_fact_marks.seq they include
    columns TEXT NOT NULL,             -- JSON list of column names
    rows TEXT NOT NULL,                -- JSON list of rows (one per village and site)
    built_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f','now','localtime')),
    PRIMARY KEY (day, kind)
) WITHOUT ROWID;

CREATE TABLE status_store_fact_marks (
    area_id INTEGER PRIMARY KEY,       -- a village (or an organisation's area) whose facts changed
    seq INTEGER NOT NULL               -- when: higher is later
);
CREATE INDEX idx_status_store_fact_marks_seq ON status_store_fact_marks(seq);

CREATE INDEX idx_subsidies_to_org ON subsidies(org_id) WHERE person_id IS NULL;

{triggers()}
"""


@migrations(name="0115_report_facts")
def m0115_report_facts(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
