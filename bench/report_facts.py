"""Bench: the forms that count fact rows (F3, F4, F9) and F5, each scenario in a NEW process (issue 20).

The fact groups (``services/reports/facts.py``) and F5's household groups
(``services/reports/household_cube.py``) are kept beside the stored statuses; this measures
what a caseworker's click costs with them kept, at a period never asked for (counted and
kept), and after an edit of one service (its village counted again)::

    python bench/report_facts.py --db COPY_OF_A_COUNTY.db [--as-of 2026-11-30] [--rounds 3]

Prints ``scenario | seconds | cpu s | note``, measured inside the child around the work (after
imports and the open). The database is written to (the kept groups; one service added and
deleted again): use a copy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from scenarios import run_children, timed

SCENARIOS = ("f3_f4_f9_f5_kept", "f3_f4_f9_new_period", "f4_after_an_edit")
FORMS = ("F3", "F4", "F9", "F5")


def _forms(db, as_of: dt.date, period_from: dt.date, forms=FORMS) -> str:
    from wengang.services.reports import compute_form

    totals = []
    for form in forms:
        result = compute_form(db, form, as_of, period_from=period_from, ref_date=dt.date(as_of.year - 1, 12, 31))
        total = result.total().values
        totals.append(f"{form} {next(v for k, v in total.items() if k != 'area')}")
    return ", ".join(totals)


def _add_service(db, as_of: dt.date) -> str:
    person = db.execute("SELECT min(id) FROM persons").fetchone()[0]
    with db.atomic():
        db.execute("INSERT INTO services (person_id, service_date, kind, note) VALUES (?, ?, '职业指导', 'bench')",
                   [person, as_of.isoformat()])
    return f"one service for person {person}"


def _remove_service(db) -> None:
    with db.atomic():
        db.execute("DELETE FROM services WHERE note = 'bench'")


def child(name: str, db_path: Path, as_of: dt.date) -> dict:
    from wengang.store.db import open_database

    db = open_database(db_path, auto_backup=False)
    year_start = as_of.replace(month=1, day=1)
    try:
        results = {}
        if name == "f3_f4_f9_f5_kept":
            _forms(db, as_of, year_start)  # kept already unless this is the file's first run
            db.close()
            db = open_database(db_path, auto_backup=False)
            results["F3 F4 F9 F5, a new process, kept"] = timed(_forms, db, as_of, year_start)
            results["the same again, warm"] = timed(_forms, db, as_of, year_start)
            results["F3 and F4 alone, warm"] = timed(_forms, db, as_of, year_start, ("F3", "F4"))
        elif name == "f3_f4_f9_new_period":
            # a period start this file has not been asked for: counted, then kept
            days = int(time.time()) % 300 + 30
            start = as_of - dt.timedelta(days=days)
            results[f"F3 F4 F9 from {start} (never asked)"] = timed(_forms, db, as_of, start, FORMS[:3])
        elif name == "f4_after_an_edit":
            _forms(db, as_of, year_start, ("F4",))
            try:
                results["edit (one service)"] = timed(_add_service, db, as_of)
                results["F4 after the edit"] = timed(_forms, db, as_of, year_start, ("F4",))
            finally:
                _remove_service(db)
        return results
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", choices=SCENARIOS)
    args = parser.parse_args(argv)
    if args.as_of is None:
        from wengang.services.demo import default_as_of

        args.as_of = default_as_of()
    if args.child:
        print(json.dumps(child(args.child, args.db, args.as_of)))
        return 0
    run_children(__file__, args.db, args.as_of.isoformat(), list(SCENARIOS), args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
