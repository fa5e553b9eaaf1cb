"""Everyday registry writes: households, persons, spells, surveys, services — no Qt.

The GUI dialogs, the CLI and tests all write through here, so validation lives in one place.
Every write runs inside ``db.atomic()``; bad input raises :class:`RegistryError` whose
``errors`` map a field name to a message in the caseworker's words, and nothing is saved.
Derived statuses are never written: a return closes a spell, and the statuses follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlite_utils

from wengang.domain.codes import CodeError, codes
from wengang.domain.dates import DateError, iso, parse_date
from wengang.domain.fields import end_before_start
from wengang.domain.fields import label as field_label
from wengang.domain.ids import check_id
from wengang.domain.phones import LANDLINE, normalise_phone, phone_problem
from wengang.domain.pinyin import initials
from wengang.store.audit import check_period_lock
from wengang.store.household_type import change_household_type
from wengang.store.trash import soft_delete


class RegistryError(ValueError):
    """Input that cannot be saved; ``errors`` maps field name → what to fix."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


# --- small validators, collecting messages per field --------------------------------------
class _Checker:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def required(self, field: str, value: object, label: str) -> str | None:
        text = (str(value).strip() if value is not None else "")
        if not text:
            self.errors[field] = f"请填写{label}"
            return None
        return text

    def code(self, field: str, list_name: str, value: object, *, required: bool = False) -> str | None:
        try:
            return codes(list_name).normalise(value, required=required)
        except CodeError as exc:
            self.errors[field] = str(exc)
            return None

    def date(self, field: str, value: object, label: str, *, required: bool = False,
             role: str = "day") -> str | None:
        try:
            parsed = parse_date(value or None, role)  # type: ignore[arg-type]
        except DateError as exc:
            self.errors[field] = f"{label}：{exc}"
            return None
        if parsed is None:
            if required:
                self.errors[field] = f"请填写{label}"
            return None
        if parsed > dt.date.today() + dt.timedelta(days=366):
            self.errors[field] = f"{label}{parsed.isoformat()}太远，请核对"
        return iso(parsed)

    def money(self, field: str, value: object, label: str) -> float | None:
        if value in (None, ""):
            return None
        try:
            amount = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.errors[field] = f"{label}应为数字"
            return None
        if amount < 0:
            self.errors[field] = f"{label}不能为负数"
        return amount

    def raise_if_any(self) -> None:
        if self.errors:
            raise RegistryError(self.errors)


def _ids(person_ids: Iterable[int]) -> list[int]:
    ids = [int(p) for p in person_ids]
    if not ids:
        raise RegistryError({"person_ids": "请先选择人员"})
    return ids


def _names(db: sqlite_utils.Database, ids: list[int]) -> str:
    rows = db.execute(
        f"SELECT name FROM persons WHERE id IN ({','.join('?' * len(ids))}) ORDER BY name", ids
    ).fetchall()
    shown = "、".join(r[0] for r in rows[:5])
    return shown + (f"等{len(rows)}人" if len(rows) > 5 else "")


def _touch() -> str:
    return dt.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


