"""Receiving counties' submissions at a city: verify, check, store — one package at a time,
all or nothing.

A package is refused, with a message naming the county, the form, the row and the broken
rule, when:

- it is not a submission, or was made by a newer program;
- it comes from another city, or from a county this city has not registered (``wengang
  counties add NAME``; the city decides who reports to it, a package cannot add itself);
- its signature does not verify, or the county's key differs from the one pinned at its first
  submission (``services.signing``: trust on first use);
- a row breaks one of the form's identities (``resources/city/identities.json``, e.g. F1
  上年 = 省外 + 省内县外 + 县内; F5 尚未 = 减少为0人数 + 去年人数 − 今年人数), a ratio does not follow
  from its counts, or the 合计 is not the sum of the rows.

A later package for the same county, form and date replaces the earlier one; the cells that
changed are returned (and logged) so the city sees the difference.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import sqlite_utils

from wengang.paths import resource_path
from wengang.services import signing
from wengang.services.city.submission import Submission, SubmissionError, form_result, read_submission
from wengang.services.reports.engine import _formula
from wengang.services.reports.forms import FormError, get_form
from wengang.services.reports.model import FormResult, Row
from wengang.store.areas import installation
from wengang.store.city import StoredSubmission, counties, save_submission, stored_submission


class ReceiptError(ValueError):
    """A package refused; the message names what is wrong."""


@dataclass
class CellChange:
    row: str
    column: str
    before: object
    after: object


@dataclass
class FormReceipt:
    form_id: str
    number: str
    as_of: str
    action: str                     # received / replaced
    changes: list[CellChange] = field(default_factory=list)


@dataclass
class Receipt:
    county: str
    path: str
    package_id: str
    forms: list[FormReceipt]


@lru_cache(maxsize=1)
def identities() -> dict[str, list[str]]:
    raw = json.loads(resource_path("city", "identities.json").read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


_TERM = re.compile(r"([+\-−])?\s*([A-Za-z_][A-Za-z0-9_]*)")


def _side(text: str, values: dict) -> int:
    total = 0
    for sign, key in _TERM.findall(text):
        total += -_int(values.get(key)) if sign in ("-", "−") else _int(values.get(key))
    return total


def _int(value) -> int:
    if value is None or value == "":
        return 0
    return int(value)


def check_identity(rule: str, values: dict) -> tuple[bool, int, int]:
    """``"a = b + c"`` or ``"a >= b + c"`` on one row's values: (holds, left, right)."""
    op = ">=" if ">=" in rule else "="
    left, right = (part.strip() for part in rule.split(op, 1))
    a, b = _side(left, values), _side(right, values)
    return (a == b if op == "=" else a >= b), a, b


def _num(value):
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value


def _row_name(row: Row) -> str:
    if row.kind == "total":
        return "合计行"
    return f"“{row.group}·{row.label}”行" if row.group and row.kind == "subtotal" else f"“{row.label}”行"


def form_problems(county: str, result: FormResult) -> list[str]:
    """Every broken identity of one submitted form, in words."""
    spec = get_form(result.form_id)
    decl = spec.decl
    where = f"{county} {spec.number}《{result.title}》"
    labels = {c.key: c.label for c in result.columns}
    total = result.total()
    body = [r for r in result.rows if r.kind == "area"]
    problems = []
    for row in result.rows:
        said = f"{where} {_row_name(row)}"
        problems += _identity_problems(spec.id, row, said, labels)
        problems += _formula_problems(decl, row, said, labels, body if row is total else None)
    if total is None:
        problems.append(f"{where}：没有合计行")
    elif not decl.get("drop_when_zero"):
        problems += _total_problems(decl, total, body, where, labels)
    return problems


def _identity_problems(form_id: str, row: Row, said: str, labels: dict[str, str]) -> list[str]:
    """The row's broken identities (``resources/forms/identities.json``)."""
    problems = []
    for rule in identities().get(form_id, []):
        try:
            holds, a, b = check_identity(rule, row.values)
        except (TypeError, ValueError):
            problems.append(f"{said}：数字无法读取（{rule}）")
            continue
        if not holds:
            named = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: labels.get(m.group(0), m.group(0)), rule)
            problems.append(f"{said}：不符合“{named}”（{a} 与 {b}）")
    return problems


def _formula_problems(decl: dict, row: Row, said: str, labels: dict[str, str], body: list[Row] | None) -> list[str]:
    """The row's formula columns that do not follow from its figures; ``body``: the rows under
    it, for the 合计, whose columns declared ``"total": "sum"`` (F3's 还差) add up the rows'
    (a township over its target does not make up another's shortfall), as the county's form
    makes it (``reports.engine._sum_rows``), unless the 合计 carries figures above the rows."""
    adds_up = body is not None and not _above_rows(decl, row, body)
    problems = []
    for col in decl["columns"]:
        if "formula" not in col:
            continue
        if adds_up and col.get("total") == "sum":
            expected = sum((r.values.get(col["key"]) or 0) for r in body)
        else:
            expected = _formula(col, row.values)
        if _num(expected) != _num(row.values.get(col["key"])):
            problems.append(f"{said}：“{labels.get(col['key'], col['key'])}”应为 {expected}，"
                            f"报送为 {row.values.get(col['key'])}")
    return problems


