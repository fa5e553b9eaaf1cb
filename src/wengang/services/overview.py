"""The numbers on the 概览 (overview) page — what a township head asks for — without Qt.

The figures are counted per place (a household's area and relocation site) at the as-of
date — the labour force, employed last year and this year and now, willing-but-not-out, the
channel and region mix, month-by-month employment, returns this month — and kept beside the
stored statuses (:func:`_place_groups`); the page's townships, its 合计 and the navigator's
area or site are sums over those places. Targets and open findings are small live queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlite_utils

from wengang.domain.numbers import percent
from wengang.domain.populations import status_population
from wengang.domain.status import AsOf
from wengang.store import status_store
from wengang.store.areas import AREA_SUBTREE, AREA_TOWNSHIP
from wengang.store.household_type import households_at
from wengang.store.status import is_stored, status_table

COUNTED = "poor"  # the population the overview counts (the registry's name)


def counted_population() -> str:
    """Who the overview counts: 脱贫人口和监测对象, the same ``poor`` population the forms use
    (同步搬迁户 are not), so the cards agree with F1."""
    from wengang.services.reports.forms import predicate  # noqa: PLC0415 - the forms' own definition
    return predicate(COUNTED) or "1 = 1"


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


KIND = "overview_groups"
"""The overview's figures per place, kept beside the stored statuses (``store.status_store``)."""
_GROUP_COLUMNS = ["area_id", "site_id", "figure", "key", "count"]
_TOTALS = ("persons", "labour", "employed_last_year", "employed_this_year", "employed_now", "willing_not_out")


def compute_overview(db: sqlite_utils.Database, as_of: dt.date, area_id: int | None = None,
                     site_id: int | None = None, *, statuses_ready: Callable[[], None] | None = None) -> Overview:
    """All overview figures at ``as_of`` for an area (subtree) or relocation site, or everything.

    ``statuses_ready``: called once everyone's statuses at D are derived and stored, the part
    every other reader shares (after an import, 8 s at 200,000 households); what follows is
    the overview's own counting (4.8 s there), which the window may stop for a tab clicked."""
    out = Overview(as_of)
    when = AsOf(as_of)
    status_table(db, when)
    if statuses_ready is not None:
        statuses_ready()
    groups = _place_groups(db, when)
    if area_id is not None:
        inside = {r[0] for r in db.execute(f"SELECT id FROM areas WHERE id IN {AREA_SUBTREE}", {"area_id": area_id})}
        groups = [g for g in groups if g[0] in inside]
    if site_id is not None:
        groups = [g for g in groups if g[1] == site_id]
    _fold(out, groups, _townships(db))
    order = {tid: rank for rank, tid in enumerate(_township_order(db))}
    targets = _township_targets(db, as_of.year)
    out.townships.sort(key=lambda t: order.get(t.township_id, -1))
    for township in out.townships:
        township.target = targets.get(township.township_id)
    out.target = _target(db, as_of.year, area_id, site_id, out.townships)
    place, params = place_filter(area_id, site_id)
    out.open_findings = db.execute(
        "SELECT count(*) FROM quality_findings f LEFT JOIN persons p ON p.id = f.person_id "
        "LEFT JOIN households h ON h.id = coalesce(f.household_id, p.household_id) "
        "WHERE f.resolved_at IS NULL" + place, params).fetchone()[0]
    return out


def _fold(out: Overview, groups: list[list], townships: dict[int, tuple[int, str]]) -> None:
    """Add the places' figures (:func:`_place_groups`' rows) into ``out``: its totals, its
    townships (unordered), months and mixes (the most first, as the charts draw them)."""
    by_township: dict[int | None, TownshipFigures] = {}
    months = [0] * (12 + out.as_of.month)
    for place, _site, figure, key, count in groups:
        if figure in _TOTALS:
            setattr(out, figure, getattr(out, figure) + count)
            tid, name = townships.get(place, (None, "（未分乡镇）"))
            township = by_township.get(tid) or by_township.setdefault(tid, TownshipFigures(tid, name))
            if hasattr(township, figure):
                setattr(township, figure, getattr(township, figure) + count)
        elif figure == "month":
            months[key] += count
        elif figure in ("channel", "region"):
            mix = out.channel_mix if figure == "channel" else out.region_mix
            mix[key] = mix.get(key, 0) + count
        elif figure == "returned":
            out.returned_this_month += count
    out.townships = list(by_township.values())
    out.monthly_last_year, out.monthly_this_year = months[:12], months[12:]
    for mix in ("channel_mix", "region_mix"):
        setattr(out, mix, dict(sorted(getattr(out, mix).items(), key=lambda kv: -kv[1])))


