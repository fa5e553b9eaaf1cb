"""Subsidy entitlements (应享未享): who meets a subsidy rule and has not been paid.

Rules differ by province and year, so they are data: ``resources/rules/subsidies/<set>.json``
(one file per rule set, e.g. Heilongjiang 2022, Shanxi 2020). A rule names the subsidy kind,
the amount per person and year, and a condition on the person's employment spells in the year
(regions, channels, months of continuous work within the year, income). A person qualifies
when one spell, clipped to the year (and to the as-of date), lasts the required months.
A subsidy "matches" when the person received a subsidy of that kind paid from the start of the
year up to the as-of date; rules marked ``partial_ok`` (据实补助, "up to …") count any payment.

The settings key ``subsidy_rule_set`` picks the set; without it, the set of the installation's
province, else the first set.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import sqlite_utils

from wengang.domain.status import AsOf
from wengang.paths import resource_path
from wengang.store.areas import installation
from wengang.store.db import get_setting

SETTING_KEY = "subsidy_rule_set"
DEFAULT_HH_TYPES = ("脱贫户", "监测户")  # 脱贫劳动力（含监测帮扶对象）: not the non-poor 同步搬迁户


class Entitlement(NamedTuple):
    """One person owed one subsidy kind: the amount the rule gives and what was paid so far."""

    person_id: int
    kind: str
    amount: float
    paid_amount: float


@dataclass(frozen=True)
class SubsidyRule:
    id: str
    kind: str
    title: str
    amount: float
    funding: str | None = None
    partial_ok: bool = False
    regions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    exclude_channels: tuple[str, ...] = ()
    min_months: int = 0
    min_income: float | None = None
    hh_types: tuple[str, ...] = DEFAULT_HH_TYPES
    match_kinds: tuple[str, ...] = ()


class OrgEntitlement(NamedTuple):
    """An organisation owed an award for the people it absorbed: what the rule gives, what was paid."""

    org_id: int
    kind: str
    persons: int
    amount: float
    paid_amount: float


@dataclass(frozen=True)
class OrgRule:
    """An award to an organisation per person it employed (帮扶车间吸纳就业奖补 …)."""

    id: str
    kind: str
    title: str
    amount_per_person: float
    funding: str | None = None
    org_kinds: tuple[str, ...] = ("帮扶车间",)
    min_year_income: float = 0.0
    min_persons: int = 1
    hh_types: tuple[str, ...] = DEFAULT_HH_TYPES


@dataclass(frozen=True)
class RuleSet:
    id: str
    title: str
    province: str | None
    source: str | None
    rules: tuple[SubsidyRule, ...] = field(default_factory=tuple)
    org_rules: tuple[OrgRule, ...] = field(default_factory=tuple)


def _org_rule(spec: dict) -> OrgRule:
    when = spec.get("when", {})
    return OrgRule(
        id=spec["id"], kind=spec["kind"], title=spec.get("title", spec["kind"]),
        amount_per_person=float(spec["amount_per_person"]), funding=spec.get("funding"),
        org_kinds=tuple(when.get("org_kinds", ("帮扶车间",))), min_year_income=float(when.get("min_year_income", 0)),
        min_persons=int(when.get("min_persons", 1)), hh_types=tuple(when.get("hh_types", DEFAULT_HH_TYPES)),
    )


def _rule(spec: dict) -> SubsidyRule:
    when = spec.get("when", {})
    return SubsidyRule(
        id=spec["id"], kind=spec["kind"], title=spec.get("title", spec["kind"]), amount=float(spec["amount"]),
        funding=spec.get("funding"), partial_ok=bool(spec.get("partial_ok", False)),
        regions=tuple(when.get("regions", ())), channels=tuple(when.get("channels", ())),
        exclude_channels=tuple(when.get("exclude_channels", ())), min_months=int(when.get("min_months", 0)),
        min_income=when.get("min_income"), hh_types=tuple(when.get("hh_types", DEFAULT_HH_TYPES)),
        match_kinds=tuple(spec.get("match_kinds", ())),
    )


@lru_cache(maxsize=1)
def rule_sets() -> dict[str, RuleSet]:
    """All rule sets found in ``resources/rules/subsidies``, keyed by id (file order by name)."""
    found = {}
    for path in sorted(resource_path("rules", "subsidies").glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        found[spec["id"]] = RuleSet(spec["id"], spec["title"], spec.get("province"), spec.get("source"),
                                    tuple(_rule(r) for r in spec["rules"]),
                                    tuple(_org_rule(r) for r in spec.get("organisation_rules", ())))
    return found


def current_rule_set(db: sqlite_utils.Database) -> RuleSet:
    """The set named by the ``subsidy_rule_set`` setting, else the installation province's."""
    sets = rule_sets()
    chosen = get_setting(db, SETTING_KEY)
    if chosen:
        if chosen not in sets:
            raise ValueError(f"补贴政策规则“{chosen}”不存在，可选：{'、'.join(sets)}")
        return sets[chosen]
    province = installation(db).province
    for rule_set in sets.values():
        if rule_set.province and rule_set.province == province:
            return rule_set
    return next(iter(sets.values()))


