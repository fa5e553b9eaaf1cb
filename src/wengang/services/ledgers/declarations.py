"""Ledger declarations (``resources/ledgers/*.json``): title, population, columns.

A province that wants another column or another list edits JSON: each column names a field of
:data:`.catalogue.FIELDS`; a field that shows a stored field (``shows``) is titled with the
registry's label (fields.json) unless the column gives a ``title`` of its own on purpose (the
national list's header, 上年就业地域); any other column must give its ``title``. ``population``
names populations of the one registry (``resources/model/populations.json``), ``&`` between
them: ``"poor & labour"``. ``_common.json`` holds the columns every list starts with.
A declaration naming an unknown field or population is refused when it loads, naming its file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from wengang.domain.fields import UnknownFieldError, label
from wengang.domain.populations import UnknownPopulationError, compile_expr
from wengang.paths import resource_path
from wengang.services.ledgers.catalogue import FIELDS, LEDGER_POPULATIONS, SOURCES


class LedgerError(ValueError):
    """An unknown ledger, field or ordering; the message is for the user."""


@dataclass(frozen=True)
class LedgerColumn:
    field: str
    label: str


@dataclass(frozen=True)
class Ledger:
    id: str
    title: str
    population: str                     # population names, "poor & labour"
    columns: tuple[LedgerColumn, ...]   # common columns first, without 序号
    description: str = ""
    order_by: str | None = None         # a field to sort by before the area order
    order: int = 0
    where: str = "1"                    # the population's SQL over the status table ``ps``
    sources: tuple[str, ...] = ()       # the optional joins it reads (catalogue.SOURCES)


def column_title(spec: dict, where: str) -> str:
    """A column's title: its own ``title``, else the label of the registry field it shows."""
    field = FIELDS[spec["field"]]
    if "title" in spec:
        return spec["title"]
    if field.shows is None:
        raise LedgerError(f"{where}：列 {spec['field']} 不是登记的字段，须写 title")
    try:
        return label(*field.shows.split("."))
    except UnknownFieldError as exc:
        raise LedgerError(f"{where}：列 {spec['field']}：{exc}") from None


def _columns(specs: list[dict], where: str) -> list[LedgerColumn]:
    columns = []
    for spec in specs:
        if spec["field"] not in FIELDS:
            raise LedgerError(f"{where}：未知的字段 {spec['field']}")
        if "label" in spec:  # the old key: a title now says it departs from the registry on purpose
            raise LedgerError(f"{where}：列 {spec['field']} 的 label 应写作 title（与字段名称相同时不写）")
        columns.append(LedgerColumn(spec["field"], column_title(spec, where)))
    return columns


def _population(spec: dict, where: str) -> tuple[str, tuple[str, ...]]:
    """The SQL of the ledger's population and the optional joins it reads."""
    try:
        compiled = compile_expr(spec["population"], LEDGER_POPULATIONS, source=where)
    except UnknownPopulationError as exc:
        raise LedgerError(str(exc)) from None
    if compiled.sql is None:
        raise LedgerError(f"{where}：没有写人员范围 population")
    return compiled.sql, tuple(name for name in SOURCES if name in compiled.aliases)


@lru_cache(maxsize=1)
def _load() -> dict[str, Ledger]:
    folder = resource_path("ledgers")
    common = json.loads((folder / "_common.json").read_text(encoding="utf-8"))
    common_columns = _columns(common["columns"], "ledgers/_common.json")
    ledgers: dict[str, Ledger] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_"):
            continue
        spec = json.loads(path.read_text(encoding="utf-8"))
        where = f"ledgers/{path.name}"
        population_sql, sources = _population(spec, where)
        own = _columns(spec.get("columns", []), where)
        ledgers[spec["id"]] = Ledger(
            id=spec["id"], title=spec["title"], population=spec["population"],
            columns=tuple((common_columns if spec.get("common", True) else []) + own),
            description=spec.get("description", ""), order_by=spec.get("order_by"),
            order=int(spec.get("order", 0)), where=population_sql, sources=sources,
        )
    return dict(sorted(ledgers.items(), key=lambda item: (item[1].order, item[0])))


SIX_LISTS = ("labour", "last-year", "this-year", "not-yet", "willing", "returned")
"""The six lists (六张清单) of DOMAIN.md, in its order; the other ledgers follow them."""


def list_ledgers() -> list[Ledger]:
    """All declared ledgers, the six lists first, in their order."""
    return list(_load().values())


def get_ledger(ledger_id: str) -> Ledger:
    try:
        return _load()[ledger_id]
    except KeyError:
        known = "、".join(_load())
        raise LedgerError(f"没有名为“{ledger_id}”的台账，可选：{known}") from None
