"""Township ⇄ county exchange at county scale: package sizes, export and apply times, forms after.

    python bench/exchange.py --db /tmp/c50.db [--townships 12] [--changes 5000] [--keep]

``--db`` is a demo county (``wengang --db /tmp/c50.db demo --households 50000``); it is copied,
never changed. Every township (the demo county has 12) is started from the county's starting
package, makes ``--changes`` changes of a month (phones corrected, spells ended, surveys and
services added), sends its package; the county applies them all, answers each township, and
computes F1–F9. Prints one line per step: seconds, CPU seconds, package size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wengang.services.demo.builder import default_as_of
from wengang.services.exchange import engine as ex
from wengang.services.exchange.projection import township_names
from wengang.services.reports import compute_form, list_forms
from wengang.store.backup import backup
from wengang.store.db import open_database

ROWS: list[list[str]] = []


def timed(label: str, fn, note=lambda r: ""):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    ROWS.append([label, f"{time.perf_counter() - wall:.2f}", f"{time.process_time() - cpu:.2f}", note(result)])
    print(" | ".join(ROWS[-1]), file=sys.stderr, flush=True)
    return result


def month_of_changes(db, township: str, n: int) -> None:
    """``n`` changes of a township's month: half corrections, half new records."""
    persons = [r[0] for r in db.execute("SELECT id FROM persons ORDER BY id")]
    spells = [r[0] for r in db.execute("SELECT id FROM employment_spells WHERE end_date IS NULL "
                                       "AND start_date < '2026-06-01' ORDER BY id")]
    k = 0
    with db.atomic():
        for pid in persons:
            if k >= n // 2:
                break
            db.execute("UPDATE persons SET phone = ?, verified_at = '2026-11-20' WHERE id = ?",
                       [f"139{pid:08d}"[-11:], pid])
            k += 1
        for sid in spells[: n // 10]:
            db.execute("UPDATE employment_spells SET end_date = '2026-10-31', return_reason = '季节性返乡' WHERE id = ?",
                       [sid])
            k += 1
        i = 0
        while k < n:
            pid = persons[i % len(persons)]
            if i % 2:
                db.execute("INSERT OR IGNORE INTO surveys(person_id, survey_date, willing, planned_month) "
                           "VALUES (?, '2026-11-15', 1, '2027-02')", [pid])
            else:
                db.execute("INSERT OR IGNORE INTO services(person_id, service_date, kind) "
                           "VALUES (?, '2026-11-16', '岗位信息推送')", [pid])
            i += 1
            k += 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--townships", type=int, default=30)
    parser.add_argument("--changes", type=int, default=5000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wengang-exchange-"))
    source = open_database(args.db, lock=False, auto_backup=False)
    backup(source, tmp / "county.db")
    source.close()
    county = open_database(tmp / "county.db", auto_backup=False)
    households = county.execute("SELECT count(*) FROM households").fetchone()[0]
    names = township_names(county)[: args.townships]
    print(f"county: {households} households, {len(names)} townships, {args.changes} changes each", file=sys.stderr)
    towns = {}
    for name in names:
        base = tmp / f"base-{name}.wgx"
        timed(f"county: starting package {name}", lambda n=name, b=base: ex.export_base(county, n, b),
              lambda r: f"{r.changes} rows, {r.size / 1024 / 1024:.2f} MB")
        towns[name] = open_database(tmp / f"{name}.db", auto_backup=False)
        timed(f"{name}: start from it", lambda n=name, b=base: ex.import_package(towns[n], b),
              lambda r: f"{r.applied} rows")
    for name in names:
        month_of_changes(towns[name], name, args.changes)
    sizes = []
    for name in names:
        out = tmp / f"{name}-1.wgx"
        r = timed(f"{name}: export month", lambda n=name, o=out: ex.export_changes(towns[n], o),
                  lambda r: f"{r.changes} changes, {r.size / 1024:.0f} KB")
        sizes.append(r.size)
    total = 0.0
    for name in names:
        start = time.perf_counter()
        timed(f"county: apply {name}", lambda n=name: ex.import_package(county, tmp / f"{n}-1.wgx"),
              lambda r: f"{r.applied} rows, {r.conflicts} conflicts")
        total += time.perf_counter() - start
    for name in names:
        out = tmp / f"county-{name}-1.wgx"
        timed(f"county: answer {name}", lambda n=name, o=out: ex.export_changes(county, o, township=n),
              lambda r: f"{r.changes} changes, {r.size / 1024:.0f} KB")
        timed(f"{name}: apply answer", lambda n=name, o=out: ex.import_package(towns[n], o),
              lambda r: f"{r.applied} rows")
    as_of = default_as_of()
    timed("county: F1–F9 after applying", lambda: [compute_form(county, f.id, as_of) for f in list_forms()],
          lambda r: f"{len(r)} forms")
    print(f"\n{households} households, {len(names)} townships × {args.changes} changes")
    print(f"packages: {min(sizes) / 1024:.0f}–{max(sizes) / 1024:.0f} KB, all applied in {total:.1f} s")
    print("step | s | cpu s | note")
    for row in ROWS:
        print(" | ".join(row))
    if args.keep:
        print(f"kept: {tmp}")
    else:
        for db in (county, *towns.values()):
            db.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
