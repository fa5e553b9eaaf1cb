"""The numbers on the 概览 (overview) page — what a township head asks for — without Qt.

One pass of ``person_status`` grouped by township gives the labour force, employed last year
and this year, willing-but-not-out; the 合计 is their sum. Month-by-month employment, the
channel/region mix, returns this month, targets and open findings are small extra queries.
Every figure follows the global as-of date and the navigator's area or relocation site.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import sqlite_utils

from wengang.domain.numbers import percent
from wengang.domain.status import AsOf
from wengang.store.areas import AREA_SUBTREE, AREA_TOWNSHIP
from wengang.store.household_type import households_at
from wengang.store.status import status_table


def counted_population() -> str:
    """Who the overview counts: 脱贫人口和监测对象, the same ``poor`` population the forms use
    (同步搬迁户 are not), so the cards agree with F1."""
    from wengang.services.reports.forms import predicate  # noqa: PLC0415 - the forms' own definition
    return predicate("poor") or "1 = 1"


def place_filter(area_id: int | None, site_id: int | None, household: str = "h") -> tuple[str, dict]:
    """``AND …`` conditions on a households alias for the navigator's pick, and their params."""
    sql, params = "", {}
    if area_id is not None:
        sql += f" AND {household}.area_id IN {AREA_SUBTREE}"
        params["area_id"] = area_id
    if site_id is not None:
        sql += f" AND {household}.site_id = :site_id"
        params["site_id"] = site_id
    return sql, params


@dataclass
class TownshipFigures:
    township_id: int | None
    name: str
    labour: int = 0
    employed_last_year: int = 0
    employed_this_year: int = 0
    willing_not_out: int = 0
    target: int | None = None

    @property
    def completion(self) -> Decimal | None:
        return percent(self.employed_this_year, self.target or 0, 1)


@dataclass
class Overview:
    as_of: dt.date
    persons: int = 0
    labour: int = 0
    employed_last_year: int = 0
    employed_this_year: int = 0
    employed_now: int = 0
    willing_not_out: int = 0
    returned_this_month: int = 0
    open_findings: int = 0
    target: int | None = None
    townships: list[TownshipFigures] = field(default_factory=list)
    monthly_this_year: list[int] = field(default_factory=list)   # Jan … the as-of month
    monthly_last_year: list[int] = field(default_factory=list)   # Jan … Dec
    channel_mix: dict[str, int] = field(default_factory=dict)
    region_mix: dict[str, int] = field(default_factory=dict)

    @property
    def ratio(self) -> Decimal | None:
        """本年占上年比例 (%)."""
        return percent(self.employed_this_year, self.employed_last_year, 1)

    @property
    def completion(self) -> Decimal | None:
        return percent(self.employed_this_year, self.target or 0, 1)


def compute_overview(db: sqlite_utils.Database, as_of: dt.date, area_id: int | None = None,
                     site_id: int | None = None) -> Overview:
    """All overview figures at ``as_of`` for an area (subtree) or relocation site, or everything."""
    when = AsOf(as_of)
    place, params = place_filter(area_id, site_id)
    where = place + f" AND {counted_population()}"
    params.update(when.params())
    out = Overview(as_of)
    status = status_table(db, when)  # shared with the forms and lists at the same date
    hh = households_at(db, as_of)  # 户类型 at D: a household 风险消除 after D still counts then
    sql = ("WITH RECURSIVE " + AREA_TOWNSHIP + f"""
        SELECT tw.township_id, coalesce(t.name, '（未分乡镇）'), count(*), sum(ps.is_labour),
               sum(ps.employed_last_year), sum(ps.employed_this_year), sum(ps.employed_now),
               sum(ps.is_labour AND NOT ps.employed_now AND coalesce(ps.willing, 0) = 1)
        FROM {status} ps
        JOIN persons p ON p.id = ps.person_id
        JOIN temp.{hh} h ON h.id = p.household_id
        LEFT JOIN area_township tw ON tw.area_id = h.area_id
        LEFT JOIN areas t ON t.id = tw.township_id
        WHERE 1 = 1""" + where + """
        GROUP BY tw.township_id ORDER BY t.sort_order, t.name""")
    targets = _township_targets(db, as_of.year)
    for tid, name, persons, labour, last, this, now, willing in db.execute(sql, params).fetchall():
        out.townships.append(TownshipFigures(tid, name, labour or 0, last or 0, this or 0, willing or 0,
                                             targets.get(tid)))
        out.persons += persons
        out.labour += labour or 0
        out.employed_last_year += last or 0
        out.employed_this_year += this or 0
        out.employed_now += now or 0
        out.willing_not_out += willing or 0
    out.target = _target(db, as_of.year, area_id, site_id, out.townships)
    out.monthly_last_year, out.monthly_this_year = _monthly(db, as_of, where, params, hh)
    out.channel_mix = _mix(db, status, "this_year_channel", where, params, hh)
    out.region_mix = _mix(db, status, "this_year_region", where, params, hh)
    month_start = as_of.replace(day=1).isoformat()
    out.returned_this_month = db.execute(
        "SELECT count(DISTINCT s.person_id) FROM employment_spells s JOIN persons p ON p.id = s.person_id "
        f"JOIN temp.{hh} h ON h.id = p.household_id WHERE s.end_date >= :month_start "
        "AND s.end_date <= :as_of AND s.region IN ('省外', '省内县外')" + where, {**params, "month_start": month_start}).fetchone()[0]
    out.open_findings = db.execute(
        "SELECT count(*) FROM quality_findings f LEFT JOIN persons p ON p.id = f.person_id "
        "LEFT JOIN households h ON h.id = coalesce(f.household_id, p.household_id) "
        "WHERE f.resolved_at IS NULL" + place, params).fetchone()[0]
    return out


