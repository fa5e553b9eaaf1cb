"""The city's 通报 draft from its counties' submissions (seeds 000 and 004).

The lead with the city's total and ratio (F1), the counties that finished (≥100 %), are
above and below the city's average — named in the table's order, as seed 000 names them —
the same for 县内 employment (F2), the spot-check rates by county and the lowest townships
(F9, seed 004), praise for the finished and a push for those below; counties that have not
submitted are named. The wording is data (``resources/city/bulletin.json``); the county's
own bulletin (``services.bulletin``) is separate.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import lru_cache

import sqlite_utils

from wengang.paths import resource_path
from wengang.services.city.consolidate import consolidate
from wengang.services.reports.forms import FormError
from wengang.services.reports.model import FormResult, Row
from wengang.store.areas import installation
from wengang.store.city import counties


@lru_cache(maxsize=1)
def words() -> dict:
    return json.loads(resource_path("city", "bulletin.json").read_text(encoding="utf-8"))


def short_name(name: str) -> str:
    """北安市 → 北安, 逊克县 → 逊克; districts (区) and names that would be one character stay."""
    for suffix in words()["abbreviate_suffixes"]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _fmt(value, decimals: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, (Decimal, float)):
        return f"{Decimal(str(value)):.{decimals}f}"
    return str(value)


def _date(day: dt.date) -> str:
    return f"{day.month}月底" if (day + dt.timedelta(days=1)).day == 1 else f"{day.month}月{day.day}日"


def _say(key: str, **fields) -> str:
    w = words()
    return w[key].format(**{"scope": w["scope"], "population": w["population"], "noun": w["noun"], **fields})


def _ranked(result: FormResult) -> list[Row]:
    return [r for r in result.rows if r.kind == "area" and isinstance(r.values.get("ratio"), (int, float, Decimal))]


def _groups(result: FormResult) -> tuple[list[Row], list[Row], list[Row], Decimal | None]:
    average = result.total().values.get("ratio")
    rows = _ranked(result)
    finished = [r for r in rows if Decimal(str(r.values["ratio"])) >= 100]
    above = [r for r in rows if r not in finished and average is not None
             and Decimal(str(r.values["ratio"])) >= Decimal(str(average))]
    below = [r for r in rows if r not in finished and r not in above]
    return finished, above, below, average


def _names(rows: list[Row]) -> str:
    return "、".join(short_name(r.label) for r in rows)


def _ratio_paragraph(result: FormResult, lead: str, table: str) -> tuple[str, list[Row], list[Row]]:
    total = result.total()
    decimals = result.column("ratio").decimals
    finished, above, below, average = _groups(result)
    ratio = _fmt(average, decimals)
    text = _say(lead, date=_date(result.as_of), this_year=_fmt(total.values.get("ty")), ratio=ratio)

    def named(key: str, group: list[Row]) -> str:
        if not group:
            return _say(key + "_none", ratio=ratio)
        return _say(key, names=_names(group), n=len(group), ratio=ratio)

    rows = _ranked(result)
    if rows:
        text += _say("named", count=len(rows), finished=named("named_finished", finished),
                     above=named("named_above", above), below=named("named_below", below), table=table)
    return text, finished, below


def _spot_check(f9: FormResult) -> list[str]:
    total = f9.total()
    w = words()
    counties_rows = [r for r in f9.rows if r.kind == "area" and isinstance(r.values.get("connected_rate"), Decimal)]
    text = _say("f9_heading", sampled=_fmt(total.values.get("sampled")))
    parts = []
    for key, label in w["f9_labels"].items():
        decimals = f9.column(key).decimals
        parts.append(_say("f9_rates", label=label, parts="、".join(
            _say("f9_part", area=r.label, rate=_fmt(r.values.get(key), decimals)) for r in counties_rows)))
    return [text + "；".join(parts) + "。"]


def _spot_check_low(f9_townships: FormResult) -> str | None:
    total = f9_townships.total()
    rows = [r for r in f9_townships.rows if r.kind == "area" and isinstance(r.values.get("aware_rate"), Decimal)]
    average = total.values.get("aware_rate")
    if not rows or average is None:
        return None
    low = sorted((r for r in rows if r.values["aware_rate"] < average), key=lambda r: r.values["aware_rate"])
    low = low[: words()["f9_low_count"]]
    if not low:
        return None
    decimals = f9_townships.column("aware_rate").decimals
    return _say("f9_low", connected=_fmt(total.values.get("connected_rate"), decimals), aware=_fmt(average, decimals),
                parts="、".join(_say("f9_low_part", area=r.label, rate=_fmt(r.values["aware_rate"], decimals))
                               for r in low))


def _try(db, form: str, as_of, by: str = "county") -> FormResult | None:
    try:
        result = consolidate(db, form, as_of, by=by)
    except FormError:
        return None
    return result if result.params.get("submitted") else None


def _employment_sections(f1: FormResult) -> tuple[list[str], list[Row], list[Row]]:
    """F1's paragraph (with the counties dropped for want of data), its finished and below."""
    text, finished, below = _ratio_paragraph(f1, "f1_total", "一")
    dropped = [n.split("，", 1)[1].split("等")[0] for n in f1.notes if "无就业数据" in n]
    if dropped:
        text += _say("dropped", names=dropped[0])
    return [text], finished, below