def _resolve(db: sqlite_utils.Database, rule_set: str | RuleSet | None) -> RuleSet:
    if isinstance(rule_set, RuleSet):
        return rule_set
    if rule_set is None:
        return current_rule_set(db)
    sets = rule_sets()
    if rule_set not in sets:
        raise ValueError(f"补贴政策规则“{rule_set}”不存在，可选：{'、'.join(sets)}")
    return sets[rule_set]


def _marks(prefix: str, values: tuple[str, ...], params: dict) -> str:
    for n, value in enumerate(values):
        params[f"{prefix}{n}"] = value
    return ", ".join(f":{prefix}{n}" for n in range(len(values)))


def _rule_sql(rule: SubsidyRule, params: dict) -> str:
    """person_id, paid for everyone meeting ``rule`` in the window [:ws, :we]."""
    conditions = ["s.start_date <= :we", "(s.end_date IS NULL OR s.end_date >= :ws)",
                  f"h.hh_type IN ({_marks('hh', rule.hh_types, params)})"]
    if rule.regions:
        conditions.append(f"s.region IN ({_marks('rg', rule.regions, params)})")
    if rule.channels:
        conditions.append(f"s.channel IN ({_marks('ch', rule.channels, params)})")
    if rule.exclude_channels:
        conditions.append(f"coalesce(s.channel, '') NOT IN ({_marks('xc', rule.exclude_channels, params)})")
    if rule.min_income is not None:
        params["min_income"] = rule.min_income
        conditions.append("s.monthly_income >= :min_income")
    months = ""
    if rule.min_months:
        # continuous within one spell: the clipped spell reaches N months after its first day
        months = f"WHERE date(first_day, '+{int(rule.min_months)} months', '-1 day') <= last_day"
    kinds = (rule.kind, *rule.match_kinds)
    return f"""WITH clipped AS (
            SELECT s.person_id, max(s.start_date, :ws) AS first_day,
                   min(coalesce(s.end_date, :we), :we) AS last_day
            FROM employment_spells s
            JOIN persons p ON p.id = s.person_id JOIN households h ON h.id = p.household_id
            WHERE {' AND '.join(conditions)}
        ),
        qualified AS (SELECT DISTINCT person_id FROM clipped {months}),
        paid AS (
            SELECT person_id, sum(amount) AS paid FROM subsidies
            WHERE person_id IS NOT NULL AND kind IN ({_marks('kd', kinds, params)})
              AND paid_date >= :ws AND paid_date <= :pay_until
            GROUP BY person_id
        )
        SELECT q.person_id, coalesce(paid.paid, 0) FROM qualified q
        LEFT JOIN paid ON paid.person_id = q.person_id
        ORDER BY q.person_id"""


def entitlement_details(db: sqlite_utils.Database, rule_set: str | RuleSet | None, as_of,
                        *, years: int = 1) -> list[dict]:
    """Who qualifies and is unpaid, with the rule, the year and the person's particulars.

    ``years=2`` also looks at last year (paid up to the as-of date counts).
    """
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    chosen = _resolve(db, rule_set)
    out: list[dict] = []
    for year in range(as_of.year - years + 1, as_of.year + 1):
        window_end = min(dt.date(year, 12, 31), as_of.date)
        seen: set[tuple[int, str]] = set()
        for rule in chosen.rules:
            params = {"ws": f"{year}-01-01", "we": window_end.isoformat(), "pay_until": as_of.date.isoformat()}
            for person_id, paid in db.execute(_rule_sql(rule, params), params).fetchall():
                key = (person_id, rule.kind)
                if key in seen:
                    continue  # an earlier (richer) rule of the same kind already covers this person
                seen.add(key)
                if paid >= rule.amount or (rule.partial_ok and paid > 0):
                    continue
                out.append({"person_id": person_id, "kind": rule.kind, "amount": rule.amount,
                            "paid_amount": float(paid), "year": year, "rule_id": rule.id,
                            "title": rule.title, "funding": rule.funding, "rule_set": chosen.id})
    if out:
        _add_people(db, out)
        out.sort(key=lambda r: (r["year"], r.get("township") or "", r.get("village") or "", r.get("hh_no") or "",
                                r["person_id"], r["kind"]))
    return out


