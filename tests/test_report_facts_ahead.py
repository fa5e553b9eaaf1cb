"""A batch of forms counts the group tables it reads after the first on a second connection
(issue 20, ``services.reports.ahead``, ``store.halves.read_aside``): F3's spells are counted
here while F4's services and subsidies, F5's household groups and F9's spot checks are counted
beside; the forms are the very ones counted one after another, and counts made beside data
another connection changed meanwhile are not used."""

from __future__ import annotations

import threading

import pytest
from test_status_store import AS_OF

from wengang.domain.status import AsOf
from wengang.services.reports import ahead, batch, engine, facts
from wengang.services.reports import household_cube as households
from wengang.store import derived, halves
from wengang.store.db import open_database
from wengang.store.status import status_table

FORMS = ("F1", "F3", "F4", "F5", "F9")


@pytest.fixture
def county(demo_file, monkeypatch):
    monkeypatch.setattr(halves.os, "cpu_count", lambda: 2)  # a second core, whatever this machine has
    return demo_file(7, AS_OF)


def _afresh(db) -> None:
    """Nothing counted kept: neither in this connection nor in the store."""
    derived.forget(db)
    db.execute("DELETE FROM status_store_facts")
    db.execute("DELETE FROM status_store_summaries WHERE kind = ?", [households.KIND])


def _forms(db, tmp_path, name: str) -> list[list[dict]]:
    written = batch.write_forms(db, FORMS, AS_OF, tmp_path / name)
    return [[row.values for row in result.rows] for result, _ in written]


def _asides() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "wengang-aside"]


def _reads_beside(monkeypatch) -> list[str]:
    """The tables each ``read_aside`` of the batch's counts was given, in order."""
    tables: list[str] = []
    real = ahead.read_aside

    def spy(db, status, reads):
        tables.extend(_table_of(key) for key, _ in reads)
        return real(db, status, reads)

    monkeypatch.setattr(ahead, "read_aside", spy)
    return tables


def _table_of(key: tuple) -> str:
    """The fact source a key of the facts is for (told by its measures' aliases), or F5's
    household groups."""
    if key[0] == households.KIND:
        return "households"
    sql = " ".join(m.sql for m in key[1][2])
    return next(name for name, table in facts.FACT_TABLES.items() if f"{table.alias}." in sql)


def test_a_batch_counts_its_later_fact_sources_beside_the_same_forms(county, tmp_path, monkeypatch):
    _, db = county
    _afresh(db)
    monkeypatch.setattr(ahead, "read_aside", lambda *a: None)  # one after another, as before
    want = _forms(db, tmp_path, "one")
    monkeypatch.undo()
    monkeypatch.setattr(halves.os, "cpu_count", lambda: 2)
    _afresh(db)
    beside = _reads_beside(monkeypatch)
    taken: list[bool] = []
    real = ahead.take
    monkeypatch.setattr(ahead, "take", lambda d, key: _taken(real, d, key, taken))
    got = _forms(db, tmp_path, "beside")
    assert got == want
    # the spells (F3's, the batch's first) counted here, the rest beside, each taken once made
    assert beside == ["service", "subsidy", "households", "check"]
    assert taken.count(True) == 4
    assert any(any(isinstance(v, int) and v > 0 for v in row.values()) for form in want[1:] for row in form)
    assert not _asides()


def _taken(real, db, key, taken: list[bool]):
    made, rows = real(db, key)
    taken.append(made)
    return made, rows


def test_counts_beside_are_not_taken_once_another_connection_committed(county):
    path, db = county
    _afresh(db)
    engine.prepare_forms(db, FORMS, AS_OF)
    forms = [(form, {}) for form in ("F3", "F4")]
    guidance_before = engine.compute_form(open_database(path), "F4", AS_OF).total().values["guidance"]
    _afresh(db)
    engine.count_ahead(db, forms, AS_OF)
    (aside,) = ahead._asides(db)  # noqa: SLF001
    aside.join()  # the services counted beside, before the change below
    other = open_database(path)
    try:
        person = other.execute("SELECT id FROM persons ORDER BY id LIMIT 1").fetchone()[0]
        with other.atomic():
            other.execute("INSERT INTO services (person_id, service_date, kind) VALUES (?, ?, '职业指导')",
                          [person, AS_OF.isoformat()])
    finally:
        other.close()
    got = engine.compute_form(db, "F4", AS_OF)
    ahead.stop(db)
    assert got.total().values["guidance"] == guidance_before + 1  # counted here again, with the new one


def test_a_batch_stopped_midway_leaves_nothing_counting_beside(county, tmp_path):
    _, db = county
    _afresh(db)

    def cancel(done: int, _total: int, _text: str) -> None:
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.write_forms(db, FORMS, AS_OF, tmp_path / "stopped", progress=cancel)
    assert not _asides()
    assert ahead._asides(db) == []  # noqa: SLF001


def test_nothing_beside_without_a_second_core_or_for_kept_groups(county, tmp_path, monkeypatch):
    _, db = county
    _afresh(db)
    beside = _reads_beside(monkeypatch)
    monkeypatch.setattr(halves.os, "cpu_count", lambda: 1)
    started: list[str] = []
    real_start = halves.Aside.start
    monkeypatch.setattr(halves.Aside, "start", lambda thread: (started.append(thread.name), real_start(thread)))
    one_core = _forms(db, tmp_path, "one core")
    assert beside and not started  # the tables were offered; no second connection was begun
    monkeypatch.setattr(halves.os, "cpu_count", lambda: 2)
    beside.clear()
    derived.forget(db)  # the groups stay kept in the store: read, not counted
    assert _forms(db, tmp_path, "kept") == one_core
    assert beside == []


def test_while_a_read_is_made_beside_this_connection_makes_the_next_not_begun(county):
    """A county's first ``report all`` at 200k: F3's spells here (1.0 s), services, subsidies
    and the household groups beside (2.1 s). Waiting for one read made beside, this connection
    makes the next not begun yet itself, so the second connection's queue is shared; a read
    made here is taken as one made beside is, and neither is made twice."""
    _, db = county
    status = status_table(db, AsOf(AS_OF))
    made_on: dict[str, list] = {"first": [], "second": [], "third": []}
    first_begun, second_made = threading.Event(), threading.Event()

    def first(part):
        made_on["first"].append(part)
        first_begun.set()
        second_made.wait(10)  # beside, busy until this connection has made the second
        return "one"

    def second(part):
        made_on["second"].append(part)
        second_made.set()
        return part.execute(f"SELECT count(*) FROM temp.{status}").fetchone()[0]

    def third(part):
        made_on["third"].append(part)
        return "three"

    aside = halves.read_aside(db, status, [("first", first), ("second", second), ("third", third)])
    assert aside is not None
    try:
        assert first_begun.wait(10)
        assert aside.value("first") == (True, "one")
        made, persons = aside.value("second")
        assert made and persons == db.execute("SELECT count(*) FROM persons").fetchone()[0]
        assert aside.value("third") == (True, "three")
    finally:
        aside.stop()
    assert made_on["first"][0] is not db and made_on["second"] == [db]
    assert all(len(parts) == 1 for parts in made_on.values())
