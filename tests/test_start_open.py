"""Opening a county file without reading all of it (issue 20: start fast).

The whole-file ``integrity_check`` (4 s of CPU at 50,000 households) runs once per state of
the file, whichever process ran it: a read-only command that checked it, or a command that
finished and let its database go, records the state, so the next process opens at once. A file
changed meanwhile, or let go by a run that failed, is checked again; a damaged file is refused
by a read-only command too.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from store_damage import break_index
from terminal import Terminal

from wengang.cli import main as cli
from wengang.domain.ids import make_id
from wengang.store import atomic as integrity_atomic
from wengang.store import integrity
from wengang.store.areas import set_installation
from wengang.store.db import abandon_held_databases, open_database


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "wengang.db"
    db = open_database(path)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    with db.atomic():
        area = db["areas"].insert({"name": "城关村", "level": "village"}).last_pk
        hh = db["households"].insert({"hh_no": "620702000001", "area_id": area, "hh_type": "脱贫户"}).last_pk
        for i in range(3):
            db["persons"].insert({"household_id": hh, "name": f"人{i}", "labour_skill": "普通劳动力",
                                  "id_number": make_id("620702", dt.date(1980, 1, 1), 101 + 2 * i, True)})
    db.close()
    return path


@pytest.fixture
def checks(monkeypatch):
    """The whole-file checks run from here on (as a new process would: nothing remembered)."""
    integrity._verified.clear()  # noqa: SLF001 - what this process already checked
    calls: list[int] = []
    real_beside = integrity.integrity_check_beside
    # The whole check, in parts on a second connection too (one check, counted once).
    monkeypatch.setattr(integrity, "integrity_check_beside",
                        lambda conn, second, when=None, progress=None: calls.append(1) or real_beside(conn, second, when, progress))
    yield calls
    integrity._verified.clear()  # noqa: SLF001


def _new_process() -> None:
    integrity._verified.clear()  # noqa: SLF001


def _changed_behind_our_back(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE persons SET name = '改' WHERE id = 1")
    conn.commit()
    conn.close()


def test_a_read_only_open_that_checked_the_file_spares_the_next_process(dbfile, checks):
    _changed_behind_our_back(dbfile)
    db = open_database(dbfile, lock=False)
    db.close()
    assert checks == [1]
    _new_process()
    db = open_database(dbfile, lock=False)
    assert db["persons"].count == 3
    db.close()
    assert checks == [1]  # the state it checked was recorded


def test_a_file_changed_while_it_was_checked_is_checked_again(dbfile, checks, monkeypatch):
    _changed_behind_our_back(dbfile)
    real = integrity.integrity_check_beside  # counts into ``checks``

    def check_while_another_program_writes(conn, second, when=None, progress=None):
        problems = real(conn, second, when, progress)
        other = sqlite3.connect(dbfile)
        other.execute("UPDATE persons SET name = '又改' WHERE id = 2")
        other.commit()
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # into the file itself, the WAL emptied
        other.close()
        return problems

    monkeypatch.setattr(integrity, "integrity_check_beside", check_while_another_program_writes)
    open_database(dbfile, lock=False).close()
    assert not integrity.unchanged_since_clean_close(dbfile)
    _new_process()
    open_database(dbfile, lock=False).close()
    assert checks == [1, 1]


def test_a_command_that_only_read_leaves_the_record_of_the_clean_close_as_it_was(dbfile, checks, monkeypatch,
                                                                                  capsys, tmp_path):
    """Writing the same record again costs a synced temporary file and folder: a process that
    only read leaves it untouched, one that wrote records the new state."""
    record = integrity.clean_close_record(dbfile)
    report = ["--db", str(dbfile), "report", "F1", "--as-of", "2026-11-30", "--out", str(tmp_path / "F1.xlsx")]
    assert cli.main(report) == 0  # the date's statuses derived and kept: the file changed
    gc.collect()
    before = record.read_text(encoding="utf-8")
    assert integrity.unchanged_since_clean_close(dbfile)
    synced: list[Path] = []
    real_fsync = integrity_atomic.fsync_file
    monkeypatch.setattr(integrity_atomic, "fsync_file", lambda path: synced.append(path) or real_fsync(path))
    _new_process()
    assert cli.main(report) == 0  # the kept date read back: nothing written
    gc.collect()
    assert [p for p in synced if p.name.startswith(record.name)] == []
    assert record.read_text(encoding="utf-8") == before
    assert integrity.unchanged_since_clean_close(dbfile)
    assert cli.main(["--db", str(dbfile), "setup", "--reviewer", "王审核"]) == 0
    gc.collect()
    assert record.read_text(encoding="utf-8") != before  # the file changed: its new state recorded
    assert integrity.unchanged_since_clean_close(dbfile)
    assert checks == []
    capsys.readouterr()


def test_a_command_without_the_lock_that_wrote_records_the_state_it_left(dbfile, checks, capsys):
    """``followup``, ``entitlements`` … open without the lock (they may run beside the window)
    and keep the statuses of the dates they read: the next command opened at once after them,
    not after a whole-file check (2 s at 50,000 households, about 20 s at 200,000)."""
    db = open_database(dbfile, lock=False)
    with db.atomic():
        db.execute("UPDATE persons SET name = '读时写' WHERE id = 2")  # as the status store writes
    db.close()
    assert integrity.unchanged_since_clean_close(dbfile)
    _new_process()
    reader = open_database(dbfile, lock=False)
    del reader
    gc.collect()  # let go without close, as a command does at its end
    assert integrity.unchanged_since_clean_close(dbfile)
    _new_process()
    assert cli.main(["--db", str(dbfile), "followup", "--as-of", "2026-11-30"]) == 0
    gc.collect()
    assert cli.main(["--db", str(dbfile), "info"]) == 0
    assert checks == []
    assert "正在检查" not in capsys.readouterr().err


def test_a_command_without_the_lock_whose_run_failed_leaves_the_file_to_be_checked(dbfile, checks):
    db = open_database(dbfile, lock=False)
    with db.atomic():
        db.execute("UPDATE persons SET name = '读时写' WHERE id = 2")
    abandon_held_databases()  # what the command line does when a run fails
    db.close()
    assert not integrity.unchanged_since_clean_close(dbfile)


def test_a_mistyped_area_stops_the_command_without_costing_the_next_a_check(dbfile, checks, capsys, tmp_path):
    """``--area 河西村`` where three townships have one: exit 2, the townships named and how to
    write one (``乡镇/村``, which --area now takes in report, ledger and bulletin too). Such a
    stop left the file's record forgotten, as after a failure, and the next command read the
    whole file again (2 s at 50,000 households, 20 s at 200,000)."""
    db = open_database(dbfile, daily_backup=False)
    with db.atomic():
        for town in ("甲镇", "乙镇"):
            township = db["areas"].insert({"name": town, "level": "township"}).last_pk
            db["areas"].insert({"name": "东村", "level": "village", "parent_id": township})
    db.close()
    assert integrity.unchanged_since_clean_close(dbfile)
    ledger = ["--db", str(dbfile), "ledger", "labour", "--as-of", "2026-11-30", "--out", str(tmp_path / "l.xlsx")]
    with pytest.raises(SystemExit) as stopped:
        cli.main([*ledger, "--area", "东村"])
    assert stopped.value.code == 2
    assert "有2个同名的地区“东村”（在甲镇、乙镇），请写成 乡镇/村，如 甲镇/东村" in capsys.readouterr().err
    gc.collect()
    assert integrity.unchanged_since_clean_close(dbfile)  # kept: the next open reads nothing
    assert cli.main([*ledger, "--area", "乙镇/东村"]) == 0
    assert checks == []


def test_a_restored_file_opens_without_a_check_of_its_own(dbfile, checks, tmp_path):
    """A restore checks the copy as it will be opened (its fourth check, 20 s at 200,000
    households); the next open read it all again, the window's first minute behind it."""
    from wengang.store.backup import backup, restore

    source = backup(dbfile, tmp_path / "备份.db")
    with open_database(dbfile, daily_backup=False) as db:
        db.execute("UPDATE persons SET name = '恢复后看不到' WHERE id = 1")
    restore(source, dbfile)
    assert integrity.unchanged_since_clean_close(dbfile)
    done = len(checks)
    _new_process()
    db = open_database(dbfile, lock=False)
    assert db.execute("SELECT name FROM persons WHERE id = 1").fetchone()[0] == "人0"
    db.close()
    assert len(checks) == done


