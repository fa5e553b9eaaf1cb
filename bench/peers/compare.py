"""Wengang's monthly cycle beside its peers and floors, each as its own processes (issue 20):

    python bench/peers/compare.py PERSONS.xlsx EMPLOYMENT.xlsx --as-of 2026-11-30 [--rounds 3]
        [--only wengang --only pandas-calamine …] [--work /tmp/cycle]

The cycle: import both national exports into a new county database, F1, the six lists to
Excel. Wengang runs it as a caseworker would from the command line (4 processes: ``import
persons``, ``import employment``, ``report F1``, ``ledger six-lists``); the peers as one script
each (``cycle_pandas.py`` with python-calamine or openpyxl, ``cycle_duckdb.py``). Floors:
``floor.py read`` (python-calamine reading both files, nothing else) and ``floor.py insert``
per file (the read plus one indexed executemany). Prints ``case | wall s min / median | CPU s
min / median | peak MiB`` (the peak of the case's largest process). Build the files once with
``bench/run.py`` (importing.export_*) or ``wengang.services.importing.export_kind``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from measure import measure

HERE = Path(__file__).resolve().parent
PY = sys.executable


def wengang(*args: str) -> list[str]:
    return [PY, "-m", "wengang", *args]


def cases(persons: str, spells: str, as_of: str, work: Path) -> dict[str, tuple]:
    """case → (setup commands, timed commands) ; a case's figures add up its timed commands."""
    db = str(work / "county.db")
    out = str(work / "out")
    setup = [wengang("--db", db, "setup", "--province", "甘肃省", "--city", "张掖市", "--county", "示范县")]
    return {
        "wengang": (setup, [
            wengang("--db", db, "import", "persons", persons),
            wengang("--db", db, "import", "employment", spells),
            wengang("--db", db, "report", "F1", "--as-of", as_of, "--out", f"{out}/F1.xlsx"),
            wengang("--db", db, "ledger", "six-lists", "--as-of", as_of, "--out", f"{out}/six"),
        ]),
        "pandas-calamine": ([], [[PY, str(HERE / "cycle_pandas.py"), "calamine", persons, spells, as_of, out]]),
        "duckdb": ([], [[PY, str(HERE / "cycle_duckdb.py"), persons, spells, as_of, out]]),
        "pandas-openpyxl": ([], [[PY, str(HERE / "cycle_pandas.py"), "openpyxl", persons, spells, as_of, out]]),
        "floor-read": ([], [[PY, str(HERE / "floor.py"), "read", persons, spells]]),
        "floor-insert": ([], [[PY, str(HERE / "floor.py"), "insert", "persons", persons, str(work / "f1.db")],
                              [PY, str(HERE / "floor.py"), "insert", "employment", spells, str(work / "f2.db")]]),
    }


def run_case(setup: list, timed: list, work: Path) -> tuple[float, float, float, list]:
    shutil.rmtree(work, ignore_errors=True)
    (work / "out").mkdir(parents=True)
    for cmd in setup:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = cpu = peak = 0.0
    steps = []
    for cmd in timed:
        w, c, p, code = measure(cmd, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
        if code not in (0,):
            raise SystemExit(f"{' '.join(cmd)}: exit {code}")
        wall, cpu, peak = wall + w, cpu + c, max(peak, p)
        steps.append((w, c, p))
    return wall, cpu, peak, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons")
    parser.add_argument("employment")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--work", type=Path, default=Path("/tmp/wengang-cycle"))
    args = parser.parse_args()
    table = cases(str(Path(args.persons).resolve()), str(Path(args.employment).resolve()), args.as_of, args.work)
    names = args.only or list(table)
    results: dict[str, list] = {name: [] for name in names}
    for round_no in range(args.rounds):  # interleaved: each round runs every case once
        for name in names:
            results[name].append(run_case(*table[name], args.work))
            wall, cpu, peak, steps = results[name][-1]
            detail = "  ".join(f"{w:.1f}/{c:.1f}" for w, c, _ in steps)
            print(f"round {round_no + 1} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MiB ({detail})",
                  file=sys.stderr, flush=True)
    print("| case | wall s min / median | CPU s min / median | peak MiB |")
    print("|---|---|---|---|")
    for name in names:
        walls = [r[0] for r in results[name]]
        cpus = [r[1] for r in results[name]]
        print(f"| {name} | {min(walls):.1f} / {statistics.median(walls):.1f} | "
              f"{min(cpus):.1f} / {statistics.median(cpus):.1f} | {max(r[2] for r in results[name]):.0f} |")
    for name in names:  # each step of the last round, for the per-phase table
        print(f"{name} steps (wall/CPU/MiB): "
              + "; ".join(f"{w:.1f}/{c:.1f}/{p:.0f}" for w, c, p in results[name][-1][3]))


if __name__ == "__main__":
    main()
