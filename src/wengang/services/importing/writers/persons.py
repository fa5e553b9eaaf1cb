"""The roster (人员信息): households and their members, one household at a time.

A household's place, codes and 户主 come from its members' rows (the first filled value wins);
the members are written after it, each under its 证件号码.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from wengang.domain.phones import LANDLINE, MOBILE, phone_problem
from wengang.domain.pinyin import initials
from wengang.services.importing.parse import Record
from wengang.services.importing.spec import KindSpec
from wengang.services.importing.upsert import Upserter
from wengang.services.importing.writers.context import WriteContext, area_path, preload_stored
from wengang.store.areas import AreaCache, areas_at_level, installation, set_installation

HOUSEHOLD_COLUMNS = ("head_name", "hh_type", "monitor_category", "exit_year", "relocated", "site_id",
                     "area_id", "phone")
PERSON_COLUMNS = ("household_id", "name", "gender", "birth_date", "relation", "labour_skill",
                  "student_status", "phone", "phone_is_landline", "pinyin_initials", "person_no",
                  "education", "health")
HOUSEHOLDS = ("households", ("hh_no",), HOUSEHOLD_COLUMNS)
PERSONS = ("persons", ("id_number",), PERSON_COLUMNS)
# The household's coded facts, each taken from the first member row that fills it.
_HOUSEHOLD_CODES = ("hh_type", "monitor_category", "exit_year", "relocated")
# A member's own columns written as the file gives them (absent columns stay untouched).
_MEMBER_COLUMNS = ("name", "relation", "labour_skill", "student_status", "person_no", "education", "health")


@dataclass
class _Roster:
    """What writing one household needs besides its rows: the area tree, the sites by name
    and the two tables' upserters."""

    areas: AreaCache
    sites: dict[str, int]
    # 组 (groups) → their village: a roster names villages only, so a household filed under a
    # 组 of the village its row names stays on that 组.
    group_village: dict[int, int]
    households: Upserter
    persons: Upserter
    has_phone: bool


def write_persons(ctx: WriteContext) -> None:
    _learn_installation(ctx)
    roster = _Roster(
        AreaCache(ctx.db), {r[0]: r[1] for r in ctx.db.execute("SELECT name, id FROM relocation_sites")},
        {a["id"]: a["parent_id"] for a in areas_at_level(ctx.db, "group")},
        ctx.upserter(*HOUSEHOLDS), ctx.upserter(*PERSONS), "phone" in ctx.parsed.present)
    done, total = 0, len(ctx.parsed.records)
    lazy = bool(ctx.parsed.column_values)
    for hh_no, members in _households_in_file(ctx).items():
        hh_id = _write_household(ctx, roster, hh_no, members)
        for record in members:
            ctx.tick(done, total)
            done += 1
            if hh_id is not None and not record.bad and record.values.get("id_number"):
                _write_member(ctx, roster, record, hh_id)
        if lazy:
            for record in members:
                record.forget_values()


def _learn_installation(ctx: WriteContext) -> None:
    """An installation without its 省/县 takes them from an export's 省/市/县 columns (DOMAIN.md)."""
    if ctx.home.configured or "province" not in ctx.parsed.present:
        return
    first = next((r for r in ctx.parsed.records if r.values.get("province") and r.values.get("county")), None)
    if first is not None:
        v = first.values
        set_installation(ctx.db, v["province"], v.get("city"), v["county"])
        ctx.home = installation(ctx.db)


def _households_in_file(ctx: WriteContext) -> dict[str, list[Record]]:
    """户编号 → its member rows in file order; a 证件号码 seen on an earlier row is that row's
    duplicate (an error) and joins no household."""
    parsed = ctx.parsed
    first_row: dict[str, int] = {}
    households: dict[str, list[Record]] = {}
    # From the columns (the parser made no dict per row): a record's values are made when its
    # household is written and dropped after it, so 150,000 dicts never live at once.
    by_key = parsed.values_by_key()
    blank = [None] * len(parsed.records)
    for record, number, hh_no in zip(parsed.records, by_key.get("id_number", blank), by_key.get("hh_no", blank)):
        if number:
            if number in first_row:
                parsed.error(record, "id_number", f"证件号码{number}与第{first_row[number]}行重复")
                continue
            first_row[number] = record.row
        if hh_no:
            households.setdefault(hh_no, []).append(record)
    return households


def _write_member(ctx: WriteContext, roster: _Roster, record: Record, hh_id: int) -> None:
    v = record.values
    row = ctx.present(record, _MEMBER_COLUMNS)
    row.update(household_id=hh_id, gender=v["gender"], birth_date=v["birth_date"],
               pinyin_initials=initials(v.get("name")))
    phone = v.get("phone")
    landline = bool(phone and LANDLINE.match(phone))
    if roster.has_phone:
        row["phone"] = phone
        row["phone_is_landline"] = int(landline)
    outcome, pid = roster.persons.apply((v["id_number"],), row)
    ctx.counts.count(outcome)
    # A parsed phone is already normalised: a mobile or landline needs no second look.
    if roster.has_phone and not (landline or (phone and MOBILE.match(phone))) and \
            (problem := phone_problem(phone, landline_ok=True)):
        ctx.warn(record, "phone", problem, pid, hh_id)


