"""Dates as caseworkers write them, and month precision.

National exports give work start and end at month precision ("2023年05月"): a start month
means its 1st day, an end month its last day. Everything is stored as ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from wengang.domain.text import fold

Role = Literal["start", "end", "day"]

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_YM = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_YM_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[T ]?\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


class DateError(ValueError):
    """A value that cannot be read as a date."""


def month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def last_month_end(today: dt.date | None = None) -> dt.date:
    """The end of the month before ``today``'s: the 数据截止日期 monthly dispatches report to."""
    today = today or dt.date.today()
    return today.replace(day=1) - dt.timedelta(days=1)


def _month(year: int, month: int, role: Role) -> dt.date:
    if not 1 <= month <= 12:
        raise DateError(f"月份{month}不存在")
    return month_end(year, month) if role == "end" else month_start(year, month)


def parse_date(raw: object, role: Role = "day") -> dt.date | None:
    """Read a date from an Excel cell or typed text; ``None`` when blank.

    Accepts ``datetime``/``date`` objects, Excel serial numbers, ``2021-03-14``,
    ``2021/3/14``, ``2021.3.14``, ``2021年3月14日``, ``20210314``, and month precision
    ``2021年03月``, ``2021-03``, ``202103`` (the month's first day for a start, last day for
    an end). Raises :class:`DateError` with a message for the caseworker.
    """
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _from_number(raw, role)
    text = fold(raw)
    if not text:
        return None
    if m := _ISO_DATETIME.match(text):
        text = m.group(1)
    try:
        found = _from_text(text, role)
    except ValueError as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError(f"“{raw}”不是有效日期") from exc
    if found is None:
        raise DateError(f"“{raw}”不是可识别的日期（可写作2021-03-14、2021年3月14日或2021年03月）")
    return found


def _from_number(raw: float, role: Role) -> dt.date:
    """A number: a month (202103), a compact day (20210314) or an Excel serial day."""
    number = float(raw)
    if number.is_integer() and 190001 <= number <= 210012 and 1 <= int(number) % 100 <= 12:
        return _month(int(number) // 100, int(number) % 100, role)
    if number.is_integer() and 19000101 <= number <= 21001231:
        return _from_compact(str(int(number)))
    if 1 <= number < 2958466:
        return _EXCEL_EPOCH + dt.timedelta(days=int(number))
    raise DateError(f"“{raw}”不是日期")


def _from_text(text: str, role: Role) -> dt.date | None:
    """A folded text in one of the written forms; None when it is in none of them."""
    if m := _YMD.match(text):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _YM.match(text):
        return _month(int(m[1]), int(m[2]), role)
    if _YMD_COMPACT.match(text):
        return _from_compact(text)
    if m := _YM_COMPACT.match(text):
        return _month(int(m[1]), int(m[2]), role)
    if text.replace(".", "", 1).isdigit():
        return _from_number(float(text), role)
    return None


def _from_compact(text: str) -> dt.date:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise DateError(f"“{text}”不是有效日期") from exc


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def parse_typed_day(text: str) -> dt.date | None:
    """A whole day typed into a date field: ``20261031``, ``2026-10-31``, ``2026/10/31``,
    ``2026.10.31`` or ``2026年10月31日`` (full-width digits and spaces allowed); ``None`` for
    anything else, including a month alone or a number that could be an Excel serial."""
    folded = fold(text or "").replace(" ", "")
    if not (_YMD.match(folded) or _YMD_COMPACT.match(folded)):
        return None
    try:
        return parse_date(folded)
    except DateError:
        return None
