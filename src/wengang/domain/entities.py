"""The entities of DOMAIN.md as plain dataclasses (one field per stored column).

Field metadata ``label`` is the caseworker's name for the field; importers, dialogs and
ledgers use it so a field is called the same everywhere. Ids are database row ids (``None``
before saving). Dates are ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields


def f(label: str, default=None):
    """A dataclass field with its Chinese label."""
    return field(default=default, metadata={"label": label})


def labels(cls) -> dict[str, str]:
    """``{field name: 中文名}`` of an entity class."""
    return {x.name: x.metadata.get("label", x.name) for x in fields(cls)}


@dataclass
class Area:
    name: str = f("名称", "")
    level: str = f("级别", "village")  # province/city/county/township/village/group
    parent_id: int | None = f("上级")
    id: int | None = f("ID")


@dataclass
class Household:
    hh_no: str = f("户编号", "")
    area_id: int | None = f("所在村")
    head_name: str | None = f("户主姓名")
    hh_type: str = f("户类型", "脱贫户")
    monitor_category: str | None = f("监测对象类别")
    exit_year: int | None = f("脱贫年度")
    relocated: bool = f("是否易地扶贫搬迁", False)
    site_id: int | None = f("安置点")
    placement: str | None = f("安置方式")
    address: str | None = f("住址")
    phone: str | None = f("户联系电话")
    id: int | None = f("ID")


@dataclass
class Person:
    household_id: int | None = f("户")
    name: str = f("姓名", "")
    id_number: str = f("证件号码", "")
    person_no: str | None = f("人口编号")
    gender: str | None = f("性别")
    birth_date: dt.date | None = f("出生日期")
    relation: str | None = f("与户主关系")
    education: str | None = f("文化程度")
    student_status: str | None = f("在校生状况")
    health: str | None = f("健康状况")
    labour_skill: str | None = f("劳动技能")
    phone: str | None = f("联系电话")
    phone_is_landline: bool = f("固定电话", False)
    verified_at: dt.date | None = f("核实日期")
    id: int | None = f("ID")


@dataclass
class EmploymentSpell:
    person_id: int | None = f("人")
    start_date: dt.date | None = f("开始时间")
    end_date: dt.date | None = f("结束时间")
    region: str | None = f("就业地域")
    channel: str | None = f("就业渠道")
    place_province: str | None = f("务工地点（省）")
    place_city: str | None = f("务工地点（市）")
    place_county: str | None = f("务工地点（县）")
    employer_name: str | None = f("务工企业名称")
    industry: str | None = f("务工所属行业")
    monthly_income: float | None = f("月收入（元）")
    return_reason: str | None = f("返乡原因")
    org_id: int | None = f("帮扶车间/企业/基地")
    point_to_point: bool | None = f("是否点对点输送")
    transport_subsidy: float | None = f("年度交通费补助")
    id: int | None = f("ID")

    def is_open(self) -> bool:
        return self.end_date is None


@dataclass
class WelfarePost:
    spell_id: int | None = f("务工就业记录")
    post_name: str | None = f("岗位名称")
    post_type: str | None = f("岗位类型")
    developer: str | None = f("开发主体")
    funding: str | None = f("资金渠道")
    pay_standard: float | None = f("待遇标准（元/月）")


@dataclass
class IntentionSurvey:
    person_id: int | None = f("人")
    survey_date: dt.date | None = f("摸排日期")
    willing: bool = f("是否有外出意愿", False)
    planned_month: str | None = f("计划外出时间")
    reason: str | None = f("未外出原因")
    measure: str | None = f("增收措施")
    id: int | None = f("ID")


@dataclass
class EmploymentService:
    person_id: int | None = f("人")
    service_date: dt.date | None = f("服务日期")
    kind: str = f("服务类型", "职业指导")
    provider: str | None = f("服务机构")
    note: str | None = f("备注")
    id: int | None = f("ID")


@dataclass
class Subsidy:
    person_id: int | None = f("人")
    org_id: int | None = f("机构")
    paid_date: dt.date | None = f("发放日期")
    kind: str = f("补贴类型", "")
    amount: float = f("金额（元）", 0.0)
    funding: str | None = f("资金渠道")
    persons_covered: int | None = f("吸纳人数")
    policy_text: str | None = f("政策内容")
    note: str | None = f("备注")
    id: int | None = f("ID")


@dataclass
class Organisation:
    name: str = f("名称", "")
    kind: str = f("类型", "帮扶车间")
    area_id: int | None = f("所在地")
    contact: str | None = f("联系人")
    phone: str | None = f("联系电话")
    recognised_date: dt.date | None = f("认定日期")
    closed_date: dt.date | None = f("停办日期")
    id: int | None = f("ID")


@dataclass
class RelocationSite:
    name: str = f("安置点名称", "")
    county: str | None = f("县（市、区）")
    township: str | None = f("乡镇（街道）")
    area_id: int | None = f("所在地")
    site_type: str | None = f("安置类型")
    over_800: bool = f("是否800人以上", False)
    id: int | None = f("ID")


@dataclass
class Target:
    area_id: int | None = f("地区")
    year: int = f("年度", 0)
    target: int = f("目标任务（人）", 0)
    id: int | None = f("ID")


@dataclass
class SpotCheck:
    person_id: int | None = f("人")
    check_date: dt.date | None = f("抽查日期")
    checker: str | None = f("抽查人")
    phone_connected: bool = f("电话是否接通", False)
    place_consistent: bool | None = f("务工地是否一致")
    time_consistent: bool | None = f("务工时间是否一致")
    policy_aware: bool | None = f("是否知晓政策")
    id: int | None = f("ID")


ENTITY_TABLES = {
    Area: "areas", Household: "households", Person: "persons", EmploymentSpell: "employment_spells",
    WelfarePost: "welfare_posts", IntentionSurvey: "surveys", EmploymentService: "services",
    Subsidy: "subsidies", Organisation: "organisations", RelocationSite: "relocation_sites",
    Target: "targets", SpotCheck: "spot_checks",
}
