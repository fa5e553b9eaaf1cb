"""Bench: forms and lists from cold in a NEW process, an edit then F1, a new date (issue 20).

Each scenario runs in its own Python process (``--child NAME``) on the county at ``--db``, so
"cold" means what a caseworker's first click costs: no TEMP tables, no warm page cache of this
process (the OS file cache stays warm). Prints ``scenario | seconds | cpu s | note``; the
seconds and CPU are measured inside the child around the work (after imports and the open),
and the child's whole life (imports, open, work) as seen by the parent is the ``process`` row.

    python bench/status_store.py --db /tmp/c50.db [--as-of 2026-11-30] [--rounds 3]

The database is written to (the status store, one edited spell restored afterwards): use a copy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from scenarios import run_children, timed

SCENARIOS = ("forms_lists_cold", "forms_lists_cold_again", "edit_then_f1", "new_date_f1", "new_date_f1_first",
             "monthly_import_f1_alone", "after_import_f1", "after_import_f1_first", "after_import_forms_lists", "warm_forms_lists",
             "trigger_cost", "store_size")


def _period(as_of: dt.date) -> dict:
    return {"period_from": as_of.replace(month=1, day=1), "ref_date": dt.date(as_of.year - 1, 12, 31)}


def _forms_and_lists(db, as_of: dt.date) -> str:
    from wengang.services.ledgers import SIX_LISTS, ledger_query
    from wengang.services.reports import compute_form, list_forms

    for spec in list_forms():
        compute_form(db, spec.id, as_of, **_period(as_of))
    counts = [ledger_query(db, ledger_id, as_of).count() for ledger_id in SIX_LISTS]
    return "9 forms + six lists " + "/".join(map(str, counts))


def _f1(db, as_of: dt.date, *, alone: bool = False) -> str:
    from wengang.services.reports import compute_form

    return f"F1 {len(compute_form(db, 'F1', as_of, alone=alone, **_period(as_of)).rows)} rows"


def _edit_one_spell(db) -> int:
    """Move one spell's end a day (and back later): an edit through plain SQL, as any writer."""
    spell_id, end = db.execute("SELECT id, end_date FROM employment_spells WHERE end_date IS NOT NULL "
                               "ORDER BY id LIMIT 1").fetchone()
    day = dt.date.fromisoformat(end) - dt.timedelta(days=1)
    with db.atomic():
        db.execute("UPDATE employment_spells SET end_date = ? WHERE id = ?", [day.isoformat(), spell_id])
    with db.atomic():
        db.execute("UPDATE employment_spells SET end_date = ? WHERE id = ?", [end, spell_id])
    return spell_id


def _bulk_update(db, drop_triggers: bool) -> str:
    """Every spell rewritten in one statement (as a bulk apply would), rolled back; with the
    status store's marking triggers dropped first when asked: what the marks cost a bulk write."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if drop_triggers:
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                      "AND name LIKE 'status_mark_%'").fetchall():
                db.execute(f'DROP TRIGGER "{name}"')
        started = time.process_time()
        count = db.execute("UPDATE employment_spells SET monthly_income = monthly_income").rowcount
        return f"{count} spells updated, {time.process_time() - started:.2f} cpu s in the UPDATE"
    finally:
        db.execute("ROLLBACK")


def _new_day(db, as_of: dt.date) -> dt.date:
    """A day of as-of's year not stored yet, counting back from 17 days before it (each round
    of the bench asks a new one)."""
    stored = {r[0] for r in db.execute("SELECT day FROM status_store_dates").fetchall()}
    day = as_of - dt.timedelta(days=17)
    while day.year * 10000 + day.month * 100 + day.day in stored:
        day -= dt.timedelta(days=1)
    return day


def _mark_everyone(db) -> str:
    """What an import leaves the status store: every person marked (the triggers' doing)."""
    with db.atomic():
        count = db.execute("INSERT OR IGNORE INTO status_store_marks SELECT id FROM persons").rowcount
    return f"{count} persons marked"


def _f1_alone(db, as_of: dt.date) -> str:
    """F1 as ``wengang report F1`` computes it: the process's one form (``alone``)."""
    return _f1(db, as_of, alone=True)


def _mark_some(db, every: int) -> str:
    """What an import changing some persons leaves the status store: one person in ``every``
    marked. No data changes, so the stored rows stay right and the marks may simply go again
    (:func:`_unmark`)."""
    with db.atomic():
        count = db.execute("INSERT OR IGNORE INTO status_store_marks SELECT id FROM persons WHERE id % ? = 0",
                           [every]).rowcount
    return f"{count} persons marked"


def _unmark(db, every: int) -> None:
    with db.atomic():
        db.execute("DELETE FROM status_store_marks WHERE person_id % ? = 0", [every])


def _store_size(db) -> str:
    """The file's bytes per stored date: the statuses, and the summaries (report cube, F5
    cohorts) kept beside them (SQLite's dbstat: pages, so free space inside them counts)."""
    dates = db.execute("SELECT count(*) FROM status_store_dates").fetchone()[0] or 1
    sizes = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'status_store%' "
                            "OR name LIKE 'sqlite_autoindex_status_store%' GROUP BY name").fetchall())
    summaries = sum(v for k, v in sizes.items() if "summaries" in k)
    statuses = sum(sizes.values()) - summaries
    rows = dict(db.execute("SELECT d.day, count(s.day) FROM status_store_dates d LEFT JOIN status_store s "
                           "ON s.day = d.day GROUP BY d.day").fetchall())
    return (f"{dates} dates; per date: statuses {statuses / dates / 2**20:.1f} MiB, "
            f"summaries {summaries / dates / 2**20:.2f} MiB; rows per date {sorted(rows.values())}")


