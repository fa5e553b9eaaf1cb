"""A big county's report cube counted in two halves at once, on two connections (issue 20,
``store.halves``): the same groups, numbers and row order as one count, and no halves where
the two could read different rows."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from test_report_summaries import all_forms, counted_afresh
from test_status_store import AS_OF

from wengang.domain.status import AsOf
from wengang.services.demo.builder import build_demo
from wengang.services.reports import engine
from wengang.services.reports.cube import cube_sql
from wengang.store import derived, halves
from wengang.store.db import open_database
from wengang.store.status import materialize_status, status_table


@pytest.fixture
def county(demo_file):
    return demo_file(11, AS_OF)


@pytest.fixture
def counted(monkeypatch):
    """Every answer of ``count_in_halves`` while the test runs, halves from 10 persons on."""
    answers: list[bool] = []
    real = halves.count_in_halves

    def spy(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(halves, "HALVES_FROM", 10)
    monkeypatch.setattr("wengang.store.status.count_in_halves", spy)
    return answers


def _full_cube(db) -> list[tuple]:
    """The full cube at AS_OF as the engine makes it, counted (its kept summaries dropped)."""
    derived.forget(db)
    db.execute("DELETE FROM status_store_summaries")
    table = engine.prepare(db, AsOf(AS_OF), ("cube",))["cube"]
    return db.execute(f"SELECT * FROM temp.{table}").fetchall()


def _lower_halves_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "wengang-lower-half"]


def test_the_cube_in_halves_has_the_groups_numbers_and_order_of_one_count(county, counted, monkeypatch):
    _, db = county
    monkeypatch.setattr(halves, "HALVES_FROM", 10**12)
    whole = _full_cube(db)
    forms = all_forms(db, AS_OF)
    assert counted and not any(counted)  # too few persons for halves
    counted.clear()
    monkeypatch.setattr(halves, "HALVES_FROM", 10)
    in_halves = _full_cube(db)
    assert counted == [True]
    assert in_halves == whole  # row for row, in the same order
    assert sorted(in_halves, key=repr) == counted_afresh(db, AS_OF)["report_cube"]
    assert all(row[4] > 0 for row in in_halves)  # persons per group: every group counted
    derived.forget(db)
    db.execute("DELETE FROM status_store_summaries")
    assert all_forms(db, AS_OF) == forms
    assert True in counted
    assert not _lower_halves_alive()


def test_the_halves_split_the_persons_between_them(county, counted):
    """Each half counts its own persons: the lower half's groups and the upper's add up to
    the whole, and neither is empty (a split at the wrong id would count someone twice or
    not at all, and the sum would show it)."""
    _, db = county
    status = status_table(db, AsOf(AS_OF))
    predicates = list(engine.cube_predicates())
    assert halves.count_in_halves(db, status, lambda n, s: cube_sql(n, s, predicates), "in_halves")
    db.execute(cube_sql("whole", status, predicates))
    total = "SELECT sum(persons), sum(m0), sum(m1) FROM temp.{}"
    assert db.execute(total.format("in_halves")).fetchone() == db.execute(total.format("whole")).fetchone()
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert db.execute(total.format("in_halves")).fetchone()[0] == persons
    assert db.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'in_halves\\_%' ESCAPE '\\'").fetchall() == []


def test_no_halves_where_the_two_could_read_different_rows(county, counted, tmp_path):
    _, db = county
    predicates = list(engine.cube_predicates())

    def create(name: str, status: str) -> str:
        return cube_sql(name, status, predicates)

    stored = status_table(db, AsOf(AS_OF))
    # statuses derived into a TEMP table here: the second connection cannot see them
    derived_here = materialize_status(db, AsOf(AS_OF), "derived_here")
    assert not halves.count_in_halves(db, derived_here, create, "a")
    # this connection inside a transaction: its snapshot is not the other's
    with db.atomic():
        assert not halves.count_in_halves(db, stored, create, "b")
    # a database in memory
    memory = open_database(":memory:")
    build_demo(memory, 20, seed=3, as_of=AS_OF)
    assert not halves.count_in_halves(memory, status_table(memory, AsOf(AS_OF)), create, "c")
    memory.close()
    assert not db.execute("SELECT 1 FROM sqlite_temp_master WHERE name IN ('a', 'b', 'c')").fetchall()


def test_a_commit_by_another_connection_meanwhile_means_one_count(county, counted):
    """Another program (the window's other connection) commits while the halves count: the
    halves may have read different rows, so they are thrown away and the cube counted once."""
    path, db = county
    predicates = list(engine.cube_predicates())
    other = sqlite3.connect(path, isolation_level=None)

    def create(name: str, status: str) -> str:
        if name.endswith("_upper"):
            other.execute("UPDATE settings SET value = value WHERE key = 'reporter'")
            other.execute("INSERT INTO settings(key, value) VALUES ('halves_test', '1')")
        return cube_sql(name, status, predicates)

    status = status_table(db, AsOf(AS_OF))
    assert not halves.count_in_halves(db, status, create, "meanwhile")
    other.close()
    assert not db.execute("SELECT 1 FROM sqlite_temp_master WHERE name LIKE 'meanwhile%'").fetchall()
    assert not _lower_halves_alive()


def test_a_failed_half_stops_the_other_and_leaves_nothing(county, counted):
    _, db = county
    predicates = list(engine.cube_predicates())

    def create(name: str, status: str) -> str:
        return "SELECT no_such_column FROM nowhere" if name.endswith("_upper") else cube_sql(name, status, predicates)

    status = status_table(db, AsOf(AS_OF))
    with pytest.raises(sqlite3.OperationalError):
        halves.count_in_halves(db, status, create, "failed")
    assert not _lower_halves_alive()
    assert not db.execute("SELECT 1 FROM sqlite_temp_master WHERE name LIKE 'failed%'").fetchall()

    # the other half failing: no halves, nothing made; the caller counts once
    def create_lower_fails(name: str, status: str) -> str:
        return "SELECT no_such_column FROM nowhere" if name == "lower_half" else cube_sql(name, status, predicates)

    assert not halves.count_in_halves(db, status, create_lower_fails, "lower_failed")
    assert not db.execute("SELECT 1 FROM sqlite_temp_master WHERE name LIKE 'lower\\_failed%' ESCAPE '\\'").fetchall()


def test_the_second_connection_cannot_change_the_file(county, counted):
    """It opens the file read-only: a count that tried to write the file (not its own TEMP
    tables) fails there, and the halves say no."""
    _, db = county
    predicates = list(engine.cube_predicates())

    def create(name: str, status: str) -> str:
        sql = cube_sql(name, status, predicates)
        return sql.replace("CREATE TEMP TABLE lower_half", "CREATE TABLE main.lower_half") if name == "lower_half" else sql

    assert not halves.count_in_halves(db, status_table(db, AsOf(AS_OF)), create, "written")
    assert not db.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'lower_half'").fetchall()


def test_f1_alone_right_after_an_import_counts_the_same_in_halves(county, monkeypatch):
    """``wengang report F1`` right after an import counts the employed straight from a
    derivation (``store.status.count_derived``): in halves each connection derives its own
    half — households' places, latest spells, counts — and only the groups cross over."""
    from wengang.services.reports import compute_form  # noqa: PLC0415
    from wengang.store import status_store  # noqa: PLC0415

    _, db = county
    started: list[str] = []
    real_start = halves._Lower.start  # noqa: SLF001
    monkeypatch.setattr(halves._Lower, "start", lambda thread: (started.append(thread.name), real_start(thread)))  # noqa: SLF001

    def f1() -> list:
        db.execute(f"INSERT OR IGNORE INTO {status_store.MARKS} (person_id) SELECT id FROM persons")  # as an import
        derived.forget(db)
        return [row.values for row in compute_form(db, "F1", AS_OF, alone=True).rows]

    monkeypatch.setattr(halves, "HALVES_FROM", 10**12)
    once = f1()
    assert not started
    monkeypatch.setattr(halves, "HALVES_FROM", 10)
    assert f1() == once
    assert started  # the count went through the halves
    assert any(any(isinstance(v, int) and v > 0 for v in row.values()) for row in once)
    assert not _lower_halves_alive()


def test_f1_alone_in_halves_makes_the_upper_halfs_places_after_the_lower_half_began(county, monkeypatch):
    """The households' places at D (``household_places_view``) are made by each half as it
    begins: the upper half's are no longer made before the lower half is started (as a table,
    0.18 s of one core, then both halves at once, at 200,000 households)."""
    from wengang.services.reports import compute_form  # noqa: PLC0415
    from wengang.store import status_store  # noqa: PLC0415
    from wengang.store.household_type import household_places_view  # noqa: PLC0415

    _, db = county
    events: list[str] = []  # this connection's statements and the lower half's start, in order
    real_start = halves._Lower.start  # noqa: SLF001
    monkeypatch.setattr(halves._Lower, "start", lambda thread: (events.append("lower half begun"), real_start(thread)))  # noqa: SLF001
    monkeypatch.setattr(halves, "HALVES_FROM", 10)
    db.execute(f"INSERT OR IGNORE INTO {status_store.MARKS} (person_id) SELECT id FROM persons")  # as an import
    derived.forget(db)
    db.conn.set_trace_callback(events.append)
    try:
        compute_form(db, "F1", AS_OF, alone=True)
    finally:
        db.conn.set_trace_callback(None)
    places = household_places_view(db, AS_OF)  # the name this connection made them under
    made = [k for k, sql in enumerate(events) if sql.lstrip().startswith(f"CREATE TEMP VIEW {places} ")]
    assert len(made) == 1
    assert events.index("lower half begun") < made[0]
