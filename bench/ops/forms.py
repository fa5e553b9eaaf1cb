"""Bench: each statistics form F1–F9 computed (SQL GROUP BY over the status tables) and written
to .xlsx, on the bench county.

``OPERATIONS`` is read by ``bench/run.py``: ``(name, None, fn(ctx))`` with ``ctx.db``,
``ctx.as_of`` and ``ctx.tmpdir``. The first operation pays for the per-person status tables
(materialised once per as-of date and reused while the database is unchanged), so it is also
timed on its own. On an existing county: ``python bench/run.py --db PATH --only NAME``.
"""

from __future__ import annotations

import datetime as dt

from wengang.domain.status import AsOf
from wengang.services.ledgers import SIX_LISTS
from wengang.services.reports import compute_form, list_forms, write_form_xlsx
from wengang.services.reports.engine import prepare
from wengang.store.derived import forget


def _as_of(ctx) -> dt.date:
    value = ctx.as_of
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _period(ctx) -> dict:
    as_of = _as_of(ctx)
    return {"period_from": as_of.replace(month=1, day=1), "ref_date": dt.date(as_of.year - 1, 12, 31)}


def _prepare(ctx) -> str:
    forget(ctx.db)  # time a cold start
    prepare(ctx.db, AsOf(_as_of(ctx)))
    return "人员状态表"


def _form(form_id: str, by: str | None = None):
    def run(ctx) -> str:
        kwargs = {"by": by} if by else {}
        result = compute_form(ctx.db, form_id, _as_of(ctx), **kwargs, **_period(ctx))
        return f"{len(result.rows)} 行"
    return run


def _form_xlsx(form_id: str):
    def run(ctx) -> str:
        result = compute_form(ctx.db, form_id, _as_of(ctx), **_period(ctx))
        write_form_xlsx(result, ctx.tmpdir / f"form-{form_id}.xlsx")
        return f"{len(result.rows)} 行"
    return run


def _all_forms(ctx) -> str:
    forget(ctx.db)  # from cold, as a user's first click
    for spec in list_forms():
        compute_form(ctx.db, spec.id, _as_of(ctx), **_period(ctx))
    return f"{len(list_forms())} 张表"


def _forms_and_lists(ctx, cold: bool = True) -> str:
    """Issue 4's budget: every form and the six lists (count and first page, as the 台账 tab
    shows them) at one date, from cold, on one connection (``cold=False``: the statuses at
    that date already derived, as the window has them after its first use)."""
    from wengang.services.ledgers import ledger_query  # noqa: PLC0415

    if cold:
        forget(ctx.db)
    for spec in list_forms():
        compute_form(ctx.db, spec.id, _as_of(ctx), **_period(ctx))
    counts = []
    for ledger_id in SIX_LISTS:
        query = ledger_query(ctx.db, ledger_id, _as_of(ctx))
        counts.append(query.count())
        query.rows(0, 200)
    return f"9 张表 + 六张清单 {'/'.join(map(str, counts))} 人"


def _all_forms_folder(ctx) -> str:
    """全部报表导出 from cold: F1–F9 computed and written into one folder."""
    from wengang.services.reports import write_forms  # noqa: PLC0415

    forget(ctx.db)
    files = write_forms(ctx.db, [f.id for f in list_forms()], _as_of(ctx), ctx.tmpdir / "全部报表",
                        period_from=_as_of(ctx).replace(month=1, day=1))
    return f"{len(files)} 个文件"


OPERATIONS = (
    [("报表 人员状态表（冷启动）", None, _prepare)]
    + [(f"报表 {f.number} {f.id}", None, _form(f.id)) for f in list_forms()]
    + [("报表 F1 按村", None, _form("employment", "village")),
       ("报表 F6 按安置点", None, _form("relocation", "site"))]
    + [(f"报表 {f.number} → xlsx", None, _form_xlsx(f.id)) for f in list_forms()]
    + [("报表 F1–F9 全部（冷启动）", None, _all_forms),
       ("报表 F1–F9 + 六张清单（冷启动）", None, _forms_and_lists),
       ("报表 F1–F9 + 六张清单（状态已有）", None, lambda ctx: _forms_and_lists(ctx, cold=False)),
       ("报表 F1–F9 → 文件夹（冷启动）", None, _all_forms_folder)]
)
