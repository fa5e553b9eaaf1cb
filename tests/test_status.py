"""Derived statuses at an as-of date (DOMAIN.md), computed in SQL by wengang.store.status."""

import datetime as dt

import pytest

from wengang.domain.status import AsOf, is_labour
from wengang.store.status import materialize_status, person_statuses

D = AsOf(dt.date(2024, 6, 30))


def status(db, pid, as_of=D):
    return person_statuses(db, as_of, [pid])[pid]


def test_as_of_periods():
    assert D.params() == {"as_of": "2024-06-30", "year_start": "2024-01-01",
                          "ly_start": "2023-01-01", "ly_end": "2023-12-31"}


def test_spell_crossing_the_year_counts_in_both_years(db, factory):
    p = factory.person()
    factory.spell(p, "2023-10-01", "2024-02-29", region="省外")
    s = status(db, p)
    assert s["employed_last_year"] and s["employed_this_year"]
    assert not s["employed_now"]
    assert s["returned"] and s["return_date"] == "2024-02-29"


def test_open_spell_is_current(db, factory):
    p = factory.person()
    factory.spell(p, "2022-03-01", None, region="县内", channel="公益性岗位")
    s = status(db, p)
    assert s["employed_last_year"] and s["employed_this_year"] and s["employed_now"]
    assert s["now_region"] == "县内" and s["now_channel"] == "公益性岗位"
    assert not s["returned"]


def test_spell_starting_after_as_of_is_ignored(db, factory):
    p = factory.person()
    factory.spell(p, "2024-07-01", None)
    s = status(db, p)
    assert not s["employed_this_year"] and not s["employed_now"]


def test_spell_ending_on_as_of_day_is_employed_this_year_not_current(db, factory):
    p = factory.person()
    factory.spell(p, "2024-03-01", "2024-06-30")
    s = status(db, p)
    assert s["employed_this_year"] and not s["employed_now"] and s["returned"]


def test_month_precision_spell_ending_last_year_december(db, factory):
    p = factory.person()
    factory.spell(p, "2023-05-01", "2023-12-31")  # 2023年05月 – 2023年12月
    s = status(db, p)
    assert s["employed_last_year"] and not s["employed_this_year"]
    assert not s["returned"]  # returned last year, not this year


def test_two_spells_in_one_year_take_the_latest_starting_region(db, factory):
    p = factory.person()
    factory.spell(p, "2024-01-01", "2024-03-31", region="省外", channel="有组织劳务输出")
    factory.spell(p, "2024-04-01", None, region="县内", channel="帮扶车间")
    factory.spell(p, "2023-02-01", "2023-06-30", region="省内县外")
    factory.spell(p, "2023-08-01", "2023-11-30", region="省外")
    s = status(db, p)
    assert s["this_year_region"] == "县内" and s["this_year_channel"] == "帮扶车间"
    assert s["last_year_region"] == "省外"
    assert s["now_region"] == "县内"


def test_return_and_re_placement(db, factory):
    p = factory.person()
    factory.spell(p, "2023-03-01", "2024-02-15", return_reason="季节性返乡")
    factory.spell(p, "2024-04-01", None, region="省内县外")
    s = status(db, p)
    assert s["returned"] and s["return_date"] == "2024-02-15"
    assert s["return_reason"] == "季节性返乡"
    assert s["replaced"] and s["replaced_date"] == "2024-04-01"
    # before the re-placement started, the person was returned and not re-placed
    earlier = status(db, p, AsOf(dt.date(2024, 3, 31)))
    assert earlier["returned"] and not earlier["replaced"] and not earlier["employed_now"]


def test_latest_return_decides_re_placement(db, factory):
    p = factory.person()
    factory.spell(p, "2024-01-01", "2024-02-29")
    factory.spell(p, "2024-03-15", "2024-05-31")
    s = status(db, p)
    assert s["return_date"] == "2024-05-31" and not s["replaced"]


def test_never_employed(db, factory):
    s = status(db, factory.person())
    assert not any(s[k] for k in ("employed_last_year", "employed_this_year", "employed_now",
                                  "returned", "replaced"))


