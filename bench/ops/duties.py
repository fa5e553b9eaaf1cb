"""日常工作 (issue 16): 1-3-1 gaps, a spot-check draw and call sheet, follow-ups, 应享未享,
a door-to-door sheet of the largest village, the not-yet reasons by village."""

from wengang.services.duties.entitlements import owed
from wengang.services.duties.followup import followups
from wengang.services.duties.services131 import gaps_by_village
from wengang.services.duties.spot_check import draw_sample, write_call_sheet
from wengang.services.duties.survey_sheet import reasons_by_village, write_survey_sheet
from wengang.services.ledgers import ledger_query


def gaps(ctx):
    rows = gaps_by_village(ctx.db, ctx.as_of)
    return f"{len(rows)}村 需要就业{sum(r.needing for r in rows)}人"


def gaps_ledger(ctx):
    return f"{ledger_query(ctx.db, 'service-gaps', ctx.as_of).count()}人未达标"


def draw(ctx):
    sample = draw_sample(ctx.db, ctx.as_of, per_township=100, seed=2026, exclude_months=6)
    ctx.extra["sample"] = sample.id
    return f"{sample.size}人"


def call_sheet(ctx):
    return f"{write_call_sheet(ctx.db, ctx.extra['sample'], ctx.tmpdir / 'calls.xlsx')}人"


def follow(ctx):
    return f"{len(followups(ctx.db, ctx.as_of))}人返乡"


def entitled(ctx):
    result = owed(ctx.db, ctx.as_of, "shanxi_2020")
    return f"{len(result.persons)}人次 {len(result.organisations)}单位"


def survey_sheet(ctx):
    area = ctx.db.execute("SELECT h.area_id FROM households h GROUP BY h.area_id ORDER BY count(*) DESC "
                          "LIMIT 1").fetchone()[0]
    return f"{write_survey_sheet(ctx.db, ctx.as_of, ctx.tmpdir / 'survey.xlsx', area_id=area)}人"


def reasons(ctx):
    return f"{len(reasons_by_village(ctx.db, ctx.as_of))}村"


OPERATIONS = [
    ("duties.131_by_village", None, gaps),
    ("duties.131_ledger_count", None, gaps_ledger),
    ("duties.spot_check_draw", None, draw),
    ("duties.call_sheet_xlsx", None, call_sheet),
    ("duties.followups", None, follow),
    ("duties.entitlements_shanxi", None, entitled),
    ("duties.survey_sheet_village", None, survey_sheet),
    ("duties.not_yet_reasons", None, reasons),
]
