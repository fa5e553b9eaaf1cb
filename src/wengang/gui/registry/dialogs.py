"""Dialog factories for the registry: household, person, spell, and the everyday actions.

Each returns an unshown :class:`RecordDialog` whose 保存 writes through
``wengang.services.registry`` and then emits ``context.data_changed``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QWidget

from wengang.domain.fields import field as declared_field
from wengang.domain.fields import label as field_label
from wengang.gui.context import AppContext
from wengang.gui.registry.form import Field, RecordDialog
from wengang.services.read import lookups


class _LazyRegistry:
    """``wengang.services.registry`` imported on first use: it loads pypinyin's dictionary,
    which would otherwise cost the first showing of the 登记 tab half a second."""

    def __getattr__(self, name: str):
        from wengang.services import registry as module  # noqa: PLC0415
        return getattr(module, name)


registry = _LazyRegistry()

_FORM_KINDS = {"code", "date", "month", "id", "phone", "money", "bool"}  # the rest are typed as text


def _f(table: str, column: str, **options) -> Field:
    """A dialog field as the registry declares it (label, kind, code list: ``resources/model/fields.json``)."""
    fd = declared_field(table, column)
    kind = fd.kind if fd.kind in _FORM_KINDS else "text"
    return Field(column, fd.label, kind, fd.codes, **options)

PERSON_FIELDS = [
    _f("persons", "name", required=True),
    _f("persons", "id_number", required=True),
    _f("persons", "relation"),
    _f("persons", "education"),
    _f("persons", "student_status"),
    _f("persons", "health"),
    _f("persons", "labour_skill", required=True),
    _f("persons", "phone"),
]

SPELL_FIELDS = [
    _f("employment_spells", "region", required=True),
    _f("employment_spells", "channel", required=True),
    _f("employment_spells", "place_province"),
    _f("employment_spells", "place_city"),
    _f("employment_spells", "place_county"),
    _f("employment_spells", "employer_name"),
    _f("employment_spells", "industry"),
    _f("employment_spells", "monthly_income"),
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
    return lookups.record(context.db, table, record_id)


def _count(ids: list[int]) -> str:
    return f"（已选 {len(ids)} 人）" if len(ids) > 1 else ""


WHO_NAMED = 5  # names a multi-person action lists before 等


def names(context: AppContext, person_ids: list[int]) -> str:
    """``李志平``, ``李志平、王梦晓（共 2 人）`` or ``李志平、王梦晓…等（共 12 人）``: whom an
    action was recorded for."""
    listed = "、".join(p[0] for p in lookups.persons_listing(context.db, person_ids[:WHO_NAMED]))
    if len(person_ids) == 1:
        return listed
    return f"{listed}{'等' if len(person_ids) > WHO_NAMED else ''}（共 {len(person_ids)} 人）"


def _who(context: AppContext, person_ids: list[int]) -> str:
    """Whom an action (登记返乡, 外出, 摸排, 服务) is about, said above its fields: the window title
    is easy to miss, and a row picked by mistake becomes a record in the wrong person's history."""
    people = lookups.persons_listing(context.db, person_ids)
    if len(people) == 1:
        name, id_number, township, village, hh_no = people[0]
        return f"{name}　证件号码 {id_number or '—'}\n{township or ''}{village or ''}　户编号 {hh_no}"
    names = "、".join(p[0] for p in people[:WHO_NAMED]) + ("等" if len(people) > WHO_NAMED else "")
    townships = list(dict.fromkeys(p[2] for p in people if p[2]))
    where = "、".join(townships[:3]) + ("等" if len(townships) > 3 else "")
    return f"已选 {len(people)} 人：{names}" + (f"（{where}）" if where else "")


def default_day(context: AppContext, today: dt.date | None = None) -> str:
    """The day a 登记返乡/登记外出 (or a survey, a service) is offered: the 数据截止日期 the
    caseworker is working on — today lies after it at month-end and would count the return in
    the next month. Today only when it falls inside that month before the as-of date."""
    today = today or dt.date.today()
    as_of = context.as_of
    if as_of > today and (today.year, today.month) == (as_of.year, as_of.month):
        return today.isoformat()
    return as_of.isoformat()


def village_choices(context: AppContext, keep: int | None = None) -> tuple:
    """The villages a household can be put in; ``keep``, the one it is in, always among them
    (a township's file may hold a household of another township, from before imports were kept
    to the township: editing it must not lose its village)."""
    rows = lookups.village_choices(context.db)
    if keep is not None and all(vid != keep for vid, _label in rows):
        rows = [(keep, lookups.place_label(context.db, keep) or str(keep)), *rows]
    return (("", None),) + tuple((label, vid) for vid, label in rows)


def type_change_day(context: AppContext, today: dt.date | None = None) -> str:
    """The day a change of 户类型/监测对象类别 is offered as taking effect: the 数据截止日期
    or today, whichever is earlier."""
    return min(context.as_of, today or dt.date.today()).isoformat()


def _type_reason(before: dict, after: dict) -> str:
    if after.get("hh_type") == "监测户" and before.get("hh_type") != "监测户":
        return "新识别"
    if before.get("hh_type") == "监测户" and after.get("hh_type") != "监测户":
        return "风险消除"
    return ""