def _backup_size(db, path: Path) -> str:
    """What a backup of the file carries, free pages left out (``VACUUM INTO``), and the store's share."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "backup.db"
        db.execute("VACUUM INTO ?", [str(target)])
        size = target.stat().st_size
    store = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'status_store%'").fetchone()[0] or 0
    return f"{size / 2**20:.1f} MiB (file {path.stat().st_size / 2**20:.1f} MiB), of which the store {store / 2**20:.1f} MiB"


def child(name: str, db_path: Path, as_of: dt.date) -> dict:
    from wengang.store.db import open_database

    db = open_database(db_path, auto_backup=False)
    try:
        results = {}
        if name in ("forms_lists_cold", "forms_lists_cold_again"):
            results[name] = timed(_forms_and_lists, db, as_of)
        elif name == "warm_forms_lists":
            _forms_and_lists(db, as_of)
            results[name] = timed(_forms_and_lists, db, as_of)
        elif name == "edit_then_f1":
            _f1(db, as_of)
            results["edit (one spell, twice)"] = timed(_edit_one_spell, db)
            results["F1 after the edit"] = timed(_f1, db, as_of)
            results["forms+lists after the edit"] = timed(_forms_and_lists, db, as_of)
        elif name == "new_date_f1":
            _f1(db, as_of)
            day = _new_day(db, as_of)
            results[f"F1 at a new date {day}"] = timed(_f1, db, day)
            results["F1 at that date again"] = timed(_f1, db, day)
        elif name == "new_date_f1_first":  # what `wengang report F1` at a new date does
            day = _new_day(db, as_of)
            results[f"F1 at a new date {day}, first thing"] = timed(_f1, db, day)
        elif name == "monthly_import_f1_alone":  # `wengang report F1` after an import changing 5 % of the persons
            from wengang.store.db import open_database as reopen

            _f1(db, as_of)  # the date stored, F1's cube kept
            results["one person in 20 marked (a monthly import)"] = timed(_mark_some, db, 20)
            db.close()
            db = reopen(db_path, auto_backup=False)  # a cold connection, as a new process's
            results["F1 asked alone after it, the first thing on the connection"] = timed(_f1_alone, db, as_of)
            _unmark(db, 20)
        elif name == "after_import_f1":
            _f1(db, as_of)
            results["every person marked (as an import leaves it)"] = timed(_mark_everyone, db)
            results["F1 after it"] = timed(_f1, db, as_of)
        elif name == "after_import_f1_first":  # `wengang report F1` right after an import
            _mark_everyone(db)
            results["F1 after every person is marked, first thing"] = timed(_f1, db, as_of)
        elif name == "after_import_forms_lists":  # the window's forms and lists right after an import
            _mark_everyone(db)
            results["9 forms + six lists after every person is marked, first thing"] = timed(
                _forms_and_lists, db, as_of)
        elif name == "store_size":
            results["file size of the store"] = (0.0, 0.0, _store_size(db))
            results["backup size"] = timed(_backup_size, db, db_path)
        elif name == "trigger_cost":
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'status_store_marks'").fetchone():
                results["bulk UPDATE of every spell, marking"] = timed(_bulk_update, db, False)
            results["bulk UPDATE of every spell, no marking triggers"] = timed(_bulk_update, db, True)
        return results
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", choices=SCENARIOS)
    parser.add_argument("--only", type=lambda text: text.split(","), default=list(SCENARIOS),
                        help="comma-separated scenarios (default: all), e.g. new_date_f1_first,store_size")
    args = parser.parse_args(argv)
    if args.as_of is None:
        from wengang.services.demo import default_as_of

        args.as_of = default_as_of()
    if args.child:
        print(json.dumps(child(args.child, args.db, args.as_of)))
        return 0
    run_children(__file__, args.db, args.as_of.isoformat(), [n for n in SCENARIOS if n in args.only], args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
