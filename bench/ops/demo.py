"""Build the demo county (always runs first: every other operation works on it)."""

from wengang.services.demo import build_demo

ALWAYS = True


def build(ctx):
    if ctx.db["households"].count:  # run.py --db on an existing county: measure that one
        ctx.extra["persons"] = ctx.db["persons"].count
        return "已有示范县，未重建"
    counts = build_demo(ctx.db, households=ctx.households, seed=ctx.seed, as_of=ctx.as_of)
    ctx.extra["persons"] = counts["persons"]
    return f"{counts['persons']}人 {counts['employment_spells']}段务工"


OPERATIONS = [("demo.build", None, build)]