def _township_targets(db: sqlite_utils.Database, year: int) -> dict[int, int]:
    rows = db.execute("SELECT t.area_id, t.target FROM targets t JOIN areas a ON a.id = t.area_id "
                      "WHERE a.level = 'township' AND t.year = ?", [year]).fetchall()
    return {r[0]: r[1] for r in rows}


def _target(db, year, area_id, site_id, townships: list[TownshipFigures]) -> int | None:
    """The area's own target when it has one, else the sum of its townships' targets."""
    if site_id is not None:
        return None  # targets are set per area, not per relocation site
    if area_id is None:
        row = db.execute("SELECT t.target FROM targets t JOIN areas a ON a.id = t.area_id "
                         "WHERE a.parent_id IS NULL AND t.year = ?", [year]).fetchone()
    else:
        row = db.execute("SELECT target FROM targets WHERE area_id = ? AND year = ?", [area_id, year]).fetchone()
    if row:
        return row[0]
    known = [t.target for t in townships if t.target is not None]
    return sum(known) if known else None


def _monthly(db, as_of: dt.date, where: str, params: dict, hh: str) -> tuple[list[int], list[int]]:
    """Persons with a spell overlapping each month of last year and of this year up to D.

    One read of the spells known at D, folded in Python into a 24-bit month mask per person
    (bit 0 = January last year): a person with two spells in a month counts once. In SQL the
    same needs a months × spells join and a DISTINCT count — 7 s instead of well under one at
    240,000 spells.
    """
    base = as_of.year - 1
    last_bit = 12 + as_of.month - 1

    def month_index(iso_date: str) -> int:
        return (int(iso_date[:4]) - base) * 12 + int(iso_date[5:7]) - 1

    masks: dict[int, int] = {}
    # NOT INDEXED: every spell is read anyway; walking the date index would fetch them one by one.
    rows = db.execute(
        "SELECT s.person_id, s.start_date, s.end_date FROM employment_spells s NOT INDEXED "
        f"JOIN persons p ON p.id = s.person_id JOIN temp.{hh} h ON h.id = p.household_id "
        "WHERE s.start_date <= :as_of AND (s.end_date IS NULL OR s.end_date >= :ly_start)" + where, params)
    for person_id, start, end in rows:
        first = max(month_index(start), 0)
        last = min(month_index(end) if end else last_bit, last_bit)
        if first <= last:
            masks[person_id] = masks.get(person_id, 0) | ((1 << (last + 1)) - (1 << first))
    counts = [0] * (last_bit + 1)
    for mask in masks.values():
        while mask:
            low = mask & -mask
            counts[low.bit_length() - 1] += 1
            mask ^= low
    return counts[:12], counts[12:]


def _mix(db, status: str, column: str, where: str, params: dict, hh: str) -> dict[str, int]:
    """This year's employed by their latest spell's channel or region."""
    sql = (f"SELECT coalesce(ps.{column}, '未填'), count(*) FROM {status} ps "
           f"JOIN persons p ON p.id = ps.person_id JOIN temp.{hh} h ON h.id = p.household_id "
           "WHERE ps.employed_this_year" + where + " GROUP BY 1 ORDER BY 2 DESC")
    return {r[0]: r[1] for r in db.execute(sql, params).fetchall()}
