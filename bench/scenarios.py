"""Shared by the bench scripts that run each scenario in a new process (status_store.py,
report_facts.py): the parent starts ``SCRIPT --db DB --as-of D --child NAME`` per scenario and
round, the child prints ``{label: [wall s, cpu s, note]}`` as its last line (:func:`timed`
measures one call), and the parent prints one table with a row per label and per process."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def timed(fn, *args) -> tuple[float, float, str]:
    wall, cpu = time.perf_counter(), time.process_time()
    note = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, note


def run_children(script: str, db: Path, as_of: str, names: list[str], rounds: int) -> None:
    rows = [["scenario", "seconds", "cpu s", "note"]]
    for _round in range(rounds):
        for name in names:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            out = subprocess.run([sys.executable, script, "--db", str(db), "--as-of", as_of, "--child", name],
                                 check=True, capture_output=True, text=True).stdout
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            for label, (seconds, cpu_s, note) in json.loads(out.splitlines()[-1]).items():
                rows.append([label, f"{seconds:.2f}", f"{cpu_s:.2f}", str(note)])
            rows.append([f"  (process {name})", f"{wall:.2f}", f"{cpu:.2f}", "imports + open + work"])
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print(" | ".join(cell.ljust(width[i]) for i, cell in enumerate(row)))
