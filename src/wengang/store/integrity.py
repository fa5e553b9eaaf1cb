"""Integrity on open: a damaged file is refused before anything is written to it.

:func:`preflight` looks at the file's header (a renamed spreadsheet or a half-copied file
is not a database); :func:`quick_check` runs ``PRAGMA quick_check`` on the connection before
the WAL switch or a migration could write. Either failure raises
:class:`DamagedDatabaseError`, which names the newest backup that itself passes the check.
"""

from __future__ import annotations

from pathlib import Path

from wengang.store.backup import file_is_sound, list_backups
from wengang.store.errors import DamagedDatabaseError, PasswordRequiredError, StoreError  # noqa: F401 - re-exported
from wengang.store.sqlite_file import SQLITE_HEADER, looks_like_sqlite, quick_check  # noqa: F401 - re-exported

# Files already checked by this process, keyed with size and mtime so a file changed behind our
# back is checked again: the GUI's second connection should not pay 0.8 s again (235 MB file).
_verified: set[tuple[str, int, int]] = set()


def preflight(path: Path | str, *, password: str | None = None) -> None:
    """Refuse a file that cannot be a (plain) SQLite database, without opening it."""
    path, encrypted = Path(path), bool(password)
    if not path.exists() or path.stat().st_size == 0:
        return  # a new database
    size = path.stat().st_size
    if encrypted:
        if size % 512:
            raise DamagedDatabaseError(path, f"文件大小{size}字节不是整页", latest_good_backup(path, password))
        return
    if looks_like_sqlite(path):
        if size < 512:
            raise DamagedDatabaseError(path, "文件被截断", latest_good_backup(path))
        return
    if size % 1024 == 0 and size >= 4096:
        raise PasswordRequiredError(path, latest_good_backup(path))
    raise DamagedDatabaseError(path, "不是数据库文件，可能被其他文件覆盖", latest_good_backup(path))


def _fingerprint(path: Path | str) -> tuple[str, int, int] | None:
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def check_connection(conn, path: Path | str, password: str | None = None) -> None:
    """``quick_check`` once per file state per process; :class:`DamagedDatabaseError` if bad."""
    key = _fingerprint(path)
    if key is not None and key in _verified:
        return
    problems = quick_check(conn)
    if problems:
        shown = "；".join(problems[:3])
        raise DamagedDatabaseError(path, f"完整性检查未通过：{shown}", latest_good_backup(path, password))
    if key is not None and key[1] > 0:
        _verified.add(key)


def latest_good_backup(db_path: Path | str, password: str | None = None) -> Path | None:
    """The newest automatic backup of ``db_path`` that passes the integrity check (an
    encrypted database's backups are checked with its password)."""
    for candidate in list_backups(db_path):
        if file_is_sound(candidate, password):
            return candidate
    return None
