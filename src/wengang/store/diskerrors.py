"""A full disk or a read-only file said as such, in the caseworker's words.

SQLite reports a full disk as ``database or disk is full`` or, while opening (the WAL index
cannot be created), as ``disk I/O error``; a read-only file or medium as ``attempt to write a
readonly database`` or ``unable to open database file``. None of these means the database is
damaged, and saying so would invite a restore of older data. :func:`plain_problem` turns such
an error into :class:`DiskFullError` or :class:`ReadOnlyError` (``None`` when it is neither).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from wengang.store.errors import StoreError

LOW_SPACE = 4 * 1024 * 1024  # below this much free space a write failure is a full disk


class DiskFullError(StoreError):
    """No space left on the drive; nothing is damaged."""


class ReadOnlyError(StoreError):
    """The file, folder or drive cannot be written; nothing is damaged."""


def free_space(path: Path | str) -> int | None:
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _writable(path: Path) -> bool:
    if path.exists() and not os.access(path, os.W_OK):
        return False
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def disk_full(path: Path | str, what: str = "文件") -> DiskFullError:
    free = free_space(path)
    left = f"（剩余 {free // 1024} KB）" if free is not None else ""
    return DiskFullError(f"磁盘空间已满{left}，无法写入{what} {path}。数据没有损坏，已有的文件未改动。"
                         "请删除不需要的文件或换一个有空间的磁盘/U盘后再试。")


def read_only(path: Path | str, what: str = "文件") -> ReadOnlyError:
    return ReadOnlyError(f"{what} {path} 所在的文件、文件夹或磁盘是只读的（或没有写入权限），无法写入。"
                         "数据没有损坏。请把它复制到可写的文件夹（例如“文档”），或取消只读属性后再试。")


def _target(path: Path) -> Path:
    """``F1.xlsx.1234.partial`` → ``F1.xlsx``: the caseworker's file, not our temporary name."""
    parts = path.name.split(".")
    if len(parts) > 2 and parts[-1] == "partial":
        keep = parts[:-2] if parts[-2].isdigit() else parts[:-1]
        return path.with_name(".".join(keep))
    return path


def plain_problem(exc: BaseException, path: Path | str, what: str = "文件") -> StoreError | None:
    """The full-disk or read-only error ``exc`` stands for at ``path``, else ``None``."""
    path = _target(Path(path))
    if isinstance(exc, OSError) and exc.filename:
        exc_path = _target(Path(exc.filename))
    else:
        exc_path = path
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return disk_full(path, what)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return read_only(exc_path, what)
        return None
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text:
        return disk_full(path, what)
    if "readonly" in text or "read-only" in text:
        return read_only(path, what)
    if "disk i/o error" in text or "unable to open" in text:
        free = free_space(path)
        if free is not None and free < LOW_SPACE:
            return disk_full(path, what)
        if not _writable(path):
            return read_only(path, what)
    return None