# --- households -----------------------------------------------------------------------------
def save_household(db: sqlite_utils.Database, fields: dict, household_id: int | None = None) -> int:
    """Insert or update a household; returns its id. A change of 户类型 is kept as a dated
    row of its history (``store.household_type``): dated today, or ``type_from`` (with
    ``type_reason``) when the caseworker says when it took effect."""
    c = _Checker()
    row = {
        "hh_no": c.required("hh_no", fields.get("hh_no"), "户编号"),
        "area_id": fields.get("area_id"),
        "head_name": (fields.get("head_name") or "").strip() or None,
        "hh_type": c.code("hh_type", "hh_type", fields.get("hh_type"), required=True),
        "monitor_category": c.code("monitor_category", "monitor_category", fields.get("monitor_category")),
        "address": (fields.get("address") or "").strip() or None,
        "phone": normalise_phone(fields.get("phone")) or None,
    }
    if not row["area_id"]:
        c.errors["area_id"] = "请选择所在村"
    if row["hh_type"] == "监测户" and not row["monitor_category"]:
        c.errors["monitor_category"] = "监测户须填写监测对象类别"
    if row["hh_no"]:
        clash = db.execute("SELECT id FROM households WHERE hh_no = ? AND id IS NOT ?",
                           [row["hh_no"], household_id]).fetchone()
        if clash:
            c.errors["hh_no"] = f"户编号{row['hh_no']}已存在"
    c.raise_if_any()
    with db.atomic():
        if household_id is None:
            return db["households"].insert(row).last_pk
        since = fields.get("type_from")
        if since:  # 户类型 changed as of a date (识别、风险消除): a new dated row in its history
            try:
                change_household_type(db, household_id, row["hh_type"], row["monitor_category"], since,
                                      (fields.get("type_reason") or "").strip() or None)
            except ValueError as exc:
                raise RegistryError({"type_from": str(exc)}) from exc
        db["households"].update(household_id, {**row, "updated_at": _touch()})
        return household_id


def delete_household(db: sqlite_utils.Database, household_id: int, reason: str | None = None) -> int:
    """Delete a household and its members (their spells, surveys … go with them) into the
    回收站; returns the trash id (``store.trash.restore_deleted`` brings them back)."""
    return soft_delete(db, "households", household_id, reason)


# --- persons --------------------------------------------------------------------------------
PERSON_CODE_FIELDS = {
    "relation": "relation", "education": "education", "student_status": "student_status",
    "health": "health", "labour_skill": "labour_skill",
}


def validate_person(db: sqlite_utils.Database, fields: dict, person_id: int | None = None) -> dict:
    """The row to store for ``fields``, or :class:`RegistryError` naming every field to fix."""
    c = _Checker()
    row: dict = {"household_id": fields.get("household_id")}
    if not row["household_id"]:
        c.errors["household_id"] = "请选择所在户"
    row["name"] = c.required("name", fields.get("name"), "姓名")
    id_check = check_id(fields.get("id_number"))
    if not id_check.ok:
        c.errors["id_number"] = id_check.error or "证件号码有误"
    else:
        row["id_number"] = id_check.number
        row["gender"] = id_check.gender
        row["birth_date"] = iso(id_check.birth_date)
        clash = db.execute("SELECT name FROM persons WHERE id_number = ? AND id IS NOT ?",
                           [id_check.number, person_id]).fetchone()
        if clash:
            c.errors["id_number"] = f"证件号码{id_check.number}已登记（{clash[0]}）"
    for field, list_name in PERSON_CODE_FIELDS.items():
        row[field] = c.code(field, list_name, fields.get(field), required=field == "labour_skill")
    phone = normalise_phone(fields.get("phone"))
    if phone:
        landline = bool(LANDLINE.match(phone))
        problem = phone_problem(phone, landline_ok=True)
        if problem:
            c.errors["phone"] = problem
        row["phone"], row["phone_is_landline"] = phone, int(landline)
    else:
        row["phone"], row["phone_is_landline"] = None, 0
    c.raise_if_any()
    row["pinyin_initials"] = initials(row["name"])
    return row


def save_person(db: sqlite_utils.Database, fields: dict, person_id: int | None = None) -> int:
    """Insert or update a person after :func:`validate_person`; returns the id."""
    row = validate_person(db, fields, person_id)
    with db.atomic():
        if person_id is None:
            return db["persons"].insert(row).last_pk
        db["persons"].update(person_id, {**row, "updated_at": _touch()})
        return person_id


def delete_person(db: sqlite_utils.Database, person_id: int, reason: str | None = None) -> int:
    """Delete a person with their spells, surveys … into the 回收站; returns the trash id."""
    # Dependants are found from the schema's foreign keys (store.trash), not listed here.
    return soft_delete(db, "persons", person_id, reason)


