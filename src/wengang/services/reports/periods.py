"""The 统计期 of period forms (F4, F9): month, quarter or year to date, ending on the as-of day.

One definition for the command line (``report --period``) and the 报表 window's presets, so
both give the same default: the period the form's seed reports (``"period"`` in its
declaration: seed 001's F4 is quarterly), else the as-of month.
"""

from __future__ import annotations

import datetime as dt

PERIODS = {"month": "本月", "quarter": "本季度", "year": "本年累计"}
DEFAULT_PERIOD = "month"


def period_start(as_of: dt.date, period: str) -> dt.date:
    """First day of the month, quarter or year that ``as_of`` falls in."""
    if period == "month":
        return as_of.replace(day=1)
    if period == "quarter":
        return dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    if period == "year":
        return dt.date(as_of.year, 1, 1)
    raise ValueError(f"统计期 {period!r} 无法识别，可选：month 本月、quarter 本季度、year 本年累计")


def form_period(decl: dict) -> str:
    """The period a form reports by default (its declaration's ``period``)."""
    return decl.get("period", DEFAULT_PERIOD)


def default_period_from(decl: dict, as_of: dt.date) -> dt.date:
    return period_start(as_of, form_period(decl))
