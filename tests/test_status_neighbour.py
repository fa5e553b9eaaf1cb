"""A new date built from a stored neighbour, and the compact stored rows (migration 0110).

``store.status_store`` builds a date it does not hold from a stored date of the same year: the
neighbour's rows but for the persons whose spells, surveys or 户类型 change between the two
dates, derived afresh; the neighbour's summaries (report cube, F5 cohorts) come along and are
corrected by those persons. These tests are the proof: at dates on and beside the very days
spells start and end, surveys are taken and 户类型 change, after edits between the steps, the
rows equal a fresh derivation and the summaries equal a fresh count. The stored codes decode to
the text a fresh derivation gives, and a changed code list derives the stored dates again.
"""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from test_report_summaries import counted_afresh, kept
from test_status_store import AS_OF, assert_same, random_edits

import wengang.store.status as status_module
from wengang.services.demo.builder import build_demo
from wengang.services.reports import engine
from wengang.services.reports.cube import cube_sql
from wengang.services.reports.sources import household_sql
from wengang.store import status_store
from wengang.store.db import open_database
from wengang.store.household_type import change_household_type


@pytest.fixture
def county(tmp_path):
    db = open_database(tmp_path / "county.db")
    build_demo(db, 150, seed=11, as_of=AS_OF)
    yield db
    db.close()


@pytest.fixture
def built(monkeypatch) -> list[tuple[int, int]]:
    """(date, neighbour) of every date built from a neighbour."""
    calls: list[tuple[int, int]] = []
    real = status_store._build_from_neighbour  # noqa: SLF001 - observed, not replaced

    def counted(db, key: int, neighbour: int) -> None:
        calls.append((key, neighbour))
        real(db, key, neighbour)

    monkeypatch.setattr(status_store, "_build_from_neighbour", counted)
    return calls


def _boundary_days(db, rng: random.Random, count: int) -> list[dt.date]:
    """Days on which something the statuses compare with D happens, and the days either side."""
    dates = [r[0] for r in db.execute(
        "SELECT start_date FROM employment_spells UNION SELECT end_date FROM employment_spells "
        "UNION SELECT survey_date FROM surveys UNION SELECT valid_from FROM household_type_history "
        "UNION SELECT valid_to FROM household_type_history").fetchall() if r[0] and r[0].startswith("2024")]
    days = []
    for text in rng.sample(sorted(dates), count):
        day = dt.date.fromisoformat(text)
        days.append(day + dt.timedelta(days=rng.choice([-1, 0, 0, 1])))
    return sorted(d for d in days if d.year == 2024)  # in order: each a few days from a stored one


def test_dates_built_from_a_neighbour_equal_a_fresh_derivation_and_count(county, built):
    rng = random.Random(20)
    household = county.execute("SELECT id FROM households ORDER BY id LIMIT 1").fetchone()[0]
    change_household_type(county, household, "监测户", None, "2024-05-20", "识别为监测户")
    assert_same(county, [AS_OF])
    assert kept(county, AS_OF) == counted_afresh(county, AS_OF)  # the neighbour's summaries exist
    days = [dt.date(2024, 5, 20), dt.date(2024, 5, 19), *_boundary_days(county, rng, 16), dt.date(2024, 12, 31)]
    for step, day in enumerate(days):
        if step % 3 == 2:
            random_edits(county, rng, 5)  # marked persons: refreshed at the neighbour too
        assert_same(county, [day])
        assert kept(county, day) == counted_afresh(county, day), f"summaries at {day} differ from a fresh count"
    assert len(built) >= len(days) // 2, "most of these dates should have come from a neighbour"


def test_another_year_or_many_changes_derive_the_date_whole(county, built):
    assert_same(county, [AS_OF])
    assert_same(county, [dt.date(2023, 12, 31)])  # other periods: nothing to take from 2024
    assert built == []
    assert_same(county, [dt.date(2024, 6, 29)])
    assert built[-1:] == [(20240629, 20240630)]
    with county.atomic():  # everyone surveyed on a day between: deriving whole is cheaper
        county.execute("INSERT OR IGNORE INTO surveys (person_id, survey_date, willing) "
                       "SELECT id, '2024-03-01', 1 FROM persons")
    assert_same(county, [AS_OF])  # marked all: the store is emptied, this date derived whole
    built.clear()
    assert_same(county, [dt.date(2024, 1, 31)])  # from 2024-06-30 every survey is new
    assert built == []


