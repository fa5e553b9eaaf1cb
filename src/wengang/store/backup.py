"""Backups through SQLite's online backup API, automatic rotation, verified restore.

A backup is written to ``<dest>.partial`` and renamed into place only when complete, so a
crash mid-backup never leaves a half file under the backup's name. Automatic backups live in
``backups/`` next to the database (for the default database that is ``data_dir()/backups``),
named ``<db stem>-YYYYMMDD-HHMMSS-<reason>.db``; the newest :data:`KEEP` are kept. An encrypted
database is copied with ``sqlcipher_export`` under its own key, so its backups stay encrypted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from wengang.store import crypto, lock
from wengang.store.atomic import atomic_output, fsync_file
from wengang.store.clean_close import record_clean_close
from wengang.store.errors import RestoreError, StoreError
from wengang.store.sqlite_file import Progress, integrity_check_beside, looks_like_sqlite, read_only_uri, zero_filled

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
           password: str | None = None, progress=None, at_once: bool = False) -> Path:
    """Copy a live database (open ``Database`` or a file) to ``dest``, consistently.

    ``at_once``: in one step, one read transaction (a snapshot): another connection's writes
    meanwhile go on (WAL) and do not make the copy start over, as between two steps.
    ``progress(bytes written, bytes to write)``: told from a thread as the copy grows (plain
    files only); the copy is then made at once, so that it ends however busy the file is.
    """
    dest = Path(dest)
    if isinstance(db_or_path, sqlite_utils.Database):
        conn, close = db_or_path.conn, False
    elif password:
        conn, close = crypto.connect_encrypted(db_or_path, password), True
    else:
        if not Path(db_or_path).exists():
            raise StoreError(f"找不到数据库文件 {db_or_path}")
        conn, close = sqlite3.connect(read_only_uri(db_or_path), uri=True), True
    try:
        # A temporary name beside dest, fsynced and renamed (store.atomic): a killed or failed
        # backup never leaves a half file under the backup's name, nor harms an older one.
        with atomic_output(dest) as partial:
            if crypto.is_encrypted_connection(conn):
                crypto.export_encrypted(conn, partial)
            else:
                target = sqlite3.connect(str(partial))
                try:
                    if progress is None:
                        conn.backup(target, pages=-1 if at_once else 1024)
                    else:
                        with _told_by_growth(conn, partial, progress):
                            conn.backup(target, pages=-1)
                    # The copy inherits WAL mode from the live file; a backup is a single file
                    # (often on a USB stick), so switch it to a rollback journal: opening it later
                    # leaves no -wal/-shm files beside it.
                    target.execute("PRAGMA journal_mode=DELETE")
                finally:
                    target.close()
    finally:
        if close:
            conn.close()
    return dest


GROWTH_LOOK_S = 0.25


@contextlib.contextmanager
def _told_by_growth(conn, copy: Path, progress: Progress) -> Iterator[None]:
    """While the block copies ``conn``'s database into ``copy`` in one step (SQLite lets go of
    the GIL meanwhile and the file grows as the pages are written), ``progress(bytes so far,
    bytes in all)`` from a thread; once more with all of them when the block ends normally."""
    total = conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    over = threading.Event()

    def watch() -> None:
        while not over.wait(GROWTH_LOOK_S):
            with contextlib.suppress(OSError):
                progress(min(copy.stat().st_size, total), total)

    watching = threading.Thread(target=watch, name="wengang-backup-growth", daemon=True)
    watching.start()
    try:
        yield
    finally:
        over.set()
        watching.join()
    progress(total, total)


def auto_backup(db: sqlite_utils.Database, reason: str, *, keep: int = KEEP, progress=None,
                at_once: bool = False) -> Path | None:
    """A rotating backup into ``backups/`` (None for an in-memory database); ``progress`` and
    ``at_once`` as :func:`backup` takes them."""
    path = _db_file(db)
    if path is None:
        return None
    check = getattr(db, "integrity", None)
    if check is not None:
        check.wait()  # never back up (and rotate out good backups for) an unverified file
    dest = backup(db, _dated_backup_path(path, reason), progress=progress, at_once=at_once)
    _rotate(path, keep)
    return dest


def _dated_backup_path(path: Path, reason: str) -> Path:
    stamp = dt.datetime.now().strftime(_STAMP)
    dest = backups_dir(path) / f"{path.stem}-{stamp}-{reason}.db"
    n = 1
    while dest.exists():
        n += 1
        dest = backups_dir(path) / f"{path.stem}-{stamp}-{reason}{n}.db"
    return dest


def _rotate(path: Path, keep: int = KEEP) -> None:
    for old in list_backups(path)[keep:]:
        old.unlink(missing_ok=True)


def backup_before(db: sqlite_utils.Database, reason: str) -> Path | None:
    """For importers and other risky work: ``backup_before(db, "导入前")``; never raises on
    a full disk (the work may proceed; the failure is logged)."""
    try:
        return auto_backup(db, reason)
    except (OSError, StoreError, *crypto.database_errors()) as exc:
        log.warning("自动备份失败：%s", exc)
        return None


def daily_backup(db_path: Path | str, password: str | None = None) -> Path | None:
    """The day's automatic backup of the file at ``db_path``, unless one was made today, on a
    connection of its own and in one step (``backup(at_once=True)``): the window makes it on
    a thread beside its own work, which goes on meanwhile. The caller has seen the file pass
    its integrity check (a damaged file is never backed up over good backups). As
    :func:`backup_before`, it never raises on a full disk (the failure is logged)."""
    path = Path(db_path).resolve()
    if not daily_backup_due(path):
        return None
    try:
        dest = backup(path, _dated_backup_path(path, "每日"), password=password, at_once=True)
    except (OSError, StoreError, *crypto.database_errors()) as exc:
        log.warning("自动备份失败：%s", exc)
        return None
    _rotate(path)
    return dest


def daily_backup_due(db_path: Path | str, today: dt.date | None = None) -> bool:
    day = (today or dt.date.today()).strftime("%Y%m%d")
    return not any(f"-{day}-" in p.name for p in list_backups(db_path))


Checking = Callable[[Path, str], contextlib.AbstractContextManager[Progress | None]]
"""Around each whole-file check of a restore (``checking(path, what is checked)``): what it
gives is told each part checked (``integrity_check_beside``'s ``progress``); a file with
problems leaves it by an exception (the command line says a file passed only when none did).
At 200,000 households a restore checks four files of 1.4 GB, about 20 s each."""


class _Unsound(Exception):
    """A file's problems, out of a :data:`Checking` context."""


def _verified(path: Path | str, password: str | None, checking: Checking | None, what: str,
              named: Path | None = None) -> list[str]:
    """:func:`verify_file`, said through ``checking`` (:data:`Checking`) as the file ``named``
    (the one a temporary ``path`` will replace), else as ``path``."""
    if checking is None:
        return verify_file(path, password)
    problems: list[str] = []
    try:
        with checking(named or Path(path), what) as progress:
            problems = verify_file(path, password, progress)
            if problems:
                raise _Unsound
    except _Unsound:
        pass
    return problems


def file_is_sound(path: Path | str, password: str | None = None, *, checking: Checking | None = None,
                  what: str = "") -> bool:
    """Does the file open and pass ``integrity_check``? (Encrypted files need the password.)"""
    try:
        problems = _verified(path, password, checking, what)
    except (StoreError, OSError):
        return False
    return not problems


def open_reading(path: Path | str, password: str | None = None):
    """A connection that only reads ``path`` (keyed with ``password`` if given), usable from
    another thread."""
    if password:
        return crypto.connect_encrypted(path, password)
    return sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)


