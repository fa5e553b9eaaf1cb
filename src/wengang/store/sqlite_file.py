"""Is this file SQLite, and is it sound? The two checks both integrity-on-open and backup use.

They live below both so that ``integrity`` (which offers the newest good backup) and ``backup``
(which verifies a file before restoring it) need not import each other.
"""

from __future__ import annotations

from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"


def looks_like_sqlite(path: Path | str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == SQLITE_HEADER


def zero_filled(path: Path | str, length: int = 4096) -> bool:
    """Is the start of the file all zero bytes (a file the system never finished writing)?"""
    with open(path, "rb") as fh:
        head = fh.read(length)
    return bool(head) and not head.strip(b"\x00")


def quick_check(conn) -> list[str]:
    """Problems found by ``PRAGMA quick_check`` (empty when the file is sound)."""
    return _pragma_check(conn, "quick_check")


def integrity_check(conn) -> list[str]:
    """Problems found by the full ``PRAGMA integrity_check``, which also compares every index
    with its table (``quick_check`` misses "row 17 missing from index")."""
    return _pragma_check(conn, "integrity_check")


def _pragma_check(conn, pragma: str) -> list[str]:
    try:
        rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except Exception as exc:  # noqa: BLE001 - sqlite3 and sqlcipher3 raise different classes
        return [str(exc)]
    return [r[0] for r in rows if r[0] != "ok"]