def household_dialog(context: AppContext, household_id: int | None = None,
                     parent: QWidget | None = None) -> RecordDialog:
    """新增户/编辑户. When editing changes 户类型 or 监测对象类别, the dialog asks for the day
    the change took effect (生效日期) and why, kept as a dated row of the type history."""
    stored = _row(context, "households", household_id)
    fields = [
        _f("households", "hh_no", required=True),
        Field("area_id", field_label("households", "area_id"), "choice", required=True,
              choices=village_choices(context, stored.get("area_id"))),
        _f("households", "head_name"),
        _f("households", "hh_type", required=True),
        _f("households", "monitor_category"),
        _f("households", "address"),
        _f("households", "phone"),
    ]
    # a new household goes, unless told otherwise, into the village chosen in 地区
    before = stored if household_id is not None else {"area_id": context.area_id}
    if household_id is not None:
        fields += [Field("type_from", "类型生效日期", "date"), Field("type_reason", "变更原因", "text")]

    def changed(values: dict) -> bool:
        return household_id is not None and any(
            (values.get(k) or None) != (before.get(k) or None) for k in ("hh_type", "monitor_category"))

    def write(values: dict):
        values = dict(values)
        if changed(values):
            values["type_from"] = values.get("type_from") or type_change_day(context)
        else:
            values.pop("type_from", None)
            values.pop("type_reason", None)
        return registry.save_household(context.db, values, household_id)

    dialog = RecordDialog("编辑户" if household_id else "新增户", fields, _saver(context, write), before, parent)
    if household_id is not None:
        def follow(*_args) -> None:
            values = dialog.values()
            show = changed(values)
            for name in ("type_from", "type_reason"):
                dialog.set_row_visible(name, show)
            if show and not values.get("type_from"):
                dialog.set_text("type_from", type_change_day(context))
            if show and not values.get("type_reason"):
                dialog.set_text("type_reason", _type_reason(before, values))
        for name in ("hh_type", "monitor_category"):
            dialog.widgets[name].currentIndexChanged.connect(follow)
            dialog.widgets[name].editTextChanged.connect(follow)
        follow()
    return dialog


def person_dialog(context: AppContext, person_id: int | None = None, household_id: int | None = None,
                  parent: QWidget | None = None, values: dict | None = None) -> RecordDialog:
    """新增人员 (into ``household_id``, ``values`` filled in) or 编辑人员."""
    values = _row(context, "persons", person_id) if person_id is not None else dict(values or {})
    target_household = values.get("household_id", household_id)
    head = lookups.household_heading(context.db, target_household)
    intro = f"户编号 {head[0]}（户主 {head[1] or '—'}）" if head else ""
    return RecordDialog(
        "编辑人员" if person_id else "新增人员", PERSON_FIELDS,
        _saver(context, lambda v: registry.save_person(context.db, {**v, "household_id": target_household},
                                                       person_id)),
        values, parent, intro)


def spell_dialog(context: AppContext, person_id: int, spell_id: int | None = None,
                 parent: QWidget | None = None) -> RecordDialog:
    fields = [_f("employment_spells", "start_date", required=True),
              _f("employment_spells", "end_date"), *SPELL_FIELDS,
              _f("employment_spells", "return_reason")]
    values = _row(context, "employment_spells", spell_id)
    return RecordDialog(
        "编辑务工记录" if spell_id else "新增务工记录", fields,
        _saver(context, lambda v: registry.save_spell(context.db, {**v, "person_id": person_id}, spell_id)),
        values, parent)


def departure_dialog(context: AppContext, person_ids: list[int], *, after_return: bool = False,
                     parent: QWidget | None = None) -> RecordDialog:
    title = "登记再输出" if after_return else "登记外出"
    fields = [_f("employment_spells", "start_date", required=True), *SPELL_FIELDS]
    return RecordDialog(
        title + _count(person_ids), fields,
        _saver(context, lambda v: registry.register_departure(context.db, person_ids, v,
                                                              after_return=after_return)),
        {"start_date": default_day(context)}, parent, _who(context, person_ids))


def return_dialog(context: AppContext, person_ids: list[int], parent: QWidget | None = None) -> RecordDialog:
    fields = [_f("employment_spells", "end_date", required=True),
              _f("employment_spells", "return_reason", required=True)]
    return RecordDialog(
        "登记返乡" + _count(person_ids), fields,
        _saver(context, lambda v: registry.register_return(context.db, person_ids, v["end_date"],
                                                           v["return_reason"])),
        {"end_date": default_day(context)}, parent, _who(context, person_ids))


def survey_dialog(context: AppContext, person_ids: list[int], parent: QWidget | None = None) -> RecordDialog:
    fields = [_f("surveys", "survey_date", required=True),
              _f("surveys", "willing"),
              _f("surveys", "planned_month"),
              _f("surveys", "reason"),
              _f("surveys", "measure")]
    return RecordDialog(
        "记录意愿摸排" + _count(person_ids), fields,
        _saver(context, lambda v: registry.record_survey(
            context.db, person_ids, v["survey_date"], bool(v["willing"]), v["planned_month"],
            v["reason"], v["measure"])),
        {"survey_date": default_day(context)}, parent, _who(context, person_ids))


def service_dialog(context: AppContext, person_ids: list[int], parent: QWidget | None = None) -> RecordDialog:
    fields = [_f("services", "service_date", required=True),
              _f("services", "kind", required=True),
              _f("services", "provider"),
              _f("services", "note")]
    return RecordDialog(
        "记录就业服务" + _count(person_ids), fields,
        _saver(context, lambda v: registry.record_service(context.db, person_ids, v["service_date"],
                                                          v["kind"], v["provider"], v["note"])),
        {"service_date": default_day(context)}, parent, _who(context, person_ids))