def _townships(db: sqlite_utils.Database) -> dict[int, tuple[int, str]]:
    """Every area at or below a township: (its township's id, the township's name)."""
    return {area: (tid, name) for area, tid, name in db.execute(
        f"WITH RECURSIVE {AREA_TOWNSHIP} SELECT tw.area_id, tw.township_id, t.name "
        "FROM area_township tw JOIN areas t ON t.id = tw.township_id")}


def _township_order(db: sqlite_utils.Database) -> list[int | None]:
    """The townships as the page lists them (people outside any township first)."""
    return [None] + [r[0] for r in db.execute(
        "SELECT id FROM areas WHERE level = 'township' ORDER BY sort_order, name")]


def _group_sql(when: AsOf, hh: str, status: str) -> dict[str, str]:
    """The SQL of each kind of figure, grouped by the household's place (area, site)."""
    population = f" AND {counted_population()}"
    # The statuses carry their household's place and 户类型 at D: the counts over them read
    # those, not persons and households joined again (0.97 → 0.78 and 0.63 → 0.50 s at 200,000
    # households). The spells' counts below have no status row to read them from.
    on_statuses = status_population(COUNTED)
    return {
        "totals": f"""SELECT ps.area_id, ps.site_id, count(*), sum(ps.is_labour), sum(ps.employed_last_year),
                   sum(ps.employed_this_year), sum(ps.employed_now),
                   sum(ps.is_labour AND NOT ps.employed_now AND coalesce(ps.willing, 0) = 1)
            FROM {status} ps WHERE {on_statuses} GROUP BY ps.area_id, ps.site_id""",
        "mix": "SELECT ps.area_id, ps.site_id, coalesce(ps.this_year_channel, '未填'), "
               f"coalesce(ps.this_year_region, '未填'), count(*) FROM {status} ps "
               f"WHERE ps.employed_this_year AND {on_statuses} GROUP BY 1, 2, 3, 4",
        # NOT INDEXED: every spell is read anyway; walking the date index would fetch them one by one.
        "month": f"SELECT h.area_id, h.site_id, s.person_id, {_month_mask(when.date)} "
                 f"FROM employment_spells s NOT INDEXED JOIN persons p ON p.id = s.person_id JOIN temp.{hh} h "
                 "ON h.id = p.household_id WHERE s.start_date <= :as_of "
                 f"AND (s.end_date IS NULL OR s.end_date >= :ly_start){population}",
        "returned": "SELECT h.area_id, h.site_id, count(DISTINCT s.person_id) FROM employment_spells s "
                    f"JOIN persons p ON p.id = s.person_id JOIN temp.{hh} h ON h.id = p.household_id "
                    "WHERE s.end_date >= :month_start AND s.end_date <= :as_of "
                    f"AND s.region IN ('省外', '省内县外'){population} GROUP BY h.area_id, h.site_id",
    }


