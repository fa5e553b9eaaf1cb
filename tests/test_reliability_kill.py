"""SIGKILL in the middle of an import and of a backup: the database survives, all or none."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from wengang.domain.ids import make_id
from wengang.store.areas import set_installation
from wengang.store.backup import backup, file_is_sound
from wengang.store.db import open_database
from wengang.store.integrity import quick_check

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]

HEADERS = ["乡镇（街道）", "行政村（社区）", "户编号", "户类型", "姓名", "证件号码", "与户主关系",
           "劳动技能", "在校生状况"]


def persons_workbook(path: Path, n: int) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i in range(n):
        ws.append(["城关镇", "城关村", f"620702{i // 4:08d}", "脱贫户", f"人{i}",
                   make_id("620702", dt.date(1950, 1, 1) + dt.timedelta(days=i), i % 1000, True),
                   "户主" if i % 4 == 0 else "之子", "普通劳动力", "非在校生"])
    wb.save(path)
    return path


def _new_db(path: Path, persons: int = 0):
    db = open_database(path)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    return db


def _run_until(script: str, marker: str, *args: str) -> list[str]:
    """Start ``script``, wait for it to print ``marker``, then SIGKILL it: the lines it printed
    before the marker."""
    said: list[str] = []
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == marker:
                break
            said.append(line.strip())
        else:
            pytest.fail(f"child ended without reaching {marker}: rc={proc.wait()}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return said


IMPORT_CHILD = """
import sys, time
from wengang.store.db import open_database
from wengang.services.importing import import_file
db = open_database(sys.argv[1])
def progress(done, total, text):
    if text == "正在写入" and done >= total // 2:
        print("HALF", flush=True)
        time.sleep(60)
