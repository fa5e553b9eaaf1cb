"""Hostile cases for the database file (issue 19): restore and its undo, encryption kept,
damaged/empty/zero-filled files, index corruption, a full disk, the clean-close record, the
background check, ``demo --replace``. Each fails without its protection."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from checks_said import Checks
from store_damage import break_index

from wengang.domain.ids import make_id
from wengang.services.demo import build_demo
from wengang.store import crypto, diskerrors, integrity
from wengang.store.areas import set_installation
from wengang.store.audit import lock_period, unlock_period
from wengang.store.backup import (
    EncryptionWouldBeLostError,
    RestoreError,
    backup,
    encrypt_database,
    list_backups,
    rekey_backups,
    restore,
    verify_file,
)
from wengang.store.db import open_database
from wengang.store.integrity import DamagedDatabaseError, PasswordRequiredError

needs_cipher = pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 not installed")


def _populate(db, n=3, start=0):
    set_installation(db, "甘肃省", "张掖市", "测试县")
    with db.atomic():
        area = db.execute("SELECT id FROM areas WHERE name='城关村'").fetchone()
        area = area[0] if area else db["areas"].insert({"name": "城关村", "level": "village"}).last_pk
        hh = db["households"].insert({"hh_no": f"62070200000{start}", "area_id": area, "hh_type": "脱贫户"}).last_pk
        for i in range(start, start + n):
            db["persons"].insert({"household_id": hh, "name": f"人{i}", "labour_skill": "普通劳动力",
                                  "id_number": make_id("620702", dt.date(1980, 1, 1), 101 + 2 * i, True)})


def _persons(path: Path, password: str | None = None) -> int:
    db = open_database(path, password=password, lock=False, auto_backup=False)
    try:
        return db["persons"].count
    finally:
        db.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "wengang.db"
    db = open_database(path)
    _populate(db)
    db.close()
    return path


# --- restore (case 1) ---------------------------------------------------------------------------
def test_undoing_a_restore_gives_back_the_data_from_before_it(dbfile, tmp_path):
    before = backup(dbfile, tmp_path / "before.db")
    db = open_database(dbfile)
    _populate(db, 1, start=10)  # the import made after the backup
    db.close()
    assert _persons(dbfile) == 4
    aside = restore(before, dbfile)
    assert _persons(dbfile) == 3 and _persons(aside) == 4
    second = restore(aside, dbfile)  # "restore db.db.before-restore": undo the restore
    assert second != aside and aside.exists()
    assert _persons(dbfile) == 4  # the imported person is back
    assert _persons(aside) == 4 and _persons(second) == 3


def test_restore_keeps_a_verified_backup_and_is_audited(dbfile, tmp_path):
    source = backup(dbfile, tmp_path / "b.db")
    restore(source, dbfile)
    kept = [p for p in list_backups(dbfile) if "恢复前" in p.name]
    assert len(kept) == 1 and verify_file(kept[0]) == []
    db = open_database(dbfile)
    entries = db.execute("SELECT table_name, new_json, reason FROM audit_log WHERE table_name='database'").fetchall()
    db.close()
    assert entries and "b.db" in entries[-1][1] and entries[-1][2] == "从备份恢复数据库"


def test_restore_refuses_the_database_itself(dbfile):
    digest = _sha(dbfile)
    with pytest.raises(RestoreError, match="本身"):
        restore(dbfile, dbfile)
    assert _sha(dbfile) == digest


def test_restore_into_a_missing_folder(dbfile, tmp_path):
    target = tmp_path / "new" / "place" / "wengang.db"
    restore(dbfile, target)
    assert _persons(target) == 3


@needs_cipher
def test_restore_never_silently_decrypts(dbfile, tmp_path):
    plain = backup(dbfile, tmp_path / "old-plain.db")
    encrypt_database(dbfile, "秘密1")
    digest = _sha(dbfile)
    with pytest.raises(EncryptionWouldBeLostError, match="加密"):
        restore(plain, dbfile)
    assert _sha(dbfile) == digest
    restore(plain, dbfile, password="秘密1")  # the restored copy is encrypted with it
    assert not integrity.looks_like_sqlite(dbfile)
    assert _persons(dbfile, "秘密1") == 3
    with pytest.raises(PasswordRequiredError):
        open_database(dbfile)


@needs_cipher
def test_password_set_removes_plain_backups_and_change_rekeys_the_rest(dbfile, tmp_path):
    db = open_database(dbfile)
    db.close()
    backup(dbfile, dbfile.parent / "backups" / "wengang-20260101-080000-每日.db")
    assert any(integrity.looks_like_sqlite(p) for p in list_backups(dbfile))
    checks = Checks()
    removed = encrypt_database(dbfile, "旧密码", checking=checks)
    assert removed and not any(integrity.looks_like_sqlite(p) for p in list_backups(dbfile))
    assert [(c["what"], c["passed"]) for c in checks.seen] == [("加密后的备份", True)] and checks.told_to_the_end()
    assert all(verify_file(p, "旧密码") == [] for p in list_backups(dbfile))
    db = open_database(dbfile, password="旧密码")
    crypto.change_password(db, "新密码")
    db.close()
    checks = Checks()
    rekeyed = rekey_backups(dbfile, "旧密码", "新密码", checking=checks)
    assert rekeyed == len(checks.seen) >= 1 and checks.told_to_the_end()
    assert {(c["what"], c["passed"]) for c in checks.seen} == {("改用新密码的备份", True)}
    assert {c["name"] for c in checks.seen} <= {p.name for p in list_backups(dbfile)}  # not its temporary's
    assert all(verify_file(p, "新密码") == [] for p in list_backups(dbfile))
    dbfile.write_bytes(b"\0" * 8192)  # now damaged: a backup is still offered, with the new key
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(dbfile, password="新密码")
    assert caught.value.backup is not None


# --- damaged files (case 7, 8) ----------------------------------------------------------------
def _auto_backup(dbfile):
    db = open_database(dbfile)
    db.close()
    assert list_backups(dbfile)


def test_zero_byte_file_with_backups_is_damaged_and_a_backup_offered(dbfile):
    _auto_backup(dbfile)
    dbfile.write_bytes(b"")
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(dbfile)
    assert "0字节" in str(caught.value) and caught.value.backup is not None
    assert dbfile.stat().st_size == 0  # not turned into a new empty county


def test_zero_byte_file_without_backups_is_a_new_database(tmp_path):
    path = tmp_path / "new.db"
    path.write_bytes(b"")
    open_database(path).close()
    assert integrity.looks_like_sqlite(path)


@pytest.mark.parametrize("damage", ["zeros", "first_byte", "truncated"])
def test_damaged_file_is_called_damaged_not_encrypted(dbfile, damage):
    _auto_backup(dbfile)
    data = bytearray(dbfile.read_bytes())
    if damage == "zeros":
        data = bytearray(len(data))
    elif damage == "first_byte":
        data[0] ^= 0xFF
    else:
        data = data[: len(data) // 2 // 4096 * 4096 or 4096]
    dbfile.write_bytes(bytes(data))
    digest = _sha(dbfile)
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(dbfile)
    assert not isinstance(caught.value, PasswordRequiredError)
    assert "损坏" in str(caught.value) and caught.value.backup is not None
    assert _sha(dbfile) == digest


def test_index_corruption_is_caught_before_the_first_write(dbfile):
    break_index(dbfile)
    digest = _sha(dbfile)
    with pytest.raises(DamagedDatabaseError, match="完整性检查"):
        open_database(dbfile)
    assert _sha(dbfile) == digest


# --- full disk and read-only (case 5) ----------------------------------------------------------
def _changed_since_close(dbfile):
    integrity.forget_clean_close(dbfile)
    integrity._verified.clear()


def test_disk_io_error_on_a_full_disk_is_said_as_a_full_disk(dbfile, monkeypatch):
    _changed_since_close(dbfile)
    monkeypatch.setattr(integrity, "integrity_check_beside", lambda conn, second, when=None, progress=None: ["disk I/O error"])
    monkeypatch.setattr(diskerrors, "free_space", lambda path: 1024)
    with pytest.raises(diskerrors.DiskFullError) as caught:
        open_database(dbfile)
    assert "磁盘空间已满" in str(caught.value) and "损坏" not in str(caught.value).replace("没有损坏", "")


def test_database_full_is_not_called_damaged(dbfile, monkeypatch):
    _changed_since_close(dbfile)
    monkeypatch.setattr(integrity, "integrity_check_beside", lambda conn, second, when=None, progress=None: ["database or disk is full"])
    with pytest.raises(diskerrors.DiskFullError):
        open_database(dbfile)


def test_enospc_and_read_only_errors_are_plain():
    import errno
    full = diskerrors.plain_problem(OSError(errno.ENOSPC, "No space left on device"), "x.db")
    ro = diskerrors.plain_problem(OSError(errno.EROFS, "Read-only file system"), "x.db")
    assert isinstance(full, diskerrors.DiskFullError) and isinstance(ro, diskerrors.ReadOnlyError)
    assert diskerrors.plain_problem(ValueError("other"), "x.db") is None


# --- the check off the start path (point 4) ----------------------------------------------------
def test_unchanged_file_is_not_checked_again_and_a_changed_one_is(dbfile, monkeypatch):
    calls = []
    real = integrity.integrity_check_beside
    monkeypatch.setattr(integrity, "integrity_check_beside", lambda conn, second, when=None, progress=None: calls.append(1) or real(conn, second, when, progress))
    integrity._verified.clear()
    open_database(dbfile).close()  # the fixture's close recorded the state: nothing to check
    assert calls == []
    integrity._verified.clear()
    conn = sqlite3.connect(dbfile)  # changed behind the program's back
    conn.execute("UPDATE persons SET name = '改' WHERE id = 1")
    conn.commit()
    conn.close()
    open_database(dbfile).close()
    assert calls == [1]


def test_a_write_waiting_for_the_background_check_brings_in_the_second_connection(dbfile, monkeypatch):
    """The window's check runs on one connection, the second core left to the window, until
    work waits for it: then a second connection checks parts of it too."""
    integrity.forget_clean_close(dbfile)
    integrity._verified.clear()
    cued = []

    def check(conn, second, when, progress=None):
        cued.append(when is not None and when.wait(10))  # as the parts wait for their cue
        return []

    monkeypatch.setattr(integrity, "integrity_check_beside", check)
    db = open_database(dbfile, verify_in_background=True, daily_backup=False)
    try:
        time.sleep(integrity.FIRST_PAINT_S + 0.2)
        assert db["persons"].count == 3 and not db.integrity.done.is_set()  # reads do not cue it
        assert db.execute("UPDATE persons SET name='等' WHERE id=1").rowcount == 1
        assert cued == [True]
    finally:
        db.close()


def test_background_check_holds_writes_until_it_passes(dbfile, monkeypatch):
    integrity.forget_clean_close(dbfile)
    integrity._verified.clear()
    gate = threading.Event()
    real = integrity.integrity_check_beside
    monkeypatch.setattr(integrity, "integrity_check_beside", lambda *args, **kw: gate.wait(10) and real(*args, **kw))
    db = open_database(dbfile, verify_in_background=True, daily_backup=False)
    try:
        assert db["persons"].count == 3  # reads go ahead at once
        wrote = []
        writer = threading.Thread(target=lambda: wrote.append(
            db.execute("UPDATE persons SET name='等' WHERE id=1").rowcount))
        writer.start()
        time.sleep(0.3)
        assert wrote == []  # held
        gate.set()
        writer.join(10)
        assert wrote == [1]
    finally:
        db.close()


def test_background_check_refuses_writes_to_a_damaged_file(dbfile):
    break_index(dbfile)
    integrity._verified.clear()
    db = open_database(dbfile, verify_in_background=True, daily_backup=False)
    try:
        with pytest.raises(DamagedDatabaseError):
            db.integrity.wait(30)
        with pytest.raises(sqlite3.DatabaseError):
            db.execute("UPDATE persons SET name='x' WHERE id=1")
    finally:
        db.close()
    assert not integrity.clean_close_record(dbfile).exists()


# --- destructive commands and events are audited (case 6) --------------------------------------
def test_demo_replace_takes_a_verified_backup_and_is_audited(dbfile):
    db = open_database(dbfile)
    try:
        counts = build_demo(db, households=20, replace=True)
        saved = Path(counts["backup"])
        assert verify_file(saved) == [] and _persons(saved) == 3
        entry = db.execute("SELECT new_json, reason FROM audit_log WHERE table_name='database'").fetchone()
        assert entry and "demo --replace" in entry[1] and str(saved) in entry[0]
    finally:
        db.close()


def test_locking_and_unlocking_a_month_are_audited(db):
    lock_period(db, dt.date(2026, 3, 31))
    unlock_period(db, "2026-03")
    rows = db.execute("SELECT action, new_json FROM audit_log WHERE table_name='locked_periods'").fetchall()
    assert [r[0] for r in rows] == ["insert", "delete"] and all("2026-03" in r[1] for r in rows)


def test_purge_takes_a_verified_backup_first_and_is_audited(dbfile):
    from wengang.store.trash import purge, soft_delete
    db = open_database(dbfile)
    try:
        trash_id = soft_delete(db, "persons", 1, "测试")
        assert purge(db, [trash_id]) == 1
        saved = [p for p in list_backups(dbfile) if "彻底删除前" in p.name]
        assert saved and verify_file(saved[0]) == []
        kept = sqlite3.connect(saved[0])
        assert kept.execute("SELECT count(*) FROM trash").fetchone()[0] == 1  # still recoverable there
        kept.close()
        row = db.execute("SELECT reason FROM audit_log WHERE table_name = 'trash'").fetchone()
        assert row and "彻底删除" in row[0]
    finally:
        db.close()


def test_a_file_overwritten_by_text_is_damaged_not_encrypted(dbfile):
    _auto_backup(dbfile)
    data = dbfile.read_bytes()
    dbfile.write_bytes(b"name,id_number\n" * 40 + data[600:])
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(dbfile)
    assert not isinstance(caught.value, PasswordRequiredError) and caught.value.backup is not None


def test_a_write_refused_by_the_background_check_is_said_in_chinese(dbfile, qapp):
    """The window's worker turns SQLite's "not authorized" into the damaged-file error
    (the file is damaged, nothing written, the backup offered)."""
    from wengang.gui.context import _Worker  # noqa: PLC0415

    break_index(dbfile)
    integrity._verified.clear()
    db = open_database(dbfile, verify_in_background=True, daily_backup=False)
    try:
        with pytest.raises(DamagedDatabaseError):
            db.integrity.wait(30)
        worker = _Worker(lambda: db, lambda conn, _p: conn.execute("UPDATE persons SET name='x' WHERE id=1"))
        failures = []
        worker.signals.failed.connect(failures.append)
        worker.run()
        assert len(failures) == 1 and isinstance(failures[0], DamagedDatabaseError)
        assert "not authorized" not in str(failures[0]) and "损坏" in str(failures[0])
    finally:
        db.close()
