"""Opening, migrating and refusing databases; transactions; CLI basics."""

import sqlite3
import subprocess
import sys

import pytest

from wengang.store.db import NewerDatabaseError, StoreError, open_database, schema_version
from wengang.store.migrations import known_migration_names, split_sql
from wengang.store.migrations.m0001_initial import SCHEMA_V1


def test_fresh_database_has_all_migrations(tmp_path):
    db = open_database(tmp_path / "a.db")
    assert schema_version(db) == known_migration_names()[-1]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_the_sorter_may_use_a_second_core(tmp_path):
    """Index builds and big sorts (an import's indexes, a whole date's statuses) run in
    parallel where the machine has the cores (issue 20): every connection the program opens
    lets SQLite's sorter take up to two threads more, none on one core."""
    import os  # noqa: PLC0415

    from wengang.store import db as store_db  # noqa: PLC0415

    want = max(0, min(2, (os.cpu_count() or 1) - 1))
    assert store_db.SORTER_THREADS == want
    for db in (open_database(tmp_path / "a.db"), open_database(":memory:")):
        assert db.execute("PRAGMA threads").fetchone()[0] == want
        db.close()


def test_database_from_first_schema_version_upgrades(tmp_path):
    """Build a v1 database by hand, as the first release wrote it, then open it."""
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    for statement in split_sql(SCHEMA_V1):
        conn.execute(statement)
    conn.execute("CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT, "
                 "name TEXT, applied_at TEXT)")
    conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                 "VALUES ('wengang', '0001_initial', '2026-01-01')")
    conn.execute("INSERT INTO areas(id, name, level) VALUES (1, '测试县', 'county')")
    conn.commit()
    conn.close()
    db = open_database(path)
    assert schema_version(db) == known_migration_names()[-1]
    assert db.execute("SELECT name FROM areas WHERE id = 1").fetchone()[0] == "测试县"


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.db"
    db = open_database(path)
    db.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
               "VALUES ('wengang', '9999_from_the_future', '2030-01-01')")
    db.close()
    with pytest.raises(NewerDatabaseError, match="更新版本"):
        open_database(path)


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="无法打开"):
        open_database(path)


def test_atomic_rolls_back_everything(db, factory):
    hh = factory.household()
    before = db["persons"].count
    with pytest.raises(sqlite3.IntegrityError), db.atomic():
        factory.person(hh, id_number="X1")
        factory.person(hh, id_number="X1")  # unique 证件号码
    assert db["persons"].count == before


def test_spell_end_before_start_is_refused_by_the_schema(db, factory):
    p = factory.person()
    with pytest.raises(sqlite3.IntegrityError):
        factory.spell(p, "2024-05-01", "2024-04-30")


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wengang", *args], check=False, capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_cli_version_and_help():
    assert run_cli("--version").stdout.startswith("wengang ")
    out = run_cli("--help").stdout
    assert "info" in out and "--db" in out


def test_cli_info_on_new_database(tmp_path):
    result = run_cli("--db", str(tmp_path / "c.db"), "info")
    assert result.returncode == 0, result.stderr
    assert "数据结构版本" in result.stdout and "务工就业记录" in result.stdout


def test_cli_refuses_newer_database_with_exit_2(tmp_path):
    path = tmp_path / "new.db"
    db = open_database(path)
    db.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
               "VALUES ('wengang', '9999_x', '2030-01-01')")
    db.close()
    result = run_cli("--db", str(path), "info")
    assert result.returncode == 2 and "更新版本" in result.stderr