def test_codes_are_stored_as_numbers_and_text_outside_the_list_as_text(county):
    with county.atomic():
        spell = county.execute("SELECT id FROM employment_spells WHERE end_date IS NULL LIMIT 1").fetchone()[0]
        county.execute("UPDATE employment_spells SET start_date = '2024-01-05', channel = '自主' WHERE id = ?",
                       [spell])  # not a canonical value: kept as typed
    assert_same(county, [AS_OF])
    raw = dict(county.execute("SELECT typeof(now_region), count(*) FROM status_store WHERE now_region IS NOT NULL "
                              "GROUP BY 1").fetchall())
    assert raw == {"integer": raw["integer"]} and raw["integer"] > 0
    assert county.execute("SELECT now_channel FROM status_store WHERE now_spell_id = ?", [spell]).fetchone() == ("自主",)
    columns = {r[1] for r in county.execute("PRAGMA table_info(status_store)").fetchall()}
    assert not columns & set(status_store.LOOKED_UP), "looked up when read, not stored"


def test_a_changed_code_list_derives_the_stored_dates_again(county, monkeypatch):
    assert_same(county, [AS_OF])
    before = county.execute("SELECT hh_type, count(*) FROM status_store GROUP BY 1 ORDER BY 1").fetchall()
    real = status_store._code_values  # noqa: SLF001

    def reordered(column: str) -> tuple[str, ...]:
        return tuple(reversed(real(column)))  # a province's list in another order

    status_module._definition.cache_clear()  # noqa: SLF001
    try:
        monkeypatch.setattr(status_store, "_code_values", reordered)
        assert_same(county, [AS_OF])
        after = county.execute("SELECT hh_type, count(*) FROM status_store GROUP BY 1 ORDER BY 1").fetchall()
        assert sorted(n for _, n in after) == sorted(n for _, n in before) and after != before
    finally:
        status_module._definition.cache_clear()  # noqa: SLF001


def test_the_summaries_count_only_stored_columns():
    """A summary's replaced rows keep no looked-up column (and one looked up when read would
    show its spell or survey as it is now, not as it was counted): no summary may count one."""
    sql = cube_sql("cube", "st", list(engine.cube_predicates())) + household_sql("household", "st")
    for column in status_store.LOOKED_UP:
        assert not re.search(rf"\b{column}\b", sql), column


def test_a_base_leaving_the_store_leaves_its_dates_whole(county, built):
    """The dates built from a date that makes room keep its rows, copied once."""
    days = [AS_OF, dt.date(2024, 6, 25), dt.date(2024, 6, 20), dt.date(2024, 6, 15)]
    for day in days:
        assert_same(county, [day])
    # the base makes room for the last: the newest built from it becomes whole, the other
    # stands on it, and the last is built from it
    key = status_store.day_key
    assert built == [(key(days[1]), key(AS_OF)), (key(days[2]), key(AS_OF)), (key(days[3]), key(days[2]))]
    assert status_store.stored_dates(county) == days[-status_store.KEEP_DATES:]  # AS_OF, the base, went
    assert county.execute("SELECT day, base FROM status_store_dates ORDER BY day").fetchall() == [
        (key(days[3]), key(days[2])), (key(days[2]), None), (key(days[1]), key(days[2]))]
    for day in days[1:]:
        assert_same(county, [day])
        assert kept(county, day) == counted_afresh(county, day)


def test_a_view_of_a_date_built_from_a_neighbour_reads_right_once_its_base_is_gone(county, built):
    """Another connection may make room while this one holds the view (the window's two)."""
    assert_same(county, [AS_OF, dt.date(2024, 6, 25)])
    view = status_module.status_table(county, status_module.AsOf(dt.date(2024, 6, 25)))
    before = county.execute(f"SELECT * FROM temp.{view} ORDER BY person_id").fetchall()
    for day in (dt.date(2024, 6, 20), dt.date(2024, 6, 15)):  # AS_OF, the base, makes room
        assert_same(county, [day])
    assert county.execute("SELECT base FROM status_store_dates WHERE day = 20240625").fetchone() is not None
    assert status_store.day_key(AS_OF) not in {status_store.day_key(d) for d in status_store.stored_dates(county)}
    assert county.execute(f"SELECT * FROM temp.{view} ORDER BY person_id").fetchall() == before