@pytest.mark.skipif(not __import__("wengang.store.crypto", fromlist=["available"]).available(),
                    reason="sqlcipher3 not installed")
def test_a_file_just_encrypted_opens_without_a_check(dbfile, checks):
    from wengang.store.backup import encrypt_database

    encrypt_database(dbfile, "秘密")
    assert integrity.unchanged_since_clean_close(dbfile)
    done = len(checks)
    _new_process()
    db = open_database(dbfile, password="秘密", lock=False)
    assert db["persons"].count == 3
    db.close()
    assert len(checks) == done


def test_a_database_let_go_without_close_records_the_state_it_left(dbfile, checks):
    db = open_database(dbfile, daily_backup=False)
    db.execute("UPDATE persons SET name = '新' WHERE id = 3")
    del db
    gc.collect()
    assert integrity.unchanged_since_clean_close(dbfile)
    assert not Path(str(dbfile) + ".lock").exists()
    _new_process()
    open_database(dbfile, lock=False).close()
    assert checks == []


def test_a_database_abandoned_after_a_failure_is_checked_at_the_next_open(dbfile, checks):
    db = open_database(dbfile, daily_backup=False)
    abandon_held_databases()
    del db
    gc.collect()
    assert not integrity.clean_close_record(dbfile).exists()
    assert not Path(str(dbfile) + ".lock").exists()
    _new_process()
    open_database(dbfile, lock=False).close()
    assert checks == [1]


