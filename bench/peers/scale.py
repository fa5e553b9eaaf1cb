"""The caseworker's cycle at several county sizes, each step its own process (issue 20):

    python bench/peers/scale.py --size 10k=PERSONS.xlsx,EMPLOYMENT.xlsx --size 50k=… \\
        --as-of 2026-11-30 [--next 2026-10-31] [--rounds 2] [--work /tmp/wengang-scale]

For each size (the national-shaped exports of a county that size: ``wengang demo`` then
``importing.export_kind``) and round: a new county (``wengang setup``), then, timed one by one
under ``measure.py``: the floor's read-and-insert of the persons file, ``import persons``, the
floor's of the employment file, ``import employment``, ``report F1`` right after the imports,
``ledger six-lists``, ``report F1`` and ``report all`` with the date stored, and ``report F1``
at ``--next`` (a date next to the stored one). Prints a table, one column per size: wall s
and CPU s (min–max over the rounds), peak MiB for the imports and floors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from measure import measure

HERE = Path(__file__).resolve().parent
PY = sys.executable


def _wengang(db: Path, *args: str) -> list[str]:
    return [PY, "-m", "wengang", "--db", str(db), *args]


def steps(persons: str, spells: str, as_of: str, next_date: str, work: Path) -> list[tuple[str, list[str], bool]]:
    """(operation, command, whether its peak MiB is shown), in the order a caseworker runs them."""
    db, out = work / "county.db", work / "out"
    return [
        ("floor persons", [PY, str(HERE / "floor.py"), "insert", "persons", persons, str(work / "floor1.db")], True),
        ("import persons", _wengang(db, "import", "persons", persons), True),
        ("floor employment", [PY, str(HERE / "floor.py"), "insert", "employment", spells, str(work / "floor2.db")], True),
        ("import employment", _wengang(db, "import", "employment", spells), True),
        ("`report F1`, right after the imports", _wengang(db, "report", "F1", "--as-of", as_of, "--out",
                                                          str(out / "F1.xlsx")), False),
        ("six lists to a folder", _wengang(db, "ledger", "six-lists", "--as-of", as_of, "--out", str(out / "six")), False),
        ("`report F1`, date stored", _wengang(db, "report", "F1", "--as-of", as_of, "--out", str(out / "F1b.xlsx")), False),
        ("`report all` (nine forms), date stored", _wengang(db, "report", "all", "--as-of", as_of, "--out",
                                                            str(out / "all")), False),
        ("`report F1`, a new date next to a stored one", _wengang(db, "report", "F1", "--as-of", next_date, "--out",
                                                                  str(out / "F1n.xlsx")), False),
    ]


def one_round(persons: str, spells: str, as_of: str, next_date: str, work: Path) -> dict[str, tuple]:
    shutil.rmtree(work, ignore_errors=True)
    (work / "out").mkdir(parents=True)
    subprocess.run(_wengang(work / "county.db", "setup", "--province", "甘肃省", "--city", "张掖市",
                            "--county", "示范县"), check=True, stdout=subprocess.DEVNULL)
    figures = {}
    for name, command, _ in steps(persons, spells, as_of, next_date, work):
        wall, cpu, peak, code = measure(command, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
        if code:
            raise SystemExit(f"{' '.join(command)}: exit {code}")
        figures[name] = (wall, cpu, peak)
        print(f"  {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MiB", flush=True)
    return figures


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}–{high:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", required=True, help="LABEL=PERSONS.xlsx,EMPLOYMENT.xlsx")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--next", default=None, help="a date next to --as-of (default: the end of the month before)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/wengang-scale"))
    args = parser.parse_args()
    # default: the end of the month before (a neighbour of the same year, but in January)
    next_date = args.next or (dt.date.fromisoformat(args.as_of).replace(day=1) - dt.timedelta(days=1)).isoformat()
    results: dict[str, list[dict]] = {}
    for size in args.size:
        label, files = size.split("=", 1)
        persons, spells = files.split(",")
        for round_no in range(1, args.rounds + 1):
            print(f"{label}, round {round_no}", flush=True)
            results.setdefault(label, []).append(one_round(persons, spells, args.as_of, next_date, args.work))
    labels = list(results)
    print("\n| operation | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for name, _, with_peak in steps("", "", "", "", args.work):
        cells = []
        for label in labels:
            rounds = [figures[name] for figures in results[label]]
            cell = f"{_span([r[0] for r in rounds])} / {_span([r[1] for r in rounds])}"
            cells.append(cell + (f", {max(r[2] for r in rounds):,.0f}" if with_peak else ""))
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