def test_the_changed_spells_are_found_in_the_date_indexes_alone(county):
    """Migration 0120: the spells' date indexes carry the person, so the changed set's two
    ranges read no spell row (each a covering search, in the changed set's INSERT too), and
    give what a scan of the table gives."""
    assert [r[2] for r in county.execute("PRAGMA index_info(idx_spells_start)")] == ["start_date", "person_id"]
    assert [r[2] for r in county.execute("PRAGMA index_info(idx_spells_end)")] == ["end_date", "person_id"]
    params = {"low": "2024-03-01", "high": "2024-06-30"}
    for column, index in (("start_date", "idx_spells_start"), ("end_date", "idx_spells_end")):
        ranged = f"SELECT s.person_id FROM main.employment_spells s WHERE s.{column} BETWEEN :low AND :high"
        plan = " ".join(r[3] for r in county.execute("EXPLAIN QUERY PLAN " + ranged, params))
        assert f"COVERING INDEX {index}" in plan
        scanned = county.execute(ranged.replace("main.employment_spells s", "main.employment_spells s NOT INDEXED"),
                                 params).fetchall()
        assert sorted(county.execute(ranged, params).fetchall()) == sorted(scanned) != []
    county.execute(f"CREATE TEMP TABLE {status_store._TODO} (person_id INTEGER PRIMARY KEY)")  # noqa: SLF001
    changed = f"INSERT INTO temp.c {status_store._CHANGED_BETWEEN.format(todo=status_store._TODO)}"  # noqa: SLF001
    county.execute("CREATE TEMP TABLE c (person_id INTEGER PRIMARY KEY)")
    plan = " ".join(r[3] for r in county.execute("EXPLAIN QUERY PLAN " + changed, params))
    assert "COVERING INDEX idx_spells_start" in plan and "COVERING INDEX idx_spells_end" in plan
    county.execute(changed, params)
    either = ("SELECT DISTINCT person_id FROM employment_spells NOT INDEXED WHERE start_date BETWEEN :low AND :high "
              "OR end_date BETWEEN :low AND :high")
    assert set(county.execute(either, params).fetchall()) <= set(county.execute("SELECT person_id FROM temp.c").fetchall())


def test_a_date_built_from_a_neighbour_is_joined_by_person_through_its_key(county, tmp_path, built):
    """A reader joining spells (or services, checks) to the statuses of a date built from a
    neighbour looks each person's row up by the store's key: person_id is the base row's
    column, not an expression of the base and the overlay (with it, every spell scanned the
    date's rows: F3 at 50,000 households ran over ten minutes). The forms reading fact
    tables there give what they give at that date derived whole."""
    status_module.status_table(county, status_module.AsOf(AS_OF))  # a whole date to build from
    day = AS_OF - dt.timedelta(days=3)
    view = status_module.status_table(county, status_module.AsOf(day))
    assert built and built[-1][0] == status_store.day_key(day)
    joined = (f"SELECT st.area_id, COUNT(DISTINCT spell.person_id) FROM employment_spells spell NOT INDEXED "
              f"JOIN temp.{view} st ON st.person_id = spell.person_id WHERE spell.channel = '公益性岗位' GROUP BY 1")
    plan = [r[3] for r in county.execute("EXPLAIN QUERY PLAN " + joined)]
    assert any(re.search(r"SEARCH b USING PRIMARY KEY \(day=\? AND person_id=\?\)", step) for step in plan), plan
    whole = open_database(tmp_path / "whole.db")  # the same county, that date derived whole
    try:
        build_demo(whole, 150, seed=11, as_of=AS_OF)
        for form in ("F3", "F4", "F9"):
            got = engine.compute_form(county, form, day)
            want = engine.compute_form(whole, form, day)
            assert [r.values for r in got.rows] == [r.values for r in want.rows], form
    finally:
        whole.close()
