"""What surrounds the spells in the demo county: surveys, services, subsidies, targets, checks.

Shares are chosen so the forms have something to show and something to complain about: most
people who qualify for a subsidy got it, some did not (应享未享); township targets sit around
what was achieved, so completion spreads on both sides of 100 %.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from wengang.services.demo import pools
from wengang.services.demo.population import Member
from wengang.services.demo.work import Org, Spell


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _clip(spell: Spell, year: int, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """The part of a spell inside ``year`` (and not after ``as_of``), or None."""
    first = max(spell.start, dt.date(year, 1, 1))
    last = min(spell.end or as_of, dt.date(year, 12, 31), as_of)
    return (first, last) if first <= last else None


def _months_at_least(first: dt.date, last: dt.date, months: int) -> bool:
    return (last - first).days + 1 >= months * 30


def surveys(rng: random.Random, members: list[Member], employed_now: set[int], as_of: dt.date) -> list[tuple]:
    """(person_id, survey_date, willing, planned_month, reason, measure) for the labour force."""
    year = as_of.year
    rows = []
    first_round = (dt.date(year - 1, 12, 1), min(dt.date(year, 1, 31), as_of))
    second_round = (dt.date(year, 5, 1), min(dt.date(year, 6, 30), as_of))
    for m in members:
        if not m.labour or m.age > 64:
            continue
        rounds = [first_round] + ([second_round] if second_round[0] <= as_of and rng.random() < 0.5 else [])
        for first, last in rounds:
            willing = rng.random() < (0.85 if m.id in employed_now else 0.45)
            day = _day_between(rng, first, last)
            if willing:
                month = min(12, day.month + rng.randint(1, 3)) if day.year == year else rng.randint(2, 4)
                rows.append((m.id, day.isoformat(), 1, f"{year}-{month:02d}", None, None))
            else:
                rows.append((m.id, day.isoformat(), 0, None, rng.choice(pools.NOT_WILLING_REASONS),
                             rng.choice(pools.MEASURES)))
    return rows


def services(rng: random.Random, members: list[Member], townships: list[str], as_of: dt.date) -> list[tuple]:
    """(person_id, service_date, kind, provider) — guidance, job pushes and free training."""
    rows = []
    year_start = dt.date(as_of.year - 1, 1, 1)
    for m in members:
        if not m.labour or m.age > 64 or rng.random() > 0.65:
            continue
        provider = f"{townships[m.township]}人社所" if rng.random() < 0.6 else "县公共就业服务中心"
        used: set[tuple[str, str]] = set()
        wanted = [("职业指导", 1), ("岗位信息推送", rng.randint(1, 3))]
        if rng.random() < 0.28:
            wanted.append(("免费培训", 1))
        for kind, times in wanted:
            for _ in range(times):
                day = _day_between(rng, year_start, as_of).isoformat()
                if (day, kind) not in used:
                    used.add((day, kind))
                    rows.append((m.id, day, kind, provider))
    return rows


def person_subsidies(rng: random.Random, spells: list[Spell], trained: set[int],
                     as_of: dt.date) -> list[tuple]:
    """(person_id, org_id, paid_date, kind, amount, funding, persons_covered, policy_text)."""
    rows = []
    paid: set[tuple[int, str, int]] = set()
    for year in (as_of.year - 1, as_of.year):
        for s in spells:
            part = _clip(s, year, as_of)
            if part is None:
                continue
            pid = s.person.id
            pay_day = min(part[1] + dt.timedelta(days=rng.randint(10, 40)), as_of)
            if s.channel == "公益性岗位" and s.post:
                months = max(1, ((part[1] - part[0]).days + 15) // 30)
                rows.append((pid, None, pay_day.isoformat(), "公益性岗位补贴", s.post[3] * months, s.post[2],
                             None, None))
                continue
            if s.region == "省外" and _months_at_least(*part, 3):
                for kind, amount in (("一次性往返交通补助", 500.0), ("生产奖补", 1000.0)):
                    if (pid, kind, year) not in paid and rng.random() < 0.8:
                        paid.add((pid, kind, year))
                        rows.append((pid, None, pay_day.isoformat(), kind, amount, "衔接资金", None, None))
            elif s.region in ("省内县外", "县内") and _months_at_least(*part, 2) \
                    and (pid, "生产奖补", year) not in paid and rng.random() < 0.75:
                paid.add((pid, "生产奖补", year))
                rows.append((pid, None, pay_day.isoformat(), "生产奖补", 500.0, "衔接资金", None, None))
    for pid in sorted(trained):
        if rng.random() < 0.5:
            day = _day_between(rng, dt.date(as_of.year - 1, 3, 1), as_of)
            rows.append((pid, None, day.isoformat(), "培训补贴", float(150 * rng.randint(3, 6)), "就业补助资金",
                         None, None))
    return _one_payment_a_day(rows)


def _one_payment_a_day(rows: list[tuple]) -> list[tuple]:
    """One payment of a kind to a person on a day, the amounts of any more added to it: two
    公益性岗位 spells of one person paid the same day were two rows, which the county's own
    export could not import again (the importer's key is 证件号码, 发放日期 and 补贴类型: 4 such
    pairs in the 50,000-household demo refused its whole subsidies file)."""
    merged: dict[tuple, list] = {}
    for row in rows:
        key = (row[0], row[2], row[3])
        if key in merged:
            merged[key][4] += row[4]
        else:
            merged[key] = list(row)
    return [tuple(row) for row in merged.values()]


def org_subsidies(rng: random.Random, orgs: list[Org], spells: list[Spell], as_of: dt.date) -> list[tuple]:
    """Awards to workshops, bases, agencies and incubators (same columns as person_subsidies)."""
    rows = []
    last_year = as_of.year - 1
    absorbed = Counter()
    for s in spells:
        if s.org_id is not None and _clip(s, last_year, as_of):
            absorbed[s.org_id] += 1
    day = min(dt.date(as_of.year, 3, 15), as_of).isoformat()
    for org in orgs:
        if org.kind == "帮扶车间" and absorbed[org.id] and rng.random() < 0.75:
            rows.append((None, org.id, day, "帮扶车间吸纳就业奖补", 1000.0 * absorbed[org.id], "就业补助资金",
                         absorbed[org.id], None))
        elif org.kind == "就业帮扶基地":
            rows.append((None, org.id, day, "就业帮扶基地一次性奖补", 50000.0, "就业补助资金", absorbed[org.id], None))
        elif org.kind == "人力资源服务机构":
            placed = rng.randint(15, 60)
            rows.append((None, org.id, day, "就业创业服务补助", 200.0 * placed, "就业补助资金", placed, None))
        elif org.kind == "创业孵化基地":
            rows.append((None, org.id, day, "创业孵化基地奖补", 100000.0, "就业补助资金", None, None))
        elif org.kind == "龙头企业" and rng.random() < 0.4:
            rows.append((None, org.id, day, "其他", 20000.0, "就业补助资金", None, "吸纳脱贫人口就业社会保险补贴"))
    return rows


def targets(rng: random.Random, township_ids: list[int], spells: list[Spell], as_of: dt.date) -> list[tuple]:
    """(area_id, year, target) per township for the last two years and this one."""
    rows = []
    for year in (as_of.year - 2, as_of.year - 1, as_of.year):
        workers: dict[int, set[int]] = {}
        for s in spells:
            if _clip(s, year, as_of):
                workers.setdefault(s.person.township, set()).add(s.person.id)
        for index, area_id in enumerate(township_ids):
            actual = len(workers.get(index, ()))
            if year == as_of.year:  # a yearly target, judged part-way through the year
                actual = int(actual * (1 + 0.08 * (12 - as_of.month) / 12))
            rows.append((area_id, year, max(5, round(actual * rng.uniform(0.86, 1.16)))))
    return rows


def spot_checks(rng: random.Random, workers: list[Member], phone_ok: set[int], as_of: dt.date) -> list[tuple]:
    """(person_id, check_date, checker, phone_connected, place_consistent, time_consistent, policy_aware)."""
    rows = []
    sample = max(min(len(workers), 20), len(workers) * 4 // 100)
    for m in rng.sample(workers, sample):
        day = as_of - dt.timedelta(days=rng.randint(5, 75))
        connected = 1 if (m.id in phone_ok and rng.random() < 0.78) else 0
        if connected:
            rows.append((m.id, day.isoformat(), rng.choice(pools.CHECKERS), 1, int(rng.random() < 0.72),
                         int(rng.random() < 0.8), int(rng.random() < 0.6)))
        else:
            rows.append((m.id, day.isoformat(), rng.choice(pools.CHECKERS), 0, None, None, None))
    return rows
