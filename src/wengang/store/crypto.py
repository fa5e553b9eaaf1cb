"""Optional encryption at rest with SQLCipher (``sqlcipher3``) — no home-made cryptography.

``sqlcipher3`` is a dependency; should its wheel be missing on some platform, everything
else still works and :func:`available` is false. An encrypted database is opened with
``open_database(path, password=...)``; a wrong password raises :class:`WrongPasswordError`
before anything is written. Backups of an encrypted database are made with
``sqlcipher_export`` into a file keyed with the same key, so they stay encrypted.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
from functools import cache
from pathlib import Path

from wengang.domain.sqltext import sql_text  # PRAGMA key and ATTACH … KEY take no parameters
from wengang.store.errors import EncryptionUnavailableError, StoreError, WrongPasswordError


@cache
def _sqlcipher3():
    """``sqlcipher3`` (an optional dependency), None when not installed. Imported when first
    needed, not by every process: 10 ms of a start where most databases have no password."""
    try:
        import sqlcipher3  # noqa: PLC0415
    except ImportError:  # pragma: no cover - exercised when the extra is not installed
        return None
    return sqlcipher3


def _loaded_dbapi():
    """``sqlcipher3.dbapi2`` if this process has imported it; else no connection of it exists."""
    return sys.modules.get("sqlcipher3.dbapi2")


def available() -> bool:
    """Whether sqlcipher3 is installed: found, not imported, until a password is used (the
    window asks at its start, to offer one)."""
    if "sqlcipher3" in sys.modules:
        return _sqlcipher3() is not None
    return importlib.util.find_spec("sqlcipher3") is not None


def database_errors() -> tuple[type[BaseException], ...]:
    """The DatabaseError classes of every engine in use (they are distinct classes)."""
    dbapi = _loaded_dbapi()
    return (sqlite3.DatabaseError,) + ((dbapi.DatabaseError,) if dbapi is not None else ())


def is_encrypted_connection(conn) -> bool:
    dbapi = _loaded_dbapi()
    return dbapi is not None and isinstance(conn, dbapi.Connection)


def connect_encrypted(path: Path | str, password: str):
    """A keyed SQLCipher connection, verified; :class:`WrongPasswordError` if the key is wrong."""
    sqlcipher3 = _sqlcipher3()
    if sqlcipher3 is None:
        raise EncryptionUnavailableError()
    if not password:
        raise WrongPasswordError("密码不能为空。")
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")  # no hmac noise on stderr
        except sqlcipher3.dbapi2.DatabaseError:
            pass
        conn.execute(f"PRAGMA key = {sql_text(password)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.dbapi2.DatabaseError as exc:
        conn.close()
        raise WrongPasswordError(f"密码错误，无法打开数据库 {path}（数据未作任何改动）。") from exc
    return conn


def change_password(db, new_password: str) -> None:
    """Re-key an open encrypted database (``PRAGMA rekey``)."""
    if not is_encrypted_connection(db.conn):
        raise StoreError("此数据库尚未加密，请先设置密码（wengang password set）。")
    if not new_password:
        raise WrongPasswordError("新密码不能为空。")
    db.conn.execute(f"PRAGMA rekey = {sql_text(new_password)}")


def export_encrypted(conn, dest: Path | str, password: str | None = None) -> None:
    """Write the whole database behind ``conn`` to ``dest`` encrypted.

    With ``password`` None the attached file takes the source connection's own key.
    """
    key = "" if password is None else f" KEY {sql_text(password)}"
    conn.execute(f"ATTACH DATABASE {sql_text(str(dest))} AS wengang_export{key}")
    try:
        conn.execute("SELECT sqlcipher_export('wengang_export')")
    finally:
        conn.execute("DETACH DATABASE wengang_export")


def encrypt_file(path: Path | str, password: str) -> None:
    """Turn the plain database at ``path`` into an encrypted one, in place.

    The plain text is exported into ``<db>.encrypting`` and verified before it replaces the
    original, so an interruption leaves the original untouched.
    """
    sqlcipher3 = _sqlcipher3()
    if sqlcipher3 is None:
        raise EncryptionUnavailableError()
    if not password:
        raise WrongPasswordError("密码不能为空。")
    path = Path(path)
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise StoreError("数据库已经加密（或已损坏），未作改动；修改密码请用“修改密码”（wengang password change）。")
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    plain = sqlcipher3.connect(str(path), isolation_level=None)  # no key: reads plain SQLite
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        export_encrypted(plain, tmp, password)
    finally:
        plain.close()
    check = connect_encrypted(tmp, password)
    try:
        if check.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise StoreError("加密后的文件未通过完整性检查，原数据库未改动。")
        check.execute("PRAGMA journal_mode = WAL")
    finally:
        check.close()
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