def test_a_command_that_finished_leaves_the_file_ready_for_the_next(dbfile, checks, capsys):
    _changed_behind_our_back(dbfile)
    assert cli.main(["--db", str(dbfile), "setup", "--reviewer", "王审核"]) == 0
    gc.collect()
    assert checks == [1]  # the file had changed: checked before the write
    _new_process()
    assert cli.main(["--db", str(dbfile), "info"]) == 0
    gc.collect()
    assert checks == [1]
    assert "王审核" in capsys.readouterr().out


def test_on_a_terminal_the_check_says_how_far_it_is_and_that_it_passed(dbfile, checks, monkeypatch):
    """The check of a copied 200,000-household file takes about 20 s: on a terminal the line
    under the message says the share checked and the seconds; then it says the file passed."""
    _changed_behind_our_back(dbfile)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert cli.main(["--db", str(dbfile), "info"]) == 0
    gc.collect()
    assert checks == [1]
    said = terminal.text
    assert said.index("是否完好") < said.index("已检查") < said.index("文件完好（检查用了")
    shares = [int(share) for share in re.findall(r"已检查(\d+)%", said)]
    assert shares[-1] == 100 and shares == sorted(shares)
    assert "\n文件完好" in said  # the counting line ended before the next line


def test_a_command_run_by_the_windowed_build_does_its_work(dbfile, checks, monkeypatch, tmp_path):
    """The window's build has no console: no standard output or error (None). A command run
    through it on a copied file checks the file and writes its form, saying nothing."""
    _changed_behind_our_back(dbfile)
    monkeypatch.setattr("sys.stdout", None)
    monkeypatch.setattr("sys.stderr", None)
    out = tmp_path / "F1.xlsx"
    try:
        assert cli.main(["--db", str(dbfile), "report", "F1", "--as-of", "2026-11-30", "--out", str(out)]) == 0
    finally:
        for stream in (sys.stdout, sys.stderr):  # the process's, until it exits
            if stream is not None:
                stream.close()
    gc.collect()
    assert checks == [1] and out.exists()


