"""What ledger declarations may name: fields (columns), each a piece of SQL, and how the
ledger query reads the population registry's aliases.

A ledger JSON (``resources/ledgers/<id>.json``) says *which* people (``population``, names
from ``resources/model/populations.json``, the forms' and rules' own) and *which* columns
(``fields``); this catalogue says how each column is read from the database, once.
Every expression runs in one query of this shape (see :mod:`.query`)::

    WITH <area scope>, area_place AS (…)
    SELECT … FROM <status_at> ps                         -- statuses at D (store.status.status_table),
      JOIN persons p ON p.id = ps.person_id               --   with place and latest survey
      JOIN households h ON h.id = ps.household_id
      LEFT JOIN area_place la ON la.area_id = ps.area_id -- 乡镇 / 村 names and sort keys
      [LEFT JOIN <source> …]                              -- only the sources the ledger uses

Statuses come from ``store.status`` and populations from the one registry: the lists use the
same definitions as the forms, so a list's row count equals the form's cell.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass

import sqlite_utils

from wengang.domain.populations import Dialect, compile_expr, status_rows
from wengang.domain.status import AsOf, age_sql
from wengang.store.derived import cached
from wengang.store.status import latest_spell_select

# The registry's aliases as the ledger query names them. A list is counted from the status
# table and the sources its population names, without persons and households, so a
# population may read only those; the household's place and 户类型 at D are the status
# table's (``h`` is the households table as it is now, not as at D).
LEDGER_POPULATIONS = status_rows("台账的人员范围（只读截止日状态 ps 和 post、wk、svc 关联）",
                                 {"post": "post", "wk": "wk", "svc131": "svc"})
# The spell looked up per person for the post and workshop ledgers (alias ``s``).
_SPELL_LOOKUP = Dialect("台账的务工记录查找", {"spell": "s"})
_SOURCE = "services/ledgers/catalogue.py"


def _spell_on_channel(expr: str) -> str:
    return compile_expr(expr, _SPELL_LOOKUP, source=_SOURCE).sql or "1"


def _latest_spell_join(alias: str, predicate: str) -> str:
    # The person's latest-starting spell on a channel at D, chosen as store.status chooses; a
    # correlated lookup on the (person_id, start_date) index costs one seek per person.
    return (
        f"LEFT JOIN employment_spells {alias} ON {alias}.id = ("
        f"SELECT s.id FROM employment_spells s WHERE s.person_id = ps.person_id AND {predicate} "
        f"ORDER BY s.start_date DESC, s.id DESC LIMIT 1)"
    )


# Optional joins, by name; a field or population lists the ones it needs. Order matters
# where one source builds on another (org and wp read the current spell).
# The spell a post or workshop ledger lists: current at D on that channel, whatever else the
# person does at the same time (F3 counts 公益性岗位/帮扶车间 persons the same way).
_POST_SPELL = _spell_on_channel("spell_current_at_as_of & welfare_post_spell")
_WORKSHOP_SPELL = _spell_on_channel("spell_current_at_as_of & workshop_spell")

# Each person's 1-3-1 services this year, 1 Jan to D.
_SERVICES_YEAR = """SELECT person_id, sum(kind = '职业指导') AS guidance, sum(kind = '岗位信息推送') AS jobs,
            sum(kind = '免费培训') AS training FROM services
            WHERE service_date >= :year_start AND service_date <= :as_of GROUP BY person_id"""

SOURCES: dict[str, str] = {
    # The spells that gave the statuses their 地域/渠道 (ids kept in the status table).
    "ly": "LEFT JOIN employment_spells ly ON ly.id = ps.last_year_spell_id",
    "ty": "LEFT JOIN employment_spells ty ON ty.id = ps.this_year_spell_id",
    "cur": "LEFT JOIN employment_spells cur ON cur.id = ps.now_spell_id",
    # The spell outside the county whose end was the return (返乡前务工地).
    "ret": "LEFT JOIN employment_spells ret ON ret.id = ps.return_spell_id",
    "post": _latest_spell_join("post", _POST_SPELL),
    "wk": _latest_spell_join("wk", _WORKSHOP_SPELL),
    "org": "LEFT JOIN organisations org ON org.id = wk.org_id",
    "wp": "LEFT JOIN welfare_posts wp ON wp.spell_id = post.id",
    "site": "LEFT JOIN relocation_sites site ON site.id = h.site_id",
    # 1-3-1 (seed 001 §十二): each person's services this year, 1 Jan to D (services.duties.services131).
    "svc": f"LEFT JOIN ({_SERVICES_YEAR}) svc\n        ON svc.person_id = ps.person_id",
}
SOURCE_DEPENDS = {"org": ("wk",), "wp": ("post",)}


# The sources of the latest spell on a channel, for a list read page by page: the spells' TEMP
# table each is made into (its kind in store.derived) and the spells it picks.
_PAGED_SPELLS = {"post": ("post_spells", _POST_SPELL), "wk": ("workshop_spells", _WORKSHOP_SPELL)}


def paged_sources(db: sqlite_utils.Database, as_of: AsOf, names: Collection[str]) -> dict[str, str]:
    """:data:`SOURCES` as a list read page by page joins them, from TEMP tables of the
    connection made once per date until the data changes (``store.derived.cached``), for those
    among ``names``:

    - each person's services this year (``svc``). Joined as a subquery they were aggregated
      again for every page the window read: 1.5 s a page of the 1-3-1 list at 200,000
      households;
    - each person's latest 公益性岗位 or 帮扶车间 spell at D (``post``, ``wk``): one pass over the
      spells instead of a look-up per person employed at D (the 帮扶车间 list's count and first
      page at 200,000 households: 1.42 s)."""
    sources = dict(SOURCES)
    if "svc" in names:
        def services(name: str) -> None:
            db.execute(f"CREATE TEMP TABLE {name} (person_id INTEGER PRIMARY KEY, guidance, jobs, training)")
            db.execute(f"INSERT INTO temp.{name} {_SERVICES_YEAR}", as_of.params())

        table = cached(db, "services_year", as_of.date, services)
        sources["svc"] = f"LEFT JOIN temp.{table} svc ON svc.person_id = ps.person_id"
    for alias, (kind, predicate) in _PAGED_SPELLS.items():
        if alias in names:
            table = cached(db, kind, as_of.date, functools.partial(_latest_spells, db, as_of, predicate))
            sources[alias] = (f"LEFT JOIN temp.{table} {alias}_at ON {alias}_at.person_id = ps.person_id "
                              f"LEFT JOIN employment_spells {alias} ON {alias}.id = {alias}_at.spell_id")
    return sources


def _latest_spells(db: sqlite_utils.Database, as_of: AsOf, predicate: str, name: str) -> None:
    db.execute(f"CREATE TEMP TABLE {name} (person_id INTEGER PRIMARY KEY, spell_id INTEGER NOT NULL)")
    db.execute(f"INSERT INTO temp.{name} (person_id, spell_id) {latest_spell_select(predicate)}", as_of.params())


@dataclass(frozen=True)
class Field:
    """A column's SQL. ``kind`` tells the writers how to show it:
    text, int, money, date, bool (是/否), id (证件号码), phone (masked with ``mask=True``).
    ``shows`` names the registry field (``table.column`` in fields.json) whose value the
    column shows: its label is the column's title unless the ledger gives one on purpose."""

    sql: str
    kind: str = "text"
    sources: tuple[str, ...] = ()
    width: float = 10
    shows: str | None = None


