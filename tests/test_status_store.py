"""The status store (store.status_store, migration 0090) answers what a fresh derivation does.

Whatever wrote the data — an edit, a delete, an import, its undo, an exchange package, a bulk
apply, another program — the statuses ``status_table`` reads from the store equal
``materialize_status`` (and ``status_sql`` for the status columns) derived afresh, for every
person, at many dates.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sqlite3

import pytest
import sqlite_utils

import wengang.store.status as status_module
from wengang.domain.status import AsOf
from wengang.services.demo.builder import build_demo
from wengang.store import derived, status_store
from wengang.store.db import open_database
from wengang.store.household_type import change_household_type
from wengang.store.migrations import m0090_status_store as schema
from wengang.store.status import (
    PLACE_COLUMNS,
    SPELL_ID_COLUMNS,
    STATUS_COLUMNS,
    SURVEY_COLUMNS,
    materialize_status,
    person_statuses,
    status_table,
)

AS_OF = dt.date(2024, 6, 30)
COLUMNS = ", ".join(status_store.STORE_COLUMNS)


def _month_ends(first: dt.date, count: int) -> list[dt.date]:
    days, year, month = [], first.year, first.month
    for _ in range(count):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        days.append(dt.date(year, month, 1) - dt.timedelta(days=1))
    return days


MONTH_ENDS = _month_ends(dt.date(2023, 1, 1), 24)  # 2023-01-31 … 2024-12-31
ODD_DAYS = [dt.date(2023, 1, 1), dt.date(2023, 7, 15), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
            dt.date(2024, 6, 17), dt.date(2022, 12, 31)]


def stored(db, day: dt.date) -> list[tuple]:
    name = status_table(db, AsOf(day))
    kind = db.execute("SELECT type FROM sqlite_temp_master WHERE name = ?", [name]).fetchone()[0]
    assert kind == "view", "the statuses should come from the store"
    return db.execute(f"SELECT {COLUMNS} FROM temp.{name} ORDER BY person_id").fetchall()


def fresh(db, day: dt.date) -> list[tuple]:
    """Derived now from the ledger tables, nothing cached or stored."""
    table = materialize_status(db, AsOf(day), "fresh_statuses")
    rows = db.execute(f"SELECT {COLUMNS} FROM temp.{table} ORDER BY person_id").fetchall()
    db.execute(f"DROP TABLE temp.{table}")
    return rows


def assert_same(db, days) -> None:
    for day in days:
        got = stored(db, day)
        want = fresh(db, day)
        assert got == want, f"stored statuses at {day} differ from a fresh derivation"
        by_sql = person_statuses(db, AsOf(day))  # status_sql, the definition itself
        assert [row[:len(STATUS_COLUMNS)] for row in got] == \
            [tuple(by_sql[row[0]][c] for c in STATUS_COLUMNS) for row in got]
        assert len(got) == db["persons"].count


def _random_day(rng: random.Random) -> str:
    return (dt.date(2022, 6, 1) + dt.timedelta(days=rng.randrange(1000))).isoformat()


_INSERT_SPELL = ("INSERT INTO employment_spells (person_id, start_date, end_date, region, return_reason) "
                 "VALUES (?, ?, ?, ?, '其他')")
_INSERT_SURVEY = ("INSERT OR REPLACE INTO surveys (person_id, survey_date, willing, planned_month, reason) "
                  "VALUES (?, ?, ?, '2024-03', '照料家庭')")


def random_edits(db, rng: random.Random, count: int) -> None:
    """Edits as the window makes them, each its own transaction; invalid ones are refused by
    the schema and skipped."""
    persons = [r[0] for r in db.execute("SELECT id FROM persons")]
    households = [r[0] for r in db.execute("SELECT id FROM households")]
    spells = [r[0] for r in db.execute("SELECT id FROM employment_spells")]
    edits = [
        ("UPDATE employment_spells SET end_date = ? WHERE id = ?", lambda: [_random_day(rng), rng.choice(spells)]),
        ("UPDATE employment_spells SET end_date = NULL WHERE id = ?", lambda: [rng.choice(spells)]),
        ("UPDATE employment_spells SET region = ?, channel = ? WHERE id = ?",
         lambda: [rng.choice(["省外", "省内县外", "县内"]), rng.choice(["自主", "有组织"]), rng.choice(spells)]),
        ("UPDATE employment_spells SET start_date = ? WHERE id = ?", lambda: [_random_day(rng), rng.choice(spells)]),
        ("DELETE FROM employment_spells WHERE id = ?", lambda: [rng.choice(spells)]),
        (_INSERT_SPELL,
         lambda: [rng.choice(persons), f"2023-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                  rng.choice([None, f"2024-0{rng.randint(1, 9)}-05"]), rng.choice(["省外", "省内县外", "县内"])]),
        ("UPDATE employment_spells SET person_id = ? WHERE id = ?", lambda: [rng.choice(persons), rng.choice(spells)]),
        ("UPDATE persons SET labour_skill = ? WHERE id = ?",
         lambda: [rng.choice(["普通劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力"]), rng.choice(persons)]),
        ("UPDATE persons SET student_status = ? WHERE id = ?", lambda: [rng.choice([None, "在校生"]), rng.choice(persons)]),
        ("UPDATE persons SET household_id = ? WHERE id = ?", lambda: [rng.choice(households), rng.choice(persons)]),
        ("UPDATE persons SET phone = '13900000000' WHERE id = ?", lambda: [rng.choice(persons)]),
        ("DELETE FROM persons WHERE id = ?", lambda: [rng.choice(persons)]),
        ("UPDATE households SET relocated = 1 - relocated WHERE id = ?", lambda: [rng.choice(households)]),
        ("UPDATE households SET area_id = (SELECT area_id FROM households WHERE id = ?) WHERE id = ?",
         lambda: [rng.choice(households), rng.choice(households)]),
        (_INSERT_SURVEY, lambda: [rng.choice(persons), _random_day(rng), rng.randint(0, 1)]),
        ("DELETE FROM surveys WHERE id = (SELECT id FROM surveys ORDER BY random() LIMIT 1) AND ? IS NOT NULL", lambda: [1]),
    ]
    for _ in range(count):
        sql, params = rng.choice(edits)
        try:
            with db.atomic():
                db.execute(sql, params())
        except sqlite3.IntegrityError:
            continue
    household = rng.choice(households)
    day = _random_day(rng)
    try:  # 户类型 changes at a date in the past: the history, not the household row, says when
        change_household_type(db, household, rng.choice(["监测户", "一般户"]), None, day, "风险消除")
    except ValueError:
        pass


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "county.db"
    db = open_database(path)
    build_demo(db, 150, seed=3, as_of=AS_OF)
    yield db
    db.close()


def test_the_store_equals_a_fresh_derivation_at_many_dates(county):
    assert_same(county, MONTH_ENDS + ODD_DAYS)


def test_after_random_edits_and_deletes_every_stored_date_is_current(county, monkeypatch):
    rng = random.Random(20)
    kept = [dt.date(2024, 3, 31), dt.date(2023, 12, 31), AS_OF]
    real = status_module.materialize_status
    calls: list = []

    def counted(*a, **k):
        calls.append(a[4] if len(a) > 4 else k.get("persons"))
        return real(*a, **k)

    for round_ in range(6):
        assert_same(county, kept)  # stored now
        calls.clear()
        monkeypatch.setattr(status_module, "materialize_status", counted)
        random_edits(county, rng, 12)
        assert county.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] > 0
        stored(county, kept[round_ % 3])
        # the marked persons only, at each stored date: no whole derivation
        assert calls and all(persons is not None for persons in calls), calls
        assert county.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] == 0
        monkeypatch.undo()
        assert_same(county, kept + [ODD_DAYS[round_]])


def test_an_import_its_undo_and_an_exchange_package_keep_the_store_current(county, tmp_path):
    from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

    from wengang.services.exchange import engine as ex
    from wengang.services.importing import import_file
    from wengang.store.undo import undo_batch

    days = [dt.date(2024, 5, 31), AS_OF, dt.date(2024, 12, 31)]
    assert_same(county, days)
    persons = import_file(county, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(9)))
    assert persons.ok, persons.summary()
    work = [[pid(n), f"人{n}", "省外", "自主外出务工", "广东省", "东莞市", "长安镇", "某厂", "制造业",
             f"2024-0{1 + n % 5}-01", f"2024-06-{10 + n:02d}" if n % 2 else None, None, 4000]
            for n in range(1, 10)]
    spells = import_file(county, "employment", write_xlsx(tmp_path / "w.xlsx", WORK_HEADERS, work))
    assert spells.ok, spells.summary()
    assert_same(county, days)
    undo_batch(county, spells.batch_id)
    assert_same(county, days)
    undo_batch(county, persons.batch_id)
    assert_same(county, days)
    # an island built from the county's package: every row arrives through the exchange's apply
    base = tmp_path / "base.wgx"
    township = county.execute("SELECT name FROM areas WHERE level = 'township' ORDER BY id").fetchone()[0]
    ex.export_base(county, township, base)
    island = open_database(tmp_path / "island.db")
    try:
        assert ex.import_package(island, base).applied > 0
        assert_same(island, days)
        # then a package of the county's later edits, applied over the stored dates
        spells_there = [r[0] for r in county.execute(
            "SELECT s.id FROM employment_spells s JOIN persons p ON p.id = s.person_id "
            "JOIN households h ON h.id = p.household_id JOIN areas v ON v.id = h.area_id "
            "JOIN areas t ON t.id = v.parent_id WHERE t.name = ? ORDER BY s.id LIMIT 6", [township])]
        with county.atomic():
            county.execute(f"UPDATE employment_spells SET end_date = NULL, region = '省外' "
                           f"WHERE id IN ({', '.join(map(str, spells_there[:3]))})")
            county.execute(f"DELETE FROM employment_spells WHERE id IN ({', '.join(map(str, spells_there[3:]))})")
        changes = tmp_path / "changes.wgx"
        ex.export_changes(county, changes, township=township)
        assert ex.import_package(island, changes).applied > 0
        assert_same(island, days)
    finally:
        island.close()


def test_a_bulk_apply_derives_the_date_whole_and_drops_the_other_dates(county, monkeypatch):
    days = [dt.date(2024, 1, 31), dt.date(2024, 4, 30), AS_OF]
    assert_same(county, days)
    with county.atomic():  # an exchange-style apply: most rows of three tables in one go
        county.execute("UPDATE employment_spells SET end_date = date(start_date, '+200 days') "
                       "WHERE end_date IS NULL AND id % 3 = 0")
        county.execute("UPDATE persons SET labour_skill = '普通劳动力' WHERE id % 2 = 0")
        county.execute("DELETE FROM surveys WHERE id % 4 = 0")
    calls = []
    real = status_module.materialize_status
    monkeypatch.setattr(status_module, "materialize_status", lambda *a, **k: calls.append(1) or real(*a, **k))
    stored(county, AS_OF)
    assert len(calls) == 1  # one whole derivation, no person-by-person pass
    assert status_store.stored_dates(county) == [AS_OF]
    monkeypatch.undo()
    assert_same(county, days)


def test_a_date_derived_whole_goes_straight_into_the_store_as_a_fresh_derivation(tmp_path, monkeypatch):
    """An import marks everyone: the date asked for is derived whole, its rows inserted into the
    store from the derivation's SELECT (no TEMP table of them, no copy), at dates on and beside
    the days spells start and end, in other years, and after edits."""
    db = open_database(tmp_path / "whole.db")
    build_demo(db, 80, seed=9, as_of=AS_OF)
    real = status_module.materialize_status
    into: list = []
    monkeypatch.setattr(status_module, "materialize_status",
                        lambda *a, **k: into.append(k.get("into") is not None) or real(*a, **k))
    rng = random.Random(4)
    spell_days = sorted({dt.date.fromisoformat(d) for (d,) in db.execute(
        "SELECT start_date FROM employment_spells UNION SELECT end_date FROM employment_spells "
        "WHERE end_date IS NOT NULL")})
    days = [AS_OF, dt.date(2023, 12, 31), dt.date(2024, 2, 29), dt.date(2022, 12, 31), *rng.sample(spell_days, 4)]
    for n, day in enumerate(days):
        if n % 3 == 2:
            random_edits(db, rng, 8)
        with db.atomic():  # as an import leaves the store: every person marked
            db.execute("INSERT OR IGNORE INTO status_store_marks SELECT id FROM persons")
        into.clear()
        assert_same(db, [day])
        assert into[:1] == [True], "derived whole, straight into the store"
        assert status_store.stored_dates(db) == [day]
        assert db.execute("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'status_store_new%'"
                          ).fetchone()[0] == 0
    db.close()


def test_a_commit_while_a_whole_date_is_derived_makes_it_derive_again(tmp_path, monkeypatch):
    """Another connection commits after the latest spells were derived and before the rows
    go into the store: the write is refused (they may miss the change) and the date derived
    again, with the change."""
    path = tmp_path / "race.db"
    db = open_database(path)
    build_demo(db, 40, seed=6, as_of=AS_OF)
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO status_store_marks SELECT id FROM persons")
    real = status_module.materialize_status
    whole: list = []

    def racing(*a, **k):
        into = k.get("into")
        if into is not None:
            whole.append(1)
            if len(whole) == 1:
                def late(select, params):
                    other = sqlite3.connect(path)
                    with other:
                        other.execute("UPDATE employment_spells SET end_date = NULL, region = '省外' "
                                      "WHERE id = (SELECT min(id) FROM employment_spells)")
                    other.close()
                    into(select, params)
                k["into"] = late
        return real(*a, **k)

    monkeypatch.setattr(status_module, "materialize_status", racing)
    got = stored(db, AS_OF)
    monkeypatch.undo()
    assert len(whole) == 2, "derived again after the other connection's commit"
    assert got == fresh(db, AS_OF)
    assert db.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] == 0
    db.close()


def test_another_programs_commit_marks_the_persons_it_changed(tmp_path):
    path = tmp_path / "a.db"
    db = open_database(path)
    build_demo(db, 40, seed=5, as_of=AS_OF)
    assert_same(db, [AS_OF])
    other = sqlite3.connect(path)  # plain sqlite3, no wengang code: only the schema's triggers
    with other:
        other.execute("UPDATE employment_spells SET end_date = NULL, region = '省外'")
    other.close()
    assert db.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] > 0
    assert_same(db, [AS_OF])
    db.close()


def test_a_new_process_reads_the_stored_date_without_deriving(tmp_path, monkeypatch):
    path = tmp_path / "b.db"
    db = open_database(path)
    build_demo(db, 30, seed=2, as_of=AS_OF)
    want = stored(db, AS_OF)
    db.close()
    calls = []
    real = status_module.materialize_status
    monkeypatch.setattr(status_module, "materialize_status", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = open_database(path)
    assert stored(again, AS_OF) == want and calls == []
    again.close()


def test_where_the_store_cannot_be_written_statuses_are_derived_as_before(tmp_path):
    path = tmp_path / "c.db"
    db = open_database(path)
    build_demo(db, 30, seed=4, as_of=AS_OF)
    want = fresh(db, AS_OF)
    db.close()
    read_only = sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None))
    name = status_table(read_only, AsOf(dt.date(2024, 2, 29)))  # a date not stored: cannot be added
    assert read_only.execute("SELECT type FROM sqlite_temp_master WHERE name = ?", [name]).fetchone()[0] == "table"
    name = status_table(read_only, AsOf(AS_OF))
    assert read_only.execute(f"SELECT {COLUMNS} FROM temp.{name} ORDER BY person_id").fetchall() == want
    read_only.close()


def test_a_damaged_store_is_rebuilt(tmp_path):
    db = open_database(tmp_path / "d.db")
    build_demo(db, 30, seed=6, as_of=AS_OF)
    assert_same(db, [AS_OF])
    with db.atomic():  # rows lost, a stale definition, a trigger dropped: each noticed
        db.execute("DELETE FROM status_store WHERE person_id % 5 = 0")
    assert_same(db, [AS_OF])
    with db.atomic():
        db.execute("UPDATE status_store_dates SET definition = 'an older program'")
        db.execute("UPDATE status_store SET employed_now = 1 - employed_now")
    assert_same(db, [AS_OF])
    with db.atomic():
        db.execute("DROP TRIGGER status_mark_employment_spells_update")
        db.execute("UPDATE employment_spells SET end_date = NULL")  # nobody marked
    assert_same(db, [AS_OF])
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'status_mark_%'").fetchone()[0] == \
        status_store.TRIGGER_COUNT
    db.close()


def test_the_store_keeps_a_few_dates_and_is_not_audited_exchanged_or_undone(county):
    from wengang.services.exchange.projection import EXCHANGED
    from wengang.store.audit import audited_tables

    for day in MONTH_ENDS[:6]:
        stored(county, day)
    assert status_store.stored_dates(county) == MONTH_ENDS[6 - status_store.KEEP_DATES:6]
    assert not {"status_store", "status_store_dates", "status_store_marks"} & set(audited_tables(county))
    assert not any(t.startswith("status_store") for t in EXCHANGED)
    before = county.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    stored(county, MONTH_ENDS[7])
    assert county.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_the_triggers_watch_every_column_the_derivation_reads(county):
    """A person or household column the derivation reads but the UPDATE OF triggers do not
    watch would leave the store stale after an edit of it."""
    seen: list[str] = []
    county.conn.set_trace_callback(seen.append)
    try:
        materialize_status(county, AsOf(AS_OF), "traced", persons="main.status_store_marks")
        materialize_status(county, AsOf(AS_OF), "traced")
    finally:
        county.conn.set_trace_callback(None)
    sql = "\n".join(s for s in seen if s.lstrip().startswith("INSERT INTO temp.traced "))
    assert "labour_skill" in sql and "area_id" in sql
    assert set(re.findall(r"\bp\.(\w+)", sql)) <= set(schema.PERSON_COLUMNS)
    assert set(re.findall(r"\bh\.(\w+)", sql)) - {"monitor_category"} <= set(schema.HOUSEHOLD_COLUMNS)
    assert status_store.STORE_COLUMNS == STATUS_COLUMNS + PLACE_COLUMNS + SURVEY_COLUMNS + SPELL_ID_COLUMNS


def test_an_edit_on_another_connection_is_not_broken_by_a_store_write(tmp_path):
    """The window edits on one connection while its background connection reads statuses
    (and writes the store): the edit's transaction holds the write lock from its start, so the
    reader derives into TEMP instead of waiting, and the edit commits."""
    path = tmp_path / "e.db"
    editor = open_database(path, lock=False)
    build_demo(editor, 30, seed=8, as_of=AS_OF)
    reader = open_database(path, lock=False)
    reader.execute("PRAGMA busy_timeout = 50")
    try:
        with editor.atomic():
            spell = editor.execute("SELECT id FROM employment_spells ORDER BY id LIMIT 1").fetchone()[0]
            name = status_table(reader, AsOf(dt.date(2024, 1, 31)))  # a date not stored yet
            assert reader.execute("SELECT type FROM sqlite_temp_master WHERE name = ?", [name]).fetchone()[0] == "table"
            editor.execute("UPDATE employment_spells SET end_date = NULL WHERE id = ?", [spell])
        assert_same(reader, [dt.date(2024, 1, 31)])  # and the store takes the date once it can
    finally:
        reader.close()
        editor.close()


def test_a_failed_background_integrity_check_stops_store_writes_not_reads(tmp_path):
    db = open_database(tmp_path / "f.db")
    build_demo(db, 30, seed=9, as_of=AS_OF)
    want = stored(db, AS_OF)

    class FailedCheck:  # as store.integrity.BackgroundCheck after finding damage
        waited = 0

        def wait(self, timeout=None):
            FailedCheck.waited += 1
            raise RuntimeError("damaged")

    db.integrity = FailedCheck()
    try:
        derived.forget(db)
        assert stored(db, AS_OF) == want and FailedCheck.waited == 0  # stored and current: read
        name = status_table(db, AsOf(dt.date(2024, 3, 31)))  # would need a write: derived in TEMP
        assert db.execute("SELECT type FROM sqlite_temp_master WHERE name = ?", [name]).fetchone()[0] == "table"
        assert FailedCheck.waited == 1 and status_store.stored_dates(db) == [AS_OF]
    finally:
        db.integrity = None
        db.close()