# --- employment spells ----------------------------------------------------------------------
def _spell_fields(c: _Checker, fields: dict) -> dict:
    return {
        "region": c.code("region", "region", fields.get("region"), required=True),
        "channel": c.code("channel", "channel", fields.get("channel"), required=True),
        "place_province": (fields.get("place_province") or "").strip() or None,
        "place_city": (fields.get("place_city") or "").strip() or None,
        "place_county": (fields.get("place_county") or "").strip() or None,
        "employer_name": (fields.get("employer_name") or "").strip() or None,
        "industry": c.code("industry", "industry", fields.get("industry")),
        "monthly_income": c.money("monthly_income", fields.get("monthly_income"), "月收入"),
    }


def open_spells(db: sqlite_utils.Database, person_ids: list[int]) -> dict[int, dict]:
    """Each person's spell without a return date (at most one is expected), keyed by person."""
    if not person_ids:
        return {}
    cur = db.execute(
        f"SELECT person_id, id, start_date FROM employment_spells WHERE end_date IS NULL "
        f"AND person_id IN ({','.join('?' * len(person_ids))}) ORDER BY start_date",
        person_ids,
    )
    return {r[0]: {"id": r[1], "start_date": r[2]} for r in cur.fetchall()}


def register_departure(db: sqlite_utils.Database, person_ids: Iterable[int], fields: dict,
                       *, after_return: bool = False) -> list[int]:
    """登记外出 (or 登记再输出 with ``after_return``): a new open spell per person."""
    ids = _ids(person_ids)
    c = _Checker()
    start = c.date("start_date", fields.get("start_date"), field_label("employment_spells", "start_date"), required=True)
    spell = _spell_fields(c, fields)
    c.raise_if_any()
    still_out = [pid for pid, s in open_spells(db, ids).items()]
    if still_out:
        raise RegistryError({"start_date": f"{_names(db, still_out)}仍在务工（未登记返乡），请先登记返乡"})
    later = db.execute(
        f"SELECT DISTINCT person_id FROM employment_spells WHERE person_id IN ({','.join('?' * len(ids))}) "
        f"AND (start_date >= ? OR end_date > ?)", [*ids, start, start]).fetchall()
    if later:
        raise RegistryError({"start_date": f"{_names(db, [r[0] for r in later])}在{start}之后已有务工记录，外出时间有误"})
    if after_return:
        never = db.execute(
            f"SELECT id FROM persons WHERE id IN ({','.join('?' * len(ids))}) AND id NOT IN "
            f"(SELECT person_id FROM employment_spells WHERE end_date IS NOT NULL)", ids).fetchall()
        if never:
            raise RegistryError({"person_ids": f"{_names(db, [r[0] for r in never])}没有返乡记录，应登记外出而非再输出"})
    check_period_lock(db, start)
    created = []
    with db.atomic():
        for pid in ids:
            created.append(db["employment_spells"].insert({"person_id": pid, "start_date": start, **spell}).last_pk)
    return created


def register_return(db: sqlite_utils.Database, person_ids: Iterable[int], end_date: object,
                    reason: str | None) -> int:
    """登记返乡: close each person's open spell at ``end_date`` with 返乡原因; returns count."""
    ids = _ids(person_ids)
    c = _Checker()
    end = c.date("end_date", end_date, field_label("employment_spells", "end_date"), required=True)
    reason_value = c.code("return_reason", "return_reason", reason, required=True)
    c.raise_if_any()
    spells = open_spells(db, ids)
    missing = [pid for pid in ids if pid not in spells]
    if missing:
        raise RegistryError({"person_ids": f"{_names(db, missing)}没有在外务工记录，无法登记返乡"})
    early = [pid for pid, s in spells.items() if end_before_start(s["start_date"], end)]
    if early:
        wrong = end_before_start(spells[early[0]]["start_date"], end)
        raise RegistryError({"end_date": f"{_names(db, early)}：{wrong}"})
    check_period_lock(db, end)
    with db.atomic():
        for s in spells.values():
            db.execute("UPDATE employment_spells SET end_date = ?, return_reason = ?, updated_at = ? "
                       "WHERE id = ?", [end, reason_value, _touch(), s["id"]])
    return len(spells)