def _place(alias: str) -> str:
    return (f"nullif(coalesce({alias}.place_province, '') || coalesce({alias}.place_city, '') "
            f"|| coalesce({alias}.place_county, ''), '')")


def _yes_no(expr: str) -> str:
    return f"CASE WHEN {expr} THEN '是' ELSE '否' END"


_AGE = age_sql("p")


def _spell_fields(prefix: str, alias: str) -> dict[str, Field]:
    """地域/渠道/地点/企业/行业/月收入/开始/结束 of the spell joined as ``alias``."""
    src = (alias,)
    spells = "employment_spells."
    return {
        f"{prefix}_region": Field(f"{alias}.region", sources=src, width=9, shows=spells + "region"),
        f"{prefix}_channel": Field(f"{alias}.channel", sources=src, width=13, shows=spells + "channel"),
        f"{prefix}_place": Field(_place(alias), sources=src, width=22),
        f"{prefix}_employer": Field(f"{alias}.employer_name", sources=src, width=24,
                                    shows=spells + "employer_name"),
        f"{prefix}_industry": Field(f"{alias}.industry", sources=src, width=16, shows=spells + "industry"),
        # 123,456.00 without ###
        f"{prefix}_income": Field(f"{alias}.monthly_income", "money", src, 12, shows=spells + "monthly_income"),
        f"{prefix}_start": Field(f"{alias}.start_date", "date", src, 11, shows=spells + "start_date"),
        f"{prefix}_end": Field(f"{alias}.end_date", "date", src, 11, shows=spells + "end_date"),
    }


