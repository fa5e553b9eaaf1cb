"""Backups through SQLite's online backup API, automatic rotation, verified restore.

A backup is written to ``<dest>.partial`` and renamed into place only when complete, so a
crash mid-backup never leaves a half file under the backup's name. Automatic backups live in
``backups/`` next to the database (for the default database that is ``data_dir()/backups``),
named ``<db stem>-YYYYMMDD-HHMMSS-<reason>.db``; the newest :data:`KEEP` are kept. An encrypted
database is copied with ``sqlcipher_export`` under its own key, so its backups stay encrypted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
from pathlib import Path

import sqlite_utils

from wengang.store import crypto, lock
from wengang.store.errors import RestoreError, StoreError
from wengang.store.sqlite_file import looks_like_sqlite, quick_check

log = logging.getLogger(__name__)

KEEP = 10
_STAMP = "%Y%m%d-%H%M%S"


def backups_dir(db_path: Path | str) -> Path:
    return Path(db_path).resolve().parent / "backups"


def list_backups(db_path: Path | str) -> list[Path]:
    """Automatic backups of ``db_path``, newest first."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    pattern = re.compile(re.escape(Path(db_path).stem) + r"-(\d{8}-\d{6})(-.*)?\.db$")
    found = [p for p in folder.iterdir() if pattern.match(p.name)]
    return sorted(found, key=lambda p: pattern.match(p.name).group(1) + p.name, reverse=True)


def _db_file(db: sqlite_utils.Database) -> Path | None:
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else None


def backup(db_or_path: sqlite_utils.Database | Path | str, dest: Path | str, *,
           password: str | None = None, progress=None) -> Path:
    """Copy a live database (open ``Database`` or a file) to ``dest``, consistently.

    ``progress(status, remaining, total)`` is sqlite3's backup callback (plain files only).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    if isinstance(db_or_path, sqlite_utils.Database):
        conn, close = db_or_path.conn, False
    elif password:
        conn, close = crypto.connect_encrypted(db_or_path, password), True
    else:
        if not Path(db_or_path).exists():
            raise StoreError(f"找不到数据库文件 {db_or_path}")
        conn, close = sqlite3.connect(f"file:{Path(db_or_path).resolve()}?mode=ro", uri=True), True
    try:
        if crypto.is_encrypted_connection(conn):
            crypto.export_encrypted(conn, partial)
        else:
            target = sqlite3.connect(str(partial))
            try:
                conn.backup(target, pages=1024 if progress is None else 16, progress=progress)
                # The copy inherits WAL mode from the live file; a backup is a single file
                # (often on a USB stick), so switch it to a rollback journal: opening it later
                # leaves no -wal/-shm files beside it.
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
        if close:
            conn.close()
    return dest


def auto_backup(db: sqlite_utils.Database, reason: str, *, keep: int = KEEP) -> Path | None:
    """A rotating backup into ``backups/`` (None for an in-memory database)."""
    path = _db_file(db)
    if path is None:
        return None
    stamp = dt.datetime.now().strftime(_STAMP)
    dest = backups_dir(path) / f"{path.stem}-{stamp}-{reason}.db"
    n = 1
    while dest.exists():
        n += 1
        dest = backups_dir(path) / f"{path.stem}-{stamp}-{reason}{n}.db"
    backup(db, dest)
    for old in list_backups(path)[keep:]:
        old.unlink(missing_ok=True)
    return dest


def backup_before(db: sqlite_utils.Database, reason: str) -> Path | None:
    """For importers and other risky work: ``backup_before(db, "导入前")``; never raises on
    a full disk (the work may proceed; the failure is logged)."""
    try:
        return auto_backup(db, reason)
    except (OSError, *crypto.database_errors()) as exc:
        log.warning("自动备份失败：%s", exc)
        return None


def daily_backup_due(db_path: Path | str, today: dt.date | None = None) -> bool:
    day = (today or dt.date.today()).strftime("%Y%m%d")
    return not any(f"-{day}-" in p.name for p in list_backups(db_path))


def file_is_sound(path: Path | str, password: str | None = None) -> bool:
    """Does the file open and pass ``quick_check``? (Encrypted files need the password.)"""
    try:
        problems = verify_file(path, password)
    except (StoreError, OSError):
        return False
    return not problems


def verify_file(path: Path | str, password: str | None = None) -> list[str]:
    """Problems that make ``path`` unfit to restore: integrity, schema, newer version."""
    from wengang.store.migrations import known_migration_names  # noqa: PLC0415

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return [f"文件 {path} 不存在或为空"]
    if password:
        conn = crypto.connect_encrypted(path, password)
    else:
        if not looks_like_sqlite(path):
            return ["不是稳岗台账数据库文件（可能已加密或已损坏）"]
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        problems = quick_check(conn)
        if problems:
            return [f"完整性检查未通过：{'；'.join(problems[:3])}"]
        try:
            names = [r[0] for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'wengang'").fetchall()]
        except crypto.database_errors():
            return ["不是稳岗台账数据库（没有数据结构版本记录）"]
        if "0001_initial" not in names:
            return ["不是稳岗台账数据库（没有数据结构版本记录）"]
        unknown = [n for n in names if n not in known_migration_names()]
        if unknown:
            return [f"由更新版本的程序创建（{'、'.join(unknown)}），请先升级程序"]
        return []
    finally:
        conn.close()


def restore(source: Path | str, db_path: Path | str, *, password: str | None = None) -> Path:
    """Replace the database at ``db_path`` with the verified backup ``source``.

    The current database is kept as ``<db>.before-restore`` (a consistent copy when it is
    readable, else the raw files). Returns that path. The caller must hold no connection to
    ``db_path``; the lock file keeps other programs out meanwhile.
    """
    source, db_path = Path(source), Path(db_path)
    problems = verify_file(source, password)
    if problems:
        raise RestoreError(f"备份文件 {source} 不能用于恢复：{'；'.join(problems)}。当前数据库未改动。")
    held = lock.acquire(db_path)
    try:
        aside = db_path.with_name(db_path.name + ".before-restore")
        if db_path.exists():
            if file_is_sound(db_path, password):
                backup(db_path, aside, password=password)
            else:
                shutil.copyfile(db_path, aside)
        staged = db_path.with_name(db_path.name + ".restoring")
        shutil.copyfile(source, staged)
        with open(staged, "rb+") as fh:
            os.fsync(fh.fileno())
        # A WAL left beside the old file would be replayed into the restored one: remove it.
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(staged, db_path)
    finally:
        lock.release(held)
    return aside
