"""The report engine's full cube over a stored date, counted once and in two halves (issue 20):

    python bench/halves.py DB [--as-of 2026-11-30] [--rounds 3]

Works on a copy of ``DB`` (its kept cubes are deleted so that each round counts). The date is
stored first if it is not. Rounds interleave the two ways; each prints wall and CPU seconds
(all threads) and whether the rows are the same, in the same order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--as-of", default="2026-11-30")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from wengang.domain.status import AsOf  # noqa: PLC0415
    from wengang.services.reports import engine  # noqa: PLC0415
    from wengang.store import derived, halves  # noqa: PLC0415
    from wengang.store.db import open_database  # noqa: PLC0415
    from wengang.store.status import status_table  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "county.db"
        shutil.copy2(args.db, copy)
        if Path(f"{args.db}.verified").exists():
            shutil.copy2(f"{args.db}.verified", f"{copy}.verified")
        db = open_database(copy, lock=False, daily_backup=False)
        as_of = AsOf(dt.date.fromisoformat(args.as_of))
        started = time.perf_counter()
        status_table(db, as_of)
        print(f"statuses at {args.as_of} stored or read: {time.perf_counter() - started:.2f} s", flush=True)
        persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
        wanted = halves.HALVES_FROM
        first = None
        for round_no in range(1, args.rounds + 1):
            for way, threshold in (("once", 10**12), ("in halves", wanted)):
                halves.HALVES_FROM = threshold
                derived.forget(db)
                db.execute("DELETE FROM status_store_summaries")
                wall, cpu = time.perf_counter(), time.process_time()
                table = engine.prepare(db, as_of, ("cube",))["cube"]
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                rows = db.execute(f"SELECT * FROM temp.{table}").fetchall()
                first = rows if first is None else first
                print(f"round {round_no} {way:9s} {persons:,} persons, {len(rows):,} groups: "
                      f"wall {wall:.2f} s, CPU {cpu:.2f} s, same rows: {rows == first}", flush=True)
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
