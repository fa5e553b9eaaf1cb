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

import sqlite_utils

from wengang.paths import resource_path
from wengang.services.read.lookups import targets_set
from wengang.services.reports.model import FormResult, Row
from wengang.store.areas import default_grouping, installation_area_id


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
    """The ranked rows: not 合计, subtotals or 本级 (facts above the rows, in 合计 only)."""
    return [row for row in result.rows if row.kind not in ("total", "subtotal", "own")]


def _noun(result: FormResult) -> str:
    nouns = phrases()["area_nouns"]
    area_col = next((c for c in result.columns if c.kind == "area"), None)
    label = area_col.label if area_col else result.params.get("by", "township")
    return nouns.get(label, nouns.get(result.params.get("by", ""), label))


def _area_name(row: Row, parents: dict | None = None) -> str:
    """The row's name in running text; a village whose name repeats in the table is named with
    its township (城关镇大庄村), from ``params["parents"]`` the engine gives village rows."""
    if row.group and row.level > 1:
        return row.group + row.label
    parent = (parents or {}).get(row.area_id) or (parents or {}).get(str(row.area_id))
    if parent and (parents or {}).get("_repeated", {}).get(row.label):
        return parent + row.label
    return row.label


def _parents(result: FormResult) -> dict:
    """``params["parents"]`` with the labels that repeat among the rows marked."""
    parents = dict(result.params.get("parents") or {})
    counts: dict[str, int] = {}
    for row in _area_rows(result):
        counts[row.label] = counts.get(row.label, 0) + 1
    parents["_repeated"] = {label: n > 1 for label, n in counts.items()}
    return parents


class _Text:
    """Fill phrase templates with the common fields (scope, population, noun)."""

    def __init__(self, common: dict):
        self.common = common

    def __call__(self, key: str, **fields) -> str:
        return phrases()[key].format(**{**self.common, **fields})


