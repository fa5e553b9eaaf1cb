"""The integrity check of a changed file in parts, on two connections at once (issue 20: a
copied 200,000-household file checked in 22 s, not 36): it finds what SQLite's whole check
finds, and on a sound file nothing."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from store_damage import break_index

from wengang.services.demo import build_demo
from wengang.store.db import open_database
from wengang.store.sqlite_file import integrity_check, integrity_check_beside


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = tmp_path_factory.mktemp("beside") / "county.db"
    db = open_database(path)
    build_demo(db, households=40)
    db.execute("PRAGMA journal_mode = DELETE")  # one file, to copy and damage
    db.close()
    return path


def _copy(county, tmp_path):
    path = tmp_path / "copy.db"
    path.write_bytes(county.read_bytes())
    return path


def _reading(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


class _Traced:
    """Opens the second connection and keeps the PRAGMAs it ran. ``waiting(conn)`` makes each
    connection check a part at least: ``conn``'s first part sets ``cue`` (pass it as the
    check's ``when``: the second connection opens then) and waits until this one has begun a
    part. Else, on a small file, either could take every part before the other took one (the
    first before the second is open; the second, on a busy machine, before the first is
    scheduled)."""

    def __init__(self, path):
        self.path, self.ran, self.began, self.cue = path, [], threading.Event(), threading.Event()

    def __call__(self):
        conn = _reading(self.path)

        def ran(sql: str) -> None:
            self.ran.append(sql)
            if sql.startswith("PRAGMA"):
                self.began.set()

        conn.set_trace_callback(ran)
        return conn

    def waiting(self, conn) -> list[str]:
        ran: list[str] = []

        def first_waits(sql: str) -> None:
            if sql.startswith("PRAGMA") and not any(s.startswith("PRAGMA") for s in ran):
                self.cue.set()
                assert self.began.wait(10), "the second connection took no part"
            ran.append(sql)

        conn.set_trace_callback(first_waits)
        return ran


def test_a_sound_file_has_no_problems_and_both_connections_took_parts(county, tmp_path):
    path = _copy(county, tmp_path)
    here, beside = _reading(path), _Traced(path)
    ran_here = beside.waiting(here)
    assert integrity_check_beside(here, beside, beside.cue) == []
    checks_here = {s for s in ran_here if s.startswith("PRAGMA")}
    checks_beside = {s for s in beside.ran if s.startswith("PRAGMA")}
    assert checks_here and checks_beside and not checks_here & checks_beside
    tables = [name for (name,) in here.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert checks_here | checks_beside == {"PRAGMA quick_check"} | {
        f"PRAGMA integrity_check('{name}')" for name in tables}
    assert "PRAGMA integrity_check('persons')" in checks_here | checks_beside


def test_an_index_that_does_not_match_its_rows_is_found(county, tmp_path):
    path = _copy(county, tmp_path)
    break_index(path)
    conn = _reading(path)
    whole = integrity_check(conn)
    found = integrity_check_beside(conn, lambda: _reading(path))
    assert found and set(found) == set(whole)
    assert any("idx_persons_name" in problem for problem in found)


def test_pages_no_table_owns_any_more_are_found_by_the_whole_file_part(county, tmp_path):
    """A table taken out of the schema behind SQLite's back leaves its pages used by nothing:
    no table's own check sees them; the quick_check part does, as the whole check does."""
    path = _copy(county, tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("DELETE FROM sqlite_master WHERE tbl_name = 'services'")
    conn.commit()
    conn.close()
    conn = _reading(path)
    whole = integrity_check(conn)
    assert any("never used" in problem for problem in whole)
    found = integrity_check_beside(conn, lambda: _reading(path))
    assert set(found) == set(whole)


def test_scribbled_pages_are_found(county, tmp_path):
    path = _copy(county, tmp_path)
    data = bytearray(path.read_bytes())
    for start in range(len(data) // 2, len(data), 4096 * 7):
        data[start + 8: start + 200] = b"\xff" * 192
    path.write_bytes(bytes(data))
    conn = _reading(path)
    assert integrity_check(conn)
    assert integrity_check_beside(conn, lambda: _reading(path))


def test_each_part_checked_is_told_once_as_a_share_of_the_whole(county, tmp_path):
    """``progress(done, total)`` after each part, from either connection, one call at a time,
    in the parts' estimated costs: rising to total at the last part (the command line and the
    window show it while a copied file is checked)."""
    path = _copy(county, tmp_path)
    here, beside = _reading(path), _Traced(path)
    ran_here = beside.waiting(here)  # each connection checks a part at least
    told: list[tuple[int, int, str]] = []
    assert integrity_check_beside(here, beside, beside.cue, progress=lambda done, total: told.append(
        (done, total, threading.current_thread().name))) == []
    parts = [s for s in ran_here + beside.ran if s.startswith("PRAGMA")]
    done = [d for d, _, _ in told]
    total = told[-1][1]
    assert len(told) == len(parts) and {t for _, t, _ in told} == {total}
    assert done == sorted(done) and done[-1] == total and done[0] < total
    persons = here.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert total > 10 * persons  # rows read: every table once, then each again per index
    assert {name for *_, name in told} == {threading.main_thread().name, "wengang-integrity-beside"}


def test_a_file_checked_whole_is_told_as_one_part(tmp_path):
    path = tmp_path / "fts.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
    conn.commit()
    conn.close()
    told: list[tuple[int, int]] = []
    assert integrity_check_beside(_reading(path), _Traced(path), progress=lambda *part: told.append(part)) == []
    assert told == [(1, 1)]


def test_without_a_second_connection_this_one_checks_every_part(county, tmp_path):
    path = _copy(county, tmp_path)
    break_index(path)
    conn = _reading(path)

    def cannot() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    found = integrity_check_beside(conn, cannot)
    assert found and set(found) == set(integrity_check(conn))
    assert "PRAGMA quick_check" in ran and "PRAGMA integrity_check('persons')" in ran


def test_a_second_connection_that_cannot_read_leaves_the_parts_to_this_one(county, tmp_path):
    """Opened but unable to read (a read-only WAL file elsewhere): not a problem of the file."""
    path = _copy(county, tmp_path)

    def unreadable() -> sqlite3.Connection:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.set_authorizer(lambda *args: sqlite3.SQLITE_DENY)  # every read refused
        return conn

    assert integrity_check_beside(_reading(path), unreadable) == []


def test_a_second_connection_waits_for_its_cue(county, tmp_path):
    """The window's background check takes the second core only once work waits for it."""
    path = _copy(county, tmp_path)
    never, cue = threading.Event(), threading.Event()
    beside = _Traced(path)
    assert integrity_check_beside(_reading(path), beside, never) == []
    assert beside.ran == []  # never opened: this connection checked every part
    cue.set()
    here, beside = _reading(path), _Traced(path)
    beside.waiting(here)
    assert integrity_check_beside(here, beside, cue) == []
    assert any(s.startswith("PRAGMA") for s in beside.ran)


def test_a_file_with_a_virtual_table_is_checked_whole(tmp_path):
    """The whole check asks a virtual table (full-text search) to check itself; a table's own
    check might not: such a file gets the whole check, on one connection."""
    path = tmp_path / "fts.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
    conn.execute("INSERT INTO notes VALUES ('务工')")
    conn.commit()
    conn.close()
    here, beside = _reading(path), _Traced(path)
    ran: list[str] = []
    here.set_trace_callback(ran.append)
    assert integrity_check_beside(here, beside) == []
    assert "PRAGMA integrity_check" in ran and beside.ran == []
