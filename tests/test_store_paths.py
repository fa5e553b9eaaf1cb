"""A county in a folder whose name a URI would read otherwise (数据#1, 100%25): the daily backup,
the check of a changed file and a backup's verification read that very file, read-only.

Written as ``file:{path}?mode=ro``, ``#`` began the URI's fragment: SQLite opened
``…/数据`` instead, made it empty and writable, and the backup copied nothing, the check passed
an empty file, and the check in parts reported the county's tables missing."""

from __future__ import annotations

import sqlite3

import pytest

from wengang.services.demo import build_demo
from wengang.store import backup, integrity
from wengang.store.db import open_database


@pytest.fixture
def county(tmp_path):
    folder = tmp_path / "数据#1 100%25"
    folder.mkdir()
    path = folder / "wengang.db"
    db = open_database(path, daily_backup=False)
    build_demo(db, households=20)
    db.close()
    return path


def _persons(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    finally:
        conn.close()


def _strays(path) -> list:
    """Files made beside the county's folder by a URI read as a shorter name."""
    return [p.name for p in path.parent.parent.iterdir() if p != path.parent]


def test_the_daily_backup_copies_the_county_itself(county):
    made = backup.daily_backup(county)
    assert made is not None and _persons(made) == _persons(county) > 0
    assert _strays(county) == []


def test_a_changed_file_is_checked_itself_and_found_sound(county):
    integrity.forget_clean_close(county)
    integrity._verified.clear()  # noqa: SLF001 - as a new process
    db = open_database(county, daily_backup=False)  # checked in parts, a second connection reading
    try:
        assert db["persons"].count == _persons(county)
    finally:
        db.close()
    assert integrity.unchanged_since_clean_close(county) and _strays(county) == []


def test_a_backup_is_verified_itself(county):
    db = open_database(county, daily_backup=False)
    try:
        made = backup.backup(db, county.parent / "copy.db")
    finally:
        db.close()
    assert backup.verify_file(made) == []
    made.write_bytes(made.read_bytes()[: made.stat().st_size // 2])  # truncated: not sound
    assert backup.verify_file(made) != []
    assert _strays(county) == []