import_file(db, None, sys.argv[2], progress=progress)
"""


def test_kill_mid_import_leaves_all_or_none(tmp_path):
    path = tmp_path / "wengang.db"
    db = _new_db(path)
    db.close()
    book = persons_workbook(tmp_path / "人员.xlsx", 3000)
    _run_until(IMPORT_CHILD, "HALF", str(path), str(book))
    db = open_database(path)  # the dead child's lock is stale; WAL recovery happens here
    assert quick_check(db.conn) == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db["persons"].count == 0 and db["households"].count == 0  # none of the batch
    # and the same import, not interrupted, brings all of it
    from wengang.services.importing import import_file

    result = import_file(db, None, book)
    assert result.ok and db["persons"].count == 3000
    db.close()


# A large first import (upsert.BULK_INDEX_ROWS rows and more into empty tables) takes another
# path: the tables' indexes are dropped in its transaction, chunks of rows go in on the sender's
# thread, and at the end the indexes are built again or recorded as owed (store.owed_indexes).
# Killed once every row is in and the indexes are yet to be built ("正在保存").
BULK_IMPORT_CHILD = """
import sys, time
from wengang.store.db import open_database
from wengang.services.importing import import_file
db = open_database(sys.argv[1])
def progress(done, total, text):
    if text == "正在保存":
        print(db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index'").fetchone()[0])
        print("SAVING", flush=True)
        time.sleep(60)
import_file(db, None, sys.argv[2], progress=progress)
"""


def _indexes(db) -> set[str]:
    return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_kill_mid_bulk_import_leaves_no_row_and_every_index(tmp_path):
    from wengang.services.importing import import_file
    from wengang.services.importing.upsert import BULK_INDEX_ROWS
    from wengang.store.owed_indexes import owed

    path = tmp_path / "wengang.db"
    db = _new_db(path)
    before = _indexes(db)
    db.close()
    rows = BULK_INDEX_ROWS + 2000
    book = persons_workbook(tmp_path / "人员.xlsx", rows)
    said = _run_until(BULK_IMPORT_CHILD, "SAVING", str(path), str(book))
    assert int(said[-1]) < len(before)  # killed with the indexes dropped, in the transaction
    db = open_database(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db["persons"].count == 0 and db["households"].count == 0
    assert _indexes(db) == before and owed(db) == []  # the dropped indexes came back with the rollback
    result = import_file(db, None, book)
    assert result.ok and db["persons"].count == rows
    assert _indexes(db) | set(owed(db)) == before  # built again, or owed to the window
    assert owed(db)  # the large path was taken (it leaves the window's indexes owed)
    db.close()


# The backup told as it copies (store.backup: one step, its growth watched from a thread)
# holds still at its first report, before the copy is renamed into place; killed there.
BACKUP_CHILD = """
import sys, time
from wengang.store import backup as backup_module
from wengang.store.db import open_database
backup_module.GROWTH_LOOK_S = 0.0001
db = open_database(sys.argv[1])
def progress(done, total):
    print("COPYING", flush=True)
    time.sleep(60)
backup_module.backup(db, sys.argv[2], progress=progress)
"""


def _with_persons(path: Path, n: int):
    """A new county file at ``path`` holding ``n`` persons in one household, open."""
    db = _new_db(path)
    area = db["areas"].insert({"name": "城关村", "level": "village"}).last_pk
    with db.atomic():
        hh = db["households"].insert({"hh_no": "1", "area_id": area, "hh_type": "脱贫户"}).last_pk
        db["persons"].insert_all(
            {"household_id": hh, "name": f"人{i}", "labour_skill": "普通劳动力",
             "id_number": make_id("620702", dt.date(1940, 1, 1) + dt.timedelta(days=i), i % 1000, True)}
            for i in range(n))
    return db


def test_kill_mid_backup_leaves_database_sound_and_no_half_backup(tmp_path):
    path = tmp_path / "wengang.db"
    _with_persons(path, 5000).close()
    dest = tmp_path / "备份" / "wengang-备份.db"
    _run_until(BACKUP_CHILD, "COPYING", str(path), str(dest))
    assert not dest.exists()  # never a half file under the backup's name
    db = open_database(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db["persons"].count == 5000
    backup(db, dest)  # the leftover .partial does not get in the way
    db.close()
    assert file_is_sound(dest)


# The automatic backups (store.backup.backup_before and auto_backup: 每日, 升级前, an import's
# 导入前, 彻底删除前) copy in steps of 1,024 pages. The child's connection reports each step
# (sqlite3's own backup progress) and holds still after the first, with pages left to copy.
STEPPED_BACKUP_CHILD = """
import sqlite3, sys, time
import sqlite_utils
from wengang.store import backup as backup_module

class Stepped(sqlite3.Connection):
    def backup(self, target, *, pages=-1, progress=None, **rest):
        def step(status, remaining, total):
            print(f"LEFT {remaining} OF {total}", flush=True)
            print("STEPPED", flush=True)
            time.sleep(60)
        return super().backup(target, pages=pages, progress=step, **rest)

db = sqlite_utils.Database(sqlite3.connect(sys.argv[1], factory=Stepped))
backup_module.backup_before(db, "导入前")
"""


def test_kill_mid_stepped_backup_before_keeps_older_backups_and_no_half_one(tmp_path):
    from wengang.store.backup import auto_backup, list_backups

    path = tmp_path / "wengang.db"
    db = _with_persons(path, 20000)
    assert db.execute("PRAGMA page_count").fetchone()[0] > 2 * 1024  # more than one step to copy
    older = auto_backup(db, "导入前")
    db.close()
    said = _run_until(STEPPED_BACKUP_CHILD, "STEPPED", str(path))
    left, total = map(int, said[-1].split()[1::2])
    assert 0 < left < total  # killed between two steps, not after the last
    assert list_backups(path) == [older]  # no half backup under a backup's name; the older one kept
    assert any(p.name.endswith(".partial") for p in older.parent.iterdir())  # what the kill left
    db = open_database(path)  # the next open removes the dead writer's partial
    assert [p.name for p in older.parent.iterdir()] == [older.name]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db["persons"].count == 20000
    assert file_is_sound(older)
    db.close()


# A form's first reading of a date writes that date's statuses into the store (store.status_store,
# one transaction): derived whole (everyone marked, as after an import), or built from a stored
# date nearby. The child's form (F5: F1 alone is counted without the store when the date would
# be derived whole) is killed once the rows are in, before the commit.
STATUS_STORE_CHILD = """
import sys, time
from wengang.cli.main import main
from wengang.store import status_store
stored = status_store._store_rows
def store_then_hold(*args, **kwargs):
    stored(*args, **kwargs)
    print("STORED", flush=True)
    time.sleep(60)
status_store._store_rows = store_then_hold
main(["--db", sys.argv[1], "report", "F5", "--as-of", sys.argv[2], "--out", sys.argv[3]])
"""


@pytest.mark.parametrize("stored_first", [None, "2026-06-30"], ids=["whole", "from-neighbour"])
def test_kill_mid_status_store_write_leaves_the_store_as_before(demo_file, tmp_path, stored_first):
    import shutil

    from wengang.cli.main import main
    from wengang.store.status_store import stored_dates

    path, db = demo_file(7, dt.date(2026, 11, 30))
    db.close()
    if stored_first:
        main(["--db", str(path), "report", "F5", "--as-of", stored_first, "--out", str(tmp_path / "六月.csv")])
    db = open_database(path)
    before = stored_dates(db)
    marks = db.execute("SELECT count(*) FROM status_store_marks").fetchone()[0]
    db.close()
    reference = tmp_path / "对照.db"
    shutil.copy2(path, reference)  # the same file, never killed
    _run_until(STATUS_STORE_CHILD, "STORED", str(path), "2026-11-30", str(tmp_path / "killed.csv"))
    assert not (tmp_path / "killed.csv").exists()
    db = open_database(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert stored_dates(db) == before  # not the half-written date
    assert db.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] == marks
    db.close()
    for name, db_path in (("after.csv", path), ("reference.csv", reference)):
        main(["--db", str(db_path), "report", "F5", "--as-of", "2026-11-30", "--out", str(tmp_path / name)])
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()
    db = open_database(path)
    assert stored_dates(db)[-1] == dt.date(2026, 11, 30)  # stored this time
    db.close()