def _write_household(ctx: WriteContext, roster: _Roster, hh_no: str, members: list[Record]) -> int | None:
    """The household of ``members`` added or updated; its id, or None when it cannot be placed
    or is new without its 户类型 (its members are then not written)."""
    first = members[0]
    village = _village_of(ctx, roster, hh_no, members)
    if village is None:
        return None
    village_id, township_id = village
    households = roster.households
    row: dict = {"area_id": _kept_group(roster, hh_no, village_id)}
    row.update(_household_codes(ctx, households, hh_no, members))
    if "site_name" in ctx.parsed.present:
        named = next((m for m in members if m.values.get("site_name")), None)
        row["site_id"] = _site_id(ctx, named, roster.sites, township_id) if named else None
    if "hh_phone" in ctx.parsed.present:
        row["phone"] = next((m.values["hh_phone"] for m in members if m.values.get("hh_phone")), None)
    head, headless = _head_of(ctx, households, hh_no, members)
    if head is not None or "head_name" in ctx.parsed.present:
        row["head_name"] = head
    if row.get("hh_type") is None:
        row.pop("hh_type", None)  # a blank required cell: reported by the parser, stored value kept
        if households.find((hh_no,)) is None:
            return None
    outcome, hh_id = households.apply((hh_no,), row)
    ctx.bump(f"households_{outcome}")
    if headless:
        ctx.warn(first, "relation", f"户编号{hh_no}没有与户主关系为“户主”的成员", household_id=hh_id)
    if row.get("hh_type") == "监测户" and "monitor_category" in row and not row["monitor_category"]:
        ctx.warn(first, "monitor_category", "监测户未填写监测对象类别", household_id=hh_id)
    return hh_id


def _village_of(ctx: WriteContext, roster: _Roster, hh_no: str, members: list[Record]) -> tuple[int, int] | None:
    """(village id, township id) of the household, from its first row (created when new);
    members naming another village are warned about."""
    first = members[0]
    path = area_path(ctx, first, ("township", "village"))
    if path is None:
        return None
    if len(path) < 3:
        return None  # township/village are required columns: the parser already named the blank
    place = (first.values.get("township"), first.values.get("village"))
    for other in members[1:]:
        if (other.values.get("township"), other.values.get("village")) != place:
            ctx.warn(other, "village", f"户编号{hh_no}在第{first.row}行的村不同，按第{first.row}行")
    areas = roster.areas
    before = len(areas._ids)  # noqa: SLF001 - counting areas the import creates
    village_id = areas.ensure(path)
    township_id = areas.find(path[:2])
    ctx.bump("areas_added", len(areas._ids) - before)  # noqa: SLF001
    return village_id, township_id


def _kept_group(roster: _Roster, hh_no: str, village_id: int) -> int:
    """The household's area: its village, or the 组 of that village it is filed under already
    (the file has no 组 column)."""
    if roster.group_village:
        current = roster.households.stored_value((hh_no,), "area_id")
        if current in roster.group_village and roster.group_village[current] == village_id:
            return current
    return village_id


def _household_codes(ctx: WriteContext, households: Upserter, hh_no: str, members: list[Record]) -> dict:
    """户类型, 监测对象类别, 脱贫年度 and 是否易地扶贫搬迁 of the columns the file has."""
    row: dict = {}
    for key in _HOUSEHOLD_CODES:
        if key in ctx.parsed.present:
            row[key] = next((m.values[key] for m in members if m.values.get(key) is not None), None)
    if "relocated" in row and row["relocated"] is None:
        row["relocated"] = 0  # NOT NULL column: a blank 是否易地扶贫搬迁 means no
    if row.get("hh_type") == "一般户":
        # 一般户/非贫困户 are not poor households (DOMAIN.md): relocated with the poor they are
        # 同步搬迁户 (F6 counts them); otherwise outside every group the forms count.
        relocated = row["relocated"] if "relocated" in row else households.stored_value((hh_no,), "relocated")
        if relocated:
            row["hh_type"] = "同步搬迁户"
    return row


def _head_of(ctx: WriteContext, households: Upserter, hh_no: str, members: list[Record]) -> tuple[str | None, bool]:
    """(户主姓名, whether a new household names no 户主): the 户主姓名 column, else the member
    whose 与户主关系 is 户主."""
    head = next((m.values["head_name"] for m in members if m.values.get("head_name")), None)
    if head is not None:
        return head, False
    head = next((m.values.get("name") for m in members if m.values.get("relation") == "户主"), None)
    headless = head is None and "relation" in ctx.parsed.present and households.find((hh_no,)) is None
    return head, headless


def _site_id(ctx: WriteContext, record: Record, sites: dict[str, int], township_id: int) -> int | None:
    name = record.values.get("site_name")
    if not name:
        return None
    if name not in sites:
        sites[name] = ctx.db.execute(
            "INSERT INTO relocation_sites(name, county, township, area_id, batch_id) VALUES (?, ?, ?, ?, ?)",
            [name, record.values.get("county") or ctx.home.county, record.values.get("township"),
             township_id, ctx.batch_id]).lastrowid
        ctx.bump("sites_added")
    return sites[name]


def preload_persons(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out: dict = {}
    preload_stored(db, out, *HOUSEHOLDS)
    preload_stored(db, out, *PERSONS)
    return out
