"""What is due next and what is late, for this installation's province.

The calendar arithmetic is :mod:`.deadlines` (pure); this module reads the province from the
installation settings and the submitted reports from the archive (已报送报表): a report is
late when its due date has passed and a form it names has no archived report with the
period's end as its 数据截止日期.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlite_utils

from wengang.services.duties.deadlines import Deadline, calendar_for, due_dates
from wengang.services.reports.forms import FormError, get_form
from wengang.store.areas import installation


@dataclass
class DeadlineState:
    deadline: Deadline
    missing: tuple[str, ...]        # form numbers not yet archived for the period

    @property
    def submitted(self) -> bool:
        return not self.missing


@dataclass
class Schedule:
    today: dt.date
    province: str | None
    upcoming: list[DeadlineState] = field(default_factory=list)   # due today or later
    late: list[DeadlineState] = field(default_factory=list)       # due date passed, not archived
    problem: str | None = None      # no province, no calendar for it
    unknown: list[str] = field(default_factory=list)  # due dates in a year the holiday calendar lacks


def _form_id(number: str) -> str:
    try:
        return get_form(number).id
    except FormError:
        return number


def missing_forms(db: sqlite_utils.Database, deadline: Deadline) -> tuple[str, ...]:
    """The deadline's forms with no archived report for its period."""
    out = []
    for number in deadline.forms:
        found = db.execute("SELECT 1 FROM report_archive WHERE form_id IN (?, ?) AND as_of = ? LIMIT 1",
                           [_form_id(number), number, deadline.period_end.isoformat()]).fetchone()
        if found is None:
            out.append(number)
    return tuple(out)


def schedule(db: sqlite_utils.Database, today: dt.date, *, ahead: int = 2, back_days: int = 190) -> Schedule:
    """The next ``ahead`` reports due from ``today`` and the late ones of the last ``back_days``."""
    province = installation(db).province
    result = Schedule(today, province)
    try:
        calendar = calendar_for(province)
        past = due_dates(calendar, today - dt.timedelta(days=back_days), today, result.unknown)
        coming = due_dates(calendar, today - dt.timedelta(days=100), today + dt.timedelta(days=200), [])
    except (LookupError, ValueError) as exc:
        result.problem = str(exc)
        return result
    for deadline in past:
        if deadline.due < today:
            missing = missing_forms(db, deadline)
            if missing:
                result.late.append(DeadlineState(deadline, missing))
    for deadline in coming:
        if deadline.due >= today and len(result.upcoming) < ahead:
            result.upcoming.append(DeadlineState(deadline, missing_forms(db, deadline)))
    if len(result.upcoming) < ahead:
        # the next due date lies in a year the holiday calendar does not know: say so
        unknown: list[str] = []
        due_dates(calendar, today, today + dt.timedelta(days=200), unknown)
        result.unknown.extend(u for u in unknown if u not in result.unknown)
    return result
