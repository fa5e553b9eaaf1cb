"""Form declarations (``resources/forms/<id>.json``) and the named populations they use.

A form is data: its id and number (F1 …), a title template, header tree, columns (each count
column names its *source* — persons, households, spells, services, subsidies, spot checks,
organisations, targets — a measure and a population predicate), ratio/difference formulas,
ordering, notes and subtotals. :mod:`.engine` turns any declaration into SQL. A new province's
form is a new JSON file in that folder; nothing here needs to change.

Templates in titles, labels and notes may use ``{year}``, ``{last_year}``, ``{area}`` (the
installation's or chosen area's name), ``{level}`` (乡镇 / 行政村 / 安置点), ``{level_label}``
(乡镇（街道） …), ``{as_of}``, ``{period_from}``, ``{ref_date}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from wengang.paths import resource_path

FORMS_DIR = "forms"
POPULATIONS_FILE = "_populations.json"


class FormError(ValueError):
    """An unknown form, an impossible grouping or a broken declaration; the message is for users."""


@dataclass(frozen=True)
class FormSpec:
    """What a caller needs to know about a form before computing it."""

    id: str
    number: str
    title: str
    groupings: tuple[str, ...]
    needs_period: bool
    needs_ref_date: bool
    decl: dict = field(repr=False, compare=False, hash=False, default_factory=dict)


@lru_cache(maxsize=1)
def populations() -> dict[str, str]:
    """Named SQL predicates (``employed_last_year`` → ``st.employed_last_year`` …)."""
    raw = json.loads(resource_path(FORMS_DIR, POPULATIONS_FILE).read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def predicate_parts(expr: str | None) -> list[str]:
    """``"poor & employed_now"`` → the SQL of each named predicate (raw SQL passes through)."""
    named = populations()
    return [named.get(part, part) for part in (p.strip() for p in (expr or "").split("&")) if part]


def predicate(expr: str | None) -> str | None:
    """``"poor & employed_now"`` → the AND of the named predicates (raw SQL passes through)."""
    return " AND ".join(f"({part})" for part in predicate_parts(expr)) or None


def _spec(decl: dict) -> FormSpec:
    return FormSpec(
        id=decl["id"],
        number=decl["number"],
        title=decl["title"],
        groupings=tuple(decl.get("groupings", ["township", "village"])),
        needs_period=bool(decl.get("needs_period", False)),
        needs_ref_date=bool(decl.get("needs_ref_date", False)),
        decl=decl,
    )


@lru_cache(maxsize=1)
def _load_all() -> tuple[FormSpec, ...]:
    folder = resource_path(FORMS_DIR)
    specs = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_"):
            continue
        specs.append(_spec(json.loads(path.read_text(encoding="utf-8"))))
    return tuple(sorted(specs, key=lambda s: (len(s.number), s.number)))


def list_forms() -> list[FormSpec]:
    """Every declared form, in number order (F1, F2 … F9, F10 …)."""
    return list(_load_all())


def get_form(form_id: str) -> FormSpec:
    """A form by id (``employment``) or number (``F1``, case-insensitive)."""
    wanted = form_id.strip()
    for spec in _load_all():
        if spec.id == wanted or spec.number.lower() == wanted.lower():
            return spec
    known = "、".join(f"{s.number} {s.id}" for s in _load_all())
    raise FormError(f"没有报表“{form_id}”。可用的报表：{known}")
