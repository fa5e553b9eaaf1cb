"""The report cube and F5 cohorts kept beside the status store (migration 0095) equal fresh ones.

A new process reads each stored date's cube (per village, site, 户类型 and 搬迁: every plain
person count of every form) instead of scanning everyone's statuses; whatever changes a
date's rows deletes its summaries in the same transaction, so after any edit, delete, bulk
write or another program's commit the cube read equals one counted afresh, and so do the forms.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest
from test_status_store import AS_OF, random_edits

from wengang.domain.status import AsOf
from wengang.services.reports import compute_form, engine, household_cube, list_forms, write_forms
from wengang.services.reports.cube import cube_sql
from wengang.services.reports.sources import household_sql
from wengang.store import status_store
from wengang.store.db import open_database
from wengang.store.status import materialize_status

OTHER_DAY = dt.date(2024, 3, 31)
KINDS = ("report_cube", "report_household", "report_household_cube")


def _rows(db, table: str) -> list[tuple]:
    return sorted(db.execute(f"SELECT * FROM temp.{table}").fetchall(), key=repr)


def kept(db, day: dt.date) -> dict[str, list[tuple]]:
    """The cube and cohorts ``engine.prepare`` gives at ``day`` (from the summaries if stored)."""
    tables = engine.prepare(db, AsOf(day), ("cube", "household", "household_cube"))
    return {"report_cube": _rows(db, tables["cube"]), "report_household": _rows(db, tables["household"]),
            "report_household_cube": _rows(db, tables["household_cube"])}


def counted_afresh(db, day: dt.date) -> dict[str, list[tuple]]:
    """The same tables from statuses derived now from the ledger tables: nothing stored."""
    status = materialize_status(db, AsOf(day), "fresh_statuses")
    db.execute(cube_sql("fresh_cube", status, list(engine.cube_predicates())))
    db.execute(household_sql("fresh_household", status))
    db.execute(household_cube.cube_sql("fresh_household_cube", status, household_cube.declared_measures()))
    out = {"report_cube": _rows(db, "fresh_cube"), "report_household": _rows(db, "fresh_household"),
           "report_household_cube": _rows(db, "fresh_household_cube")}
    for table in ("fresh_statuses", "fresh_cube", "fresh_household", "fresh_household_cube"):
        db.execute(f"DROP TABLE temp.{table}")
    return out


def summarised_days(db) -> set[tuple[int, str]]:
    return set(db.execute("SELECT day, kind FROM status_store_summaries").fetchall())


def all_forms(db, day: dt.date) -> list:
    return [(spec.id, [row.values for row in compute_form(db, spec.id, day).rows]) for spec in list_forms()]


@pytest.fixture
def county(demo_file):
    return demo_file(7, AS_OF)


def test_a_new_process_reads_the_stored_cube_and_counts_nothing(county, monkeypatch):
    path, db = county
    want_forms = all_forms(db, AS_OF)
    want = kept(db, AS_OF)
    assert want == counted_afresh(db, AS_OF)
    # the first form asked (F1) counted its own cube first (engine.FIRST_CUBE)
    assert summarised_days(db) == {(status_store.day_key(AS_OF), kind) for kind in (*KINDS, engine.FIRST_CUBE)}
    db.close()

    calls = []
    real = engine.cube_sql
    monkeypatch.setattr(engine, "cube_sql", lambda *a: calls.append(a) or real(*a))
    again = open_database(path)
    try:
        assert kept(again, AS_OF) == want
        assert all_forms(again, AS_OF) == want_forms
        built = [a for a in calls if a[0] != "summary"]  # "summary": hashing the definition only
        assert built == [], "the stored cube should be read, not counted again"
    finally:
        again.close()


def test_the_first_form_asked_counts_its_own_cube_with_the_same_numbers(county):
    """Each form asked first at a date (in a new process, nothing of the date counted) counts
    only its own predicates: its numbers equal the full cube's, also read back by a later
    process and after edits (the kept cube corrected by the touched persons), and the next form
    asked counts the full cube."""
    path, db = county
    engine.prepare(db, AsOf(AS_OF), ("cube",))  # the full cube first: every form from it
    rng = random.Random(5)
    for round_ in range(3):
        want = all_forms(db, AS_OF)
        for n, spec in enumerate(list_forms()):
            with db.atomic():
                db.execute("DELETE FROM status_store_summaries")
            for process in range(2):  # counted, then read back (after edits in the last round)
                if process and round_ == 2:
                    random_edits(db, rng, 6)
                    want = all_forms(db, AS_OF)
                    with db.atomic():  # as counted before the edits: the first cube and no other
                        db.execute("DELETE FROM status_store_summaries WHERE kind <> ?", [engine.FIRST_CUBE])
                again = open_database(path)
                try:
                    got = [row.values for row in compute_form(again, spec.id, AS_OF).rows]
                    assert got == dict(want)[spec.id], (round_, spec.id, process)
                    kinds = {k for _, k in summarised_days(again) if k.startswith("report_cube")}
                    assert kinds <= {engine.FIRST_CUBE}, kinds  # not the full cube
                    if n == 0:  # the next form: the full cube, the same numbers
                        other = list_forms()[1].id
                        assert [r.values for r in compute_form(again, other, AS_OF).rows] == dict(want)[other]
                        assert engine.FULL_CUBE in {k for _, k in summarised_days(again)}
                        with again.atomic():
                            again.execute("DELETE FROM status_store_summaries WHERE kind = ?", [engine.FULL_CUBE])
                finally:
                    again.close()
        random_edits(db, rng, 8)


def test_a_batch_of_forms_counts_the_full_cube_and_no_first_one(county, tmp_path):
    path, db = county
    forms = [spec.id for spec in list_forms()]
    engine.prepare(db, AsOf(AS_OF), ("cube",))  # the full cube: every form from it
    want = [(r.form_id, [row.values for row in r.rows]) for r, _ in write_forms(db, forms, AS_OF, tmp_path / "a")]
    with db.atomic():
        db.execute("DELETE FROM status_store_summaries")
    again = open_database(path)
    try:
        written = write_forms(again, forms, AS_OF, tmp_path / "b", suffix="csv")
        assert [(r.form_id, [row.values for row in r.rows]) for r, _ in written] == want
        kinds = {k for _, k in summarised_days(again)}
        assert engine.FULL_CUBE in kinds and engine.FIRST_CUBE not in kinds
    finally:
        again.close()


def test_after_random_edits_the_stored_cube_equals_a_fresh_one(county):
    path, db = county
    rng = random.Random(11)
    for round_ in range(5):
        for day in (AS_OF, OTHER_DAY):
            kept(db, day)
        assert {d for d, _ in summarised_days(db)} == {status_store.day_key(AS_OF), status_store.day_key(OTHER_DAY)}
        random_edits(db, rng, 10)
        # a new connection each round, as a new process: only what is stored carries over
        fresh_connection = open_database(path)
        try:
            for day in (OTHER_DAY, AS_OF) if round_ % 2 else (AS_OF, OTHER_DAY):
                assert kept(fresh_connection, day) == counted_afresh(fresh_connection, day), (round_, day)
            assert all_forms(fresh_connection, AS_OF) == all_forms(db, AS_OF)
        finally:
            fresh_connection.close()


def test_another_programs_commit_drops_nothing_it_should_keep_and_keeps_nothing_stale(county):
    path, db = county
    want_before = kept(db, AS_OF)
    other = sqlite3.connect(path)  # plain sqlite3: only the schema's triggers mark
    with other:
        other.execute("UPDATE employment_spells SET end_date = NULL, region = '省外' WHERE id % 3 = 0")
    other.close()
    after = kept(db, AS_OF)
    assert after == counted_afresh(db, AS_OF)
    assert after != want_before  # the edit did move the counts: the old cube was not reused
    assert summarised_days(db) == {(status_store.day_key(AS_OF), kind) for kind in KINDS}


def test_a_summary_derived_before_another_connection_committed_is_not_stored(county):
    path, db = county
    kept(db, AS_OF)
    key = status_store.day_key(AS_OF)
    version = db.execute("PRAGMA data_version").fetchone()[0]
    other = sqlite3.connect(path)
    with other:
        other.execute("UPDATE persons SET student_status = '在校生' WHERE id = (SELECT min(id) FROM persons)")
    other.close()
    assert not status_store.save_summary(db, AS_OF, "report_cube", "x", ["a"], [[1]], version)
    assert db.execute("SELECT definition FROM status_store_summaries WHERE day = ? AND kind = 'report_cube'",
                      [key]).fetchone()[0] != "x"


def test_a_summary_is_not_kept_while_the_background_integrity_check_runs_and_nothing_waits_for_it(county):
    """The window's integrity check of a changed file (16 s at 200,000 households) held the
    台账's first count: its cube waited to be kept. The numbers are there already; keeping
    them is skipped, not waited for, and the next reader keeps them."""
    _path, db = county
    kept(db, AS_OF)
    key = status_store.day_key(AS_OF)
    waits: list[float | None] = []

    class RunningCheck:  # as store.integrity.BackgroundCheck while its thread still reads the file
        def wait(self, timeout=None):
            waits.append(timeout)
            if timeout is None:
                raise AssertionError("waited for the integrity check to keep a summary")
            return False

    version = db.execute("PRAGMA data_version").fetchone()[0]
    db.integrity = RunningCheck()
    try:
        assert not status_store.save_summary(db, AS_OF, "report_cube", "x", ["a"], [[1]], version)
    finally:
        db.integrity = None
    assert waits == [0]
    assert db.execute("SELECT definition FROM status_store_summaries WHERE day = ? AND kind = 'report_cube'",
                      [key]).fetchone()[0] != "x"
    assert status_store.save_summary(db, AS_OF, "report_cube", "x", ["a"], [[1]], version)  # check done: kept


def test_evicting_or_rebuilding_a_date_drops_its_summaries(county):
    _path, db = county
    days = [dt.date(2024, m, 28) for m in range(1, 6)]
    for day in days:
        kept(db, day)
    stored = {status_store.day_key(d) for d in status_store.stored_dates(db)}
    assert len(stored) == status_store.KEEP_DATES
    assert {d for d, _ in summarised_days(db)} == stored
    with db.atomic():  # a bulk write: the store is emptied and the date asked for derived whole
        db.execute("UPDATE employment_spells SET monthly_income = monthly_income")
    assert kept(db, days[0]) == counted_afresh(db, days[0])
    assert {d for d, _ in summarised_days(db)} == {status_store.day_key(days[0])}


def test_after_an_edit_only_the_touched_persons_are_counted_again(county, monkeypatch):
    path, db = county
    want = kept(db, AS_OF)
    person = db.execute("SELECT person_id FROM employment_spells ORDER BY id LIMIT 1").fetchone()[0]
    moved = db.execute("SELECT id FROM persons WHERE id <> ? ORDER BY id DESC LIMIT 1", [person]).fetchone()[0]
    household = db.execute("SELECT household_id FROM persons WHERE id = ?", [person]).fetchone()[0]
    with db.atomic():
        db.execute("UPDATE employment_spells SET end_date = NULL, region = '省外' WHERE person_id = ?", [person])
        db.execute("UPDATE persons SET household_id = ? WHERE id = ?", [household, moved])  # joins a household
    db.close()

    statuses_read = []
    real = engine.cube_sql
    monkeypatch.setattr(engine, "cube_sql", lambda name, status, preds: statuses_read.append(status)
                        or real(name, status, preds))
    again = open_database(path)
    try:
        got = kept(again, AS_OF)
        assert got == counted_afresh(again, AS_OF) and got != want
        # the touched persons' rows as counted and as they are now; never every person's
        assert [s.rsplit("_", 2)[-2:] for s in statuses_read if s != "status"] == [["was", "rows"], ["now", "rows"]]
        assert again.execute("SELECT count(*) FROM status_store_replaced").fetchone()[0] == 0
    finally:
        again.close()
    third = open_database(path)  # corrected and stored so: a third process reads it as it is
    try:
        statuses_read.clear()
        assert kept(third, AS_OF) == got and [s for s in statuses_read if s != "status"] == []
    finally:
        third.close()


def test_after_an_edit_only_the_touched_households_are_counted_again(county, monkeypatch):
    path, db = county
    want = kept(db, AS_OF)["report_household_cube"]
    person = db.execute("SELECT person_id FROM status_store WHERE day = ? AND employed_last_year "
                        "AND NOT employed_this_year ORDER BY person_id LIMIT 1",
                        [status_store.day_key(AS_OF)]).fetchone()[0]
    with db.atomic():  # last year's worker works again: their household's cohort is no longer idle
        db.execute("INSERT INTO employment_spells (person_id, start_date, region) VALUES (?, '2024-05-02', '县内')",
                   [person])
    db.close()
    counted = []
    real = household_cube.cube_sql
    monkeypatch.setattr(household_cube, "cube_sql", lambda name, status, measures: counted.append(status)
                        or real(name, status, measures))
    again = open_database(path)
    try:
        got = kept(again, AS_OF)
        assert got == counted_afresh(again, AS_OF)
        assert got["report_household_cube"] != want
        # the touched households as they were and as they are; never every household
        assert [s.split("_")[-2:] for s in counted if s not in ("status", "fresh_statuses")] == [["was", "rows"], ["now", "rows"]]
    finally:
        again.close()
