"""Opening the county database: pragmas, migrations, refusal of newer versions.

All access goes through :func:`open_database`, which returns a ``sqlite_utils.Database``.
Writes belong inside ``with db.atomic():`` (sqlite-utils 4 nests these with savepoints), so
a failed import or edit leaves nothing half-written.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from wengang.store.migrations import known_migration_names, migrations


class StoreError(RuntimeError):
    """A database the program cannot or must not use; the message is for the user."""


class NewerDatabaseError(StoreError):
    """The database was written by a newer version of the program."""


def _connect(path: str | Path) -> sqlite3.Connection:
    # isolation_level=None: sqlite-utils manages transactions explicitly (atomic()).
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL is durable across app crashes
    return conn


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


def open_database(path: str | Path = ":memory:", *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = _connect(path)
        db = sqlite_utils.Database(conn)
        check_not_newer(db)
        if migrate:
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"无法打开数据库 {path}：{exc}。文件可能已损坏或不是稳岗台账数据库。") from exc
    return db


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
