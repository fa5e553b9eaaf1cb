"""Data-quality rules, the findings list and its Excel export, subsidy entitlements."""

from wengang.services.rules.export import write_quality_workbook
from wengang.services.rules.quality import findings, run_quality
from wengang.services.rules.subsidies import entitlements


def run(ctx):
    summary = run_quality(ctx.db, ctx.as_of)
    ctx.extra["quality"] = summary
    return f"{summary.total}个问题"


def listing(ctx):
    rows = findings(ctx.db)
    ctx.extra["findings"] = rows
    return f"{len(rows)}行"


def export(ctx):
    summary = ctx.extra.get("quality") or run_quality(ctx.db, ctx.as_of)
    rows = ctx.extra.get("findings") or findings(ctx.db)
    path = write_quality_workbook(summary, rows, ctx.tmpdir / "quality.xlsx")
    return f"{path.stat().st_size // 1024} KiB"


def owed(ctx):
    return f"{len(entitlements(ctx.db, 'heilongjiang_2022', ctx.as_of))}人次应享未享"


OPERATIONS = [
    ("quality.run", None, run),
    ("quality.findings", None, listing),
    ("quality.export_xlsx", None, export),
    ("quality.entitlements", None, owed),
]
