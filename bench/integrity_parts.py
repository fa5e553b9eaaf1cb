"""The integrity check of a changed file: SQLite's whole check on one connection against the
check in parts on two (``store.sqlite_file.integrity_check_beside``), interleaved (issue 20):

    python bench/integrity_parts.py --db /tmp/c200.db [--rounds 2] [--cache-kib 64000]

Both read the file only (``mode=ro``). ``--cache-kib`` also times the parts with that page
cache on each connection (measured, not kept: the memory is a township laptop's). Prints
wall seconds per round and the problems found (none on a sound file).
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

from wengang.store.sqlite_file import integrity_check, integrity_check_beside


def _reading(db: Path, cache_kib: int | None = None) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db.resolve()}?mode=ro", uri=True, check_same_thread=False)
    if cache_kib:
        conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    return conn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache-kib", type=int, default=None)
    args = parser.parse_args()
    cases = {"whole, one connection": lambda: integrity_check(_reading(args.db)),
             "parts, two connections": lambda: integrity_check_beside(_reading(args.db), lambda: _reading(args.db))}
    if args.cache_kib:
        cases[f"parts, two connections, {args.cache_kib} KiB cache each"] = lambda: integrity_check_beside(
            _reading(args.db, args.cache_kib), lambda: _reading(args.db, args.cache_kib))
    for round_ in range(1, args.rounds + 1):
        for name, check in cases.items():
            start = time.perf_counter()
            problems = check()
            print(f"round {round_}  {name}: {time.perf_counter() - start:.2f} s, {len(problems)} problems", flush=True)


if __name__ == "__main__":
    main()
