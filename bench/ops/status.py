"""Derived statuses at the as-of date for the whole county."""

from wengang.domain.status import AsOf
from wengang.store.status import materialize_status, person_statuses


def materialize(ctx):
    table = materialize_status(ctx.db, AsOf(ctx.as_of))
    employed = ctx.db.execute(f"SELECT sum(employed_this_year) FROM {table}").fetchone()[0]
    return f"今年已务工{employed}人"


def all_statuses(ctx):
    return f"{len(person_statuses(ctx.db, AsOf(ctx.as_of)))}人"


OPERATIONS = [
    ("status.materialize", None, materialize),
    ("status.person_statuses", None, all_statuses),
]
