"""Backups, restore, integrity on open, the lock file, encryption at rest, masking setting."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from checks_said import Checks
from terminal import Terminal

from wengang.domain.ids import make_id
from wengang.services.privacy import mask_preference, set_mask_preference
from wengang.store import crypto
from wengang.store.areas import set_installation
from wengang.store.backup import RestoreError, backup, backup_before, file_is_sound, list_backups, restore, verify_file
from wengang.store.db import open_database
from wengang.store.integrity import DamagedDatabaseError, PasswordRequiredError
from wengang.store.lock import DatabaseInUseError, lock_path_for

ID = make_id("620702", dt.date(1985, 5, 1), 7, True)


def _populate(db, n=3):
    set_installation(db, "甘肃省", "张掖市", "测试县")
    with db.atomic():
        area = db["areas"].insert({"name": "城关村", "level": "village"}).last_pk
        hh = db["households"].insert({"hh_no": "620702000001", "area_id": area, "hh_type": "脱贫户"}).last_pk
        for i in range(n):
            number = ID if i == 0 else make_id("620702", dt.date(1980, 1, 1), 100 + i, True)
            db["persons"].insert({"household_id": hh, "name": f"人{i}", "id_number": number,
                                  "labour_skill": "普通劳动力"})


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "wengang.db"
    db = open_database(path)
    _populate(db)
    db.close()
    return path


# --- backups ---------------------------------------------------------------------------------
def test_backup_of_open_database_is_complete_and_sound(dbfile, tmp_path):
    db = open_database(dbfile)
    dest = backup(db, tmp_path / "usb" / "copy.db")
    db.close()
    assert file_is_sound(dest) and verify_file(dest) == []
    copy = open_database(dest, lock=False, auto_backup=False)
    assert copy["persons"].count == 3
    copy.close()
    assert not list((tmp_path / "usb").glob("*.partial"))


def test_first_open_of_the_day_makes_one_backup_and_rotation_keeps_ten(dbfile):
    assert [p.name for p in list_backups(dbfile)] == []  # a new database has nothing to back up
    db = open_database(dbfile)
    db.close()
    assert len(list_backups(dbfile)) == 1 and "每日" in list_backups(dbfile)[0].name
    db = open_database(dbfile)
    assert len(list_backups(dbfile)) == 1  # same day: no second daily backup
    for _ in range(12):
        backup_before(db, "导入前")
    db.close()
    kept = list_backups(dbfile)
    assert len(kept) == 10 and all(file_is_sound(p) for p in kept[:2])


def test_migration_is_preceded_by_a_backup(tmp_path):
    path = tmp_path / "old.db"
    db = open_database(path)
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0040_reliability'")
    for table in ("audit_log", "trash", "report_archive", "locked_periods"):
        db.execute(f"DROP TABLE {table}")
    db.close()
    db = open_database(path)
    assert db["audit_log"].exists()
    db.close()
    assert any("升级前" in p.name for p in list_backups(path))


def test_restore_verifies_then_replaces_and_keeps_the_current_db(dbfile, tmp_path):
    good = backup(dbfile, tmp_path / "good.db")
    db = open_database(dbfile)
    db.execute("DELETE FROM persons WHERE name = '人1'")
    db.close()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"PK\x03\x04 not a database" * 100)
    before = _sha(dbfile)
    with pytest.raises(RestoreError, match="不能用于恢复"):
        restore(junk, dbfile)
    assert _sha(dbfile) == before
    aside = restore(good, dbfile)
    assert aside.name == "wengang.db.before-restore"
    db = open_database(dbfile)
    assert db["persons"].count == 3
    db.close()
    old = open_database(aside, lock=False, auto_backup=False)
    assert old["persons"].count == 2
    old.close()


def test_a_restore_says_each_file_it_checks_and_how_far_it_is(dbfile, tmp_path):
    """Four whole-file checks, about 20 s each at 200,000 households: each within the caller's
    ``checking``, told every part, passed."""
    good = backup(dbfile, tmp_path / "good.db")
    checks = Checks()
    restore(good, dbfile, checking=checks)
    assert [(c["what"], c["passed"]) for c in checks.seen] == [
        ("备份文件", True), ("当前数据库", True), ("恢复前备份", True), ("复制好的备份", True)]
    assert checks.seen[0]["name"] == "good.db" and checks.seen[3]["name"] == "wengang.db.restoring"
    assert checks.told_to_the_end()  # quick_check and each table's own, a share at a time


def test_a_damaged_backup_is_not_said_to_have_passed(dbfile, tmp_path):
    from store_damage import break_index

    bad = backup(dbfile, tmp_path / "bad.db")
    break_index(bad)
    checks = Checks()
    before = _sha(dbfile)
    with pytest.raises(RestoreError, match="完整性检查未通过"):
        restore(bad, dbfile, checking=checks)
    assert [(c["what"], c["passed"]) for c in checks.seen] == [("备份文件", False)]
    assert _sha(dbfile) == before


def test_the_command_line_restore_counts_each_check_on_a_terminal(dbfile, tmp_path, monkeypatch):
    from wengang.cli.main import main

    good = backup(dbfile, tmp_path / "good.db")
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["--db", str(dbfile), "restore", str(good)]) == 0
    said = terminal.text
    for what in ("备份文件“good.db”", "当前数据库“wengang.db”", "恢复前备份“wengang-", "复制好的备份“wengang.db.restoring”"):
        assert f"正在检查{what}" in said
    assert said.count("文件完好（检查用了") == 4 and "已检查" in said


def test_a_backup_tells_how_much_it_has_copied(dbfile, tmp_path, monkeypatch):
    """Told from a thread as the copy grows, then once with everything: a copy made in one
    step, which another program's writes meanwhile do not make start over."""
    from wengang.store import backup as backup_module

    monkeypatch.setattr(backup_module, "GROWTH_LOOK_S", 0.0005)
    told: list[tuple[int, int]] = []
    backup(dbfile, tmp_path / "copy.db", progress=lambda done, total: told.append((done, total)))
    total = dbfile.stat().st_size
    assert told[-1] == (total, total) and {t for _, t in told} == {total}
    assert [d for d, _ in told] == sorted(d for d, _ in told)
    assert verify_file(tmp_path / "copy.db") == []


