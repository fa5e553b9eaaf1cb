"""``wengang report F1`` (or another form, or ``all``: ``--form``) as a new process, two source trees
interleaved, on fresh copies (issue 20):

    python bench/peers/f1_rounds.py --tree before=/tmp/x-before/src --tree after=src \\
        --case "50k after import=/tmp/x/tmpl.db@2026-11-30" --rounds 3 --work /tmp/x

Each case is a template database (with its ``.verified`` record) and an as-of date. Per round
and tree, the template is copied (``cp -p``, as the program closed it: no whole-file check)
to ``WORK/<case number>.db`` — the same name every time, so the day's backup made by the first
run is there for the others — and ``wengang --db COPY report FORM --as-of D --out WORK/FORM.xlsx``
(``all``: ``--out WORK/forms``) runs under ``measure.py``. A first untimed run per case and tree makes that backup (and any
migration). Prints each run's wall / CPU seconds / peak MiB, then min and median per case and tree.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure


def _copy(template: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".verified"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy2(template, target)
    shutil.copy2(f"{template}.verified", f"{target}.verified")
    # The copy written out before the timed run, as an import's checkpoint leaves the file:
    # else the run's fsync of its workbook waits for the copy's dirty pages (ext4's ordered
    # journal): 200,000 households, F1 2.61–3.46 s against 1.51–1.63 s after a sync.
    os.sync()


def _run(tree: str, db: Path, day: str, out: Path, form: str = "F1") -> tuple[float, float, float]:
    env = dict(os.environ, PYTHONPATH=tree)
    if form == "all":  # a folder of nine workbooks, emptied first
        shutil.rmtree(out, ignore_errors=True)
    wall, cpu, peak, code = measure([sys.executable, "-m", "wengang", "--db", str(db), "report", form,
                                     "--as-of", day, "--out", str(out)], env)
    if code:
        raise SystemExit(f"exit {code}: {tree} {db} {day}")
    return wall, cpu, peak


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", action="append", required=True, help="NAME=PYTHONPATH")
    parser.add_argument("--case", action="append", required=True, help="NAME=TEMPLATE.db@AS_OF")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", required=True)
    parser.add_argument("--form", default="F1", help="the form to write (F1 … F9), or all: the nine into a folder")
    args = parser.parse_args(argv)
    trees = [t.split("=", 1) for t in args.tree]
    cases = [(c.split("=", 1)[0], *c.split("=", 1)[1].rsplit("@", 1)) for c in args.case]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out = work / ("forms" if args.form == "all" else f"{args.form}.xlsx")
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for n, (case, template, day) in enumerate(cases):
        db = work / f"round{n}.db"
        for tree_name, tree in trees:  # the day's backup and any migration, untimed
            _copy(Path(template), db)
            _run(tree, db, day, out, args.form)
        for r in range(args.rounds):
            for tree_name, tree in (trees if r % 2 == 0 else trees[::-1]):
                _copy(Path(template), db)
                got = _run(tree, db, day, out, args.form)
                results.setdefault((case, tree_name), []).append(got)
                print(f"{case} | {tree_name} | round {r + 1}: {got[0]:.2f} s wall  {got[1]:.2f} s CPU  "
                      f"{got[2]:.0f} MiB", flush=True)
    print("\ncase | tree | CPU min / median | wall min / median | peak MiB")
    for (case, tree_name), runs in results.items():
        cpu, wall, peak = [r[1] for r in runs], [r[0] for r in runs], max(r[2] for r in runs)
        print(f"{case} | {tree_name} | {min(cpu):.2f} / {statistics.median(cpu):.2f} | "
              f"{min(wall):.2f} / {statistics.median(wall):.2f} | {peak:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
