"""What the city's window shows first: per county, what came in and what is late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlite_utils

from wengang.services.city.calendar import Chase, chase
from wengang.services.reports.forms import get_form
from wengang.store.city import counties, stored_submissions


@dataclass
class CountyStatus:
    county: str
    latest: dict[str, str] = field(default_factory=dict)   # form number → latest as-of received
    received_at: str | None = None
    late: int = 0                                          # forms × periods overdue


@dataclass
class CityStatus:
    chase: Chase
    counties: list[CountyStatus]
    dates: list[str]                                       # as-of dates received, newest first


def city_status(db: sqlite_utils.Database, as_of: dt.date | None = None) -> CityStatus:
    by_county = {name: CountyStatus(name) for name in counties(db)}
    dates: set[str] = set()
    for sub in stored_submissions(db):
        dates.add(sub.as_of)
        status = by_county.get(sub.county)
        if status is None:
            continue
        number = get_form(sub.form_id).number
        status.latest[number] = max(status.latest.get(number, ""), sub.as_of)
        status.received_at = max(status.received_at or "", sub.received_at)
    result = chase(db, as_of)
    for item in result.late():
        if item.county in by_county:
            by_county[item.county].late += 1
    return CityStatus(result, list(by_county.values()), sorted(dates, reverse=True))