def verify_file(path: Path | str, password: str | None = None, progress: Progress | None = None) -> list[str]:
    """Problems that make ``path`` unfit to restore: integrity, schema, newer version.
    ``progress(parts checked, parts)`` as the integrity check goes (from either of its two
    threads, one call at a time; it must not raise)."""
    from wengang.store.migrations import known_migration_names  # noqa: PLC0415

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return [f"文件 {path} 不存在或为空"]
    if zero_filled(path):
        return ["文件内容全是零（复制或保存未完成）"]
    if not password and not looks_like_sqlite(path):
        return ["不是稳岗台账数据库文件（可能已加密或已损坏）"]
    conn = open_reading(path, password)
    try:
        # indexes too (quick_check misses a broken index), in parts on a second connection
        problems = integrity_check_beside(conn, lambda: open_reading(path, password), progress=progress)
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


class EncryptionWouldBeLostError(RestoreError):
    """Restoring this plain backup over an encrypted database would silently decrypt it."""


def _encrypted_looking(path: Path) -> bool:
    """A whole-page file that does not start like SQLite and is not zero-filled: most likely an
    encrypted database (a damaged file can look the same; the caller says both)."""
    try:
        size = path.stat().st_size
        return size >= 4096 and size % 512 == 0 and not looks_like_sqlite(path) and not zero_filled(path)
    except OSError:
        return False


