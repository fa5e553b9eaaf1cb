"""The 通报 (bulletin) drafted from the F1 employment form and, where targets exist, F3.

Seeds 000 and 004 are such bulletins: the total and its ratio to last year (or to the target),
how many areas finished (≥100 %), how many are above and below the average — named in the
order of the table — who is praised, who is short and by how much. The caseworker edits the
draft; the wording lives in ``resources/bulletin.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from functools import lru_cache

from wengang.paths import resource_path
from wengang.services.reports.model import FormResult, Row


@lru_cache(maxsize=1)
def phrases() -> dict:
    return json.loads(resource_path("bulletin.json").read_text(encoding="utf-8"))


def short_name(name: str) -> str:
    """Names as the seeds write them in running text: 肇州县 → 肇州, 双鸭山市 → 双鸭山;
    districts (区), townships and two-character names stay whole."""
    for suffix in phrases()["abbreviate_suffixes"]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _fmt(value, decimals: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, (Decimal, float)) and decimals:
        return f"{Decimal(str(value)):.{decimals}f}"
    if isinstance(value, (Decimal, float)):
        return f"{Decimal(str(value)):.0f}" if Decimal(str(value)) == int(value) else str(value)
    return str(value)


def _date_text(day: dt.date) -> str:
    """截至3月14日; the last day of a month reads 3月底 (seed 004)."""
    if (day + dt.timedelta(days=1)).day == 1:
        return f"{day.month}月底"
    return f"{day.month}月{day.day}日"


def _signed_date(value: str | None) -> str:
    """2021-03-16 → 2021年3月16日 (text that is not an ISO date is kept as written)."""
    try:
        day = dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        return value or ""
    return f"{day.year}年{day.month}月{day.day}日"


def _area_rows(result: FormResult) -> list[Row]:
    return [row for row in result.rows if row.kind not in ("total", "subtotal")]


def _noun(result: FormResult) -> str:
    nouns = phrases()["area_nouns"]
    area_col = next((c for c in result.columns if c.kind == "area"), None)
    label = area_col.label if area_col else result.params.get("by", "township")
    return nouns.get(label, nouns.get(result.params.get("by", ""), label))


def _area_name(row: Row) -> str:
    return row.group + row.label if row.group and row.level > 1 else row.label


class _Text:
    """Fill phrase templates with the common fields (scope, population, noun)."""

    def __init__(self, common: dict):
        self.common = common

    def __call__(self, key: str, **fields) -> str:
        return phrases()[key].format(**{**self.common, **fields})


def _employment_paragraphs(f1: FormResult, text: _Text) -> list[str]:
    keys = phrases()["f1_keys"]
    total = f1.total()
    if total is None:
        return []
    decimals = f1.column(keys["ratio"]).decimals
    average = total.values.get(keys["ratio"])
    ratio = _fmt(average, decimals)
    paragraphs = [text("f1_total", date=_date_text(f1.as_of), this_year=_fmt(total.values.get(keys["this_year"])),
                       ratio=ratio)]
    rows = [r for r in _area_rows(f1) if r.values.get(keys["ratio"]) is not None]
    # Stable sort: rows of equal ratio keep the table's order (the ranking the seed shows).
    rows.sort(key=lambda r: Decimal(str(r.values[keys["ratio"]])), reverse=True)
    finished = [r for r in rows if Decimal(str(r.values[keys["ratio"]])) >= 100]
    above = [r for r in rows if r not in finished and average is not None
             and Decimal(str(r.values[keys["ratio"]])) >= Decimal(str(average))]
    below = [r for r in rows if r not in finished and r not in above]
    if not rows:
        return paragraphs

    def named(key: str, group: list[Row]) -> str:
        if not group:
            return text(key + "_none", ratio=ratio)
        return text(key, names="、".join(short_name(_area_name(r)) for r in group), n=len(group), ratio=ratio)

    if len(rows) <= phrases()["name_all_up_to"]:
        paragraphs[0] += text("f1_named", count=len(rows), finished=named("f1_named_finished", finished),
                              above=named("f1_named_above", above), below=named("f1_named_below", below))
    else:
        paragraphs[0] += text("f1_counted", count=len(rows), finished=len(finished), above=len(above),
                              below=len(below), ratio=ratio)
    if finished:
        paragraphs.append(text("f1_praise", names="、".join(short_name(_area_name(r)) for r in finished),
                               n=len(finished)))
    else:
        paragraphs.append(text("f1_no_praise"))
    return paragraphs


def _and(names: list[str]) -> str:
    """阳新县和新港园区; 城关镇、沙河镇和新天镇 (顿号 between, 和 before the last)."""
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def _ref_date(f3: FormResult) -> dt.date | None:
    """F3's comparison date (ISO or 2022年10月31日); None when absent or the as-of date itself."""
    match = re.match(r"(\d{4})[-年](\d{1,2})[-月](\d{1,2})", str(f3.params.get("ref_date") or ""))
    if not match:
        return None
    day = dt.date(*(int(g) for g in match.groups()))
    return None if day == f3.as_of else day