def test_a_command_says_what_it_waits_for_while_the_whole_file_is_checked(dbfile, checks, capsys):
    """The check of a copied file takes seconds (16 s at 200,000 households); the command
    line says so before it starts, and says nothing when the file is as it was left."""
    _changed_behind_our_back(dbfile)
    assert cli.main(["--db", str(dbfile), "info"]) == 0
    gc.collect()
    assert checks == [1]
    said = capsys.readouterr().err
    assert "正在检查数据库文件“wengang.db”是否完好" in said
    assert "文件完好（检查用了" in said and "已检查" not in said  # no counting line off a terminal
    _new_process()
    assert cli.main(["--db", str(dbfile), "info"]) == 0
    gc.collect()
    assert checks == [1]
    assert "正在检查" not in capsys.readouterr().err


def test_a_new_database_is_made_without_a_check_or_word_of_one(tmp_path, checks, capsys):
    """``wengang setup`` on a new path said it was checking a file "changed since the program
    last closed it, e.g. copied": there was no file."""
    path = tmp_path / "新县.db"
    assert cli.main(["--db", str(path), "setup", "--province", "甘肃省", "--county", "测试县"]) == 0
    gc.collect()
    assert checks == []
    assert "正在检查" not in capsys.readouterr().err
    _new_process()
    assert cli.main(["--db", str(path), "info"]) == 0  # as it was left: nothing to check either
    gc.collect()
    assert checks == []
    assert integrity.unchanged_since_clean_close(path)


def test_a_command_that_raised_leaves_the_file_to_be_checked(dbfile, checks, monkeypatch, capsys):
    from wengang.cli.commands import setup

    def failing(args):
        _db = setup.open_db(args)
        raise RuntimeError("中途出错")

    monkeypatch.setattr(setup, "run", failing)
    assert cli.main(["--db", str(dbfile), "setup"]) == 2
    gc.collect()
    assert "中途出错" in capsys.readouterr().err
    assert not integrity.clean_close_record(dbfile).exists()
    assert not Path(str(dbfile) + ".lock").exists()


def test_a_damaged_file_is_refused_by_a_read_only_command(dbfile, checks, capsys):
    break_index(dbfile)  # the name index made to point at another column
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--db", str(dbfile), "report", "F1", "--as-of", "2026-11-30"])
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert "完整性检查未通过" in said and "文件完好" not in said
    assert not integrity.clean_close_record(dbfile).exists()


