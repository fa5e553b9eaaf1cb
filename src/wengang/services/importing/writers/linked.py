"""Records that belong to a person or an organisation: 摸排 (surveys), 服务 (services), 抽查
(checks) and 补贴 (subsidies), one writer for all, driven by the kind's declaration."""

from __future__ import annotations

import sqlite_utils

from wengang.services.importing.parse import Record
from wengang.services.importing.spec import KindSpec
from wengang.services.importing.writers.context import (
    PERSON_REF,
    WriteContext,
    person_lookup,
    preload_stored,
    resolve_person,
)

# Key columns the writer fills itself (from the 证件号码 and the 机构名称), not the file.
_OWNER_KEYS = ("person_id", "org_id")


def linked_table(spec: KindSpec) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(table, key, stored columns) of a kind written by :func:`write_linked`."""
    columns = tuple(f.key for f in spec.fields if f.key not in (*PERSON_REF, "org_name"))
    return spec.table, tuple(spec.key), tuple(c for c in columns if c not in spec.key)


def write_linked(ctx: WriteContext) -> None:
    parsed, spec = ctx.parsed, ctx.parsed.spec
    people = ctx.people() if spec.person_link else {}
    table_name, key_columns, store_cols = linked_table(spec)
    orgs = _organisations_by_name(ctx.db) if "org_name" in parsed.present else {}
    table = ctx.upserter(table_name, key_columns, store_cols)
    seen: dict[tuple, int] = {}
    for record in ctx.good(parsed.records):
        if not _resolve_owner(ctx, record, people, orgs):
            continue
        key = tuple(map(record.values.get, key_columns))
        if any(k is None for k, name in zip(key, key_columns) if name not in _OWNER_KEYS):
            continue
        if key in seen:
            parsed.error(record, key_columns[-1] if key_columns[-1] in parsed.present else spec.fields[0].key,
                         f"与第{seen[key]}行重复")
            continue
        seen[key] = record.row
        if spec.name == "surveys" and record.values.get("willing") == 0 and not record.values.get("reason"):
            ctx.warn(record, "reason", "无外出意愿但未填写未外出原因", record.values["person_id"])
        outcome, _ = table.apply(key, ctx.present(record, store_cols))
        ctx.counts.count(outcome)


def _organisations_by_name(db: sqlite_utils.Database) -> dict[str, list[int]]:
    orgs: dict[str, list[int]] = {}
    for name, oid in db.execute("SELECT name, id FROM organisations"):
        orgs.setdefault(name, []).append(oid)
    return orgs


def _resolve_owner(ctx: WriteContext, record: Record, people: dict[str, tuple], orgs: dict[str, list[int]]) -> bool:
    """Put the row's person (and, for a kind keyed by organisation, its 机构) in its values as
    ``person_id``/``org_id``; False when the row cannot be written (its error is said, or its
    required 证件号码 is blank and the parser said so)."""
    spec, v = ctx.parsed.spec, record.values
    pid = resolve_person(ctx, record, people) if spec.person_link else None
    if spec.person_link and v.get("id_number") and pid is None:
        return False
    if "org_id" in spec.key:
        oid = _organisation_of(ctx, record, orgs)
        if record.bad:
            return False
        if pid is None and oid is None:
            ctx.parsed.error(record, "id_number", "发给个人的请填证件号码，发给机构的请填机构名称")
            return False
        v["org_id"] = oid
    if spec.person_link is True and pid is None:
        return False  # blank required ID, already reported
    v["person_id"] = pid
    return True


def _organisation_of(ctx: WriteContext, record: Record, orgs: dict[str, list[int]]) -> int | None:
    """The registered organisation the row's 机构名称 names; a name no organisation or two
    have is the row's error."""
    name = record.values.get("org_name")
    if not name:
        return None
    hits = orgs.get(name, [])
    if len(hits) != 1:
        problem = "未登记，请先导入机构信息" if not hits else "有多个同名机构，请在机构信息中区分"
        ctx.parsed.error(record, "org_name", f"机构“{name}”{problem}")
        return None
    return hits[0]


def preload_linked(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out = {"people": person_lookup(db)} if spec.person_link else {}
    preload_stored(db, out, *linked_table(spec))
    return out
