"""Relocation sites (易地扶贫搬迁安置点, seed 003): each site's job-supply list (岗位供给), and the
seed's check that every willing poor labourer of a site got at least one training and three
job referrals (“每名有就业意愿的贫困劳动力至少提供1次培训、3次岗位推荐”) this year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlite_utils

from wengang.domain.populations import status_population
from wengang.domain.status import AsOf
from wengang.store.status import status_table

TRAININGS, REFERRALS = 1, 3


def add_site_job(db: sqlite_utils.Database, site_id: int, employer: str, post: str, *, openings: int | None = None,
                 pay: str | None = None, offered: dt.date | None = None, contact: str | None = None) -> int:
    if not employer.strip() or not post.strip():
        raise ValueError("用工单位和岗位名称都要填写")
    if db.execute("SELECT 1 FROM relocation_sites WHERE id = ?", [site_id]).fetchone() is None:
        raise ValueError("没有这个安置点")
    with db.atomic():
        return db.execute("INSERT INTO site_jobs (site_id, employer, post, openings, pay, offered_date, contact) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [site_id, employer.strip(), post.strip(), openings, pay,
                           (offered or dt.date.today()).isoformat(), contact]).lastrowid


def remove_site_job(db: sqlite_utils.Database, job_id: int) -> None:
    """Take back a job offer entered by mistake (the trail keeps what it said)."""
    with db.atomic():
        if db.execute("DELETE FROM site_jobs WHERE id = ?", [job_id]).rowcount == 0:
            raise ValueError("这条岗位供给已不存在")


def site_jobs(db: sqlite_utils.Database, site_id: int | None = None) -> list[dict]:
    cursor = db.execute("""SELECT j.id, s.name AS site, j.employer, j.post, j.openings, j.pay, j.offered_date, j.contact
        FROM site_jobs j JOIN relocation_sites s ON s.id = j.site_id
        WHERE (:site IS NULL OR j.site_id = :site) ORDER BY s.name, j.offered_date DESC, j.id""", {"site": site_id})
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


@dataclass
class SiteCheck:
    site_id: int
    site: str
    willing: int = 0
    complete: int = 0
    jobs_offered: int = 0
    short: list[dict] = field(default_factory=list)   # who lacks training or referrals


def site_checks(db: sqlite_utils.Database, as_of: dt.date | AsOf) -> list[SiteCheck]:
    """Per site: the willing poor labourers (relocated 脱贫户/监测户, labour force, not at work,
    latest survey willing), how many had ≥1 免费培训 and ≥3 岗位信息推送 this year, who did not."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    table = status_table(db, as_of)
    sql = f"""SELECT s.id, s.name, p.id, p.name, p.id_number, p.phone, p.training_need,
            (SELECT count(*) FROM services v WHERE v.person_id = p.id AND v.kind = '免费培训'
               AND v.service_date >= :year_start AND v.service_date <= :as_of),
            (SELECT count(*) FROM services v WHERE v.person_id = p.id AND v.kind = '岗位信息推送'
               AND v.service_date >= :year_start AND v.service_date <= :as_of)
        FROM temp.{table} ps JOIN relocation_sites s ON s.id = ps.site_id JOIN persons p ON p.id = ps.person_id
        WHERE {status_population("relocated & poor & labour & not_employed_now & willing")}
        ORDER BY s.name, p.id"""
    out: dict[int, SiteCheck] = {}
    for site_id, site, pid, name, number, phone, need, trainings, referrals in db.execute(sql, as_of.params()):
        check = out.setdefault(site_id, SiteCheck(site_id, site))
        check.willing += 1
        if trainings >= TRAININGS and referrals >= REFERRALS:
            check.complete += 1
        else:
            check.short.append({"person_id": pid, "name": name, "id_number": number, "phone": phone,
                                "training_need": need, "trainings": trainings, "referrals": referrals})
    for site_id, n in db.execute("SELECT site_id, count(*) FROM site_jobs WHERE offered_date <= ? GROUP BY site_id",
                                 [as_of.date.isoformat()]):
        if site_id in out:
            out[site_id].jobs_offered = n
    return list(out.values())
