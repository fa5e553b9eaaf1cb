"""Opening the county database: pragmas, migrations, refusal of newer versions.

All access goes through :func:`open_database`, which returns a ``sqlite_utils.Database``.
Writes belong inside ``with db.atomic():`` (sqlite-utils 4 nests these with savepoints), so
a failed import or edit leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from wengang.store import audit, backup, crypto, integrity
from wengang.store import lock as locking
from wengang.store.errors import NewerDatabaseError, StoreError
from wengang.store.migrations import known_migration_names, migrations

# Python's sqlite3 binds an int, float or str directly; for any other value it looks for an
# adapter, and for None found none only after two failed attribute look-ups per value
# (``__adapt__``, ``__conform__``): 3,000,000 blank parameters took 2.0 s, with this adapter
# 0.8 s (a roster's blank cells: 1 s of its import's insert). The value bound is the same NULL.
sqlite3.register_adapter(type(None), lambda _none: None)


# Threads SQLite's sorter may use beside the statement's own (CREATE INDEX, a big GROUP BY or
# ORDER BY that outgrows its memory: sorted runs made and merged in parallel), where the
# machine has a core to spare (issue 20, bench/README): one index of 660,519 persons 0.62–0.94
# → 0.47–0.68 s; a whole date derived and stored at 200,000 households 5.5 → 4.0–4.4 s; a
# 165,479-person roster's import, which builds eight indexes at its end, 7.2–7.7 → 6.7–6.9 s.
SORTER_THREADS = max(0, min(2, (os.cpu_count() or 1) - 1))


def _connect(path: str | Path) -> sqlite3.Connection:
    # isolation_level=None: sqlite-utils manages transactions explicitly (atomic()).
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    _set_up(conn, in_file=str(path) != ":memory:")
    return conn


def _set_up(conn: sqlite3.Connection, *, in_file: bool) -> None:
    """What every connection the program opens has: foreign keys, a busy timeout, the
    sorter's threads; a file's, WAL."""
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute(f"PRAGMA threads = {SORTER_THREADS}")
    if in_file:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL is durable across app crashes


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


def check_not_newer(db: sqlite_utils.Database) -> None:
    """Refuse a database that has applied migrations this program does not know."""
    unknown = [name for name in applied_migrations(db) if name not in known_migration_names()]
    if unknown:
        raise NewerDatabaseError(
            "此数据库由更新版本的稳岗台账创建（数据结构版本 "
            + "、".join(unknown)
            + "），当前程序无法打开。请安装最新版本后再打开，以免损坏数据。"
        )


class _Holding:
    """What a database file opened by the program gives back, once: on ``close()`` or when
    the ``Database`` is collected (most commands just let it go at their end). The connection
    is closed first, so SQLite merges and removes the WAL; then the state the file is left in
    is recorded (``integrity.record_clean_close``) unless its background check is unfinished or
    failed, or ``abandon_held_databases`` said not to; then the lock file goes, if it was
    taken. Recording makes the next process's open free of the whole-file check (``wengang
    report`` after an import).

    A command opened without the lock (``lock=False``: ``followup``, ``entitlements``, ``info``
    …) records too, when the file was as last recorded once it was open (unchanged since, or
    checked whole with nothing writing meanwhile). It may write: the status store keeps the
    statuses of each date it reads (``store.status_store``). Unrecorded, its close left the
    file changed since the record, and the next command or window read the whole file again
    (2 s at 50,000 households, about 20 s at 200,000). While the window holds the file, its
    WAL is there and nothing is recorded (``integrity.file_state``); the window records at its
    own close."""

    def __init__(self, conn: sqlite3.Connection, lock: Path | None, path: Path | None, record: bool = True):
        self.conn, self.lock, self.path = conn, lock, path
        self.record = record and path is not None
        self.check = None  # the background integrity check (integrity.BackgroundCheck), if any

    def let_go(self) -> None:
        try:
            self.conn.close()
            check = self.check
            verified = check is None or (check.done.is_set() and check.error is None)
            if self.record and verified:
                integrity.record_clean_close(self.path)  # the state this program left it in
        finally:
            if self.lock is not None:
                locking.release(self.lock)


class Database(sqlite_utils.Database):
    """``sqlite_utils.Database`` that gives back the program's lock file when closed (or
    garbage-collected: the release runs at most once, see :class:`_Holding`)."""

    _wengang_release: weakref.finalize | None = None
    _holding: _Holding | None = None
    _integrity: object | None = None

    @property
    def integrity(self) -> object | None:
        """The window's integrity check, when it runs in the background (integrity.BackgroundCheck)."""
        return self._integrity

    @integrity.setter
    def integrity(self, check: object | None) -> None:
        self._integrity = check
        if self._holding is not None:
            self._holding.check = check

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """sqlite-utils' ``atomic``, but the outermost transaction takes the write lock at once
        (``BEGIN IMMEDIATE``). In WAL mode a transaction that has read and then writes fails at
        once ("database is locked") when another connection wrote meanwhile, where IMMEDIATE
        waits its turn (busy_timeout): the window's background connection writes too (it
        keeps the status store current, ``store.status_store``)."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()  # a no-op if the error already ended the transaction
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def hold_file(self, lock: Path | None, path: Path | None = None, *, record: bool = True) -> None:
        """Give back ``lock`` (None: opened without it) and, with ``record``, record the file's
        state at the end (:class:`_Holding`)."""
        self._holding = _Holding(self.conn, lock, path, record)
        self._holding.check = self._integrity
        self._wengang_release = weakref.finalize(self, self._holding.let_go)
        _held_open.add(self)

    def close(self) -> None:
        super().close()
        if self._wengang_release is not None:
            self._wengang_release()


INTERRUPT_EVERY = 20_000  # virtual-machine steps between looks at ``cancelled``: ~1 ms of work


@contextlib.contextmanager
def interrupted_when(db: sqlite_utils.Database, cancelled: Callable[[], bool]) -> Iterator[None]:
    """Within the block, once ``cancelled()`` turns true, every statement that runs longer than
    :data:`INTERRUPT_EVERY` steps stops ("interrupted", an ``OperationalError``): a long read
    or rule is given up mid-statement, and so is any long one a caller tries after catching
    the first error. Short statements still run (SQLite asks only after that many steps of a
    statement): the rollbacks and the clean-ups of TEMP tables that follow the error."""
    db.conn.set_progress_handler(lambda: 1 if cancelled() else 0, INTERRUPT_EVERY)
    check = getattr(db, "integrity", None)  # a write or wait held for the window's check gives up too
    if check is not None:
        check.cancelled = cancelled
    try:
        yield
    finally:
        db.conn.set_progress_handler(None, 0)
        if check is not None:
            check.cancelled = None


# Database files this process holds open, with their lock or without (see abandon_held_databases).
_held_open: weakref.WeakSet[Database] = weakref.WeakSet()


def abandon_held_databases() -> None:
    """A run failed: the databases it still holds are closed without recording their state, so
    the next open checks the whole file again (the failure may have been a damaged page)."""
    for db in list(_held_open):
        holding = db._holding  # noqa: SLF001 - this module's own
        if holding is not None and holding.record:
            holding.record = False
            integrity.forget_clean_close(holding.path)
            if holding.lock is not None:
                locking.unvouch(holding.lock)  # nor may a read-only command beside it trust it now


def _open_file(path: Path, password: str | None, checked_elsewhere: bool = False):
    """A checked connection: header, key, ``integrity_check`` (unless unchanged since the last
    clean close) — all before anything is written; ``checked_elsewhere``: no check here (the
    caller starts ``integrity.BackgroundCheck`` once the connection is set up, or the program
    holding the file checked it, ``lock.vouched``)."""
    integrity.preflight(path, password=password)
    conn = crypto.connect_encrypted(path, password) if password else \
        sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        if not checked_elsewhere:
            integrity.check_connection(conn, path, password)
        _set_up(conn, in_file=True)
    except BaseException:
        conn.close()
        raise
    return conn


def _pending_migrations(db: sqlite_utils.Database) -> bool:
    return bool(set(known_migration_names()) - set(applied_migrations(db)))


def open_database(path: str | Path = ":memory:", *, migrate: bool = True, password: str | None = None,
                  lock: bool = True, auto_backup: bool = True,
                  daily_backup: bool = True, verify_in_background: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    A file database is protected on the way in (see ``store/integrity``, ``lock``, ``backup``,
    ``crypto``): a second program gets ``DatabaseInUseError`` (``lock=False`` for read-only
    commands); a damaged file raises ``DamagedDatabaseError`` and is not written; an encrypted
    one needs ``password``; the first open of the day and any migration are preceded by an
    automatic backup. Every connection gets the audit triggers. ``verify_in_background``
    (the window): the integrity check of a file changed since it was last verified runs in a
    thread, writes held until it passes (``db.integrity``); not when a migration is due.
    """
    if str(path) == ":memory:":
        return _open_memory(migrate=migrate)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    held = locking.acquire(path) if lock else None
    try:
        existed = path.exists() and path.stat().st_size > 0
        if held is not None:
            from wengang.store.atomic import clean_stale_partials  # noqa: PLC0415

            for folder in (path.parent, backup.backups_dir(path)):
                clean_stale_partials(folder)  # left by a killed backup or export
        # The program holding the file (the window; this process, for its next connection)
        # checked it at its open and has changed it since, so the record of the last clean
        # close no longer matches; reading all of it again would tell nothing new.
        checked = existed and locking.vouched(path)
        deferred = verify_in_background and existed and not checked
        # No sqlite-utils plugins are used; looking for them scans every installed package (0.08 s).
        db = Database(_open_file(path, password, deferred or checked), execute_plugins=False)
        holding, held = held, None
        db.hold_file(holding, path, record=holding is not None or integrity.unchanged_since_clean_close(path))
        try:
            backup_due = existed and lock and auto_backup and daily_backup and backup.daily_backup_due(path)
            _bring_up_to_date(db, path, password, migrate=migrate, locked=lock, deferred=deferred,
                              backup_due=backup_due, backup_first=existed and auto_backup)
        except BaseException:
            db.close()
            raise
        if holding is not None:
            _vouch_when_checked(db, holding)
    except (OSError, *crypto.database_errors()) as exc:
        raise _plain_open_error(exc, path) from exc
    finally:
        if held is not None:
            locking.release(held)
    return db


