"""The city's forms from its counties' submissions: the seeds' own tables.

The same form declarations (``resources/forms``) drive it as at a county; only the source
differs: instead of counting persons, each county's submitted counts are read back. From
them the engine's own rules finish the table — ratios recomputed from summed counts (never
averaged), areas without 上年 employment dropped and named (F1), rows ranked and numbered —
so a city table reads exactly as seed 000's 附表二.

- ``by="county"``: one row per county, 合计 first (the county's submitted 合计 row).
- ``by="township"``: the counties' township rows in county blocks, a subtotal row per county
  with more than one township (seed 004 附件, F9).

A county that has not submitted the form for that date is shown as 未报送 in every cell and
named in a note; it never counts as zero.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import sqlite_utils

from wengang.services.city.submission import form_result
from wengang.services.reports.engine import _columns, _finish_values, _header, _sum_rows
from wengang.services.reports.forms import FormError, get_form
from wengang.services.reports.model import Column, FormResult, HeaderNode, Row
from wengang.store.areas import installation
from wengang.store.city import counties, latest_as_of, stored_submission
from wengang.store.db import get_setting

NOT_SUBMITTED = "未报送"
TOTAL = "合计"
BY_LABELS = {"county": ("县（市、区）", "县（市、区）"), "township": ("乡镇", "乡镇（街道）")}
GROUP_LABEL = "县(市、区)"


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _counted(decl: dict) -> list[dict]:
    return [c for c in decl["columns"] if "source" in c]


def _values(decl: dict, row: Row) -> dict:
    """A submitted row's counts, with every ratio and difference recomputed from them."""
    values = {c["key"]: row.values.get(c["key"]) for c in _counted(decl)}
    for col in decl["columns"]:
        if "attribute" in col or (col.get("kind") == "text" and "source" not in col):
            values[col["key"]] = row.values.get(col["key"])
    return _finish_values(decl["columns"], values)


def _missing_values(columns: list[Column]) -> dict:
    return {c.key: NOT_SUBMITTED for c in columns if c.key not in ("area", "group")}


def _form_day(db: sqlite_utils.Database, spec, as_of) -> dt.date:
    """``as_of`` as a date; none given: the latest date any county submitted the form for."""
    if isinstance(as_of, dt.date):
        return as_of
    text = str(as_of) if as_of else latest_as_of(db, spec.id)
    if not text:
        raise FormError(f"还没有收到任何县报送的{spec.number}《{spec.title.format(area='', year='', last_year='')}》")
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError as exc:
        raise FormError(f"日期“{text}”无法识别，请写成 YYYY-MM-DD") from exc


def _period(first, day: dt.date) -> tuple[dt.date, dt.date]:
    """统计期起始日 and 对比日期 as the first submitting county sent them (else the month's
    first day and the as-of date)."""
    period_from = dt.date.fromisoformat(first.period_from) if first and first.period_from else day.replace(day=1)
    ref_date = dt.date.fromisoformat(first.ref_date) if first and first.ref_date else day
    return period_from, ref_date


def _context(db: sqlite_utils.Database, by: str, day: dt.date, period_from: dt.date, ref_date: dt.date) -> dict:
    """The fields the form's title, header and notes are written with, as at a county."""
    place = installation(db)
    level, level_label = BY_LABELS[by]
    return {"year": day.year, "last_year": day.year - 1, "area": place.city or "", "level": level,
            "level_label": level_label, "as_of": _cn(day), "period_from": _cn(period_from),
            "ref_date": _cn(ref_date), "unit_name": place.unit_name or ""}


def _total_row(total_values: dict, by: str, columns: list[Column]) -> Row:
    total_row = Row(TOTAL, {"area": TOTAL, **total_values}, "total", None, 0)
    if by == "township" and any(c.key == "group" for c in columns):
        total_row.values["group"] = TOTAL
    return total_row


def _footer(db: sqlite_utils.Database, footer: dict | None) -> dict:
    if footer is not None:
        return footer
    return {"填报人": get_setting(db, "reporter") or "", "审核人": get_setting(db, "reviewer") or "",
            "填报日期": dt.date.today().isoformat()}


def _township_drop_notes(decl: dict, names: list[str], subs: dict, rows: list[Row], ctx: dict) -> list[str]:
    """By township: the note naming the townships the counties dropped (F1, no 上年 employment)."""
    dropped = [t for n in names if subs[n] for t in subs[n].dropped]
    if not (dropped and decl.get("drop_note")):
        return []
    shown = sum(1 for r in rows if r.kind == "area")
    return [decl["drop_note"].format(count=shown, names="、".join(dropped), dropped=len(dropped), **ctx)]


