"""The one-pass status derivation (store.status) gives exactly what the window-function
version gave, on a random county with overlapping spells, ties and open spells.

``WINDOWED_STATUS_SQL`` below is the former ``store.status.status_sql()`` (four
ROW_NUMBER() passes over the spells), kept here as the reference the faster SQL must match.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from wengang.domain.status import (
    SPELL_CURRENT,
    SPELL_IN_YEAR,
    SPELL_KNOWN,
    SPELL_LAST_YEAR,
    SPELL_RETURNED,
    AsOf,
    labour_sql,
)
from wengang.store.status import STATUS_COLUMNS, materialize_status, person_statuses, status_sql


def _latest(name: str, predicate: str) -> str:
    return f"""{name} AS (
    SELECT person_id, id AS spell_id, region, channel, org_id FROM (
        SELECT s.person_id, s.id, s.region, s.channel, s.org_id,
               ROW_NUMBER() OVER (PARTITION BY s.person_id
                                  ORDER BY s.start_date DESC, s.id DESC) AS rn
        FROM employment_spells s WHERE {predicate}
    ) WHERE rn = 1
)"""


WINDOWED_STATUS_SQL = f"""WITH
{_latest("last_year_spell", SPELL_LAST_YEAR)},
{_latest("this_year_spell", SPELL_IN_YEAR)},
{_latest("current_spell", SPELL_CURRENT)},
last_return AS (
    SELECT person_id, end_date AS return_date, return_reason FROM (
        SELECT s.person_id, s.end_date, s.return_reason,
               ROW_NUMBER() OVER (PARTITION BY s.person_id
                                  ORDER BY s.end_date DESC, s.id DESC) AS rn
        FROM employment_spells s WHERE {SPELL_RETURNED}
    ) WHERE rn = 1
),
replacement AS (
    SELECT r.person_id, MIN(s.start_date) AS replaced_date
    FROM last_return r
    JOIN employment_spells s ON s.person_id = r.person_id
    WHERE s.start_date > r.return_date AND {SPELL_KNOWN}
    GROUP BY r.person_id
),
person_status AS (
    SELECT p.id AS person_id,
        {labour_sql("p")} AS is_labour,
        ly.person_id IS NOT NULL AS employed_last_year,
        ly.region AS last_year_region, ly.channel AS last_year_channel, ly.org_id AS last_year_org_id,
        ty.person_id IS NOT NULL AS employed_this_year,
        ty.region AS this_year_region, ty.channel AS this_year_channel, ty.org_id AS this_year_org_id,
        cur.person_id IS NOT NULL AS employed_now,
        cur.region AS now_region, cur.channel AS now_channel, cur.org_id AS now_org_id,
        cur.spell_id AS now_spell_id,
        lr.person_id IS NOT NULL AS returned,
        lr.return_date, lr.return_reason,
        rp.person_id IS NOT NULL AS replaced,
        rp.replaced_date
    FROM persons p
    LEFT JOIN last_year_spell ly ON ly.person_id = p.id
    LEFT JOIN this_year_spell ty ON ty.person_id = p.id
    LEFT JOIN current_spell cur ON cur.person_id = p.id
    LEFT JOIN last_return lr ON lr.person_id = p.id
    LEFT JOIN replacement rp ON rp.person_id = p.id
)
"""

REGIONS = ["省外", "省内县外", "县内", None]
CHANNELS = ["自主外出务工", "公益性岗位", "帮扶车间", "劳务输出"]
REASONS = ["照顾家庭", "工作结束", "身体原因", None]
AS_OF_DATES = ["2023-12-31", "2024-01-01", "2024-03-31", "2024-06-30", "2024-06-01", "2024-12-31",
               "2025-02-28"]


def _day(rng: random.Random) -> dt.date:
    # Month boundaries are where the predicates differ (>, >=): land on them often.
    if rng.random() < 0.5:
        return dt.date(rng.choice([2022, 2023, 2024, 2025]), rng.randint(1, 12), 1) - dt.timedelta(
            days=rng.choice([0, 1]))
    return dt.date(2022, 6, 1) + dt.timedelta(days=rng.randint(0, 1200))


def random_county(db, factory, seed: int, persons: int = 300) -> None:
    """Persons with 0–5 spells: overlapping, open, ending on the same day, starting on the
    day another ends — every shape the statuses must tell apart."""
    rng = random.Random(seed)
    orgs = [db["organisations"].insert({"name": f"车间{i}", "kind": "帮扶车间"}).last_pk for i in range(3)]
    for _ in range(persons):
        pid = factory.person(labour_skill=rng.choice(["普通劳动力", "技能劳动力", "无劳动力"]))
        starts: set[str] = set()
        ends: list[str] = []
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
            start = _day(rng)
            if ends and rng.random() < 0.3:
                start = dt.date.fromisoformat(rng.choice(ends))  # starts the day one ended
            if start.isoformat() in starts:
                continue  # (person_id, start_date) is unique
            end = None if rng.random() < 0.25 else start + dt.timedelta(days=rng.randint(0, 500))
            if end is not None and rng.random() < 0.4:
                end = max(start, _day(rng))  # ends on a month or year boundary
            if end is not None and ends and rng.random() < 0.3:
                end = max(start, dt.date.fromisoformat(rng.choice(ends)))  # two returns on one day
            starts.add(start.isoformat())
            if end is not None:
                ends.append(end.isoformat())
            factory.spell(pid, start.isoformat(), end and end.isoformat(), region=rng.choice(REGIONS),
                          channel=rng.choice(CHANNELS), return_reason=rng.choice(REASONS),
                          org_id=rng.choice([None, *orgs]))


def windowed(db, as_of: AsOf) -> dict[int, dict]:
    cursor = db.execute(WINDOWED_STATUS_SQL + "SELECT * FROM person_status", as_of.params())
    columns = [c[0] for c in cursor.description]
    return {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_pass_status_equals_windowed_version(db, factory, seed):
    random_county(db, factory, seed)
    returned = replaced = 0
    for day in AS_OF_DATES:
        as_of = AsOf(dt.date.fromisoformat(day))
        expected = windowed(db, as_of)
        assert person_statuses(db, as_of) == expected, day
        some = sorted(expected)[::7]  # the person page asks for a few: only their spells are read
        assert person_statuses(db, as_of, some) == {pid: expected[pid] for pid in some}, day
        table = materialize_status(db, as_of)
        wide = {r["person_id"]: r for r in db.query(f"SELECT * FROM {table}")}
        assert {pid: {k: r[k] for k in STATUS_COLUMNS} for pid, r in wide.items()} == expected, day
        # the spells the lists show are the ones the statuses took their 地域/渠道 from
        spells = {r["id"]: r for r in db.query("SELECT id, region, channel FROM employment_spells")}
        for r in wide.values():
            for period, spell_id in (("last_year", r["last_year_spell_id"]), ("this_year", r["this_year_spell_id"])):
                assert (spell_id is not None) == bool(r[f"employed_{period}"]), (day, r)
                if spell_id is not None:
                    assert spells[spell_id]["region"] == r[f"{period}_region"], (day, r)
                    assert spells[spell_id]["channel"] == r[f"{period}_channel"], (day, r)
        returned += sum(r["returned"] for r in expected.values())
        replaced += sum(r["replaced"] for r in expected.values())
    # the random county does reach the tricky cases, or the comparison proves little
    assert returned > 50 and replaced > 10


def test_same_day_returns_take_the_higher_id(db, factory):
    p = factory.person()
    factory.spell(p, "2024-01-01", "2024-03-31", return_reason="工作结束")
    factory.spell(p, "2024-02-01", "2024-03-31", return_reason="照顾家庭")
    factory.spell(p, "2024-03-31", "2024-05-31", return_reason="身体原因")
    as_of = AsOf(dt.date(2024, 4, 30))
    s = person_statuses(db, as_of, [p])[p]
    assert s == windowed(db, as_of)[p]
    assert s["return_date"] == "2024-03-31" and s["return_reason"] == "照顾家庭"
    assert not s["replaced"]  # a spell starting on the return day is not "after" it


def test_one_pass_reads_the_spells_once():
    """The speed comes from one GROUP BY over employment_spells, not one window per status."""
    sql = status_sql()
    assert "ROW_NUMBER" not in sql
    assert sql.count("GROUP BY s.person_id") == 1