def save_spell(db: sqlite_utils.Database, fields: dict, spell_id: int | None = None) -> int:
    """Insert or edit one spell of one person (the person page's edit dialog)."""
    c = _Checker()
    start = c.date("start_date", fields.get("start_date"), field_label("employment_spells", "start_date"), required=True)
    end = c.date("end_date", fields.get("end_date"), field_label("employment_spells", "end_date"))
    row = {"person_id": fields.get("person_id"), "start_date": start, "end_date": end,
           **_spell_fields(c, fields),
           "return_reason": c.code("return_reason", "return_reason", fields.get("return_reason"))}
    wrong = end_before_start(start, end)
    if wrong:
        c.errors["end_date"] = wrong
    if end and not row["return_reason"]:
        c.errors["return_reason"] = "请填写返乡原因"
    c.raise_if_any()
    old = db.execute("SELECT start_date, end_date FROM employment_spells WHERE id = ?",
                     [spell_id]).fetchone() if spell_id is not None else None
    check_period_lock(db, start, end, *(old or ()))
    with db.atomic():
        if spell_id is None:
            return db["employment_spells"].insert(row).last_pk
        db["employment_spells"].update(spell_id, {**row, "updated_at": _touch()})
        return spell_id


def delete_spell(db: sqlite_utils.Database, spell_id: int, reason: str | None = None) -> int:
    """Delete a spell (and its 公益性岗位 particulars) into the 回收站; returns the trash id."""
    old = db.execute("SELECT start_date, end_date FROM employment_spells WHERE id = ?", [spell_id]).fetchone()
    check_period_lock(db, *(old or ()))
    return soft_delete(db, "employment_spells", spell_id, reason)


# --- surveys and services -------------------------------------------------------------------
def record_survey(db: sqlite_utils.Database, person_ids: Iterable[int], survey_date: object,
                  willing: bool, planned_month: object = None, reason: str | None = None,
                  measure: str | None = None) -> int:
    """记录意愿摸排 for each person (same-day surveys are replaced); returns count."""
    ids = _ids(person_ids)
    c = _Checker()
    day = c.date("survey_date", survey_date, "摸排日期", required=True)
    month = c.date("planned_month", planned_month, "计划外出时间", role="start") if willing else None
    if not willing and not (reason or "").strip():
        c.errors["reason"] = "无外出意愿时请填写未外出原因"
    c.raise_if_any()
    with db.atomic():
        for pid in ids:
            db.execute(
                "INSERT INTO surveys(person_id, survey_date, willing, planned_month, reason, measure) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(person_id, survey_date) DO UPDATE SET "
                "willing = excluded.willing, planned_month = excluded.planned_month, "
                "reason = excluded.reason, measure = excluded.measure",
                [pid, day, int(bool(willing)), month[:7] if month else None,
                 None if willing else (reason or "").strip(), (measure or "").strip() or None])
    return len(ids)


def record_service(db: sqlite_utils.Database, person_ids: Iterable[int], service_date: object,
                   kind: str, provider: str | None = None, note: str | None = None) -> int:
    """记录就业服务 for each person; returns count (a repeat on the same day is ignored)."""
    ids = _ids(person_ids)
    c = _Checker()
    day = c.date("service_date", service_date, "服务日期", required=True)
    kind_value = c.code("kind", "service_kind", kind, required=True)
    c.raise_if_any()
    with db.atomic():
        for pid in ids:
            db.execute("INSERT OR IGNORE INTO services(person_id, service_date, kind, provider, note) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [pid, day, kind_value, (provider or "").strip() or None, (note or "").strip() or None])
    return len(ids)
