"""Build the demo county (always runs first: every other operation works on it)."""

from wengang.services.demo import build_demo

ALWAYS = True


def build(ctx):
    counts = build_demo(ctx.db, households=ctx.households, seed=ctx.seed, as_of=ctx.as_of)
    ctx.extra["persons"] = counts["persons"]
    return f"{counts['persons']}人 {counts['employment_spells']}段务工"


OPERATIONS = [("demo.build", None, build)]
