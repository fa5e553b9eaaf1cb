"""One Wengang import as its own process, to set beside ``floor.py insert`` (issue 20):

    python bench/peers/import_one.py KIND FILE DB [--start TEMPLATE_DB]

``DB`` is made fresh: a copy of ``TEMPLATE_DB`` (a database holding the persons, for an
employment import; with its ``.verified`` record, as the program closed it) or an empty database with 甘肃省 测试县 as its installation. Prints the
import's wall and CPU seconds (process time, all threads) and the process's peak MiB; run it
under ``measure.py`` for the process's totals (start-up included).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path


def arguments(argv: list[str]) -> argparse.Namespace:
    """KIND FILE DB [--start TEMPLATE_DB], shared with ``import_phases.py``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind")
    parser.add_argument("file")
    parser.add_argument("db")
    parser.add_argument("--start", help="a database to copy first (e.g. one holding the persons)")
    return parser.parse_args(argv)


def fresh_database(db: str, start: str | None):
    """``db`` made fresh, opened: a copy of ``start`` or an empty county (see the docstring)."""
    from wengang.store.areas import set_installation  # noqa: PLC0415 - after argparse: quick --help
    from wengang.store.db import open_database  # noqa: PLC0415

    target = Path(db)
    for suffix in ("", "-wal", "-shm", ".verified"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(target.parent / "backups", ignore_errors=True)
    if start:
        # As the program left it at its last clean close: its time kept and its record beside
        # it, so the open is the usual free one. A plain copy (new time) made the open run the
        # whole-file integrity check: 1.5 s CPU of the employment import's process, not the
        # import's, which a caseworker importing into the database the persons went into never pays.
        shutil.copy2(start, target)
        record = Path(f"{start}.verified")
        if record.exists():
            shutil.copy2(record, f"{target}.verified")
        # Written out before the import begins, as the file a caseworker imports into was long
        # ago: else the import's first fsync waits for the copy's dirty pages too (ext4's
        # ordered journal), a cost of the copy, not of the import.
        os.sync()
    database = open_database(target)
    if not start:
        set_installation(database, "甘肃省", None, "测试县")
    return database


def main(argv: list[str]) -> int:
    args = arguments(argv)
    from wengang.services.importing import import_file  # noqa: PLC0415 - after argparse: quick --help

    db = fresh_database(args.db, args.start)
    wall, cpu = time.perf_counter(), time.process_time()
    result = import_file(db, args.kind, args.file)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.kind}: ok={result.ok} rows={result.rows} added={result.added} "
          f"changed={result.changed} unchanged={result.unchanged} errors={len(result.errors)} "
          f"warnings={len(result.warnings)}  {wall:.2f} s wall  {cpu:.2f} s CPU  {peak:.0f} MiB")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
