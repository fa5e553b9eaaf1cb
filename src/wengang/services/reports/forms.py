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

from wengang.domain.populations import (
    Compiled,
    UnknownPopulationError,
    compile_expr,
    registry,
    require_fields,
    same_aliases,
)
from wengang.paths import resource_path
from wengang.services.reports.sources import SOURCES

FORMS_DIR = "forms"


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
    """The populations a form may name, with their SQL (``employed_last_year`` →
    ``st.employed_last_year`` …), as the registry declares them."""
    return {name: pop.where for name, pop in registry().populations.items()}


@lru_cache(maxsize=1024)
def _compiled(expr: str | None) -> Compiled:
    # Forms use the registry's own aliases; which of them a column may read was checked
    # against its source when the declaration loaded (:func:`_check_declaration`).
    return compile_expr(expr, same_aliases("报表", registry().aliases), source=FORMS_DIR)


def predicate_parts(expr: str | None) -> list[str]:
    """``"poor & employed_now"`` → the SQL of each named population (model/populations.json)."""
    return list(_compiled(expr).parts)


def predicate(expr: str | None) -> str | None:
    """``"poor & employed_now"`` → the AND of the named populations."""
    return _compiled(expr).sql


def _check_declaration(decl: dict, where: str) -> None:
    """Refuse a declaration naming a population the registry lacks, or one its source cannot
    read (a spell population on a person column), or a measure reading an unknown field,
    naming the file and the name."""
    def check(expr: str | None, source_name: str, *, drill: bool = False) -> None:
        src = SOURCES.get(source_name)
        if src is None:
            raise FormError(f"{where}：未知的统计对象“{source_name}”（可用：{'、'.join(SOURCES)}）")
        aliases = src.drill_aliases if drill and src.drill_aliases else src.aliases
        try:
            compile_expr(expr, same_aliases(f"统计对象 {source_name} ", aliases), source=where)
        except UnknownPopulationError as exc:
            raise FormError(str(exc)) from None

    for source_name, expr in decl.get("filters", {}).items():
        check(expr, source_name)
    for col in decl["columns"]:
        if "source" in col:
            check(col.get("where"), col["source"])
            check(col.get("drill_where"), col["source"], drill=True)
            _check_measure(col, where)


def _check_measure(col: dict, where: str) -> None:
    expr = col.get("measure", "count").partition(":")[2]
    try:
        require_fields(expr, SOURCES[col["source"]].aliases, what=f"列 {col['key']} 的统计方式", source=where)
    except ValueError as exc:  # an unknown field or alias
        raise FormError(str(exc)) from None


def _spec(decl: dict, where: str) -> FormSpec:
    _check_declaration(decl, where)
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
        specs.append(_spec(json.loads(path.read_text(encoding="utf-8")), f"{FORMS_DIR}/{path.name}"))
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