def _vouch_when_checked(db: Database, lock: Path) -> None:
    """Say in the lock that the file is sound (``lock.vouch``) once it is known to be: now, when
    it was checked on the way in (or needed none), or when the window's background check passes."""
    check = db.integrity
    if check is None:
        locking.vouch(lock)
    else:
        check.when_passed(functools.partial(locking.vouch, lock))


def _bring_up_to_date(db: Database, path: Path, password: str | None, *, migrate: bool, locked: bool,
                      deferred: bool, backup_due: bool, backup_first: bool) -> None:
    """After the file is open: refuse a newer schema, take the daily backup and migrate (both
    write, so a check left to the background runs now), install the audit triggers, and
    start the background check (``deferred``), from which on writes wait for it."""
    check_not_newer(db)
    migrating = migrate and _pending_migrations(db)
    if deferred and (backup_due or migrating):
        integrity.check_connection(db.conn, path, password)  # a backup or migration is next
        deferred = False
    # The window passes daily_backup=False and runs it in the background once shown.
    if backup_due:
        backup.backup_before(db, "每日")
    if migrating:
        _migrate(db, path, locked=locked, backup_first=backup_first)
    audit.install_audit_triggers(db)
    if deferred:
        db.integrity = integrity.BackgroundCheck(db.conn, path, password)


