"""Reporting deadlines in working days, from the official Chinese calendar (调休 included).

Pure functions over dates (no database): :func:`is_working_day`, :func:`working_day` (the n-th
working day of a month), :func:`working_days_after` (the n-th working day after a date) and
:func:`due_dates` over a province's reporting calendar (``resources/calendar/<id>.json``, one
per province: which forms, monthly or quarterly, due on which working day). Working days come
from ``chinese-calendar``; a year it does not know yet raises :class:`CalendarUnknown` with a
plain message instead of guessing weekends only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

from wengang.domain.dates import month_end
from wengang.paths import resource_path


class CalendarUnknown(ValueError):
    """The holiday calendar of a year is not known to the installed ``chinese-calendar``."""


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    """A working day by the State Council's holiday notice: weekdays that are not holidays,
    and the weekend days made working days (调休). Cached: the library scans its whole table
    on every call (43,611 follow-ups took 85 s of it, 0.1 s cached)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarUnknown(
            f"节假日安排中还没有{day.year}年（国务院当年放假通知发布后请升级本程序），无法按工作日计算") from exc


def working_day(year: int, month: int, n: int) -> dt.date:
    """The ``n``-th working day (1 = first) of ``month`` in ``year``."""
    if n < 1:
        raise ValueError("第几个工作日应从1开始")
    day, count = dt.date(year, month, 1), 0
    while True:
        if is_working_day(day):
            count += 1
            if count == n:
                return day
        day += dt.timedelta(days=1)
        if day.month != month:
            raise ValueError(f"{year}年{month}月没有第{n}个工作日")


def working_days_after(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted); n = 0: start."""
    day, count = start, 0
    while count < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day


# --- reporting calendars ----------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarItem:
    id: str
    title: str
    forms: tuple[str, ...]
    period: str               # monthly / quarterly
    due: dict                 # {"working_day": 4} | {"working_days_after": 3} | {"day": 2}


@dataclass(frozen=True)
class ReportingCalendar:
    id: str
    province: str
    source: str
    items: tuple[CalendarItem, ...]


@dataclass(frozen=True)
class Deadline:
    """One report due: the period it covers (data to ``period_end``) and its due date."""

    item: CalendarItem
    period_label: str         # 2026年9月 / 2026年第3季度
    period_end: dt.date
    due: dt.date

    @property
    def forms(self) -> tuple[str, ...]:
        return self.item.forms


@lru_cache(maxsize=1)
def calendars() -> dict[str, ReportingCalendar]:
    """Every shipped reporting calendar, keyed by province name (山西省 …)."""
    found = {}
    for path in sorted(resource_path("calendar").glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        items = tuple(CalendarItem(i["id"], i["title"], tuple(i["forms"]), i["period"], dict(i["due"]))
                      for i in spec["items"])
        found[spec["province"]] = ReportingCalendar(spec["id"], spec["province"], spec.get("source", ""), items)
    return found


def calendar_for(province: str | None) -> ReportingCalendar:
    """The province's calendar; none shipped for it is said plainly (no other province's)."""
    found = calendars()
    if not province:
        raise LookupError("本单位设置中还没有填写所在省份，无法确定报送时间表")
    if province not in found:
        raise LookupError(f"还没有{province}的报送时间表（现有：{'、'.join(found)}），"
                          f"可在 resources/calendar 中按同样格式添加")
    return found[province]


def _due(item: CalendarItem, period_end: dt.date) -> dt.date:
    nxt = period_end + dt.timedelta(days=1)
    if "working_day" in item.due:
        return working_day(nxt.year, nxt.month, int(item.due["working_day"]))
    if "working_days_after" in item.due:
        return working_days_after(period_end, int(item.due["working_days_after"]))
    if "day" in item.due:
        return dt.date(nxt.year, nxt.month, int(item.due["day"]))
    raise ValueError(f"报送时间表“{item.title}”的 due 写法不认识：{item.due}")


def _periods(item: CalendarItem, first: dt.date, last: dt.date):
    """(label, period end) of every period of ``item`` ending in [first, last]."""
    step = 3 if item.period == "quarterly" else 1
    if item.period not in ("monthly", "quarterly"):
        raise ValueError(f"报送时间表“{item.title}”的 period 应为 monthly 或 quarterly")
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        if month % step == 0:
            end = month_end(year, month)
            if first <= end <= last:
                label = f"{year}年第{month // 3}季度" if step == 3 else f"{year}年{month}月"
                yield label, end
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def due_dates(calendar: ReportingCalendar, first: dt.date, last: dt.date,
              unknown: list[str] | None = None) -> list[Deadline]:
    """Every report of ``calendar`` whose period ends in [first, last], in due-date order.

    A due date in a year the holiday calendar does not know raises :class:`CalendarUnknown`,
    or, given a list ``unknown``, is left out and its message appended there."""
    out = []
    for item in calendar.items:
        for label, end in _periods(item, first, last):
            try:
                out.append(Deadline(item, label, end, _due(item, end)))
            except CalendarUnknown as exc:
                if unknown is None:
                    raise
                unknown.append(f"{item.title}（{label}）：{exc}")
    return sorted(out, key=lambda d: (d.due, d.item.id))