def _aside_path(db_path: Path, source: Path) -> Path:
    """Where the current database is kept: ``<db>.before-restore``, unless that is the very file
    being restored (undoing a restore) — then a dated name, so the source is never overwritten."""
    aside = db_path.with_name(db_path.name + ".before-restore")
    if aside.exists() and aside.resolve() == source.resolve():
        stamp = dt.datetime.now().strftime(_STAMP)
        aside = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{n}")
    return aside


def restore(source: Path | str, db_path: Path | str, *, password: str | None = None,
            decrypt: bool = False, checking: Checking | None = None) -> Path:
    """Replace the database at ``db_path`` with the verified backup ``source``.

    The current database is first kept as ``<db>.before-restore`` (a consistent copy, verified,
    when it is readable, else the raw bytes; a dated name when ``.before-restore`` is itself the
    source, so undoing a restore never destroys the data it came from). Returns that path.
    An encrypted database stays encrypted: a plain backup restored with ``password`` is
    encrypted with it; without the password such a restore is refused unless ``decrypt``.
    The restore is written to the audit trail of the restored file. The caller must hold no
    connection to ``db_path``; the lock file keeps other programs out meanwhile. Each of the
    files checked on the way (the backup, the current database, its 恢复前 backup, the
    restored copy) is checked within ``checking`` (:data:`Checking`), if given.
    """
    from wengang.store import audit  # noqa: PLC0415 - audit is only needed by a restore

    source, db_path = Path(source), Path(db_path)
    if not source.is_file():
        raise RestoreError(f"备份文件 {source} 不能用于恢复：找不到这个文件。当前数据库未改动。")
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise RestoreError(f"{source} 就是当前数据库本身，不能用它恢复自己。当前数据库未改动。")
    source_plain = looks_like_sqlite(source)
    problems = _verified(source, None if source_plain else password, checking, "备份文件")
    if problems:
        raise RestoreError(f"备份文件 {source} 不能用于恢复：{'；'.join(problems)}。当前数据库未改动。")
    if source_plain and not password and not decrypt and db_path.exists() and _encrypted_looking(db_path):
        raise EncryptionWouldBeLostError(
            f"当前数据库已加密，而备份文件 {source} 未加密：直接恢复会去掉加密。请输入数据库密码"
            "（恢复后的数据库将用它加密）；确实要恢复为未加密的数据库，请加 --unencrypted。当前数据库未改动。")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    held = lock.acquire(db_path)
    try:
        aside = _aside_path(db_path, source)
        if db_path.exists() and db_path.stat().st_size > 0:
            if file_is_sound(db_path, password, checking=checking, what="当前数据库"):
                # A verified backup first, in backups/ (kept in the rotation, so a second
                # restore does not lose the first one's data), and beside the database.
                kept = backup(db_path, _dated_backup_path(db_path, "恢复前"), password=password)
                if _verified(kept, password, checking, "恢复前备份"):
                    kept.unlink(missing_ok=True)
                    raise RestoreError("当前数据库的恢复前备份未通过检查（磁盘可能已满），未恢复。当前数据库未改动。")
                with atomic_output(aside) as tmp:
                    shutil.copyfile(kept, tmp)
                _rotate(db_path)
            else:
                with atomic_output(aside) as tmp:
                    shutil.copyfile(db_path, tmp)
        with atomic_output(db_path.with_name(db_path.name + ".restoring")) as staged:
            shutil.copyfile(source, staged)
            if source_plain and password:
                crypto.encrypt_file(staged, password)  # never silently decrypt
            fsync_file(staged)
            _record_restore(staged, source, aside, password, audit)
        staged = db_path.with_name(db_path.name + ".restoring")
        if _verified(staged, password, checking, "复制好的备份"):  # the copy itself, as it will be opened
            staged.unlink(missing_ok=True)
            raise RestoreError(f"复制的备份 {source} 未通过检查（磁盘可能已满或有错误），未恢复。当前数据库未改动。")
        # A WAL left beside the old file would be replayed into the restored one: remove it.
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(staged, db_path)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(staged) + suffix).unlink(missing_ok=True)
        # Checked whole just now, as it will be opened: the next open need not read it again
        # (it did: 20 s at 200,000 households, after the restore's own four checks).
        record_clean_close(db_path)
    finally:
        lock.release(held)
    return aside


