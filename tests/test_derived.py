"""store.derived: cached TEMP tables live until the data changes, whoever changed it."""

from __future__ import annotations

from wengang.store import derived
from wengang.store.db import open_database


def _counter(db, calls):
    def build(name):
        calls.append(name)
        db.execute(f"CREATE TEMP TABLE {name} AS SELECT count(*) AS n FROM persons")
    return build


def test_reused_until_the_data_changes_and_rebuilt_under_the_same_name(db, factory):
    calls: list[str] = []
    factory.person()
    name = derived.cached(db, "probe", 1, _counter(db, calls))
    assert derived.cached(db, "probe", 1, _counter(db, calls)) == name and len(calls) == 1
    derived.temp_write(db, f"INSERT INTO temp.{name} VALUES (99)")  # our own TEMP write
    assert derived.cached(db, "probe", 1, _counter(db, calls)) == name and len(calls) == 1
    factory.person()  # a data write
    assert derived.cached(db, "probe", 1, _counter(db, calls)) == name and len(calls) == 2
    assert db.execute(f"SELECT n FROM temp.{name}").fetchall() == [(2,)]


def test_another_connections_commit_invalidates(tmp_path):
    path = tmp_path / "w.db"
    first, second = open_database(path, lock=False), open_database(path, lock=False)
    calls: list[str] = []
    derived.cached(first, "probe", 1, _counter(first, calls))
    with second.atomic():
        second.execute("INSERT INTO areas(name, level) VALUES ('甲县', 'county')")
    derived.cached(first, "probe", 1, _counter(first, calls))
    assert len(calls) == 2


def test_only_the_newest_keys_of_a_kind_are_kept(db):
    calls: list[str] = []
    names = [derived.cached(db, "probe", day, _counter(db, calls)) for day in range(5)]
    temp = {r[0] for r in db.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'")}
    assert set(names[-derived.KEEP_PER_KIND:]) <= temp
    assert not set(names[:-derived.KEEP_PER_KIND]) & temp
    derived.forget(db)
    assert not set(names) & {r[0] for r in db.execute("SELECT name FROM sqlite_temp_master")}