# --- a read-only command beside the program holding the file ------------------------------------
# The holder (the window, a long import) checked the file as it opened it and writes it since, so
# the record of the last clean close never matches while it runs: a read-only command run then
# (``wengang info``, ``wengang backup``) read the whole file again, 2 s at 200,000 households.
HOLDER = """
import sys, time
from wengang.store.db import open_database
db = open_database(sys.argv[1], daily_backup=False)
with db.atomic():
    db.execute("UPDATE persons SET name = '写过' WHERE id = 1")  # the file changes as it is held
print("open", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(dbfile):
    """Another program holding ``dbfile`` open, after checking it (it had changed) and writing."""
    import subprocess
    import sys

    _changed_behind_our_back(dbfile)
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(dbfile)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "open"
        yield process
    finally:
        process.kill()
        process.wait()
        process.stdout.close()


def _lock_owner(path: Path) -> dict:
    import json

    return json.loads(Path(str(path.resolve()) + ".lock").read_text(encoding="utf-8"))


def test_a_read_only_command_beside_the_program_that_checked_the_file_does_not_read_it_again(
        dbfile, holder, checks, capsys):
    assert _lock_owner(dbfile)["verified"] is True
    assert not integrity.unchanged_since_clean_close(dbfile)  # as without a holder: it would check
    assert cli.main(["--db", str(dbfile), "info"]) == 0
    gc.collect()
    assert checks == []
    assert "正在检查" not in capsys.readouterr().err
    reader = open_database(dbfile, lock=False)
    assert reader.execute("SELECT name FROM persons WHERE id = 1").fetchone()[0] == "写过"
    reader.close()
    assert checks == []


def test_a_holder_that_has_not_vouched_for_the_file_leaves_the_check_to_the_reader(dbfile, holder, checks):
    lock = Path(str(dbfile.resolve()) + ".lock")
    owner = _lock_owner(dbfile)
    for said in ({**owner, "verified": False}, {k: v for k, v in owner.items() if k != "verified"},
                 {**owner, "host": "另一台电脑"}):
        lock.write_text(__import__("json").dumps(said), encoding="utf-8")
        _new_process()
        integrity.forget_clean_close(dbfile)  # the reader before checked it and said so
        checks.clear()
        open_database(dbfile, lock=False).close()
        assert checks == [1], said


def test_the_word_of_a_program_gone_is_not_taken(dbfile, checks):
    import json
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    _changed_behind_our_back(dbfile)
    Path(str(dbfile.resolve()) + ".lock").write_text(json.dumps(
        {"pid": gone.pid, "host": socket.gethostname(), "verified": True}), encoding="utf-8")
    open_database(dbfile, lock=False).close()
    assert checks == [1]


def test_the_window_vouches_for_the_file_once_its_background_check_has_passed(dbfile, checks, monkeypatch):
    monkeypatch.setattr(integrity, "FIRST_PAINT_S", 0)
    _changed_behind_our_back(dbfile)
    passed = integrity.BackgroundCheck.when_passed
    held: list = []
    # The vouch is held back until the test has looked at the lock before it.
    monkeypatch.setattr(integrity.BackgroundCheck, "when_passed", lambda self, callback: held.append((self, callback)))
    db = open_database(dbfile, verify_in_background=True, daily_backup=False)
    assert "verified" not in _lock_owner(dbfile)
    (check, callback), = held
    passed(check, callback)
    assert check.wait(10)
    assert checks == [1]
    assert _lock_owner(dbfile)["verified"] is True
    abandon_held_databases()  # a run failed: the word is taken back
    assert _lock_owner(dbfile)["verified"] is False
    db.close()


def test_a_damaged_file_is_never_vouched_for(dbfile, checks, monkeypatch):
    monkeypatch.setattr(integrity, "FIRST_PAINT_S", 0)
    break_index(dbfile)
    db = open_database(dbfile, verify_in_background=True, daily_backup=False)
    with pytest.raises(integrity.DamagedDatabaseError):
        db.integrity.wait(10)
    assert "verified" not in _lock_owner(dbfile)
    db.close()


def test_the_programs_next_connection_takes_its_own_word(dbfile, checks):
    """The window writes as soon as it shows; its 台账's own connection, opened later, read the
    whole file again in the background (7 s at 50k on a slow host), the window's own changes
    being all that was new."""
    _changed_behind_our_back(dbfile)
    db = open_database(dbfile, daily_backup=False)
    assert checks == [1]
    with db.atomic():
        db.execute("UPDATE persons SET name = '又写' WHERE id = 1")
    assert not integrity.unchanged_since_clean_close(dbfile)
    second = open_database(dbfile, verify_in_background=True, daily_backup=False)
    assert second.integrity is None  # nothing left to check, nor writes held for it
    assert second.execute("SELECT name FROM persons WHERE id = 1").fetchone()[0] == "又写"
    second.close()
    db.close()
    assert checks == [1]
    _changed_behind_our_back(dbfile)  # let go: this process's word of then is not taken
    open_database(dbfile, lock=False).close()
    assert checks == [1, 1]


def test_a_lock_held_open_for_a_moment_is_vouched_for_when_it_is_let_go(dbfile, monkeypatch):
    """Windows refuses to replace a file another process has open (a read-only command reading
    the owner, a virus scanner looking at the new lock): tried again a moment later, and never
    an error for the caseworker when it stays refused."""
    from wengang.store import lock as locking

    real, refusals = locking.os.replace, []

    def refused_twice(source, target):
        if len(refusals) < 2:
            refusals.append(target)
            raise PermissionError(13, "另一个程序正在使用此文件")
        real(source, target)

    monkeypatch.setattr(locking.os, "replace", refused_twice)
    db = open_database(dbfile, daily_backup=False)
    assert len(refusals) == 2 and _lock_owner(dbfile)["verified"] is True
    db.close()

    def always_refused(_source, target):
        refusals.append(target)
        raise PermissionError(13, "另一个程序正在使用此文件")

    monkeypatch.setattr(locking.os, "replace", always_refused)
    db = open_database(dbfile, daily_backup=False)  # opens as before, only without the word
    assert "verified" not in _lock_owner(dbfile)
    assert not list(dbfile.parent.glob("*.partial"))
    db.close()
