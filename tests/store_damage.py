"""Ways the tests damage a database file on purpose."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def break_index(path: Path) -> None:
    """Point idx_persons_name at another column: the stored entries no longer match the rows
    (what "row 17 missing from index" looks like); quick_check does not notice."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql='CREATE INDEX idx_persons_name ON persons(id_number)' "
                 "WHERE name='idx_persons_name'")
    conn.commit()
    conn.close()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert check.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    check.close()