def _record_restore(path: Path, source: Path, aside: Path, password: str | None, audit) -> None:
    conn = crypto.connect_encrypted(path, password) if password else \
        sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        audit.record_event(conn, "database", "update",
                           {"恢复自": str(source), "恢复前另存为": str(aside)}, "从备份恢复数据库")
    finally:
        conn.close()


# --- backups follow the password ---------------------------------------------------------------
def _kept_copies(db_path: Path) -> list[Path]:
    """Automatic backups and the ``.before-restore`` copies of ``db_path``."""
    asides = sorted(db_path.parent.glob(db_path.name + ".before-restore*")) if db_path.parent.is_dir() else []
    return [*list_backups(db_path), *[p for p in asides if not p.name.endswith(".partial")]]


def encrypt_database(db_path: Path | str, password: str, *, checking: Checking | None = None) -> list[Path]:
    """``password set``: encrypt the database in place, take an encrypted backup and verify it
    (within ``checking``, :data:`Checking`), then remove the old unencrypted backups (they
    would leak what the password protects). Returns the removed files. The caller holds the lock."""

    db_path = Path(db_path)
    crypto.encrypt_file(db_path, password)
    # The state this program left it in, as when it closes a file it wrote (store.db): the
    # encrypted copy passed its quick_check before it replaced the plain file. Unrecorded, the
    # next open read the whole file again (6 s at 50,000 households).
    record_clean_close(db_path)
    kept = backup(db_path, _dated_backup_path(db_path, "加密后"), password=password)
    if _verified(kept, password, checking, "加密后的备份"):
        raise StoreError(f"数据库已加密，但加密后的备份 {kept} 未通过检查，未加密的旧备份暂时保留。")
    removed = []
    for old in _kept_copies(db_path):
        if old != kept and looks_like_sqlite(old):
            old.unlink(missing_ok=True)
            removed.append(old)
    return removed


def rekey_backups(db_path: Path | str, old_password: str, new_password: str, *,
                  checking: Checking | None = None) -> int:
    """``password change``: re-key every backup made with the old password (each written to a
    temporary file, verified with the new password within ``checking``, :data:`Checking`,
    then renamed over the old one), so a damaged database can still be restored with the
    password the caseworker now knows. Backups that do not open with the old password are
    left alone. Returns how many changed."""
    changed = 0
    for old in _kept_copies(Path(db_path)):
        try:
            conn = crypto.connect_encrypted(old, old_password)
        except (StoreError, *crypto.database_errors()):
            continue
        try:
            with atomic_output(old) as tmp:
                crypto.export_encrypted(conn, tmp, new_password)
                if _verified(tmp, new_password, checking, "改用新密码的备份", named=old):
                    raise StoreError(f"重新加密备份 {old.name} 未通过检查")
        finally:
            conn.close()
        changed += 1
    return changed