def _plain_open_error(exc: BaseException, path: Path) -> StoreError:
    """What to tell the caseworker when the file cannot be opened: a full disk or read-only
    drive as such, otherwise that it cannot be opened (and may be damaged)."""
    from wengang.store.diskerrors import plain_problem  # noqa: PLC0415

    plain = plain_problem(exc, path, "数据库")
    if plain is not None:
        return plain
    if isinstance(exc, OSError):
        return StoreError(f"无法打开数据库 {path}：{exc.strerror or exc}。")
    return StoreError(f"无法打开数据库 {path}：{exc}。文件可能已损坏或不是稳岗台账数据库。")


def _open_memory(*, migrate: bool) -> sqlite_utils.Database:
    try:
        db = Database(_connect(":memory:"), execute_plugins=False)
        check_not_newer(db)
        if migrate:
            migrations.apply(db)
        audit.install_audit_triggers(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"无法打开数据库 :memory:：{exc}。") from exc
    return db


def _migrate(db: sqlite_utils.Database, path: Path, *, locked: bool, backup_first: bool) -> None:
    """Bring the schema up to date, after a backup of an existing file. Changing the schema is
    a write even for a read-only command (``locked=False``): it takes the lock meanwhile."""
    migrating = locking.acquire(path) if not locked else None
    try:
        if backup_first:
            backup.backup_before(db, "升级前")
        migrations.apply(db)
    finally:
        if migrating is not None:
            locking.release(migrating)


def schema_version(db: sqlite_utils.Database) -> str:
    names = applied_migrations(db)
    return names[-1] if names else "(空)"


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: sqlite_utils.Database, key: str, value: str | None) -> None:
    with db.atomic():
        db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )
