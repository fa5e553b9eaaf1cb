"""Dialog factories for the registry: household, person, spell, and the everyday actions.

Each returns an unshown :class:`RecordDialog` whose 保存 writes through
``wengang.services.registry`` and then emits ``context.data_changed``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QWidget

from wengang.gui.context import AppContext
from wengang.gui.registry.form import Field, RecordDialog


class _LazyRegistry:
    """``wengang.services.registry`` imported on first use: it loads pypinyin's dictionary,
    which would otherwise cost the first showing of the 登记 tab half a second."""

    def __getattr__(self, name: str):
        from wengang.services import registry as module  # noqa: PLC0415
        return getattr(module, name)


registry = _LazyRegistry()

PERSON_FIELDS = [
    Field("name", "姓名", required=True),
    Field("id_number", "证件号码", "id", required=True),
    Field("relation", "与户主关系", "code", "relation"),
    Field("education", "文化程度", "code", "education"),
    Field("student_status", "在校生状况", "code", "student_status"),
    Field("health", "健康状况", "code", "health"),
    Field("labour_skill", "劳动技能", "code", "labour_skill", required=True),
    Field("phone", "联系电话", "phone"),
]

SPELL_FIELDS = [
    Field("region", "就业地域", "code", "region", required=True),
    Field("channel", "就业渠道", "code", "channel", required=True),
    Field("place_province", "务工地点（省）"),
    Field("place_city", "务工地点（市）"),
    Field("place_county", "务工地点（县）"),
    Field("employer_name", "务工企业名称"),
    Field("industry", "务工所属行业", "code", "industry"),
    Field("monthly_income", "月收入（元）", "money"),
]


def _saver(context: AppContext, write):
    def save(values: dict):
        result = write(values)
        context.data_changed.emit()
        return result
    return save


def _row(context: AppContext, table: str, record_id: int | None) -> dict:
    if record_id is None:
        return {}
    cur = context.db.execute(f"SELECT * FROM {table} WHERE id = ?", [record_id])
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row)) if row else {}


def _count(ids: list[int]) -> str:
    return f"（已选 {len(ids)} 人）" if len(ids) > 1 else ""


def default_day(context: AppContext, today: dt.date | None = None) -> str:
    """The day a 登记返乡/登记外出 (or a survey, a service) is offered: the 数据截止日期 the
    caseworker is working on — today lies after it at month-end and would count the return in
    the next month. Today only when it falls inside that month before the as-of date."""
    today = today or dt.date.today()
    as_of = context.as_of
    if as_of > today and (today.year, today.month) == (as_of.year, as_of.month):
        return today.isoformat()
    return as_of.isoformat()


def village_choices(context: AppContext) -> tuple:
    rows = context.db.execute(
        "SELECT v.id, coalesce(t.name || ' / ', '') || v.name FROM areas v "
        "LEFT JOIN areas t ON t.id = v.parent_id WHERE v.level IN ('village', 'group') "
        "ORDER BY t.name, v.name").fetchall()
    return (("", None),) + tuple((label, vid) for vid, label in rows)


def household_dialog(context: AppContext, household_id: int | None = None,
                     parent: QWidget | None = None) -> RecordDialog:
    fields = [
        Field("hh_no", "户编号", required=True),
        Field("area_id", "所在村", "choice", required=True, choices=village_choices(context)),
        Field("head_name", "户主姓名"),
        Field("hh_type", "户类型", "code", "hh_type", required=True),
        Field("monitor_category", "监测对象类别", "code", "monitor_category"),
        Field("address", "住址"),
        Field("phone", "联系电话", "phone"),
    ]
    return RecordDialog(
        "编辑户" if household_id else "新增户", fields,
        _saver(context, lambda v: registry.save_household(context.db, v, household_id)),
        _row(context, "households", household_id), parent)


def person_dialog(context: AppContext, person_id: int | None = None, household_id: int | None = None,
                  parent: QWidget | None = None) -> RecordDialog:
    values = _row(context, "persons", person_id)
    target_household = values.get("household_id", household_id)
    head = context.db.execute("SELECT hh_no, head_name FROM households WHERE id = ?",
                              [target_household]).fetchone()
    intro = f"户编号 {head[0]}（户主 {head[1] or '—'}）" if head else ""
    return RecordDialog(
        "编辑人员" if person_id else "新增人员", PERSON_FIELDS,
        _saver(context, lambda v: registry.save_person(context.db, {**v, "household_id": target_household},
                                                       person_id)),
        values, parent, intro)


def spell_dialog(context: AppContext, person_id: int, spell_id: int | None = None,
                 parent: QWidget | None = None) -> RecordDialog:
    fields = [Field("start_date", "外出时间", "date", required=True),
              Field("end_date", "返乡时间", "date"), *SPELL_FIELDS,
              Field("return_reason", "返乡原因", "code", "return_reason")]
    values = _row(context, "employment_spells", spell_id)
    return RecordDialog(
        "编辑务工记录" if spell_id else "新增务工记录", fields,
        _saver(context, lambda v: registry.save_spell(context.db, {**v, "person_id": person_id}, spell_id)),
        values, parent)


def departure_dialog(context: AppContext, person_ids: list[int], *, after_return: bool = False,
                     parent: QWidget | None = None) -> RecordDialog:
    title = "登记再输出" if after_return else "登记外出"
    fields = [Field("start_date", "外出时间", "date", required=True), *SPELL_FIELDS]
    return RecordDialog(
        title + _count(person_ids), fields,
        _saver(context, lambda v: registry.register_departure(context.db, person_ids, v,
                                                              after_return=after_return)),
        {"start_date": default_day(context)}, parent)


def return_dialog(context: AppContext, person_ids: list[int], parent: QWidget | None = None) -> RecordDialog:
    fields = [Field("end_date", "返乡时间", "date", required=True),
              Field("return_reason", "返乡原因", "code", "return_reason", required=True)]
    return RecordDialog(
        "登记返乡" + _count(person_ids), fields,
        _saver(context, lambda v: registry.register_return(context.db, person_ids, v["end_date"],
                                                           v["return_reason"])),
        {"end_date": default_day(context)}, parent)


def survey_dialog(context: AppContext, person_ids: list[int], parent: QWidget | None = None) -> RecordDialog:
    fields = [Field("survey_date", "摸排日期", "date", required=True),
              Field("willing", "有外出务工意愿", "bool"),
              Field("planned_month", "计划外出时间", "month"),
              Field("reason", "未外出原因"),
              Field("measure", "增收措施")]
    return RecordDialog(
        "记录意愿摸排" + _count(person_ids), fields,
        _saver(context, lambda v: registry.record_survey(
            context.db, person_ids, v["survey_date"], bool(v["willing"]), v["planned_month"],
            v["reason"], v["measure"])),
        {"survey_date": default_day(context)}, parent)


def service_dialog(context: AppContext, person_ids: list[int], parent: QWidget | None = None) -> RecordDialog:
    fields = [Field("service_date", "服务日期", "date", required=True),
              Field("kind", "服务类型", "code", "service_kind", required=True),
              Field("provider", "服务提供方"),
              Field("note", "备注")]
    return RecordDialog(
        "记录就业服务" + _count(person_ids), fields,
        _saver(context, lambda v: registry.record_service(context.db, person_ids, v["service_date"],
                                                          v["kind"], v["provider"], v["note"])),
        {"service_date": default_day(context)}, parent)
