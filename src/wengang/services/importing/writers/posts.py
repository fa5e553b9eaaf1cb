"""Public-welfare posts (公益性岗位): a 公益性岗位 work spell plus the post's particulars."""

from __future__ import annotations

import sqlite_utils

from wengang.services.importing.spec import KindSpec
from wengang.services.importing.writers.context import (
    WriteContext,
    person_lookup,
    preload_stored,
    resolve_person,
)

POST_COLUMNS = ("post_name", "post_type", "developer", "funding", "pay_standard")
POST_SPELLS = ("employment_spells", ("person_id", "start_date"), ("end_date", "channel"))
POSTS = ("welfare_posts", ("spell_id",), POST_COLUMNS)


def write_posts(ctx: WriteContext) -> None:
    parsed = ctx.parsed
    people = ctx.people()
    spells = ctx.upserter(*POST_SPELLS)
    posts = ctx.upserter(*POSTS, id_column="spell_id")
    for record in ctx.good(parsed.records):
        v = record.values
        pid = resolve_person(ctx, record, people)
        if pid is None or not v.get("start_date"):
            continue
        if v.get("end_date") and v["end_date"] < v["start_date"]:
            parsed.error(record, "end_date", "离岗时间早于上岗时间")
            continue
        spell = {"channel": "公益性岗位", **ctx.present(record, ("end_date",))}
        if spells.find((pid, v["start_date"])) is None:
            spell["region"] = "县内"  # village posts are in the county by definition
        spell_outcome, spell_id = spells.apply((pid, v["start_date"]), spell)
        outcome, _ = posts.apply((spell_id,), ctx.present(record, POST_COLUMNS))
        if outcome == "unchanged" and spell_outcome != "unchanged":
            outcome = "changed"
        ctx.counts.count(outcome)


def preload_posts(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out = {"people": person_lookup(db)}
    preload_stored(db, out, *POST_SPELLS)
    preload_stored(db, out, *POSTS, id_column="spell_id")
    return out
