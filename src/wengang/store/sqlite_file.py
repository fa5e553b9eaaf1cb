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


def quick_check(conn) -> list[str]:
    """Problems found by ``PRAGMA quick_check`` (empty when the file is sound)."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except Exception as exc:  # noqa: BLE001 - sqlite3 and sqlcipher3 raise different classes
        return [str(exc)]
    problems = [r[0] for r in rows if r[0] != "ok"]
    return problems
