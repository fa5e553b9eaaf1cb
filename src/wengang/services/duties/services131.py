"""1-3-1 就业服务 (seed 001 §十二): for everyone who needs work, 1 次职业指导、3 次岗位信息推送、
1 次免费培训 in the year.

Who needs work and what each person is short of are the ledger catalogue's definitions
(``needs_work`` / ``service_gaps`` populations, ``svc_*`` fields), so the ledger
``service-gaps``, the summary by village here and the window agree. :func:`record_services`
writes one service for many people at once (a training class, a job fair's pushed posts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from wengang.domain.status import AsOf
from wengang.services.ledgers.catalogue import NEEDS_WORK, POOR, SERVICE_SHORT, SOURCES
from wengang.store.areas import AREA_SUBTREE, village_and_township
from wengang.store.status import status_table

KINDS = ("职业指导", "岗位信息推送", "免费培训")
REQUIRED = {"职业指导": 1, "岗位信息推送": 3, "免费培训": 1}
ALL_KINDS = (*KINDS, "其他")


@dataclass
class VillageGaps:
    township: str
    village: str
    needing: int = 0          # need work
    complete: int = 0         # have all of 1-3-1 this year
    short_guidance: int = 0
    short_jobs: int = 0
    short_training: int = 0

    @property
    def short(self) -> int:
        return self.needing - self.complete


def _area_filter(area_id: int | None) -> tuple[str, dict]:
    if area_id is None:
        return "", {}
    return f" AND ps.area_id IN {AREA_SUBTREE}", {"area_id": area_id}


def gaps_by_village(db: sqlite_utils.Database, as_of: AsOf | dt.date, area_id: int | None = None) -> list[VillageGaps]:
    """Per village: who needs work, how many have 1-3-1 complete, how many lack each service."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    table = status_table(db, as_of)
    where, params = _area_filter(area_id)
    sql = f"""SELECT coalesce(t.name, ''), coalesce(v.name, ''), count(*),
            sum(NOT {SERVICE_SHORT}), sum(coalesce(svc.guidance, 0) < 1), sum(coalesce(svc.jobs, 0) < 3),
            sum(coalesce(svc.training, 0) < 1)
        FROM temp.{table} ps
        {SOURCES['svc']}
        {village_and_township('ps.area_id', village_join='JOIN')}
        WHERE {POOR} AND {NEEDS_WORK}{where}
        GROUP BY v.id ORDER BY t.sort_order, t.id, v.sort_order, v.id"""
    return [VillageGaps(*row) for row in db.execute(sql, {**as_of.params(), **params}).fetchall()]


def person_services(db: sqlite_utils.Database, person_id: int, year: int, until: dt.date | None = None) -> dict[str, int]:
    """How many services of each 1-3-1 kind the person had in ``year`` (up to ``until``)."""
    end = (until or dt.date(year, 12, 31)).isoformat()
    counts = dict.fromkeys(KINDS, 0)
    for kind, n in db.execute("SELECT kind, count(*) FROM services WHERE person_id = ? AND service_date >= ? "
                              "AND service_date <= ? GROUP BY kind", [person_id, f"{year}-01-01", end]):
        if kind in counts:
            counts[kind] = n
    return counts


def short_of(counts: dict[str, int]) -> dict[str, int]:
    """What is missing of 1/3/1: {kind: how many more}, empty when complete."""
    return {k: REQUIRED[k] - counts.get(k, 0) for k in KINDS if counts.get(k, 0) < REQUIRED[k]}


@dataclass
class Recorded:
    added: int
    already: int              # the same person, date and kind was already recorded


def record_services(db: sqlite_utils.Database, person_ids: list[int], kind: str, day: dt.date, *,
                    provider: str | None = None, note: str | None = None, days: int | None = None) -> Recorded:
    """One service for many people in one transaction; a person already recorded for that
    date and kind is left as is (counted in ``already``). ``days``: a training course's
    length (the training subsidy is per day)."""
    if kind not in ALL_KINDS:
        raise ValueError(f"服务类型“{kind}”不认识，应为：{'、'.join(ALL_KINDS)}")
    if not person_ids:
        raise ValueError("没有选中任何人员")
    added = 0
    with db.atomic():
        for pid in dict.fromkeys(person_ids):
            cur = db.execute("INSERT OR IGNORE INTO services (person_id, service_date, kind, provider, note, days) "
                             "VALUES (?, ?, ?, ?, ?, ?)", [pid, day.isoformat(), kind, provider, note, days])
            added += cur.rowcount
    return Recorded(added, len(dict.fromkeys(person_ids)) - added)


def persons_by_ids(db: sqlite_utils.Database, id_numbers: list[str]) -> tuple[list[int], list[str]]:
    """Person ids for 证件号码 (the CLI's list of people); the numbers not found."""
    found, missing = [], []
    for number in id_numbers:
        row = db.execute("SELECT id FROM persons WHERE id_number = ?", [number.strip().upper()]).fetchone()
        (found.append(row[0]) if row else missing.append(number))
    return found, missing