def _add_people(db: sqlite_utils.Database, rows: list[dict]) -> None:
    ids = sorted({r["person_id"] for r in rows})
    people = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for pid, name, number, hh_no, village, township in db.execute(
            f"""SELECT p.id, p.name, p.id_number, h.hh_no, v.name, t.name FROM persons p
                JOIN households h ON h.id = p.household_id LEFT JOIN areas v ON v.id = h.area_id
                LEFT JOIN areas t ON t.id = v.parent_id
                WHERE p.id IN ({', '.join('?' for _ in chunk)})""", chunk).fetchall():
            people[pid] = {"name": name, "id_number": number, "hh_no": hh_no, "village": village,
                           "township": township}
    for row in rows:
        row.update(people.get(row["person_id"], {}))


def entitlements(db: sqlite_utils.Database, rule_set: str | RuleSet | None, as_of) -> list[Entitlement]:
    """应享未享 in the as-of year: ``(person_id, kind, amount, paid_amount)`` per person and kind
    for everyone who meets a rule of ``rule_set`` (None: the configured set) and was not paid."""
    return [Entitlement(r["person_id"], r["kind"], r["amount"], r["paid_amount"])
            for r in entitlement_details(db, rule_set, as_of)]


def _org_rule_sql(rule: OrgRule, params: dict) -> str:
    """org_id, persons absorbed (earning at least the yearly minimum there), amount paid."""
    params.update({"min_pay": rule.min_year_income, "min_persons": rule.min_persons})
    return f"""WITH clipped AS (
            SELECT s.org_id, s.person_id, s.monthly_income, max(s.start_date, :ws) AS first_day,
                   min(coalesce(s.end_date, :we), :we) AS last_day
            FROM employment_spells s
            JOIN organisations o ON o.id = s.org_id
            JOIN persons p ON p.id = s.person_id JOIN households h ON h.id = p.household_id
            WHERE o.kind IN ({_marks('ok', rule.org_kinds, params)})
              AND h.hh_type IN ({_marks('hh', rule.hh_types, params)})
              AND s.start_date <= :we AND (s.end_date IS NULL OR s.end_date >= :ws)
        ),
        earned AS (  -- pay received there in the year: monthly income × months worked
            SELECT org_id, person_id,
                   sum(coalesce(monthly_income, 0) * (julianday(last_day) - julianday(first_day) + 1) / 30.0) AS pay
            FROM clipped GROUP BY org_id, person_id
        ),
        absorbed AS (
            SELECT org_id, count(*) AS persons FROM earned WHERE pay >= :min_pay
            GROUP BY org_id HAVING count(*) >= :min_persons
        ),
        paid AS (
            SELECT org_id, sum(amount) AS paid FROM subsidies
            WHERE org_id IS NOT NULL AND kind = :kind AND paid_date >= :ws AND paid_date <= :pay_until
            GROUP BY org_id
        )
        SELECT a.org_id, a.persons, coalesce(paid.paid, 0) FROM absorbed a
        LEFT JOIN paid ON paid.org_id = a.org_id ORDER BY a.org_id"""


def org_entitlements(db: sqlite_utils.Database, rule_set: str | RuleSet | None, as_of,
                     *, year: int | None = None) -> list[OrgEntitlement]:
    """Organisations owed an award for ``year`` (default: the as-of year, counted up to D; for
    a yearly award judged on the full year pass ``as_of.year - 1``) and paid less than owed."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    chosen = _resolve(db, rule_set)
    year = year or as_of.year
    window_end = min(dt.date(year, 12, 31), as_of.date)
    out = []
    for rule in chosen.org_rules:
        params = {"ws": f"{year}-01-01", "we": window_end.isoformat(), "pay_until": as_of.date.isoformat(),
                  "kind": rule.kind}
        for org_id, persons, paid in db.execute(_org_rule_sql(rule, params), params).fetchall():
            owed = persons * rule.amount_per_person
            if paid < owed:
                out.append(OrgEntitlement(org_id, rule.kind, persons, owed, float(paid)))
    return out