def _targets_paragraphs(f3: FormResult, text: _Text) -> list[str]:
    keys = phrases()["f3_keys"]
    available = {c.key for c in f3.columns}
    total = f3.total()
    if total is None:
        return []
    rows = _area_rows(f3)
    ref_day = _ref_date(f3)
    ref = phrases()["ref_label"].format(year=ref_day.year, month=ref_day.month) if ref_day else ""

    def value(row: Row, name: str, fallback=None):
        key = keys[name]
        if key not in available:
            return fallback
        return row.values.get(key, fallback)

    def fmt(row: Row, name: str) -> str:
        key = keys[name]
        return _fmt(row.values.get(key), f3.column(key).decimals if key in available else 0)

    paragraphs: list[str] = []
    # No targets set (the GUI computes F3 anyway): no completion paragraph, only posts/workshops.
    if {keys["target"], keys["actual"], keys["completion"]} <= available and value(total, "target"):
        parts = "；".join(text("f3_part", area=r.label, actual=fmt(r, "actual"), completion=fmt(r, "completion"))
                         for r in rows)
        paragraphs.append(text("f3_total", date=_date_text(f3.as_of), actual=fmt(total, "actual"),
                               completion=fmt(total, "completion"), target=fmt(total, "target"), parts=parts))
        short = [r for r in rows if (value(r, "actual") or 0) < (value(r, "target") or 0)]
        if short:
            parts = "；".join(text("f3_unfinished_part", area=r.label, actual=fmt(r, "actual"),
                                  target=fmt(r, "target"),
                                  shortfall=_fmt(value(r, "shortfall", (value(r, "target") or 0)
                                                       - (value(r, "actual") or 0))))
                             for r in short)
            paragraphs.append(text("f3_unfinished", names=_and([r.label for r in short]), parts=parts))
    if keys["posts_now"] in available and (ref_day is None or keys["posts_ref"] not in available):
        parts = "、".join(text("f3_posts_noref_part", area=r.label, now=fmt(r, "posts_now")) for r in rows)
        paragraphs.append(text("f3_posts_noref", now=fmt(total, "posts_now"), parts=parts))
    elif {keys["posts_now"], keys["posts_ref"]} <= available:
        parts = "、".join(text("f3_posts_part", area=r.label, now=fmt(r, "posts_now"), before=fmt(r, "posts_ref"),
                              ref=ref) for r in rows)
        paragraphs.append(text("f3_posts", now=fmt(total, "posts_now"), before=fmt(total, "posts_ref"), ref=ref,
                               parts=parts))
        down = [r for r in rows if (value(r, "posts_now") or 0) < (value(r, "posts_ref") or 0)]
        if down:
            parts = "；".join(text("f3_posts_down_part", area=r.label, now=fmt(r, "posts_now"),
                                  before=fmt(r, "posts_ref"), ref=ref,
                                  gap=(value(r, "posts_ref") or 0) - (value(r, "posts_now") or 0)) for r in down)
            paragraphs.append(text("f3_posts_down", names="、".join(r.label for r in down), ref=ref, parts=parts))
    if {keys["workshops_now"], keys["workshop_persons_now"]} <= available:
        if ref_day and {keys["workshops_ref"], keys["workshop_persons_ref"]} <= available:
            paragraphs.append(text("f3_workshops_ref", now=fmt(total, "workshops_now"),
                                   persons=fmt(total, "workshop_persons_now"), before=fmt(total, "workshops_ref"),
                                   persons_before=fmt(total, "workshop_persons_ref"), ref=ref))
        else:
            paragraphs.append(text("f3_workshops", now=fmt(total, "workshops_now"),
                                   persons=fmt(total, "workshop_persons_now")))
    return paragraphs


def draft_bulletin(f1: FormResult, f3: FormResult | None = None, *, scope: str | None = None,
                   population: str | None = None) -> str:
    """The 通报 draft: a title, the F1 paragraphs, then the F3 ones when given.

    ``scope`` is how the text names the whole (全县, 全市, 全省); it defaults to
    ``f1.params["scope"]`` or the phrase file's default.
    """
    words = phrases()
    text = _Text({"scope": scope or f1.params.get("scope") or words["default_scope"],
                  "population": population or words["population"], "noun": _noun(f1)})
    body = _employment_paragraphs(f1, text)
    if f3 is not None:
        body += _targets_paragraphs(f3, _Text({**text.common, "noun": _noun(f3)}))
    lines = [text("title"), ""] + ["　　" + paragraph for paragraph in body]
    # Signed like the seeds: the issuing unit, then the date (the caseworker fixes both).
    lines += ["", f1.unit_name, _signed_date(f1.footer.get("填报日期"))]
    return "\n".join(lines).rstrip() + "\n"
