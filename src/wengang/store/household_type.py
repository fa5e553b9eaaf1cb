"""户类型 and 监测对象类别 at a date, from ``household_type_history`` (migration 0050).

DOMAIN.md "Household type at D": every status, list and form at D uses the type a household
had at D. :func:`households_at` is the households table as it stood at D for those two
columns (every other column as today), materialised once per connection and date; the
status table (``store.status``) and the report sources join it in place of ``households``.
:func:`change_household_type` records a change as a new dated row (识别, 风险消除, leaving the
groups as 一般户) instead of rewriting the past.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from wengang.store.derived import cached

__all__ = ["PLACES_AT", "TYPE_AT_SQL", "change_household_type", "household_places_at", "household_places_view",
           "households_at", "type_history"]

TYPE_AT_SQL = """SELECT household_id, hh_type, monitor_category FROM household_type_history
    WHERE (valid_from IS NULL OR valid_from <= :as_of) AND (valid_to IS NULL OR valid_to > :as_of)"""
"""Each household's type row valid at ``:as_of`` (none: the household was not yet in the groups)."""


def _build(db: sqlite_utils.Database, name: str, day: str) -> None:
    columns = db["households"].columns
    select = ", ".join(f"ht.{c.name}" if c.name in ("hh_type", "monitor_category") else f"h.{c.name}"
                       for c in columns)
    # Keyed by the household id as its rowid (rows arrive in id order): a join on it is one
    # rowid look-up, where a table made AS SELECT needed a unique index built afterwards and
    # a look-up in it then in the table (≈ 0.2 s CPU less at 200,000 households). The other
    # columns keep the households' declared types (the same affinity as AS SELECT gave).
    declared = ", ".join(f"{c.name} {c.type}".rstrip() for c in columns if c.name != "id")
    db.execute(f"CREATE TEMP TABLE {name} (id INTEGER PRIMARY KEY, {declared})")
    db.execute(f"INSERT INTO temp.{name} SELECT {select} FROM households h "
               f"LEFT JOIN ({TYPE_AT_SQL}) ht ON ht.household_id = h.id ORDER BY h.id", {"as_of": day})


def households_at(db: sqlite_utils.Database, as_of: dt.date | str) -> str:
    """TEMP table: ``households`` with ``hh_type``/``monitor_category`` as at ``as_of``
    (NULL for a household not yet registered in any group then); returns its name."""
    day = as_of if isinstance(as_of, str) else as_of.isoformat()
    return cached(db, "households_at", day, lambda name: _build(db, name, day))


PLACES_AT = ("area_id", "site_id", "hh_type", "relocated")
"""The households' columns a status derivation reads (``store.status.PLACE_COLUMNS``)."""


_PLACES_SELECT = ("SELECT h.id, h.area_id, h.site_id, ht.hh_type, h.relocated FROM households h "
                  f"LEFT JOIN ({TYPE_AT_SQL}) ht ON ht.household_id = h.id")


def _build_places(db: sqlite_utils.Database, name: str, day: str) -> None:
    db.execute(f"CREATE TEMP TABLE {name} (id INTEGER PRIMARY KEY, area_id INTEGER, site_id INTEGER, "
               "hh_type TEXT, relocated INTEGER)")
    db.execute(f"INSERT INTO temp.{name} {_PLACES_SELECT} ORDER BY h.id", {"as_of": day})


def household_places_at(db: sqlite_utils.Database, as_of: dt.date | str) -> str:
    """TEMP table: :func:`households_at`'s id and :data:`PLACES_AT` only, the same values —
    what a derivation of statuses reads, for a process that reads nothing else of the
    households (a form asked alone): a tenth of the width, cheaper to build and to join
    (≈ 0.08 s CPU less at 200,000 households)."""
    day = as_of if isinstance(as_of, str) else as_of.isoformat()
    return cached(db, "household_places_at", day, lambda name: _build_places(db, name, day))


def household_places_view(db: sqlite_utils.Database, as_of: dt.date | str) -> str:
    """TEMP view: :func:`household_places_at`'s rows, read where joined, not stored — for a
    count that looks up each person's household once (``store.status.count_derived``: F1 alone
    right after an import reads the households of the persons with a spell), where building
    the table costs about what it saves (200,000 households: the table 0.18 s on each
    connection of a count in halves; F1 alone in-process, median of 5, 1.13 → 0.96 s, CPU 2.06
    → 1.79 s; 8 more in a noisier stretch 1.32 s either way, the fastest 1.10 → 1.02 s): one
    statement less on each connection. The same rows as long as a household has one type
    row valid at a date, as the history's triggers keep it (the table refuses a second; the
    view would count the household's persons twice)."""
    day = dt.date.fromisoformat(as_of if isinstance(as_of, str) else as_of.isoformat()).isoformat()
    select = _PLACES_SELECT.replace(":as_of", f"'{day}'")  # a view takes no parameters; a checked date
    return cached(db, "household_places_view", day, lambda name: db.execute(f"CREATE TEMP VIEW {name} AS {select}"))


def type_history(db: sqlite_utils.Database, household_id: int) -> list[dict]:
    """A household's type rows, oldest first."""
    return list(db.query(
        "SELECT hh_type, monitor_category, valid_from, valid_to, reason FROM household_type_history "
        "WHERE household_id = ? ORDER BY valid_from IS NOT NULL, valid_from, id", [household_id]))


def change_household_type(db: sqlite_utils.Database, household_id: int, hh_type: str,
                          monitor_category: str | None, on: dt.date | str, reason: str | None = None) -> None:
    """The household has type ``hh_type`` (and category) from ``on``: the open row ends the day
    before, a new row opens on ``on``. ``on`` must fall after the open row began (a change
    further back is a correction of history: ask the county)."""
    day = on if isinstance(on, str) else on.isoformat()
    with db.atomic():
        current = db.execute("SELECT id, valid_from FROM household_type_history "
                             "WHERE household_id = ? AND valid_to IS NULL", [household_id]).fetchone()
        if current and current[1] and current[1] >= day:
            raise ValueError(f"户类型变更日期{day}须晚于当前类型的起始日期{current[1]}")
        db.execute("UPDATE households SET hh_type = ?, monitor_category = ?, "
                   "updated_at = strftime('%Y-%m-%dT%H:%M:%S','now','localtime') WHERE id = ?",
                   [hh_type, monitor_category, household_id])
        # The trigger dated the change today; it took effect on ``day``.
        opened = db.execute("SELECT id FROM household_type_history WHERE household_id = ? "
                            "AND valid_to IS NULL", [household_id]).fetchone()
        if current and opened and opened[0] != current[0]:
            db.execute("UPDATE household_type_history SET valid_to = ? WHERE id = ?", [day, current[0]])
            db.execute("UPDATE household_type_history SET valid_from = ?, reason = ? WHERE id = ?",
                       [day, reason or "变更", opened[0]])
