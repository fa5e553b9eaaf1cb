"""What the window's actions cost when run on the GUI thread: which ones must go to a worker.

    python bench/gui_thread.py --db /tmp/c50.db [--only NAME ...]

``--db`` is a demo county (``wengang --db /tmp/c50.db demo --households 50000``); it is copied,
never changed. Each action is the service call a slot of the window makes, on a fresh
connection (the window's own connection has no statuses derived: it pays them, as the action
would), after a warm-up that loads the modules. Prints wall and CPU seconds; an action above
0.3 s freezes the window noticeably and belongs on the background thread
(``AppContext.run_in_background`` / ``widgets.progress.run_with_progress``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wengang.store.backup import backup, verify_file
from wengang.store.db import open_database


def _village(db) -> int:
    return db.execute("SELECT a.id FROM areas a WHERE a.level = 'village' AND EXISTS (SELECT 1 FROM households h "
                      "WHERE h.area_id = a.id) ORDER BY a.id LIMIT 1").fetchone()[0]


def actions(tmp: Path, as_of: dt.date) -> dict:
    """name -> (where in the window, fn(db)); each runs on a fresh connection."""
    from wengang.services.duties import spot_check, survey_sheet
    from wengang.services.duties.services131 import gaps_by_village
    from wengang.services.ledgers import ledger_query, write_ledger
    from wengang.services.person_list import write_person_list
    from wengang.services.reports import cell_persons

    def drill_export(db):
        ids = cell_persons(db, "employment", as_of, None, "ty")
        return write_person_list(db, ids, tmp / "persons.xlsx", title="合计 · 务工", as_of=as_of)[1]

    def sample(db):
        return spot_check.draw_sample(db, as_of, per_township=100, seed=7).size

    def call_sheet(db):
        sample_id = db.execute("SELECT max(id) FROM spot_check_samples").fetchone()[0]
        return spot_check.write_call_sheet(db, sample_id, tmp / "calls.xlsx")

    def deadlines(db):
        from wengang.services.duties.deadlines import calendar_for, due_dates
        from wengang.services.duties.schedule import missing_forms, schedule
        from wengang.store.areas import installation
        today = dt.date.today()
        schedule(db, today)
        rows = due_dates(calendar_for(installation(db).province), dt.date(today.year, 1, 1),
                         dt.date(today.year, 12, 31), [])
        return sum(1 for d in rows if missing_forms(db, d))

    def sample_list(db):
        sample_id = db.execute("SELECT max(id) FROM spot_check_samples").fetchone()[0]
        return len(spot_check.samples(db)), len(spot_check.sample_rows(db, sample_id))

    def record(db):
        from wengang.services.duties.services131 import record_services
        ids = [r[0] for r in db.execute("SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id "
                                        "WHERE h.area_id = ? LIMIT 700", [_village(db)])]
        return record_services(db, ids, "职业指导", as_of).added

    def archive(db):
        from wengang.services.archive import archive_report
        from wengang.services.reports import compute_form
        result = compute_form(db, "employment", as_of)
        wall, cpu = time.perf_counter(), time.process_time()
        archive_report(db, result)
        return f"archive alone {time.perf_counter() - wall:.2f} s / {time.process_time() - cpu:.2f} cpu"

    def followups(db):
        from wengang.services.duties.followup import followups, write_followups
        items = followups(db, as_of)
        wall, cpu = time.perf_counter(), time.process_time()
        write_followups(items, tmp / "followups.xlsx", title="x")
        return f"{len(items)} rows, write alone {time.perf_counter() - wall:.2f} s / {time.process_time() - cpu:.2f} cpu"

    def restore(db):
        from wengang.store.backup import restore
        target = tmp / "restored.db"
        shutil.copy(tmp / "c.db", target)
        return restore(tmp / "c.db", target).name

    def encrypt(db):
        from wengang.store import crypto
        from wengang.store.backup import encrypt_database
        if not crypto.available():
            return "sqlcipher3 not installed"
        target = tmp / "enc" / "e.db"
        target.parent.mkdir(exist_ok=True)
        shutil.copy(tmp / "c.db", target)
        return len(encrypt_database(target, "一二三"))

    return {
        "draw a spot-check sample (SpotCheckPage.draw)": ("日常工作 → 抽查 → 抽样", sample),
        "spot-check samples and the call list (SpotCheckPage.refresh)": ("日常工作 → 电话抽查", sample_list),
        "submission deadlines (DeadlinesPage.refresh)": ("日常工作 → 报送时间", deadlines),
        "record a service for 700 people (ServicesPage.record)": ("日常工作 → 1-3-1 → 登记服务", record),
        "archive a form (ReportTab._archive)": ("报表 → 报送存档", archive),
        "follow-up list to Excel (FollowUpPage.export)": ("日常工作 → 返乡跟踪 → 导出名单…", followups),
        "restore a backup (window closed meanwhile)": ("文件 → 从备份恢复… → 是", restore),
        "encrypt the database (window closed meanwhile)": ("文件 → 设置密码…", encrypt),
        "verify a backup before restoring (choose_backup)": ("文件 → 从备份恢复…", lambda db: verify_file(tmp / "c.db")),
        "persons behind a cell to Excel (PersonsDialog.export)": ("报表 → 双击数字 → 导出Excel…", drill_export),
        "call sheet to Excel (SpotCheckPage.export_sheet)": ("日常工作 → 抽查 → 导出电话单…", call_sheet),
        "village service sheet to Excel (ServicesPage.export_sheet)": (
            "日常工作 → 1-3-1 → 导出本村服务单…",
            lambda db: write_ledger(db, "service-gaps", as_of, tmp / "sheet.xlsx", area_id=_village(db))),
        "village service sheet query (ServicesPage.print_sheet)": (
            "日常工作 → 1-3-1 → 打印本村服务单…",
            lambda db: ledger_query(db, "service-gaps", as_of, area_id=_village(db)).count()),
        "village door-to-door sheet (SurveyPage.export_sheet)": (
            "日常工作 → 入户摸排 → 导出核实表…",
            lambda db: survey_sheet.write_survey_sheet(db, as_of, tmp / "survey.xlsx", area_id=_village(db))),
        "1-3-1 gaps by village (already on the worker)": ("日常工作 → 1-3-1", lambda db: len(gaps_by_village(db, as_of))),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wengang-gui-thread-"))
    source = open_database(args.db, lock=False, auto_backup=False)
    backup(source, tmp / "c.db")
    source.close()
    from wengang.services.demo.builder import default_as_of
    as_of = default_as_of()
    rows = []
    try:
        for name, (where, fn) in actions(tmp, as_of).items():
            if args.only and not any(word in name for word in args.only):
                continue
            db = open_database(tmp / "c.db", auto_backup=False)
            try:
                wall, cpu = time.perf_counter(), time.process_time()
                result = fn(db)
                rows.append((name, where, time.perf_counter() - wall, time.process_time() - cpu, result))
            finally:
                db.close()
            print(f"{rows[-1][2]:6.2f} s {rows[-1][3]:6.2f} cpu  {name}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("action | where | wall s | cpu s | result")
    for name, where, wall, cpu, result in rows:
        print(f"{name} | {where} | {wall:.2f} | {cpu:.2f} | {result}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
