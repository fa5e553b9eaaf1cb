"""Integrity on open: a damaged file is refused before anything is written to it.

:func:`preflight` looks at the file's header (a renamed spreadsheet, a half-copied,
zero-filled or truncated file is not a database); :func:`check_connection` runs the full
``PRAGMA integrity_check`` before the WAL switch or a migration could write — unless the file
is exactly as the program last closed it cleanly (size, time and SQLite change counter in
``<db>.verified``), which makes the usual open free. :class:`BackgroundCheck` runs the same
check in a thread for the window, holding writes until it passes. Either failure raises
:class:`DamagedDatabaseError`, which names the newest backup that itself passes the check.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from wengang.store.backup import file_is_sound, list_backups, open_reading
from wengang.store.clean_close import (  # noqa: F401 - re-exported, as they were defined here
    clean_close_record,
    file_state,
    forget_clean_close,
    record_clean_close,
    record_state,
    unchanged_since_clean_close,
    wal_pending,
)
from wengang.store.errors import DamagedDatabaseError, PasswordRequiredError, StoreError  # noqa: F401 - re-exported
from wengang.store.sqlite_file import (  # noqa: F401 - re-exported
    SQLITE_HEADER,
    Progress,
    integrity_check,
    integrity_check_beside,
    looks_like_sqlite,
    quick_check,
    zero_filled,
)

# Files already checked by this process, keyed with size and mtime so a file changed behind our
# back is checked again: the GUI's second connection should not pay 0.8 s again (235 MB file).
_verified: set[tuple[str, int, int]] = set()

# How long the background check waits before it starts reading (see _Run._run).
FIRST_PAINT_S = 0.3

# Called with the file's path just before a full check reads it (seconds: 4 s at 50,000
# households, 16 s at 200,000 after the file was copied, on one connection; about 40 % less in
# parts on two, integrity_check_beside): the command line says what it is waiting for instead
# of sitting silent. A context manager around the check; what it gives is told each part
# checked (integrity_check_beside's ``progress``). The store prints nothing itself.
on_full_check: Callable[[Path], contextlib.AbstractContextManager[Progress | None]] | None = None


def _header_damaged(head: bytes) -> bool:
    """Most of SQLite's 16-byte magic is there but not all: a damaged header, not encryption
    (an encrypted file's first bytes are random)."""
    same = sum(a == b for a, b in zip(head[:16], SQLITE_HEADER))
    return 10 <= same < 16


def _looks_like_text(path: Path) -> bool:
    """The file starts with 256 bytes of printable text (a CSV or note saved over it); the
    first bytes of an encrypted file are random and never are."""
    with open(path, "rb") as fh:
        head = fh.read(256)
    text = head.decode("utf-8", errors="ignore")
    return len(text) >= 64 and all(ch.isprintable() or ch in "\r\n\t" for ch in text) and \
        len(text.encode("utf-8")) >= len(head) - 3


def _truncated(path: Path, size: int) -> bool:
    """The header's page count says the file should be longer than it is."""
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100:
        return True
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(head[28:32], "big")
    valid = head[24:28] == head[92:96]  # the in-header size is only valid then
    return bool(valid and page and pages and size < page * pages)


def preflight(path: Path | str, *, password: str | None = None) -> None:
    """Refuse a file that cannot be a (plain) SQLite database, without opening it.

    A 0-byte file is a new database only when no backup of it exists; otherwise (a copy or a
    save that never finished) it is damaged and the newest good backup is offered. A
    zero-filled, truncated or header-damaged file is damaged, not "encrypted".
    """
    path, encrypted = Path(path), bool(password)
    if not path.exists():
        return  # a new database
    size = path.stat().st_size
    if size == 0:
        if list_backups(path):
            raise DamagedDatabaseError(path, "文件是空的（0字节），可能复制或保存未完成",
                                       latest_good_backup(path, password))
        return  # a new database
    if zero_filled(path):
        raise DamagedDatabaseError(path, "文件内容全是零，可能复制或保存未完成", latest_good_backup(path, password))
    if encrypted:
        if size % 512:
            raise DamagedDatabaseError(path, f"文件大小{size}字节不是整页", latest_good_backup(path, password))
        return
    if looks_like_sqlite(path):
        wal = Path(str(path) + "-wal")
        pending = wal.exists() and wal.stat().st_size > 0  # a checkpoint may be half done
        if size < 512 or (not pending and _truncated(path, size)):
            raise DamagedDatabaseError(path, "文件被截断", latest_good_backup(path))
        return
    with open(path, "rb") as fh:
        head = fh.read(16)
    if _header_damaged(head):
        raise DamagedDatabaseError(path, "文件头损坏", latest_good_backup(path))
    if _looks_like_text(path):  # a CSV or text saved over it: encrypted bytes are never text
        raise DamagedDatabaseError(path, "不是数据库文件，可能被其他文件覆盖", latest_good_backup(path))
    if size % 1024 == 0 and size >= 4096:
        raise PasswordRequiredError(path, latest_good_backup(path))
    raise DamagedDatabaseError(path, "不是数据库文件，可能被其他文件覆盖", latest_good_backup(path))


def _fingerprint(path: Path | str) -> tuple[str, int, int] | None:
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def _raise_problems(problems: list[str], path: Path | str, password: str | None) -> None:
    from wengang.store.diskerrors import plain_problem  # noqa: PLC0415

    if len(problems) == 1:
        plain = plain_problem(RuntimeError(problems[0]), path, "数据库")
        if plain is not None:
            raise plain
    # SQLite's own words ("On tree page 102 cell 4: Extends off end of page") help nobody at a
    # township office: the message counts them; they go to the log and stay on the exception.
    logging.getLogger(__name__).info("完整性检查未通过 %s：%s", path, "；".join(problems[:20]))
    error = DamagedDatabaseError(path, f"完整性检查未通过，发现{len(problems)}处问题",
                                 latest_good_backup(path, password))
    error.details = problems
    raise error


def check_connection(conn, path: Path | str, password: str | None = None, *,
                     second_when: threading.Event | None = None,
                     progress: Progress | None = None) -> None:
    """Before the first write: nothing when the file is as the program last closed it;
    otherwise the full ``integrity_check`` (once per file state per process), a second
    connection checking parts of it at once (from the start; with ``second_when``, once it
    is set: the window's background check takes the second core only when work waits for it).
    :class:`DamagedDatabaseError` if bad; a full disk or read-only file is said as such.
    ``progress``: told ``(0, 0)`` as a whole-file check begins, then how far it is
    (``integrity_check_beside``); never when the file is as it was left."""
    key = _fingerprint(path)
    if key is not None and key in _verified:
        return
    if key is not None and key[1] == 0 and not wal_pending(path):
        # A database being created (the first start, ``wengang setup`` on a new path) holds
        # nothing to check; the command line said it was checking a changed or copied file.
        return
    if not unchanged_since_clean_close(path):
        before = file_state(path)
        saying = on_full_check(Path(path)) if on_full_check is not None else contextlib.nullcontext()
        with saying as said:
            if progress is not None:
                progress(0, 0)
            problems = integrity_check_beside(conn, lambda: open_reading(path, password), second_when,
                                              progress=_both(said, progress))
            if problems:
                forget_clean_close(path)
                _raise_problems(problems, path, password)
        if before is not None and file_state(path) == before:
            record_state(path, before)  # the next process (a read-only command too) need not check
    if key is not None and key[1] > 0:
        _verified.add(key)


def _both(first: Progress | None, second: Progress | None) -> Progress | None:
    if first is None or second is None:
        return first or second
    return lambda done, total: (first(done, total), second(done, total))


class _Run:
    """One background ``integrity_check`` of one file state, shared by the connections that
    open it meanwhile (the window opens several)."""

    def __init__(self, path: Path, password: str | None):
        self.path, self.password = path, password
        # (done, total) of a whole-file check once one has begun ((0, 0) until its first part
        # is done); None while none has: the window says how far it is (gui.file_check_watch).
        self.share: tuple[int, int] | None = None
        self.done = threading.Event()
        self.waited_for = threading.Event()  # work waits for the check: a second connection joins it
        self.error: Exception | None = None
        self._guard = threading.Lock()
        self._when_passed: list[Callable[[], None]] | None = []  # None once the check is over
        threading.Thread(target=self._run, name="wengang-integrity", daemon=True).start()

    def _run(self) -> None:
        # The window paints first: on a busy two-core laptop the check (seconds, reading the
        # whole file) would otherwise share the processor with it. Writes wait either way.
        time.sleep(FIRST_PAINT_S)
        try:
            conn = open_reading(self.path, self.password)
            try:
                check_connection(conn, self.path, self.password, second_when=self.waited_for,
                                 progress=lambda done, total: setattr(self, "share", (done, total)))
            finally:
                conn.close()
        except Exception as exc:  # noqa: BLE001 - kept for the window to show
            self.error = exc
        finally:
            with self._guard:
                passed, self._when_passed = self._when_passed, None
            try:
                for callback in passed if self.error is None else ():
                    callback()  # before ``done``: whoever waited for the check finds them done
            finally:
                self.done.set()

    def when_passed(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the check's thread, or now) once the check has passed; never
        if it fails."""
        with self._guard:
            if self._when_passed is not None:  # still checking
                self._when_passed.append(callback)
                return
        if self.error is None:
            callback()


_running: dict[tuple, _Run] = {}
_running_lock = threading.Lock()


CANCEL_LOOK_S = 0.05  # how often a wait for the check looks whether its work was stopped


class WaitInterrupted(sqlite3.OperationalError):
    """The work waiting for the background check was stopped (SQLite's "interrupted")."""


class BackgroundCheck:
    """``integrity_check`` on a second connection in a thread, while the window shows; writes
    on the main connection wait (an SQLite authorizer holds them) until it has passed, and
    are refused if it fails (``error`` is then the exception to show, e.g.
    :class:`DamagedDatabaseError`)."""

    _WRITES = frozenset(getattr(sqlite3, name) for name in (
        "SQLITE_INSERT", "SQLITE_UPDATE", "SQLITE_DELETE", "SQLITE_CREATE_TABLE", "SQLITE_CREATE_INDEX",
        "SQLITE_CREATE_TRIGGER", "SQLITE_CREATE_VIEW", "SQLITE_DROP_TABLE", "SQLITE_DROP_INDEX",
        "SQLITE_DROP_TRIGGER", "SQLITE_DROP_VIEW", "SQLITE_ALTER_TABLE"))

    def __init__(self, conn, path: Path | str, password: str | None):
        path = Path(path)
        key = (_fingerprint(path), password)
        with _running_lock:
            run = _running.get(key)
            if run is None or (run.done.is_set() and run.error is not None):
                run = _running[key] = _Run(path, password)
        self._run = run
        # Set while the connection runs work that may be stopped (store.db.interrupted_when):
        # a write or a wait held for the check then gives up when it turns true.
        self.cancelled: Callable[[], bool] | None = None
        conn.set_authorizer(self._authorize)

    @property
    def done(self) -> threading.Event:
        return self._run.done

    def when_passed(self, callback: Callable[[], None]) -> None:
        """``callback()`` once the check has passed (at once if it has); never if it fails."""
        self._run.when_passed(callback)

    @property
    def error(self) -> Exception | None:
        return self._run.error

    @property
    def share(self) -> tuple[int, int] | None:
        """How far a whole-file check is: (done, total) of its estimated cost ((0, 0): begun,
        no part done yet); None when none has begun (the file was as it was left)."""
        return self._run.share

    def _authorize(self, action, _arg1, _arg2, dbname, _source) -> int:
        if action not in self._WRITES or dbname not in ("main", None):
            return sqlite3.SQLITE_OK
        if not self._finished(None):
            return sqlite3.SQLITE_DENY  # the waiting work was stopped: nothing written
        return sqlite3.SQLITE_OK if self._run.error is None else sqlite3.SQLITE_DENY

    def wait(self, timeout: float | None = None) -> bool:
        """True when the check has finished and passed; raises its error if it failed, and
        SQLite's "interrupted" if the work waiting for it was stopped meanwhile."""
        finished = self._finished(timeout)
        if self._run.error is not None:
            raise self._run.error
        if not finished and self.cancelled is not None and self.cancelled():
            raise WaitInterrupted("interrupted")
        return finished

    def _finished(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` (None: until done) for the check, in slices while the
        waiting work may be stopped: the window's quality run at start, held 16 s by a
        copied 200,000-household file, kept the 台账 the caseworker clicked waiting too."""
        if (timeout is None or timeout > 0) and not self._run.done.is_set():
            self._run.waited_for.set()  # work waits (not a look whether it is done)
        if self.cancelled is None:
            return self._run.done.wait(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.cancelled():
            left = CANCEL_LOOK_S if deadline is None else min(CANCEL_LOOK_S, deadline - time.monotonic())
            if self._run.done.wait(max(left, 0)):
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
        return self._run.done.is_set()


def refused_write(db, exc: BaseException) -> BaseException:
    """The caseworker's reason for SQLite's "not authorized" on ``db``: when its background
    check has failed, the :class:`DamagedDatabaseError` (the file is damaged, nothing was
    written, the newest good backup offered); otherwise ``exc`` itself."""
    check = getattr(db, "integrity", None)
    error = getattr(check, "error", None)
    if isinstance(exc, sqlite3.DatabaseError) and "not authorized" in str(exc) and error is not None:
        return error
    return exc


def latest_good_backup(db_path: Path | str, password: str | None = None) -> Path | None:
    """The newest automatic backup of ``db_path`` that passes the integrity check (an
    encrypted database's backups are checked with its password)."""
    for candidate in list_backups(db_path):
        if file_is_sound(candidate, password):
            return candidate
    return None