def _spot_check_sections(db: sqlite_utils.Database, f9: FormResult, day: dt.date) -> list[str]:
    """F9's rates by county, then the townships lowest in 知晓率 (seed 004)."""
    sections = _spot_check(f9)
    low = _spot_check_low(consolidate(db, "F9", day, by="township"))
    if low:
        sections.append(low)
    return sections


def _praise(finished: list[Row], below: list[Row]) -> str:
    below_names = _names(below)
    key = "praise" if finished else "no_praise"
    return _say(key, names=_names(finished), n=len(finished), below=f"（{below_names}）" if below_names else "")


def _missing(results: tuple[FormResult | None, ...]) -> list[str]:
    """The counties that have not submitted, with the forms they owe (none: no paragraph)."""
    missing: dict[str, list] = {}
    for result in results:
        if result is not None:
            for name in filter(None, (result.params.get("missing") or "").split(",")):
                missing.setdefault(name, []).append(result.params.get("number"))
    if not missing:
        return []
    forms = sorted({n for ns in missing.values() for n in ns})
    return [_say("missing", names="、".join(missing), forms="、".join(forms))]


def draft_city_bulletin(db: sqlite_utils.Database, as_of, *, signed: str | None = None) -> str:
    """The city's 通报 draft at ``as_of`` from F1, F2 and F9 as received (each when submitted)."""
    place = installation(db)
    f1, f2, f9 = _try(db, "F1", as_of), _try(db, "F2", as_of), _try(db, "F9", as_of)
    if f1 is None and f9 is None:
        raise FormError(f"还没有收到截至 {as_of} 的就业统计表（F1）或抽查汇总表（F9），无法起草通报")
    day = (f1 or f9).as_of
    lines = [_say("title"), "", _say("addressees", names="、".join(counties(db))), "",
             "　　" + _say("opening", date=f"{day.year}年{_date(day)}")]
    sections: list[str] = []
    finished: list[Row] = []
    below: list[Row] = []
    if f1 is not None:
        employment, finished, below = _employment_sections(f1)
        sections += employment
    if f2 is not None:
        sections.append(_ratio_paragraph(f2, "f2_total", "二")[0])
    if f9 is not None:
        sections += _spot_check_sections(db, f9, day)
    if f1 is not None:
        sections.append(_praise(finished, below))
    sections += _missing((f1, f2, f9))
    lines += ["　　" + text for text in sections]
    signed_day = dt.date.today() if signed is None else dt.date.fromisoformat(signed)
    lines += ["", place.unit_name or "", f"{signed_day.year}年{signed_day.month}月{signed_day.day}日"]
    return "\n".join(lines).rstrip() + "\n"
