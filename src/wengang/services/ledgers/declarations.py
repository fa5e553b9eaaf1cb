"""Ledger declarations (``resources/ledgers/*.json``): title, population, columns.

A province that wants another column or another list edits JSON: each column names a field of
:data:`.catalogue.FIELDS` and gives it the caseworkers' label; ``population`` names one of
:data:`.catalogue.POPULATIONS`. ``_common.json`` holds the columns every list starts with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from wengang.paths import resource_path
from wengang.services.ledgers.catalogue import FIELDS, POPULATIONS


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
    population: str
    columns: tuple[LedgerColumn, ...]   # common columns first, without 序号
    description: str = ""
    order_by: str | None = None         # a field to sort by before the area order
    order: int = 0


def _columns(specs: list[dict], where: str) -> list[LedgerColumn]:
    columns = []
    for spec in specs:
        if spec["field"] not in FIELDS:
            raise LedgerError(f"{where}：未知的字段 {spec['field']}")
        columns.append(LedgerColumn(spec["field"], spec["label"]))
    return columns


@lru_cache(maxsize=1)
def _load() -> dict[str, Ledger]:
    folder = resource_path("ledgers")
    common = json.loads((folder / "_common.json").read_text(encoding="utf-8"))
    common_columns = _columns(common["columns"], "_common.json")
    ledgers: dict[str, Ledger] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_"):
            continue
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec["population"] not in POPULATIONS:
            raise LedgerError(f"{path.name}：未知的人员范围 {spec['population']}")
        own = _columns(spec.get("columns", []), path.name)
        ledgers[spec["id"]] = Ledger(
            id=spec["id"], title=spec["title"], population=spec["population"],
            columns=tuple((common_columns if spec.get("common", True) else []) + own),
            description=spec.get("description", ""), order_by=spec.get("order_by"),
            order=int(spec.get("order", 0)),
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