def consolidate(db: sqlite_utils.Database, form_id: str, as_of=None, *, by: str = "county",
                footer: dict | None = None) -> FormResult:
    """The city's form ``form_id`` at ``as_of`` (default: the latest date any county submitted
    it for) by county or by township."""
    spec = get_form(form_id)
    decl = spec.decl
    if by not in BY_LABELS:
        raise FormError(f"市级报表只能按县（county）或按乡镇（township）分组，不能按“{by}”")
    day = _form_day(db, spec, as_of)
    names = counties(db)
    subs = {name: stored_submission(db, name, spec.id, day.isoformat()) for name in names}
    results = {name: form_result({"result": json.loads(s.result_json)}) for name, s in subs.items() if s}
    period_from, ref_date = _period(next((subs[n] for n in names if subs[n]), None), day)
    ctx = _context(db, by, day, period_from, ref_date)
    header = _header(decl["header"], ctx)
    columns = _columns(SimpleNamespace(decl=decl), header)
    for col in columns:
        col.drillable = False  # the persons stay with the counties
    missing = [n for n in names if n not in results]
    if not results:
        raise FormError(f"截至 {day} 还没有县（市、区）报送{spec.number}"
                        + ("" if names else "：本市还没有登记县（报送情况 → 登记县…，或 wengang counties add 县名）"))
    if by == "county":
        rows, total_values, notes = _by_county(decl, names, results, missing, ctx)
    else:
        rows, total_values, header, columns = _by_township(decl, names, results, subs, header, columns)
        notes = _township_drop_notes(decl, names, subs, rows, ctx)
    if missing:
        notes.append(f"注：{'、'.join(missing)}{len(missing)}个县（市、区）未报送，未计入合计。")
    notes += [n.format(**ctx) for n in decl.get("notes", [])]
    return FormResult(
        form_id=spec.id, title=decl["title"].format(**ctx), header=header, columns=columns,
        rows=[_total_row(total_values, by, columns), *rows], as_of=day, period_from=period_from if spec.needs_period else None,
        unit_name=ctx["unit_name"], data_source="各县报送", unit=decl.get("unit", "人"), notes=notes,
        footer=_footer(db, footer),
        params={"by": by, "number": spec.number, "period_from": period_from.isoformat(),
                "ref_date": ref_date.isoformat(), "area": ctx["area"], "level": "city",
                "submitted": ",".join(n for n in names if n in results), "missing": ",".join(missing)},
    )


def _by_county(decl, names, results, missing, ctx):
    county_values = []
    for name in names:
        if name in results:
            total = results[name].total()
            county_values.append((name, _values(decl, total)))
    total_values = _sum_rows(decl["columns"], [v for _, v in county_values])
    notes = []
    drop = decl.get("drop_when_zero")
    if drop:
        dropped = [n for n, v in county_values if not v.get(drop)]
        county_values = [(n, v) for n, v in county_values if v.get(drop)]
        if dropped and decl.get("drop_note"):
            notes.append(decl["drop_note"].format(count=len(county_values), names="、".join(dropped),
                                                  dropped=len(dropped), **ctx))
    order = decl.get("order")
    if order:
        def sort_key(item):
            value = item[1].get(order["column"])
            return (value is None, -(value or 0) if order.get("desc") else (value or 0))
        county_values.sort(key=sort_key)  # stable: ties keep the city's own order of counties
    rows = [Row(name, {"area": name, **values}, "area", None, 1,
                number=n if decl.get("numbered") else None)
            for n, (name, values) in enumerate(county_values, start=1)]
    columns_keys = [c["key"] for c in decl["columns"]]
    rows += [Row(name, {"area": name, **{k: NOT_SUBMITTED for k in columns_keys}}, "area", None, 1)
             for name in missing]
    return rows, total_values, notes


def _by_township(decl, names, results, subs, header, columns):
    header = [HeaderNode(GROUP_LABEL, "group"), *header]
    columns = [Column("group", GROUP_LABEL, "text", width=14), *columns]
    rows: list[Row] = []
    county_totals = []
    for name in names:
        result = results.get(name)
        if result is None:
            rows.append(Row(NOT_SUBMITTED, {"group": name, "area": NOT_SUBMITTED, **_missing_values(columns)},
                            "area", None, 2, group=name))
            continue
        members = [r for r in result.rows if r.kind == "area"]
        for n, member in enumerate(members, start=1):
            rows.append(Row(member.label, {"group": name, "area": member.label, **_values(decl, member)}, "area",
                            None, 2, number=n if decl.get("numbered") else None, group=name))
        county_total = _values(decl, result.total())
        county_totals.append(county_total)
        if len(members) > 1:
            rows.append(Row(TOTAL, {"group": name, "area": TOTAL, **county_total}, "subtotal", None, 1, group=name))
    return rows, _sum_rows(decl["columns"], county_totals), header, columns


def cell_text(column: Column, value) -> str:
    """A cell as printed: percentages with the form's decimals, 未报送 as it is."""
    from decimal import Decimal  # noqa: PLC0415

    if value is None:
        return ""
    if column.kind in ("percent", "money", "number") and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)):.{column.decimals}f}"
    return str(value)
