"""The forms' period aggregates kept beside the status store (migration 0115) equal the rows.

F3's posts and workshop workers, F4's services and subsidies and F9's spot checks are summed
per village and site once per date and period (``services/reports/facts.py``) and kept; a
new process reads them, and after an edit only the marked areas are counted again. Proof:
every such column, after random edits of every table they read, at several dates and
periods, equals the engine's plain ``GROUP BY`` over the fact rows themselves.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest
import sqlite_utils
from test_status_store import AS_OF, random_edits

from wengang.services.reports import compute_form, engine, facts
from wengang.store import status_store
from wengang.store.db import open_database

FACT_FORMS = ("F3", "F4", "F9")
PERIODS = [  # (as-of date, start of the period, F3's comparison date)
    (AS_OF, dt.date(2024, 1, 1), dt.date(2023, 12, 31)),
    (AS_OF, dt.date(2024, 4, 1), dt.date(2024, 3, 31)),
    (dt.date(2024, 3, 31), dt.date(2023, 7, 1), dt.date(2023, 6, 30)),
]


def _plain(values: dict) -> dict:
    """Without the empty values: a row key with no fact row of a source has none of its keys."""
    return {k: v for k, v in values.items() if v}


def rows_and_groups(db, form: str, day: dt.date, period_from: dt.date, ref_date: dt.date, by: str):
    """The form's fact columns per row, counted over the fact rows (the engine's plain
    ``GROUP BY``) and from the kept groups; rows with nothing in them left out of both."""
    req = engine._request(form, day, by, period_from, ref_date, None)
    tables = engine.prepare(db, req.as_of, ("status", "hh_at"), decl=req.decl)
    engine._map_areas(db, by, None)
    columns: dict[str, list[dict]] = {}
    for col in req.decl["columns"]:
        if facts.measure(req.decl, col) is not None:
            columns.setdefault(col["source"], []).append(col)
    assert columns, form
    out = []
    for aggregate in (engine._aggregate, engine._facts_aggregate):
        found: dict = {}
        for name, cols in columns.items():
            for key, values in aggregate(db, req, tables, name, cols).items():
                found.setdefault(key, {}).update(_plain(values))
        out.append({k: v for k, v in found.items() if v})
    return out


def assert_groups_equal_rows(db, label) -> None:
    for day, period_from, ref_date in PERIODS:
        for form in FACT_FORMS:
            for by in ("township", "village"):
                by_rows, by_groups = rows_and_groups(db, form, day, period_from, ref_date, by)
                assert by_groups == by_rows, (label, form, day, period_from, by)


def fact_edits(db, rng: random.Random, count: int) -> None:
    """Services, subsidies (to persons and to organisations) and spot checks written as the
    window writes them, and organisations moved: each its own transaction."""
    persons = [r[0] for r in db.execute("SELECT id FROM persons")]
    orgs = [r[0] for r in db.execute("SELECT id FROM organisations")]
    villages = [r[0] for r in db.execute("SELECT id FROM areas WHERE level = 'village'")]
    day = lambda: (dt.date(2023, 7, 1) + dt.timedelta(days=rng.randint(0, 360))).isoformat()  # noqa: E731
    edits = [
        ("INSERT INTO services (person_id, service_date, kind) VALUES (?, ?, ?)",
         lambda: [rng.choice(persons), day(), rng.choice(["职业指导", "岗位信息推送", "免费培训"])]),
        ("DELETE FROM services WHERE id = (SELECT id FROM services ORDER BY random() LIMIT 1) AND ?", lambda: [1]),
        ("UPDATE services SET person_id = ? WHERE id = (SELECT id FROM services ORDER BY random() LIMIT 1)",
         lambda: [rng.choice(persons)]),
        ("INSERT INTO subsidies (person_id, paid_date, kind, amount, funding) VALUES (?, ?, ?, ?, '就业补助资金')",
         lambda: [rng.choice(persons), day(), rng.choice(["公益性岗位补贴", "社会保险补贴", "技能培训补贴"]),
                  rng.randint(1, 9) * 100]),
        (("INSERT INTO subsidies (org_id, paid_date, kind, amount, funding, persons_covered, policy_text) "
          "VALUES (?, ?, ?, ?, '就业补助资金', 3, ?)"),
         lambda: [rng.choice(orgs), day(), rng.choice(["帮扶车间吸纳就业奖补", "其他奖补"]), 500,
                  rng.choice([None, "场地补贴", "物流补贴"])]),
        ("UPDATE subsidies SET paid_date = ? WHERE id = (SELECT id FROM subsidies ORDER BY random() LIMIT 1)",
         lambda: [day()]),
        ("DELETE FROM subsidies WHERE id = (SELECT id FROM subsidies ORDER BY random() LIMIT 1) AND ?", lambda: [1]),
        ("INSERT INTO spot_checks (person_id, check_date, phone_connected, policy_aware) VALUES (?, ?, ?, 1)",
         lambda: [rng.choice(persons), day(), rng.randint(0, 1)]),
        (("UPDATE spot_checks SET phone_connected = 1 - phone_connected WHERE id = "
          "(SELECT id FROM spot_checks ORDER BY random() LIMIT 1) AND ?"), lambda: [1]),
        ("UPDATE organisations SET area_id = ? WHERE id = ?", lambda: [rng.choice(villages), rng.choice(orgs)]),
    ]
    for _ in range(count):
        sql, params = rng.choice(edits)
        try:
            with db.atomic():
                db.execute(sql, params())
        except sqlite3.IntegrityError:
            continue


@pytest.fixture
def county(demo_file):
    return demo_file(7, AS_OF)


def test_kept_groups_equal_the_fact_rows_after_random_edits_at_several_dates_and_periods(county):
    path, db = county
    rng = random.Random(5)
    assert_groups_equal_rows(db, "first count")
    assert db.execute("SELECT count(DISTINCT kind) FROM status_store_facts").fetchone()[0] >= 8
    for round_ in range(4):
        random_edits(db, rng, 6)
        fact_edits(db, rng, 12)
        fresh_connection = open_database(path)  # a new process: only what is stored carries over
        try:
            assert_groups_equal_rows(fresh_connection, round_)
            assert fresh_connection.execute("SELECT count(*) FROM status_store_facts WHERE seen < "
                                            "(SELECT coalesce(max(seq), 0) FROM status_store_fact_marks)"
                                            ).fetchone()[0] == 0  # corrected and stored so
        finally:
            fresh_connection.close()
        assert_groups_equal_rows(db, f"{round_} again")


def _counted(monkeypatch) -> list[bool]:
    """Every count of fact rows from now on: ``only_marked`` (the marked areas) or not."""
    calls: list[bool] = []
    real = facts._count
    monkeypatch.setattr(facts, "_count", lambda *a, only_marked: calls.append(only_marked)
                        or real(*a, only_marked=only_marked))
    return calls


def test_a_new_process_reads_the_kept_groups_and_an_edit_counts_its_area_again(county, monkeypatch):
    path, db = county
    want = [r.values for r in compute_form(db, "F4", AS_OF).rows]
    db.close()
    calls = _counted(monkeypatch)
    again = open_database(path)
    try:
        assert [r.values for r in compute_form(again, "F4", AS_OF).rows] == want
        assert calls == []  # read, not counted
        person, village = again.execute(
            "SELECT p.id, h.area_id FROM persons p JOIN households h ON h.id = p.household_id "
            "JOIN areas a ON a.id = h.area_id ORDER BY p.id LIMIT 1").fetchone()
        with again.atomic():
            again.execute("INSERT INTO services (person_id, service_date, kind) VALUES (?, ?, '职业指导')",
                          [person, AS_OF.isoformat()])
        assert again.execute("SELECT area_id FROM status_store_fact_marks WHERE seq = "
                             "(SELECT max(seq) FROM status_store_fact_marks)").fetchall() == [(village,)]
        got = compute_form(again, "F4", AS_OF)
        assert calls == [True, True]  # services and subsidies: the marked area's rows only
        assert got.total().values["guidance"] == want[0]["guidance"] + 1
    finally:
        again.close()


def test_the_status_store_marks_the_old_and_new_areas_of_a_moved_household(county):
    _path, db = county
    compute_form(db, "F3", AS_OF)
    household, old, new = db.execute(
        "SELECT h.id, h.area_id, (SELECT min(id) FROM areas WHERE level = 'village' AND id <> h.area_id) "
        "FROM households h JOIN persons p ON p.household_id = h.id "
        "JOIN employment_spells s ON s.person_id = p.id AND s.channel = '公益性岗位' ORDER BY h.id LIMIT 1").fetchone()
    seen = db.execute("SELECT coalesce(max(seq), 0) FROM status_store_fact_marks").fetchone()[0]
    with db.atomic():
        db.execute("UPDATE households SET area_id = ? WHERE id = ?", [new, household])
    by_rows, by_groups = rows_and_groups(db, "F3", AS_OF, dt.date(2024, 6, 1), dt.date(2023, 12, 31), "village")
    assert by_groups == by_rows
    assert {a for (a,) in db.execute("SELECT area_id FROM status_store_fact_marks WHERE seq > ?", [seen])} == {old, new}


def test_a_date_leaving_the_store_takes_its_groups_and_a_read_only_file_counts_without_keeping(county):
    path, db = county
    for month in range(1, 6):
        compute_form(db, "F9", dt.date(2024, month, 28))
    stored = {status_store.day_key(d) for d in status_store.stored_dates(db)}
    assert {d for (d,) in db.execute("SELECT DISTINCT day FROM status_store_facts")} == stored
    with db.atomic():  # a bulk write: the store is emptied
        db.execute("UPDATE employment_spells SET monthly_income = monthly_income")
    compute_form(db, "F9", AS_OF)
    assert {d for (d,) in db.execute("SELECT DISTINCT day FROM status_store_facts")} == {status_store.day_key(AS_OF)}
    db.close()
    day = dt.date(2024, 2, 29)  # not stored, and a read-only file cannot add it
    read_only = sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None))
    try:
        got = [r.values for r in compute_form(read_only, "F4", day).rows]
        assert read_only.execute("SELECT count(*) FROM status_store_facts WHERE day = ?",
                                 [status_store.day_key(day)]).fetchone()[0] == 0
    finally:
        read_only.close()
    writable = open_database(path)
    try:
        assert [r.values for r in compute_form(writable, "F4", day).rows] == got
    finally:
        writable.close()


def test_dropped_marking_triggers_are_put_back_and_nothing_kept_is_trusted(county):
    path, db = county
    want = compute_form(db, "F4", AS_OF).total().values["guidance"]
    other = sqlite3.connect(path)  # another program drops a trigger, then writes unmarked
    with other:
        other.execute("DROP TRIGGER fact_mark_services_insert")
        person = other.execute("SELECT min(id) FROM persons").fetchone()[0]
        other.execute("INSERT INTO services (person_id, service_date, kind) VALUES (?, ?, '职业指导')",
                      [person, AS_OF.isoformat()])
    other.close()
    assert compute_form(db, "F4", AS_OF).total().values["guidance"] == want + 1
    triggers = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'fact_mark_%'")
    assert triggers.fetchone()[0] == status_store.FACT_TRIGGER_COUNT
    # what was counted while the trigger was missing is not kept
    assert db.execute("SELECT count(*) FROM status_store_facts WHERE kind LIKE 'facts_service%'").fetchone()[0] == 0
    again = open_database(path)  # the next process counts it afresh and keeps it
    try:
        assert compute_form(again, "F4", AS_OF).total().values["guidance"] == want + 1
        kinds = sorted(k.split("_")[1] for (k,) in again.execute("SELECT kind FROM status_store_facts"))
        assert kinds == ["service", "subsidy"]
    finally:
        again.close()


def test_a_date_keeps_the_periods_last_asked_for(county):
    _path, db = county
    starts = [AS_OF - dt.timedelta(days=20 * n) for n in range(1, 9)]
    for start in starts:
        compute_form(db, "F4", AS_OF, period_from=start)
    kinds = {k for (k,) in db.execute("SELECT kind FROM status_store_facts WHERE day = ?",
                                      [status_store.day_key(AS_OF)])}
    assert len(kinds) == status_store.KEEP_FACT_PERIODS
    assert f"facts_service_{starts[-1]:%Y%m%d}_x" in kinds  # services read no comparison date
    assert f"facts_service_{starts[0]:%Y%m%d}_x" not in kinds
    for start in starts[:3]:  # F3's spells read no period start: counted once
        compute_form(db, "F3", AS_OF, period_from=start)
    assert [k for (k,) in db.execute("SELECT kind FROM status_store_facts WHERE kind LIKE 'facts_spell%'")] == [
        f"facts_spell_x_{AS_OF:%Y%m%d}"]  # F3 compares with the as-of date unless asked


def test_rows_no_measure_counts_are_left_out_before_the_join():
    """F3's spells: only a 公益性岗位 or 帮扶车间 spell current at D or at the comparison date
    reaches the join to the statuses (what the fact row alone says of each measure, ORed:
    200,000 households, 174,181 spells joined → 117,004); F4's subsidies: 人数 and 单位 of a
    kind read the same rows, so one alternative each; F9's 抽查人数 reads every check: none."""
    spells = facts._counted_somewhere(facts.FACT_TABLES["spell"], facts.declared_measures("spell"))
    assert spells.count("(spell.channel = ") == 4 and ":as_of" in spells and ":ref_date" in spells
    assert "st." not in spells  # a filter on the fact row alone, made before the join
    subsidies = facts._counted_somewhere(facts.FACT_TABLES["subsidy"], facts.declared_measures("subsidy"))
    assert "org_id" not in subsidies and "funding" not in subsidies  # absorbed; common already
    assert facts._counted_somewhere(facts.FACT_TABLES["check"], facts.declared_measures("check")) == ""
