"""Records filed under an area: 目标任务 (targets), 安置点 (sites) and 机构 (orgs)."""

from __future__ import annotations

from wengang.services.importing.writers.context import WriteContext, area_path
from wengang.store.areas import AreaCache, areas_at_level

# The levels a target can be set for, by name (a target names its area, not a path).
TARGET_LEVELS = ("county", "township", "village")


def write_targets(ctx: WriteContext) -> None:
    by_name: dict[str, list[int]] = {}
    for level in TARGET_LEVELS:
        for area in areas_at_level(ctx.db, level):
            by_name.setdefault(area["name"], []).append(area["id"])
    table = ctx.upserter("targets", ("area_id", "year"), ("target",))
    for record in ctx.good(ctx.parsed.records):
        v = record.values
        if not v.get("area_name") or v.get("year") is None or v.get("target") is None:
            continue
        hits = by_name.get(v["area_name"], [])
        if len(hits) != 1:
            problem = "不存在，请核对名称（须是本县已登记的乡镇或村）" if not hits else "有重名，请写乡镇名称"
            ctx.parsed.error(record, "area_name", f"地区“{v['area_name']}”{problem}")
            continue
        outcome, _ = table.apply((hits[0], v["year"]), {"target": v["target"]})
        ctx.counts.count(outcome)


def write_sites(ctx: WriteContext) -> None:
    areas = AreaCache(ctx.db)
    table = ctx.upserter("relocation_sites", ("name",), ("county", "township", "area_id", "site_type",
                                                          "over_800"))
    for record in ctx.good(ctx.parsed.records):
        v = record.values
        path = area_path(ctx, record, ("township",))
        if path is None or not v.get("name") or len(path) < 2:
            continue
        row = ctx.present(record, ("township", "site_type", "over_800"))
        row.update(county=path[0][1], area_id=areas.ensure(path))
        if row.get("over_800") is None and "over_800" in row:
            row["over_800"] = 0
        outcome, _ = table.apply((v["name"],), row)
        ctx.counts.count(outcome)


def write_orgs(ctx: WriteContext) -> None:
    areas = AreaCache(ctx.db)
    table = ctx.upserter("organisations", ("name", "kind"),
                         ("area_id", "contact", "phone", "recognised_date", "closed_date"))
    for record in ctx.good(ctx.parsed.records):
        v = record.values
        if not v.get("name") or not v.get("kind"):
            continue
        path = area_path(ctx, record, ("township", "village"))
        if path is None:
            continue
        row = ctx.present(record, ("contact", "phone", "recognised_date", "closed_date"))
        row["area_id"] = areas.ensure(path)
        outcome, _ = table.apply((v["name"], v["kind"]), row)
        ctx.counts.count(outcome)