def _employment_paragraphs(f1: FormResult, text: _Text, prefix: str = "f1", praise: bool = True) -> list[str]:
    """Seed 000's paragraph on F1 (``prefix`` f1: 上年就业人数 basis) or on F2 (f2: 县内就业,
    上年县内就业人数 basis; no praise paragraph of its own, as in the seed)."""
    keys = phrases()[f"{prefix}_keys"]
    parents = _parents(f1)
    total = f1.total()
    if total is None:
        return []
    decimals = f1.column(keys["ratio"]).decimals
    average = total.values.get(keys["ratio"])
    ratio = _fmt(average, decimals)
    paragraphs = [text(f"{prefix}_total", date=_date_text(f1.as_of),
                       this_year=_fmt(total.values.get(keys["this_year"])), ratio=ratio)]
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
        return text(key, names="、".join(short_name(_area_name(r, parents)) for r in group), n=len(group),
                    ratio=ratio)

    if len(rows) <= phrases()["name_all_up_to"]:
        paragraphs[0] += text("f1_named", count=len(rows), finished=named("f1_named_finished", finished),
                              above=named("f1_named_above", above), below=named("f1_named_below", below))
    else:
        paragraphs[0] += text("f1_counted", count=len(rows), finished=len(finished), above=len(above),
                              below=len(below), ratio=ratio)
    if not praise:
        return paragraphs
    if finished:
        paragraphs.append(text("f1_praise", names="、".join(short_name(_area_name(r, parents)) for r in finished),
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


class _TargetsForm:
    """F3 read for the bulletin: its rows named for running text, the comparison month, and
    values by the phrase file's names (``target``, ``posts_now`` …) whether or not the form has
    that column."""

    def __init__(self, f3: FormResult, text: _Text):
        self.f3 = f3
        self.text = text
        self.keys = phrases()["f3_keys"]
        self.available = {c.key for c in f3.columns}
        self.total = f3.total()
        parents = _parents(f3)
        self.rows = [Row(_area_name(r, parents), r.values, r.kind, r.area_id, r.level, r.number)
                     for r in _area_rows(f3)]
        self.ref_day = _ref_date(f3)
        self.ref = (phrases()["ref_label"].format(year=self.ref_day.year, month=self.ref_day.month)
                    if self.ref_day else "")

    def has(self, *names: str) -> bool:
        """Whether the form has the columns of all these names."""
        return {self.keys[name] for name in names} <= self.available

    def value(self, row: Row, name: str, fallback=None):
        key = self.keys[name]
        if key not in self.available:
            return fallback
        return row.values.get(key, fallback)

    def fmt(self, row: Row, name: str) -> str:
        key = self.keys[name]
        return _fmt(row.values.get(key), self.f3.column(key).decimals if key in self.available else 0)

    def completion_paragraphs(self) -> list[str]:
        """目标任务 completed, overall and by area, then who is short and by how much. None when
        no targets are set (the GUI computes F3 anyway)."""
        text, total, fmt, value = self.text, self.total, self.fmt, self.value
        if not (self.has("target", "actual", "completion") and value(total, "target")):
            return []
        # A row without a target of its own (the township's, undivided): its count, no 完成%.
        parts = "；".join(text("f3_part", area=r.label, actual=fmt(r, "actual"), completion=fmt(r, "completion"))
                         if value(r, "target") else text("f3_part_no_target", area=r.label, actual=fmt(r, "actual"))
                         for r in self.rows)
        paragraphs = [text("f3_total", date=_date_text(self.f3.as_of), actual=fmt(total, "actual"),
                           completion=fmt(total, "completion"), target=fmt(total, "target"), parts=parts)]
        short = [r for r in self.rows if (value(r, "actual") or 0) < (value(r, "target") or 0)]
        if short:
            parts = "；".join(text("f3_unfinished_part", area=r.label, actual=fmt(r, "actual"),
                                  target=fmt(r, "target"),
                                  shortfall=_fmt(value(r, "shortfall", (value(r, "target") or 0)
                                                       - (value(r, "actual") or 0))))
                             for r in short)
            paragraphs.append(text("f3_unfinished", names=_and([r.label for r in short]), parts=parts))
        return paragraphs

    def posts_paragraphs(self) -> list[str]:
        """公益性岗位 now; against the comparison month when there is one, with who went down."""
        if self.has("posts_now") and (self.ref_day is None or not self.has("posts_ref")):
            return [self._posts_without_reference()]
        if self.has("posts_now", "posts_ref"):
            return [self._posts_against_reference(), *self._posts_down()]
        return []

    def _posts_without_reference(self) -> str:
        text, fmt = self.text, self.fmt
        parts = "、".join(text("f3_posts_noref_part", area=r.label, now=fmt(r, "posts_now")) for r in self.rows)
        return text("f3_posts_noref", now=fmt(self.total, "posts_now"), parts=parts)

    def _posts_against_reference(self) -> str:
        text, fmt, ref = self.text, self.fmt, self.ref
        parts = "、".join(text("f3_posts_part", area=r.label, now=fmt(r, "posts_now"), before=fmt(r, "posts_ref"),
                              ref=ref) for r in self.rows)
        return text("f3_posts", now=fmt(self.total, "posts_now"), before=fmt(self.total, "posts_ref"), ref=ref,
                    parts=parts)

    def _posts_down(self) -> list[str]:
        text, fmt, value, ref = self.text, self.fmt, self.value, self.ref
        down = [r for r in self.rows if (value(r, "posts_now") or 0) < (value(r, "posts_ref") or 0)]
        if not down:
            return []
        parts = "；".join(text("f3_posts_down_part", area=r.label, now=fmt(r, "posts_now"),
                              before=fmt(r, "posts_ref"), ref=ref,
                              gap=(value(r, "posts_ref") or 0) - (value(r, "posts_now") or 0)) for r in down)
        return [text("f3_posts_down", names="、".join(r.label for r in down), ref=ref, parts=parts)]

    def workshops_paragraphs(self) -> list[str]:
        """帮扶车间 and the persons they employ; against the comparison month when there is one."""
        text, fmt, total = self.text, self.fmt, self.total
        if not self.has("workshops_now", "workshop_persons_now"):
            return []
        if self.ref_day and self.has("workshops_ref", "workshop_persons_ref"):
            return [text("f3_workshops_ref", now=fmt(total, "workshops_now"),
                         persons=fmt(total, "workshop_persons_now"), before=fmt(total, "workshops_ref"),
                         persons_before=fmt(total, "workshop_persons_ref"), ref=self.ref)]
        return [text("f3_workshops", now=fmt(total, "workshops_now"), persons=fmt(total, "workshop_persons_now"))]


def _targets_paragraphs(f3: FormResult, text: _Text) -> list[str]:
    """Seed 004 二: targets completed, 公益性岗位 and 帮扶车间, each only where F3 has the columns."""
    if f3.total() is None:
        return []
    form = _TargetsForm(f3, text)
    return form.completion_paragraphs() + form.posts_paragraphs() + form.workshops_paragraphs()


def _checks_paragraphs(f9: FormResult, text: _Text) -> list[str]:
    """Seed 004 一（二）抽查情况: how many were called, then each rate by area, in table order."""
    keys = phrases()["f9_keys"]
    total = f9.total()
    period = (f"{f9.period_from.month}月{f9.period_from.day}日至{_date_text(f9.as_of)}"
              if f9.period_from else f"截至{_date_text(f9.as_of)}")
    if total is None or not total.values.get(keys["sampled"]):
        return [text("f9_none", period=period)]
    parents = _parents(f9)
    rows = [r for r in f9.rows if r.kind not in ("total", "own") and r.values.get(keys["sampled"])
            and (r.kind == "subtotal" or not any(x.kind == "subtotal" for x in f9.rows))]
    out = text("f9_total", period=period, sampled=_fmt(total.values.get(keys["sampled"])),
               connected=_fmt(total.values.get(keys["connected"])))
    for name, label in phrases()["f9_labels"].items():
        key = keys[name]
        if key not in {c.key for c in f9.columns}:
            continue
        decimals = f9.column(key).decimals
        parts = "、".join(text("f9_part", area=(r.group if r.kind == "subtotal" else _area_name(r, parents)),
                              rate=_fmt(r.values.get(key), decimals)) for r in rows)
        out += text("f9_rates", label=label, parts=parts)
    return [out]


def default_scope(f1: FormResult) -> str:
    """全县 for a county's forms; 全镇/全乡 for a township's own (its name's suffix)."""
    area = str(f1.params.get("area") or "")
    if f1.params.get("area_id"):
        for suffix, scope in phrases()["scope_by_suffix"].items():
            if area.endswith(suffix):
                return scope
    return phrases()["default_scope"]


def draft_bulletin(f1: FormResult, f3: FormResult | None = None, *, scope: str | None = None,
                   population: str | None = None, f2: FormResult | None = None,
                   f9: FormResult | None = None, issuer: str | None = None) -> str:
    """The 通报 draft in the seeds' voice: the issuing header, the title, the 主送 line, the lead
    sentence, then numbered sections — 一、employment from F1 (上年就业人数 basis) and F2
    (县内就业, seed 000); 二、targets, posts and workshops from F3 (目标任务 basis, seed 004);
    三、the spot checks from F9 (seed 004) — and the signature.

    ``scope`` is how the text names the whole (全县, 全市, 全省); it defaults to
    ``f1.params["scope"]``, 全镇/全乡 for a township's own forms, or the phrase file's default.
    ``issuer`` heads and signs it (default: F1's 填报单位).
    """
    words = phrases()
    text = _Text({"scope": scope or f1.params.get("scope") or default_scope(f1),
                  "population": population or words["population"], "noun": _noun(f1)})
    numbers = iter(words["section_numbers"])
    sections: list[tuple[str, list[str]]] = []
    employment = _employment_paragraphs(f1, text, praise=False)
    if f2 is not None:
        employment += _employment_paragraphs(f2, _Text({**text.common, "noun": _noun(f2)}), "f2", praise=False)
    employment += _employment_paragraphs(f1, text)[len(_employment_paragraphs(f1, text, praise=False)):]
    sections.append((text("section_employment", number=next(numbers)), employment))
    if f3 is not None:
        targets = _targets_paragraphs(f3, _Text({**text.common, "noun": _noun(f3)}))
        if targets:
            sections.append((text("section_targets", number=next(numbers)), targets))
    if f9 is not None:
        sections.append((text("section_checks", number=next(numbers)),
                         _checks_paragraphs(f9, _Text({**text.common, "noun": _noun(f9)}))))
    issuer = issuer or f1.unit_name
    lines = []
    if issuer:
        lines += [text("issuer_line", issuer=issuer), text("doc_number", year=f1.as_of.year), ""]
    source = f1.data_source or "稳岗台账"
    lines += [text("title"), "", text("addressee"), "",
              "　　" + text("lead", month=f1.as_of.month, day=f1.as_of.day, source=source)]
    for heading, paragraphs in sections:
        lines += ["", heading] + ["　　" + paragraph for paragraph in paragraphs]
    # Signed like the seeds: the issuing unit, then the date (the caseworker fixes both).
    lines += ["", issuer, _signed_date(f1.footer.get("填报日期"))]
    return "\n".join(lines).rstrip() + "\n"


def bulletin_at(db: sqlite_utils.Database, as_of, *, area_id: int | None = None, by: str | None = None,
                ref_date=None, scope: str | None = None, left_out: list[str] | None = None) -> str:
    """The 通报 draft from this installation's forms at ``as_of`` (the command's and the
    window's alike): F1; F3 only when 目标任务 are set for the year (without them F3 has no
    completion to report and the draft would lose its completion paragraph); F2 (县内就业,
    seed 000) and F9 (the spot checks, seed 004) when they compute. ``area_id``: one township
    or village (a township installation: its own); ``by``: its rows (a township's: villages).
    ``left_out`` is told, in words, each form that could not be drawn on. F1 not computable
    raises (a bad date, an unknown area)."""
    from wengang.services.reports.engine import compute_form  # noqa: PLC0415 - the engine when drafting

    area_id = area_id if area_id is not None else installation_area_id(db)
    by = by or default_grouping(db, area_id)
    f1 = compute_form(db, "employment", as_of, by=by, area_id=area_id)
    notes = left_out if left_out is not None else []
    f3 = None
    if targets_set(db, f1.as_of.year):
        try:
            f3 = compute_form(db, "targets", as_of, by=by, ref_date=ref_date, area_id=area_id)
        except (ValueError, LookupError) as exc:  # F3 not declared or not computable: F1 alone
            notes.append(f"目标任务完成情况未写入通报（{exc}）")
    extra = {}
    for key, form in (("f2", "in-county"), ("f9", "spot-check")):
        try:
            extra[key] = compute_form(db, form, as_of, by=by, area_id=area_id)
        except (ValueError, LookupError) as exc:
            notes.append(f"{form} 未写入通报（{exc}）")
    return draft_bulletin(f1, f3, scope=scope, **extra)
