"""Every file the program writes appears whole or not at all.

:func:`atomic_output` hands a writer a temporary name in the target folder
(``<name>.<pid>.partial``); when the writer is done the file is flushed to disk (fsync) and
renamed over the target with ``os.replace``, which is atomic on one file system. A writer that
fails — a full disk, a killed process, an exception — leaves the previous file under the
target name untouched and, except for a killed process, no debris; a killed process's
``.partial`` is removed by the next write to the same target or by :func:`clean_stale_partials`
for the folder (the database folder and its ``backups/`` are cleaned on open).

:func:`atomic_open` is the same for writers that want a file object (CSV, text).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path

# A partial, or the rollback journal (or WAL) SQLite keeps beside a partial database while a
# backup copies into it in steps: a backup killed between two steps leaves both.
_PARTIAL = re.compile(r"^(?P<name>.+?)\.(?:(?P<pid>\d+)\.)?partial(?:-journal|-wal|-shm)?$")


def _pid_alive(pid: int) -> bool:
    from wengang.store.lock import pid_alive  # noqa: PLC0415 - safe on Windows too

    return pid == os.getpid() or pid_alive(pid)


def partial_name(path: Path) -> Path:
    return path.with_name(f"{path.name}.{os.getpid()}.partial")


def clean_stale_partials(folder: Path | str, name: str | None = None) -> list[Path]:
    """Remove ``.partial`` files left in ``folder`` by killed writers (of ``name`` only, if
    given). A partial of a process still running is left alone. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _PARTIAL.match(entry.name)
        if not m or (name is not None and m["name"] != name):
            continue
        if m["pid"] and _pid_alive(int(m["pid"])):
            continue  # being written now (by another thread of this program, perhaps)
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    return removed


def fsync_file(path: Path | str) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_output(path: Path | str, *, mkdir: bool = True) -> Iterator[Path]:
    """``with atomic_output(dest) as tmp: write(tmp)`` — ``dest`` is replaced only when the
    block ends normally and ``tmp`` is on disk; otherwise ``tmp`` is removed and ``dest`` is as
    it was. The caller writes ``tmp`` and closes it inside the block."""
    path = Path(path)
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_partials(path.parent, path.name)
    tmp = partial_name(path)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(errno.EIO, "写入未完成（没有生成文件）", str(path))
        fsync_file(tmp)
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(path: Path | str, mode: str = "w", **kwargs) -> Iterator:
    """``open()`` for writing, through :func:`atomic_output` (``mode`` "w"/"wb")."""
    with atomic_output(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh
        fh.flush()