def test_the_command_line_backup_says_the_share_copied_on_a_terminal(dbfile, tmp_path, monkeypatch, capsys):
    """1.3 GB at 200,000 households is a minute onto a USB stick: on a terminal the line counts
    up to 100 %; elsewhere only where the backup went."""
    from wengang.cli.main import main

    assert main(["--db", str(dbfile), "backup", "--out", str(tmp_path / "plain.db")]) == 0
    assert "已备份" not in capsys.readouterr().err
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["--db", str(dbfile), "backup", "--out", str(tmp_path / "usb.db")]) == 0
    shares = [int(share) for share in re.findall(r"已备份(\d+)%", terminal.text)]
    assert shares and shares[-1] == 100 and shares == sorted(shares) and terminal.text.endswith("\n")
    assert verify_file(tmp_path / "usb.db") == []


def test_the_command_line_backup_is_a_snapshot_on_a_terminal_or_not(dbfile, tmp_path, monkeypatch):
    """``wengang backup`` beside the window: copied in one step, so the window's writes meanwhile
    do not make a 1.3 GB copy start over (the 1,024-page steps restart at each of them)."""
    from wengang.cli.commands import backup as command
    from wengang.cli.main import main
    from wengang.store import backup as backup_module

    asked: list[bool] = []
    real = backup_module.backup

    def spied(*args, **kwargs):
        asked.append(kwargs.get("at_once"))
        return real(*args, **kwargs)

    monkeypatch.setattr(backup_module, "backup", spied)  # auto_backup's
    monkeypatch.setattr(command, "backup", spied)  # --out's
    assert main(["--db", str(dbfile), "backup", "--out", str(tmp_path / "usb.db")]) == 0
    assert main(["--db", str(dbfile), "backup"]) == 0
    monkeypatch.setattr("sys.stderr", Terminal())
    assert main(["--db", str(dbfile), "backup", "--out", str(tmp_path / "usb2.db")]) == 0
    assert asked[-3:] == [True, True, True]


def test_restore_refuses_a_backup_from_a_newer_program(dbfile, tmp_path):
    newer = backup(dbfile, tmp_path / "newer.db")
    import sqlite3

    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                 "VALUES ('wengang', '9999_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(RestoreError, match="更新版本"):
        restore(newer, dbfile)


