"""Timings at county scale: build a demo county in a temp folder, time every operation.

    python bench/run.py --households 50000 [--only NAME] [--seed S] [--keep]

Operations are plugins: every ``bench/ops/*.py`` defines ``OPERATIONS = [(name, setup, fn)]``
where ``setup`` (or None) runs untimed before ``fn(ctx)``, which is timed; ``fn`` may return a
short note (counts) for the table. ``ctx`` carries ``db_path``, ``db``, ``as_of``, ``tmpdir``,
``households``, ``seed``. A module that defines ``ALWAYS = True`` (the county build) runs first
and is never filtered out by ``--only``. A module whose import fails is skipped with its reason,
so operations for parts still being written never break the bench.

"cpu s" is the process's CPU time for the operation: on a shared or busy machine it shows the
cost when wall-clock seconds are inflated by other programs. Peak MiB is the process's resident memory at its highest during the operation (sampled every
10 ms from /proc; elsewhere the lifetime peak from getrusage), so it includes SQLite's cache.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))  # run from a checkout without installing


@dataclass
class Context:
    db_path: Path
    db: object
    as_of: dt.date
    tmpdir: Path
    households: int
    seed: int
    extra: dict = field(default_factory=dict)  # for ops to share things (e.g. a built form)


class PeakMemory:
    """Highest resident set size while the block runs, in MiB."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._statm = Path("/proc/self/statm")
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def _rss(self) -> float:
        if self._statm.exists():
            return int(self._statm.read_text().split()[1]) * self._page / 2**20
        import resource  # noqa: PLC0415 - POSIX only

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss / 2**20 if sys.platform == "darwin" else rss / 1024

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> Self:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def discover(ops_dir: Path = HERE / "ops") -> list[tuple[str, list, bool]]:
    """(module name, OPERATIONS, always) for every importable plugin, the ALWAYS ones first."""
    found = []
    for path in sorted(ops_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            spec = importlib.util.spec_from_file_location(f"bench_ops_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses in a plugin look their module up there
            spec.loader.exec_module(module)
            operations = list(module.OPERATIONS)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the others
            print(f"skipped: {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        found.append((path.stem, operations, bool(getattr(module, "ALWAYS", False))))
    found.sort(key=lambda m: not m[2])
    return found


def _wanted(name: str, only: list[str] | None) -> bool:
    return not only or any(name.startswith(o) for o in only)


def _table(rows: list[list[str]]) -> str:
    import unicodedata  # noqa: PLC0415

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(" | ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("-|-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="稳岗台账 benchmarks at county scale")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only operations with this name or prefix (repeatable); the build always runs")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (prints its path)")
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help="reuse this county database (built there when empty) instead of a new one")
    args = parser.parse_args(argv)

    from wengang.services.demo import default_as_of  # noqa: PLC0415 - after sys.path is set
    from wengang.store.db import open_database  # noqa: PLC0415

    tmpdir = Path(tempfile.mkdtemp(prefix="wengang-bench-"))
    db_path = args.db or tmpdir / "bench.db"
    db = open_database(db_path, auto_backup=False)
    if args.db and db["households"].count:  # an existing county: its size is what is measured
        args.households = db["households"].count
    ctx = Context(db_path, db, args.as_of or default_as_of(), tmpdir, args.households, args.seed)
    rows = [["operation", "scale", "seconds", "cpu s", "peak MiB", "note"]]
    failures = 0
    for _module, operations, always in discover():
        for name, setup, fn in operations:
            if not always and not _wanted(name, args.only):
                continue
            try:
                if setup is not None:
                    setup(ctx)
                with PeakMemory() as memory:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    note = fn(ctx)
                    seconds = time.perf_counter() - started
                    cpu = time.process_time() - cpu_started
            except Exception as exc:  # noqa: BLE001 - report and go on
                failures += 1
                traceback.print_exc()
                rows.append([name, "", "FAILED", "", "", f"{type(exc).__name__}: {exc}"[:80]])
                continue
            persons = ctx.extra.get("persons")
            scale = f"{ctx.households}户" + (f"/{persons}人" if persons else "")
            rows.append([name, scale, f"{seconds:.2f}", f"{cpu:.2f}", f"{memory.peak:.0f}",
                         "" if note is None else str(note)])
            print(f"  {name}: {seconds:.2f} s", file=sys.stderr, flush=True)
    print(_table(rows))
    ctx.db.close()
    if args.keep:
        print(f"kept: {tmpdir}")
    else:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