def _place_groups(db: sqlite_utils.Database, when: AsOf) -> list[list]:
    """The overview's figures at D per place (area, site): rows of (area, site, figure, key,
    count). Kept beside the stored statuses and read back while no person's rows were
    replaced since: at 200,000 households counting them took 6 s on every start of the window
    (the month-by-month spells 3.9 s of it), reading them back well under a second. After an
    edit they are counted again whole: the months need the spells as they were."""
    status = status_table(db, when)
    stored = is_stored(db, status)
    definition = status_store.definition_hash(*_group_sql(when, "hh", "status").values())
    if stored:
        found = status_store.load_summary(db, when.date, KIND, definition)
        if found is not None and status_store.replaced_selects(db, when.date, KIND) is None:
            return found[1]
    version = db.execute("PRAGMA data_version").fetchone()[0]
    sql = _group_sql(when, households_at(db, when.date), status)
    params = {**when.params(), "month_start": when.date.replace(day=1).isoformat()}
    rows: list[list] = []
    for area, site, *counts in db.execute(sql["totals"], params).fetchall():
        rows += [[area, site, figure, None, count or 0] for figure, count in zip(_TOTALS, counts)]
    mix: dict[tuple, int] = {}  # channel and region in one pass over the employed (1.2 → 0.6 s at 200k)
    for area, site, channel, region, count in db.execute(sql["mix"], params):
        for key in ((area, site, "channel", channel), (area, site, "region", region)):
            mix[key] = mix.get(key, 0) + count
    rows += [[*key, count] for key, count in mix.items()]
    rows += _monthly(db, when.date, sql["month"], params)
    rows += [[area, site, "returned", None, count] for area, site, count in db.execute(sql["returned"], params)]
    if stored:
        status_store.save_summary(db, when.date, KIND, definition, _GROUP_COLUMNS, rows, version)
    return rows


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


def _month_mask(as_of: dt.date) -> str:
    """SQL of a spell's months as bits (bit 0 = January last year, the last = D's month), for
    a spell the months' query reads: started by D and not ended before last year, so its first
    month is at most its last (an end is never before its start: the table's CHECK). Without a
    guard for other spells, each month is worked out once per spell instead of two or three
    times (2.33 → 2.0 s of 概览's months at 200,000 households). In SQL: the date arithmetic
    per spell in Python was a third of the months' cost."""
    def month(column: str) -> str:
        return (f"((CAST(substr({column}, 1, 4) AS INTEGER) - {as_of.year - 1}) * 12"
                f" + CAST(substr({column}, 6, 2) AS INTEGER) - 1)")

    last_bit = 12 + as_of.month - 1
    first = f"max({month('s.start_date')}, 0)"
    last = f"(CASE WHEN s.end_date IS NULL THEN {last_bit} ELSE min({month('s.end_date')}, {last_bit}) END)"
    return f"((1 << ({last} + 1)) - (1 << {first}))"


def _monthly(db, as_of: dt.date, sql: str, params: dict) -> list[list]:
    """Persons with a spell overlapping each month of last year and of this year up to D, per
    place: rows of (area, site, "month", month index, count), index 0 = January last year.

    One read of the spells known at D, their months as bits (:func:`_month_mask`), OR-ed in
    Python into a mask per person: a person with two spells in a month counts once. In SQL
    the same needs a months × spells join and a DISTINCT count — 7 s instead of well under
    one at 240,000 spells.
    """
    months = 12 + as_of.month
    masks: dict[int, int] = {}
    places: dict[int, tuple] = {}  # filled alongside masks: the two keep the same order
    for area, site, person_id, mask in db.execute(sql, params):
        if mask:
            masks[person_id] = masks.get(person_id, 0) | mask
            places[person_id] = (area, site)
    # Most people of a place share a mask (the whole year, since March), and a mask is mostly
    # one run of months: per distinct (place, mask), each run is added to a running sum at its
    # first month and taken off after its last (5.7 → 2.9 s at 200,000 households).
    steps: dict[tuple, list[int]] = {}
    for (place, mask), persons in Counter(zip(places.values(), masks.values())).items():
        step = steps.get(place) or steps.setdefault(place, [0] * (months + 1))
        while mask:
            low = mask & -mask
            above = mask + low  # the run's bits carried into the bit after it
            step[low.bit_length() - 1] += persons
            step[(above & -above).bit_length() - 1] -= persons
            mask &= above
    rows = []
    for (area, site), step in steps.items():
        running = 0
        for month in range(months):
            running += step[month]
            if running:
                rows.append([area, site, "month", month, running])
    return rows