def _total_problems(decl: dict, total: Row, body: list[Row], where: str, labels: dict[str, str]) -> list[str]:
    """The 合计's counted columns that are not the sum of its rows; one declared ``"above":
    "total"`` may hold more (a target set above the rows, not split over them)."""
    problems = []
    for col in decl["columns"]:
        if "source" not in col or col.get("kind") == "text":
            continue
        key = col["key"]
        rows_sum = sum(_num(r.values.get(key) or 0) for r in body)
        reported = _num(total.values.get(key) or 0)
        if reported != _num(rows_sum) and not (col.get("above") == "total" and reported >= _num(rows_sum)):
            problems.append(f"{where} 合计行：“{labels.get(key, key)}”{total.values.get(key)} 不等于各行之和 {rows_sum}")
    return problems


def _above_rows(decl: dict, total: Row | None, body: list[Row]) -> bool:
    """Whether the 合计 carries figures above the rows (F3: a target set for the county itself,
    not split over its townships): its formulas then follow from its own figures."""
    if total is None:
        return False
    return any(_num(total.values.get(c["key"]) or 0) != _num(sum((r.values.get(c["key"]) or 0) for r in body))
               for c in decl["columns"] if c.get("above") == "total")


def _changes(before: FormResult, after: FormResult) -> list[CellChange]:
    labels = {c.key: c.label for c in after.columns}
    old = {(r.group, r.label): r for r in before.rows}
    out = []
    for row in after.rows:
        prev = old.pop((row.group, row.label), None)
        for key, label in labels.items():
            if key in ("area", "group"):
                continue
            a = prev.values.get(key) if prev else None
            b = row.values.get(key)
            if _num(a) != _num(b):
                out.append(CellChange(row.label, label, a, b))
    for row in old.values():
        out.extend(CellChange(row.label, labels[k], row.values.get(k), None)
                   for k in labels if k not in ("area", "group") and row.values.get(k) not in (None, 0, ""))
    return out


def _check_sender(db: sqlite_utils.Database, sub: Submission) -> None:
    place = installation(db)
    sender = sub.payload.get("county") or {}
    name = sender.get("county") or "（未写明县名）"
    if place.city and sender.get("city") and sender["city"] != place.city:
        raise ReceiptError(f"{name} 的报送文件是报给{sender['city']}的，不是本市（{place.city}），已拒收")
    if name not in counties(db):
        known = "、".join(counties(db)) or "（尚未登记）"
        raise ReceiptError(f"“{name}”不是本市登记的县（本市的县：{known}），已拒收。"
                           f"如确属本市，请先登记（报送情况 → 登记县…，或 wengang counties add {name}）")
    try:
        signing.verify_from(db, "county:" + name, sub.public_key, sub.payload_bytes, sub.signature)
    except signing.SignatureError as exc:
        raise ReceiptError(f"{name}：{exc}") from exc


def receive_one(db: sqlite_utils.Database, sub: Submission) -> Receipt:
    """Verify and store one package in one transaction; ReceiptError leaves nothing behind."""
    with db.atomic():
        _check_sender(db, sub)
        county = sub.county
        problems, checked = [], []
        for entry in sub.forms():
            try:
                get_form(entry["form_id"])
            except FormError:
                problems.append(f"{county}：本程序没有报表“{entry.get('number') or entry['form_id']}”（请升级本程序）")
                continue
            result = form_result(entry)
            problems += form_problems(county, result)
            checked.append((entry, result))
        if problems:
            raise ReceiptError("报送文件未通过核对，已拒收（没有收下任何报表）：\n" + "\n".join(problems))
        forms = []
        for entry, result in checked:
            spec = get_form(entry["form_id"])
            before = stored_submission(db, county, spec.id, entry["as_of"])
            changes = _changes(form_result({"result": json.loads(before.result_json)}), result) if before else []
            stored = StoredSubmission(county, spec.id, entry["as_of"], entry.get("period_from"),
                                      entry.get("ref_date"), json.dumps(entry["result"], ensure_ascii=False),
                                      entry.get("dropped") or [], sub.package_id,
                                      signing.fingerprint(sub.public_key), sub.payload.get("made_at"),
                                      "")
            action = save_submission(db, stored, [c.__dict__ for c in changes] if before else None)
            forms.append(FormReceipt(spec.id, spec.number, entry["as_of"], action, changes))
    return Receipt(county, str(sub.path or ""), sub.package_id, forms)


def receive_file(db: sqlite_utils.Database, path) -> Receipt:
    try:
        sub = read_submission(path)
    except SubmissionError as exc:
        raise ReceiptError(str(exc)) from exc
    return receive_one(db, sub)
