"""One program per database: ``<db>.lock`` holds the owner's pid and host.

A second copy of the program on the same file gets :class:`DatabaseInUseError` instead of
silently writing alongside the first. A lock left by a crashed program (same host, process
gone) is stale and taken over. Connections of the same process share the lock (counted),
so the GUI's worker connection does not lock out its own window.

The owner also says there (``verified``) once the file has passed its integrity check at its
open (or was as the program last closed it): a read-only command run meanwhile (``wengang
info`` while the window is open), or the owner's own next connection, then need not read the
whole file again (:func:`vouched`).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import socket
import sys
import time
from pathlib import Path

from wengang.store.errors import DatabaseInUseError, StoreError  # noqa: F401 - re-exported

REPLACE_PAUSES = (0.02, 0.05, 0.1)  # seconds between tries of a refused replace (_set_verified)

_held: dict[Path, int] = {}  # lock file → how many connections of this process hold it


def lock_path_for(db_path: Path | str) -> Path:
    return Path(str(Path(db_path).resolve()) + ".lock")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes  # noqa: PLC0415 - Windows only

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def boot_time() -> float | None:
    """When this computer started (seconds since the epoch), or None if unknown. A lock from
    before the last restart is stale even if its pid now belongs to another process."""
    try:
        if sys.platform == "win32":
            import ctypes  # noqa: PLC0415 - Windows only

            ctypes.windll.kernel32.GetTickCount64.restype = ctypes.c_ulonglong
            return time.time() - ctypes.windll.kernel32.GetTickCount64() / 1000
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except (OSError, AttributeError, ValueError):
        pass
    return None


def read_owner(lock: Path) -> dict:
    try:
        return json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_stale(owner: dict) -> bool:
    """A lock whose process is gone on this computer (or an unreadable, half-written one)."""
    if not owner:
        return True
    if owner.get("host") != socket.gethostname():
        return False  # another computer (a shared folder): we cannot tell, so respect it
    booted, then = boot_time(), owner.get("boot")
    if booted is not None and then is not None and abs(booted - float(then)) > 60:
        return True
    return not pid_alive(int(owner.get("pid", 0)))


def acquire(db_path: Path | str) -> Path:
    """Take (or share, within this process) the lock of ``db_path``; returns the lock file."""
    lock = lock_path_for(db_path)
    if lock in _held:
        _held[lock] += 1
        return lock
    me = {"pid": os.getpid(), "host": socket.gethostname(), "boot": boot_time(),
          "since": dt.datetime.now().isoformat(timespec="seconds")}
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = read_owner(lock)
            if owner.get("pid") == os.getpid() and owner.get("host") == me["host"]:
                break  # ours, left over from a connection that was not closed
            if not is_stale(owner):
                raise DatabaseInUseError(lock, owner) from None
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        break
    else:
        raise DatabaseInUseError(lock, read_owner(lock))
    _held[lock] = 1
    return lock


def vouch(lock: Path) -> None:
    """Say in this process's ``lock`` that the file passed its check at this program's open
    (store.db: at once, or when the window's background check passes). Written whole in one
    replace, so a reader sees the old or the new owner, never half; never raises (a read-only
    command not told checks the file itself, as before)."""
    _set_verified(lock, True)


def unvouch(lock: Path) -> None:
    """Take the word back (a run failed: the file may hold a damaged page)."""
    _set_verified(lock, False)


def _set_verified(lock: Path, verified: bool) -> None:
    owner = read_owner(lock)
    if owner.get("pid") != os.getpid() or bool(owner.get("verified")) == verified:
        return
    owner["verified"] = verified
    # Named as store.atomic names its partial files (it imports this module), so a killed
    # writer's is removed by the next open (atomic.clean_stale_partials).
    partial = lock.with_name(f"{lock.name}.{os.getpid()}.partial")
    try:
        partial.write_text(json.dumps(owner), encoding="utf-8")
        for pause in (*REPLACE_PAUSES, None):
            try:
                os.replace(partial, lock)
                return
            except PermissionError:
                # Windows refuses to replace a file another process has open at that moment:
                # a read-only command reading the owner, or a virus scanner looking at the
                # lock just made. A moment later it is closed.
                if pause is None:
                    raise
                time.sleep(pause)
    except OSError:
        partial.unlink(missing_ok=True)


def vouched(db_path: Path | str) -> bool:
    """Whether the program holding ``db_path`` open on this computer checked it at its open
    (:func:`vouch`). It writes the file since, so the record of the last clean close no longer
    matches, and a new connection would otherwise read the whole file again (2 s at 200,000
    households, 39 s from a cold disk) to learn what the holder already knows: a read-only
    command run beside the window, and the window's own later connections (its 台账's,
    checked 7 s in the background at 50k after the window's first writes). Not another
    computer's word, a stale lock's, or this process's once it no longer holds the file."""
    lock = lock_path_for(db_path)
    owner = read_owner(lock)
    if owner.get("verified") is not True or owner.get("host") != socket.gethostname():
        return False
    if owner.get("pid") == os.getpid():
        return lock in _held
    return not is_stale(owner)


def release(lock: Path) -> None:
    """Give back one hold; the file goes when the last connection of this process closes."""
    count = _held.get(lock, 0) - 1
    if count > 0:
        _held[lock] = count
        return
    _held.pop(lock, None)
    owner = read_owner(lock)
    if owner.get("pid") == os.getpid():
        lock.unlink(missing_ok=True)


@atexit.register
def _release_all() -> None:
    for lock in list(_held):
        _held[lock] = 1
        release(lock)
