"""A city of 12 counties at 50,000 households each: submission size and time, receipt, and the
consolidated forms.

    python bench/city.py --db /tmp/c50.db [--households 50000] [--counties 12] [--as-of D]

To save time one county is built (``wengang demo``; reused when ``--db`` already holds one,
copied so that file is never changed) and its package is sent 12 times under different county
names, signed again each time (the numbers are the same county's). Timings: wall seconds and the process's
CPU seconds (the stable figure on a shared machine).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))  # run from a checkout without installing


def timed(label: str, scale: str, fn, rows: list):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    rows.append((label, scale, time.perf_counter() - wall, time.process_time() - cpu))
    print(f"{label}: {rows[-1][2]:.2f} s", file=sys.stderr)
    return result


def main() -> int:
    from wengang.services.city.consolidate import consolidate
    from wengang.services.city.receipt import receive_file
    from wengang.services.city.submission import write_submission
    from wengang.services.demo import build_demo
    from wengang.services.reports import list_forms
    from wengang.services.signing import public_key, sign
    from wengang.store.city import add_counties, set_installation_level
    from wengang.store.db import get_setting, open_database, set_setting

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo county database (built there when empty)")
    parser.add_argument("--households", type=int, default=50000)
    parser.add_argument("--counties", type=int, default=12)
    parser.add_argument("--as-of", default=None, help="default: end of last month")
    args = parser.parse_args()
    today = dt.date.today()
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else today.replace(day=1) - dt.timedelta(days=1)
    tmp = Path(tempfile.mkdtemp(prefix="wengang-city-bench-"))
    rows: list = []
    try:
        source = args.db or tmp / "built.db"
        db = open_database(source)
        if not db.execute("SELECT COUNT(*) FROM persons").fetchone()[0]:
            timed("county.build (wengang demo)", f"{args.households:,} 户",
                  lambda: build_demo(db, households=args.households), rows)
        db.close()
        shutil.copy(source, tmp / "county.db")  # renamed 12 times below: never the caller's file
        db = open_database(tmp / "county.db")
        persons = db.execute("SELECT COUNT(*) FROM persons").fetchone()[0]
        households = db.execute("SELECT COUNT(*) FROM households").fetchone()[0]
        scale = f"{households:,} 户 / {persons:,} 人"
        names = [f"第{i + 1:02d}县" for i in range(args.counties)]
        set_setting(db, "county", names[0])
        public_key(db)  # the installation key is made (a write) before timing: writes renew the statuses
        first = tmp / f"{names[0]}.wgsb"
        timed("submit all 9 forms (statuses derived first)", scale,
              lambda: write_submission(db, as_of, first, archive=False), rows)
        timed("submit all 9 forms again (statuses cached)", scale,
              lambda: write_submission(db, as_of, first, archive=False), rows)
        timed("submit all 9 forms again, archived (报送存档: a write)", scale,
              lambda: write_submission(db, as_of, first), rows)
        city_name = get_setting(db, "city")
        # The other counties: the same package under another county name, signed again with the
        # installation's key (what that county's own submit would write, without renaming the
        # database, which would make every status be derived again).
        envelope = json.loads(first.read_text(encoding="utf-8"))
        packages = [first]
        for name in names[1:]:
            payload = json.loads(envelope["payload"])
            payload["county"]["county"] = name
            text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
            copy = dict(envelope, county=name, payload=text,
                        signature=base64.b64encode(sign(db, text.encode("utf-8"))).decode("ascii"))
            path = tmp / f"{name}.wgsb"
            path.write_text(json.dumps(copy, ensure_ascii=False), encoding="utf-8")
            packages.append(path)
        db.close()
        size = packages[0].stat().st_size
        rows.append(("package size", "9 forms by township", size / 1024, None))
        city = open_database(tmp / "city.db")
        set_installation_level(city, "city")
        set_setting(city, "province", "甘肃省")
        set_setting(city, "city", city_name)
        add_counties(city, names)
        timed(f"receive {args.counties} packages", f"{args.counties} × 9 forms",
              lambda: [receive_file(city, p) for p in packages], rows)
        timed("receive 1 package again (replaces, diff shown)", "9 forms",
              lambda: receive_file(city, packages[0]), rows)
        forms = list_forms()
        timed("consolidate 9 forms by county", f"{args.counties} counties",
              lambda: [consolidate(city, f.id, as_of, by="county") for f in forms], rows)
        timed("consolidate 9 forms by township", f"{args.counties} counties' townships",
              lambda: [consolidate(city, f.id, as_of, by="township") for f in forms], rows)
        city.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| operation | scale | seconds | cpu s |")
    print("|---|---|---|---|")
    for label, scale_text, seconds, cpu in rows:
        if cpu is None:
            print(f"| {label} | {scale_text} | {seconds:.0f} KB | |")
        else:
            print(f"| {label} | {scale_text} | {seconds:.2f} | {cpu:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