# --- integrity -------------------------------------------------------------------------------
def test_truncated_database_is_refused_untouched_and_a_backup_offered(dbfile):
    db = open_database(dbfile)  # makes today's backup
    db.close()
    good = list_backups(dbfile)[0]
    data = dbfile.read_bytes()
    dbfile.write_bytes(data[: len(data) // 2])
    before = _sha(dbfile)
    with pytest.raises(DamagedDatabaseError) as err:
        open_database(dbfile)
    assert err.value.backup == good and str(good) in str(err.value)
    assert "已损坏" in str(err.value)
    assert _sha(dbfile) == before and not Path(str(dbfile) + "-wal").exists()
    assert not lock_path_for(dbfile).exists()  # the refused open gave the lock back
    restore(err.value.backup, dbfile)
    db = open_database(dbfile)
    assert db["persons"].count == 3
    db.close()


def test_overwritten_database_is_refused(dbfile):
    db = open_database(dbfile)
    db.close()
    dbfile.write_text("姓名,证件号码\n张三,620702198505010011\n", encoding="utf-8")
    before = _sha(dbfile)
    with pytest.raises(DamagedDatabaseError, match="不是数据库文件") as err:
        open_database(dbfile)
    assert err.value.backup is not None
    assert _sha(dbfile) == before


def test_damaged_page_inside_is_found_by_quick_check(dbfile):
    data = bytearray(dbfile.read_bytes())
    page = 4096
    # scribble over the middle of every page after the first (the header stays valid)
    for start in range(page, len(data), page):
        data[start + 8: start + 200] = b"\xff" * 192
    dbfile.write_bytes(bytes(data))
    with pytest.raises(DamagedDatabaseError):
        open_database(dbfile)


# --- the lock --------------------------------------------------------------------------------
HOLDER = """
import sys, time
from wengang.store.db import open_database
db = open_database(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_second_program_is_told_the_database_is_in_use(dbfile):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(dbfile)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseInUseError, match="数据库正被另一个稳岗台账程序使用"):
            open_database(dbfile)
        reader = open_database(dbfile, lock=False)  # read-only commands may proceed
        assert reader["persons"].count == 3
        reader.close()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    db = open_database(dbfile)  # the killed holder's lock is stale now
    owner = json.loads(lock_path_for(dbfile).read_text())
    assert owner["pid"] == os.getpid()
    db.close()
    assert not lock_path_for(dbfile).exists()


def test_stale_lock_of_a_dead_process_is_taken_over(dbfile):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock_path_for(dbfile).write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname()}))
    db = open_database(dbfile)
    assert db["persons"].count == 3
    db.close()


# --- encryption ------------------------------------------------------------------------------
needs_crypto = pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 not installed")


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


@needs_crypto
def test_encrypted_database_holds_no_readable_id_and_wrong_password_changes_nothing(tmp_path):
    path = tmp_path / "secret.db"
    db = open_database(path, password="春天")
    _populate(db)
    backup_before(db, "测试")
    db.close()
    raw = _all_bytes(tmp_path)
    assert ID.encode() not in raw and "人0".encode() not in raw
    before = _sha(path)
    with pytest.raises(crypto.WrongPasswordError, match="密码错误"):
        open_database(path, password="夏天")
    with pytest.raises(PasswordRequiredError, match="已加密"):
        open_database(path)
    assert _sha(path) == before and not lock_path_for(path).exists()
    [copy] = list_backups(path)
    assert not file_is_sound(copy) and file_is_sound(copy, "春天")  # the backup stays encrypted
    db = open_database(path, password="春天")
    assert db["persons"].count == 3
    crypto.change_password(db, "秋天")
    db.close()
    with pytest.raises(crypto.WrongPasswordError):
        open_database(path, password="春天")
    db = open_database(path, password="秋天")
    assert db["persons"].get(1)["id_number"] == ID
    db.close()


@needs_crypto
def test_encrypting_an_existing_plain_database(dbfile):
    assert ID.encode() in dbfile.read_bytes()  # plain SQLite: the number is readable
    crypto.encrypt_file(dbfile, "pw-1")
    assert ID.encode() not in dbfile.read_bytes()
    db = open_database(dbfile, password="pw-1")
    assert db["persons"].count == 3
    db.close()


@pytest.mark.parametrize("command", [["report", "F1", "--as-of", "2026-11-30", "--out", "F1.xlsx"],
                                     ["report", "F1,F2", "--as-of", "2026-11-30", "--out", "forms"]])
def test_an_encrypted_countys_password_is_asked_once_per_command(tmp_path, monkeypatch, command):
    """``wengang report`` opened the file twice (is it a city's? then the forms) and asked
    the caseworker for the password twice; a password typed once now opens it again in the
    same command, and a wrong one is never kept."""
    from wengang.cli import common  # noqa: PLC0415
    from wengang.cli.main import main  # noqa: PLC0415
    from wengang.services.demo.builder import build_demo  # noqa: PLC0415

    path = tmp_path / "secret.db"
    db = open_database(path, password="春天")
    build_demo(db, 20, seed=5, as_of=dt.date(2026, 11, 30))
    db.close()
    typed = ["夏天", "春天"]  # a wrong password first: refused, then the right one
    asked: list[str] = []
    monkeypatch.setattr(common, "_TYPED", {}, raising=False)
    monkeypatch.delenv("WENGANG_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", Terminal())  # the command may ask for the password
    monkeypatch.setattr(common.getpass, "getpass", lambda prompt="": asked.append(prompt) or typed[len(asked) - 1])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["--db", str(path), *command])  # 夏天: 密码错误
    assert len(asked) == 1 and common._TYPED == {}  # noqa: SLF001
    assert main(["--db", str(path), *command]) == 0
    assert len(asked) == 2  # once for this command, not once per open
    assert (tmp_path / command[-1]).exists()


def test_a_report_on_a_county_due_a_migration_checks_no_file_after_migrating(tmp_path, monkeypatch):
    """``wengang report`` on a county a newer program must migrate first: its first open (to
    learn whether the file is a city's) migrated it and let it go unrecorded, so the forms'
    open found the file changed and read all of it (``integrity_check``: 20–24 s at 200,000
    households). One open now migrates and goes on to the forms."""
    from wengang.cli import common  # noqa: PLC0415
    from wengang.cli.main import main  # noqa: PLC0415
    from wengang.services.demo.builder import build_demo  # noqa: PLC0415
    from wengang.store.migrations import migrations  # noqa: PLC0415

    path = tmp_path / "county.db"
    db = open_database(path)
    build_demo(db, 20, seed=5, as_of=dt.date(2026, 11, 30))
    db.close()  # left verified, at this program's schema
    monkeypatch.setattr(migrations, "_migrations", list(migrations._migrations))  # noqa: SLF001

    migrations(name="9999_a_newer_program")(lambda db: db.execute("CREATE TABLE newer_program_table (a)"))

    from wengang.store import integrity

    checked: list[Path] = []

    @contextlib.contextmanager
    def say_checking(path: Path):  # the hook's shape: a context around the check
        checked.append(path)
        yield None

    monkeypatch.setattr(common, "_say_checking", say_checking)
    # open_db installs the hook for the process: put back what was there for the next tests
    monkeypatch.setattr(integrity, "on_full_check", integrity.on_full_check)
    assert main(["--db", str(path), "report", "F1", "--as-of", "2026-11-30", "--out", str(tmp_path / "F1.xlsx")]) == 0
    assert checked == []  # no whole-file check
    assert (tmp_path / "F1.xlsx").exists()
    db = open_database(path)
    assert db["newer_program_table"].exists()  # migrated, once
    db.close()


# --- masking remembered ----------------------------------------------------------------------
def test_mask_preference_is_remembered_per_export_kind(db):
    assert mask_preference(db, "ledger_outgoing") is True
    set_mask_preference(db, "ledger_outgoing", False)
    assert mask_preference(db, "ledger_outgoing") is False
    assert mask_preference(db, "audit") is True


def test_lock_is_given_back_when_a_connection_is_dropped_unclosed(dbfile):
    import gc

    db = open_database(dbfile)
    assert lock_path_for(dbfile).exists()
    del db
    gc.collect()
    assert not lock_path_for(dbfile).exists()


@needs_crypto
def test_setting_a_password_twice_is_refused_cleanly(dbfile):
    crypto.encrypt_file(dbfile, "pw-1")
    before = _sha(dbfile)
    with pytest.raises(crypto.StoreError, match="已经加密"):
        crypto.encrypt_file(dbfile, "pw-2")
    assert _sha(dbfile) == before


def test_unmasked_export_to_a_usb_stick_is_warned_about(monkeypatch):
    from wengang.services import privacy

    monkeypatch.setattr(privacy, "is_removable_drive", lambda path: True)
    assert "移动存储" in privacy.unmasked_export_warning("/media/u/台账.xlsx", masked=False)
    assert privacy.unmasked_export_warning("/media/u/台账.xlsx", masked=True) is None
    monkeypatch.setattr(privacy, "is_removable_drive", lambda path: False)
    assert privacy.unmasked_export_warning("/home/台账.xlsx", masked=False) is None


def test_lock_from_before_a_restart_is_stale_even_if_its_pid_lives(dbfile):
    from wengang.store.lock import boot_time

    if boot_time() is None:
        pytest.skip("boot time unknown on this system")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        owner = {"pid": alive.pid, "host": socket.gethostname(), "boot": boot_time() - 86400}
        lock_path_for(dbfile).write_text(json.dumps(owner))
        db = open_database(dbfile)  # yesterday's lock: the pid was reused after a restart
        db.close()
        owner["boot"] = boot_time()
        lock_path_for(dbfile).write_text(json.dumps(owner))
        with pytest.raises(DatabaseInUseError):
            open_database(dbfile)
    finally:
        alive.kill()
        alive.wait()
        lock_path_for(dbfile).unlink(missing_ok=True)


def test_a_backup_is_one_file_that_leaves_nothing_beside_it_when_checked(tmp_path):
    from wengang.store.backup import backup, verify_file
    from wengang.store.db import open_database

    live = open_database(tmp_path / "live.db", auto_backup=False)
    live["settings"].insert({"key": "k", "value": "v"}, replace=True)
    dest = tmp_path / "usb" / "copy.db"
    backup(live, dest)
    live.close()
    assert verify_file(dest) == []
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.db"]


def test_forms_and_lists_from_the_command_line_leave_the_days_backup_to_a_command_that_writes(tmp_path, capsys):
    """``wengang report``, ``ledger``, ``bulletin`` and ``check-consistency`` write nothing of the caseworker's (the
    status store's derived rows alone): the first of them in a day does not copy the whole file
    before the form (731 MiB at 200,000 households); the first command that may change the
    data does, as the window does once shown."""
    from wengang.cli.main import main  # noqa: PLC0415
    from wengang.services.demo.builder import build_demo  # noqa: PLC0415

    path = tmp_path / "county.db"
    db = open_database(path)
    build_demo(db, 20, seed=5, as_of=dt.date(2026, 11, 30))
    db.close()
    assert list_backups(path) == []  # none today: the next open of the file is the day's first
    day = ["--as-of", "2026-11-30"]
    assert main(["--db", str(path), "report", "F1", *day, "--out", str(tmp_path / "f1.xlsx")]) == 0
    assert main(["--db", str(path), "report", "all", *day, "--out", str(tmp_path / "forms")]) == 0
    assert main(["--db", str(path), "ledger", "labour", *day, "--out", str(tmp_path / "labour.xlsx")]) == 0
    assert main(["--db", str(path), "bulletin", *day, "--out", str(tmp_path / "bulletin.txt")]) == 0
    roster = "/work/shared/samples/（自定义）脱贫人口和监测对象信息-样例.xlsx"
    # 1: the sample's persons are not this county's (the comparison is still written)
    assert main(["--db", str(path), "check-consistency", roster, "--out", str(tmp_path / "核对.xlsx")]) == 1
    assert (tmp_path / "核对.xlsx").exists()
    assert list_backups(path) == []
    assert (tmp_path / "f1.xlsx").exists() and (tmp_path / "labour.xlsx").exists()
    assert main(["--db", str(path), "setup", "--reviewer", "王审核"]) == 0
    made = list_backups(path)
    assert len(made) == 1 and "每日" in made[0].name and file_is_sound(made[0])
    capsys.readouterr()


def test_the_days_first_import_takes_one_backup_its_own(tmp_path, capsys):
    """``wengang import`` takes no daily backup at the open: a real import's 导入前 backup
    (the file as it was, dated today) is the day's, and a preview copies nothing. Before, the
    day's first import copied the whole file twice."""
    from wengang.cli.main import main  # noqa: PLC0415

    samples = Path("/work/shared/samples")
    persons = samples / "（自定义）脱贫人口和监测对象信息-样例.xlsx"
    path = tmp_path / "s.db"
    assert main(["--db", str(path), "setup", "--province", "甘肃省", "--city", "张掖市", "--county", "临泽县"]) == 0
    assert list_backups(path) == []  # a new file: nothing to keep yet; the next open is the day's first
    errors = str(tmp_path / "errors.xlsx")
    assert main(["--db", str(path), "import", "persons", str(persons), "--dry-run", "--errors", errors]) == 0
    assert list_backups(path) == []
    assert main(["--db", str(path), "import", "persons", str(persons), "--errors", errors]) == 0
    made = list_backups(path)
    assert [p.name.rsplit("-", 1)[1] for p in made] == ["导入前.db"] and file_is_sound(made[0])
    assert main(["--db", str(path), "setup", "--reviewer", "王审核"]) == 0
    assert list_backups(path) == made  # the import's backup was the day's
    capsys.readouterr()
