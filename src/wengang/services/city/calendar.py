"""When counties' forms are due, and who is late (催报).

The schedule is data (``resources/city/calendar.json``), per province: monthly forms by the
Nth working day of the next month, quarterly ones N working days after the quarter. Working
days follow the official calendar with its make-up days (调休) through ``chinese-calendar``;
for a year it does not know yet, Monday to Friday are counted and the result says so.

A county has submitted a form for a period when the city holds a submission of that form
whose as-of date falls in the period.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache

import sqlite_utils

from wengang.domain.dates import month_end
from wengang.paths import resource_path
from wengang.services.reports.forms import get_form
from wengang.store.areas import installation
from wengang.store.city import counties, submitted_dates

LOOK_BACK_MONTHS = 12


@dataclass(frozen=True)
class Schedule:
    province: str
    source: str
    period: str            # month | quarter
    working_days: int
    forms: tuple[str, ...]  # form ids


@dataclass
class Due:
    county: str
    form_id: str
    number: str
    title: str
    period_start: dt.date
    period_end: dt.date
    due: dt.date
    submitted: str | None          # the as-of date received, if any
    late_days: int = 0             # working days past the deadline (0 when not late)
    days_left: int | None = None   # working days until the deadline while the window is open

    @property
    def period_text(self) -> str:
        if self.period_end.month - self.period_start.month == 2:
            return f"{self.period_end.year}年第{(self.period_end.month - 1) // 3 + 1}季度"
        return f"{self.period_end.year}年{self.period_end.month}月"

    @property
    def state(self) -> str:
        if self.submitted:
            return "已报送"
        return f"逾期{self.late_days}个工作日" if self.late_days else f"未到期（还剩{self.days_left}个工作日）"


@dataclass
class Chase:
    as_of: dt.date
    schedule: Schedule
    items: list[Due] = field(default_factory=list)
    unknown_years: list[int] = field(default_factory=list)

    def late(self) -> list[Due]:
        return [d for d in self.items if not d.submitted and d.late_days]

    def open(self) -> list[Due]:
        return [d for d in self.items if not d.submitted and not d.late_days]


@lru_cache(maxsize=1)
def _calendar() -> dict:
    return json.loads(resource_path("city", "calendar.json").read_text(encoding="utf-8"))


def schedule_for(province: str | None) -> Schedule:
    raw = _calendar()
    key = province if province in raw else "_default"
    entry = raw[key]
    forms = tuple(get_form(f).id for f in entry["forms"])
    return Schedule(key.lstrip("_"), entry.get("source", ""), entry["period"], int(entry["working_days"]), forms)


class WorkingDays:
    """Official working days; Monday–Friday for years ``chinese-calendar`` does not cover
    (remembered in ``unknown_years`` so the caller can say so)."""

    def __init__(self):
        self.unknown_years: set[int] = set()

    def is_workday(self, day: dt.date) -> bool:
        import chinese_calendar  # noqa: PLC0415 - loaded only when deadlines are asked for

        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            self.unknown_years.add(day.year)
            return day.weekday() < 5

    def nth_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day``."""
        count = 0
        while count < n:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return day

    def between(self, after: dt.date, until: dt.date) -> int:
        """Working days in (after, until]."""
        count, day = 0, after
        while day < until:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count


def periods(schedule: Schedule, until: dt.date, months: int = LOOK_BACK_MONTHS) -> list[tuple[dt.date, dt.date]]:
    """(start, end) of the periods that ended on or before ``until``, newest last."""
    step = 3 if schedule.period == "quarter" else 1
    year, month = until.year, until.month
    month -= (month - 1) % step + 1 if step == 3 else 1     # the last period that has ended
    if month <= 0:
        year, month = year - 1, month + 12
    out = []
    for _ in range(max(1, months // step)):
        end = month_end(year, month)
        start_month = month - step + 1
        out.append((dt.date(year, start_month, 1), end))
        month -= step
        if month <= 0:
            year, month = year - 1, month + 12
    return out[::-1]


def chase(db: sqlite_utils.Database, as_of: dt.date | None = None) -> Chase:
    """Every registered county × scheduled form × period, with its deadline and whether (and
    how late) it came in. Periods run from the first one the city received anything for (a
    city is not chased for the months before it started) — at most a year back — to the last
    one ended by ``as_of``."""
    day = as_of or dt.date.today()
    schedule = schedule_for(installation(db).province)
    received: dict[tuple[str, str], list[str]] = {}
    for county, form_id, submitted in submitted_dates(db):
        received.setdefault((county, form_id), []).append(submitted)
    first = min((d for dates in received.values() for d in dates), default=None)
    days = WorkingDays()
    out = Chase(day, schedule)
    chosen = [p for p in periods(schedule, day) if first and p[1].isoformat() >= first]
    for start, end in chosen or periods(schedule, day)[-1:]:
        due = days.nth_after(end, schedule.working_days)
        for form_id in schedule.forms:
            spec = get_form(form_id)
            for county in counties(db):
                got = [d for d in received.get((county, form_id), []) if start.isoformat() <= d <= end.isoformat()]
                item = Due(county, form_id, spec.number, spec.title, start, end, due, max(got) if got else None)
                if not got:
                    if day > due:
                        item.late_days = days.between(due, day)
                    else:
                        item.days_left = days.between(day, due) + (1 if days.is_workday(day) else 0)
                out.items.append(item)
    out.unknown_years = sorted(days.unknown_years)
    return out