@pytest.mark.parametrize("skill,student,expected", [
    ("技能劳动力", "非在校生", True), ("普通劳动力", None, True), ("弱劳动力或半劳动力", "", True),
    ("丧失劳动力", "非在校生", False), ("无劳动力", "非在校生", False),
    ("普通劳动力", "普通高中二年级", False),
])
def test_labour_force(db, factory, skill, student, expected):
    p = factory.person(labour_skill=skill, student_status=student)
    assert bool(status(db, p)["is_labour"]) is expected
    assert is_labour(skill, student) is expected


def test_materialized_status_matches(db, factory):
    from wengang.store.status import STATUS_COLUMNS

    ids = [factory.person() for _ in range(5)]
    factory.spell(ids[0], "2024-01-01")
    factory.spell(ids[1], "2023-01-01", "2023-05-31")
    table = materialize_status(db, D)
    rows = {r["person_id"]: r for r in db.query(f"SELECT * FROM {table}")}
    direct = person_statuses(db, D)
    assert {pid: {k: r[k] for k in STATUS_COLUMNS} for pid, r in rows.items()} == direct


def test_status_table_carries_place_and_latest_survey(db, factory):
    """The shared table adds each person's household place and latest survey on or before D."""
    from wengang.store.status import status_table

    hh = factory.household("甲镇", "一村")
    person = factory.person(hh)
    other = factory.person(hh, birth=dt.date(1990, 2, 2))
    for day, willing, reason in ((D.date.replace(day=1), 1, None), (D.date.replace(year=D.year + 1), 0, "照顾家庭")):
        db.execute("INSERT INTO surveys(person_id, survey_date, willing, reason) VALUES (?, ?, ?, ?)",
                   [person, day.isoformat(), willing, reason])
    rows = {r["person_id"]: r for r in db.query(f"SELECT * FROM temp.{status_table(db, D)}")}
    household = db.execute("SELECT id, area_id, site_id, hh_type, relocated FROM households WHERE id = ?",
                           [rows[person]["household_id"]]).fetchone()
    assert (rows[person]["household_id"], rows[person]["area_id"], rows[person]["site_id"],
            rows[person]["hh_type"], rows[person]["relocated"]) == tuple(household)
    assert (rows[person]["survey_date"], rows[person]["willing"], rows[person]["survey_reason"]) == (
        D.date.replace(day=1).isoformat(), 1, None)  # the later survey is after D
    assert rows[other]["survey_date"] is None and rows[other]["willing"] is None


def test_latest_survey_is_the_last_on_or_before_the_date(db, factory):
    from wengang.store.status import latest_survey_sql

    person = factory.person()
    other = factory.person(birth=dt.date(1990, 2, 2))
    rows = [(person, "2026-05-01", 1), (person, "2026-03-01", 0),  # inserted out of order
            (person, "2026-12-01", 0), (other, "2025-01-01", 0)]
    for pid, day, willing in rows:
        db.execute("INSERT INTO surveys(person_id, survey_date, willing) VALUES (?, ?, ?)", [pid, day, willing])
    got = {r[0]: r[1:3] for r in db.execute(
        "WITH " + latest_survey_sql() + " SELECT person_id, survey_date, willing FROM latest_survey",
        {"as_of": "2026-10-31"})}
    assert got == {person: ("2026-05-01", 1), other: ("2025-01-01", 0)}


def test_end_of_a_job_in_the_county_is_not_a_return(db, factory):
    """DOMAIN.md (issue 17): returned = a spell outside the county ended this year; leaving a
    公益岗 or a 帮扶车间 in the county is not 返乡回流."""
    post = factory.person()
    factory.spell(post, "2023-03-01", "2024-03-31", region="县内", channel="公益性岗位")
    workshop = factory.person()
    factory.spell(workshop, "2024-01-01", "2024-05-31", region="县内", channel="帮扶车间")
    away = factory.person()
    factory.spell(away, "2023-03-01", "2024-04-30", region="省内县外")
    assert not status(db, post)["returned"] and not status(db, workshop)["returned"]
    assert status(db, away)["returned"] and status(db, away)["return_date"] == "2024-04-30"


def test_latest_return_is_the_latest_spell_away_that_ended(db, factory):
    p = factory.person()
    factory.spell(p, "2023-03-01", "2024-02-29", region="省外")
    factory.spell(p, "2024-03-10", "2024-05-31", region="县内", channel="帮扶车间")
    s = status(db, p)
    assert s["returned"] and s["return_date"] == "2024-02-29" and s["replaced"]
