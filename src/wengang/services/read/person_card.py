"""One person's page, read in one place: identity with household and place, the household's
members, the spells for the timeline, and every list kept about the person (spells, surveys,
services, subsidies, spot checks, quality findings). The window's person page shows these rows;
the column titles come with the SQL, in the registry's words (``resources/model/fields.json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from wengang.domain.fields import label
from wengang.domain.sqltext import stamp_shown
from wengang.store.areas import village_and_township


@dataclass(frozen=True)
class PersonList:
    """A list on the person page: its tab title, its query (``:pid``; the row id first), column titles."""

    title: str
    sql: str
    headers: Sequence[str]


def _labels(table: str, *columns: str) -> list[str]:
    return [label(table, column) for column in columns]


PERSON_LISTS: tuple[PersonList, ...] = (
    PersonList("务工记录", ("SELECT id, start_date, end_date, region, channel, "
                 "trim(coalesce(place_province,'') || coalesce(place_city,'') || coalesce(place_county,'')), "
                 "employer_name, industry, monthly_income, return_reason FROM employment_spells "
                 "WHERE person_id = :pid ORDER BY start_date DESC"),
     [*_labels("employment_spells", "start_date", "end_date", "region", "channel"), "务工地点",
      *_labels("employment_spells", "employer_name", "industry", "monthly_income", "return_reason")]),
    PersonList("意愿摸排", ("SELECT id, survey_date, CASE willing WHEN 1 THEN '是' ELSE '否' END, planned_month, "
                 "reason, measure FROM surveys WHERE person_id = :pid ORDER BY survey_date DESC"),
     _labels("surveys", "survey_date", "willing", "planned_month", "reason", "measure")),
    PersonList("就业服务", ("SELECT id, service_date, kind, provider, note FROM services WHERE person_id = :pid "
                 "ORDER BY service_date DESC"), _labels("services", "service_date", "kind", "provider", "note")),
    PersonList("政策补贴", ("SELECT id, paid_date, kind, amount, funding, note FROM subsidies WHERE person_id = :pid "
                 "ORDER BY paid_date DESC"), _labels("subsidies", "paid_date", "kind", "amount", "funding", "note")),
    PersonList("抽查核查", ("SELECT id, check_date, checker, CASE phone_connected WHEN 1 THEN '是' ELSE '否' END, "
                 "CASE place_consistent WHEN 1 THEN '是' WHEN 0 THEN '否' END, "
                 "CASE time_consistent WHEN 1 THEN '是' WHEN 0 THEN '否' END, "
                 "CASE policy_aware WHEN 1 THEN '是' WHEN 0 THEN '否' END FROM spot_checks WHERE person_id = :pid "
                 "ORDER BY check_date DESC"),
     _labels("spot_checks", "check_date", "checker", "phone_connected", "place_consistent", "time_consistent",
             "policy_aware")),
    PersonList("数据质量", (f"SELECT f.id, {stamp_shown('f.found_at')}, f.rule, f.message, "
                 "CASE WHEN r.id IS NOT NULL THEN '已核实：' || r.note ELSE coalesce(f.resolved_at, '未处理') END "
                 "FROM quality_findings f LEFT JOIN quality_reviews r ON r.id = f.review_id "
                 "WHERE f.person_id = :pid ORDER BY f.found_at DESC"), ["发现时间", "规则", "问题", "处理"]),
)


def person_card(db: sqlite_utils.Database, person_id: int) -> dict | None:
    """The person's row with 户编号, 户类型, 户主, 监测对象类别 and ``place`` (乡镇+村); None if gone."""
    cur = db.execute(
        "SELECT p.*, h.hh_no, h.hh_type, h.head_name, h.monitor_category, "
        "coalesce(t.name, '') || coalesce(v.name, '') AS place FROM persons p "
        f"JOIN households h ON h.id = p.household_id {village_and_township('h.area_id')} WHERE p.id = ?",
        [person_id])
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row)) if row else None


def household_members(db: sqlite_utils.Database, household_id: int) -> list[tuple]:
    """(id, 姓名, 与户主关系, 出生日期, 劳动技能) of every member, 户主 first, then oldest first."""
    return db.execute(
        "SELECT id, name, relation, birth_date, labour_skill FROM persons WHERE household_id = ? "
        "ORDER BY relation != '户主', birth_date", [household_id]).fetchall()


def person_list_rows(db: sqlite_utils.Database, person_id: int) -> dict[str, list[tuple]]:
    """Each of :data:`PERSON_LISTS`' rows for the person, by tab title."""
    return {lst.title: db.execute(lst.sql, {"pid": person_id}).fetchall() for lst in PERSON_LISTS}


def person_spells(db: sqlite_utils.Database, person_id: int) -> list[dict]:
    """The person's spells in start order, as the timeline draws them."""
    keys = ["start_date", "end_date", "region", "channel", "employer_name"]
    rows = db.execute("SELECT start_date, end_date, region, channel, employer_name FROM employment_spells "
                      "WHERE person_id = ? ORDER BY start_date", [person_id]).fetchall()
    return [dict(zip(keys, r)) for r in rows]