FIELDS: dict[str, Field] = {
    "township": Field("la.township", width=12),
    "village": Field("la.village", width=12),
    "hh_no": Field("h.hh_no", width=19, shows="households.hh_no"),
    "head_name": Field("h.head_name", width=8, shows="households.head_name"),
    "hh_type": Field("ps.hh_type", width=10, shows="households.hh_type"),  # as at D (store.household_type)
    "name": Field("p.name", width=8, shows="persons.name"),
    "gender": Field("p.gender", width=5, shows="persons.gender"),
    "age": Field(_AGE, "int", width=5),
    "id_number": Field("p.id_number", "id", width=21, shows="persons.id_number"),
    "phone": Field("p.phone", "phone", width=13, shows="persons.phone"),
    "relation": Field("p.relation", width=8, shows="persons.relation"),
    "labour_skill": Field("p.labour_skill", width=16, shows="persons.labour_skill"),
    "employed_now": Field(_yes_no("ps.employed_now"), width=7),
    **_spell_fields("ly", "ly"),
    **_spell_fields("ty", "ty"),
    **_spell_fields("now", "cur"),
    **_spell_fields("ret", "ret"),
    **_spell_fields("post", "post"),
    **_spell_fields("wk", "wk"),
    "survey_date": Field("ps.survey_date", "date", width=11, shows="surveys.survey_date"),
    "survey_willing": Field("CASE ps.willing WHEN 1 THEN '是' WHEN 0 THEN '否' END", width=7,
                            shows="surveys.willing"),
    "planned_month": Field("ps.planned_month", width=10, shows="surveys.planned_month"),
    "survey_reason": Field("ps.survey_reason", width=18, shows="surveys.reason"),
    "survey_measure": Field("ps.survey_measure", width=18, shows="surveys.measure"),
    "return_date": Field("ps.return_date", "date", width=11, shows="employment_spells.end_date"),
    "return_reason": Field("ps.return_reason", width=14, shows="employment_spells.return_reason"),
    "replaced": Field(_yes_no("ps.replaced"), width=8),
    "replaced_date": Field("ps.replaced_date", "date", width=11),
    "post_name": Field("wp.post_name", sources=("wp",), width=14, shows="welfare_posts.post_name"),
    "post_type": Field("wp.post_type", sources=("wp",), width=10, shows="welfare_posts.post_type"),
    "post_developer": Field("wp.developer", sources=("wp",), width=16, shows="welfare_posts.developer"),
    "post_funding": Field("wp.funding", sources=("wp",), width=14, shows="welfare_posts.funding"),
    "post_pay": Field("wp.pay_standard", "money", ("wp",), 12, shows="welfare_posts.pay_standard"),
    "org_name": Field("org.name", sources=("org",), width=24, shows="organisations.name"),
    "site_name": Field("site.name", sources=("site",), width=20, shows="households.site_id"),
    "site_type": Field("site.site_type", sources=("site",), width=8, shows="relocation_sites.site_type"),
    "placement": Field("h.placement", width=8, shows="households.placement"),
    # 1-3-1 services this year and what is still short of 1 职业指导, 3 岗位信息, 1 免费培训.
    "svc_guidance": Field("coalesce(svc.guidance, 0)", "int", ("svc",), 8),
    "svc_jobs": Field("coalesce(svc.jobs, 0)", "int", ("svc",), 8),
    "svc_training": Field("coalesce(svc.training, 0)", "int", ("svc",), 8),
    "svc_short": Field("""rtrim(
        CASE WHEN coalesce(svc.guidance, 0) < 1 THEN '职业指导1次、' ELSE '' END ||
        CASE WHEN coalesce(svc.jobs, 0) < 3 THEN '岗位信息' || (3 - coalesce(svc.jobs, 0)) || '次、' ELSE '' END ||
        CASE WHEN coalesce(svc.training, 0) < 1 THEN '免费培训1次、' ELSE '' END, '、')""", sources=("svc",), width=26),
    "needs_work_reason": Field("""CASE WHEN ps.returned AND NOT ps.replaced THEN '今年返乡未再输出'
        WHEN ps.willing = 1 THEN '未就业，有外出意愿' ELSE '未就业' END""", width=16),
}


def _population_sql(expr: str) -> str:
    return compile_expr(expr, LEDGER_POPULATIONS, source=_SOURCE).sql or "1"


# 1-3-1 (seed 001 §十二, services.duties.services131): who needs work among 脱贫人口和监测对象
# and who of them is short of a service this year, as the service-gaps ledger counts them.
POOR = _population_sql("poor")
NEEDS_WORK = _population_sql("needs_work")
SERVICE_SHORT = _population_sql("service_short")
