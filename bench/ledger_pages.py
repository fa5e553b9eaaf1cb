"""Bench: what the 台账 tab reads on its worker and what on the GUI thread, per list, at county scale.

    python bench/ledger_pages.py --db /tmp/c200.db [--area ID] [--as-of 2026-11-30]

For each declared list, on one connection (the tab's own): the worker's part as the tab's job
does it (``prepare``, ``count`` and, where the tree has it, ``first_rows``), then the pages the
view reads on the GUI thread as a caseworker scrolls: the first page (when the worker did not
read it) and the pages at rows 200, 1,000 and 5,000. Seconds of wall time each, one run. Compare
with another tree with ``PYTHONPATH=/that/tree/src``. The file is opened, not changed (except
the statuses and summaries the status store keeps).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

PAGE = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--area", type=int, help="an area id (the navigator's pick)")
    parser.add_argument("--as-of", default="2026-11-30")
    args = parser.parse_args()
    from wengang.services import ledgers
    from wengang.services.ledgers.declarations import list_ledgers
    from wengang.store.db import open_database

    db = open_database(args.db, daily_backup=False)
    as_of = dt.date.fromisoformat(args.as_of)
    print(f"{'list':14s} {'rows':>7s}  worker  | GUI thread: first page, rows 200, 1,000, 5,000")
    for ledger in list_ledgers():
        query = ledgers.ledger_query(db, ledger.id, as_of, mask=True, area_id=args.area)
        start = time.perf_counter()
        query.prepare()
        count = query.count()
        read_ahead = hasattr(query, "first_rows")
        if read_ahead:
            query.first_rows(PAGE)
        worker = time.perf_counter() - start
        pages = []
        for offset in ((200, 1000, 5000) if read_ahead else (0, 200, 1000, 5000)):
            start = time.perf_counter()
            query.rows(offset, PAGE)
            pages.append(time.perf_counter() - start)
        shown = ("   —  " if read_ahead else "") + " ".join(f"{p:6.3f}" for p in pages)
        print(f"{ledger.id:14s} {count:7d}  {worker:6.2f}  | {shown}")
    db.close()


if __name__ == "__main__":
    main()
