"""Bench: each ledger to .xlsx (openpyxl write-only), plus paging and the PDF of a page range.

``OPERATIONS`` is read by ``bench/run.py``: ``(name, None, fn(ctx))`` with ``ctx.db``,
``ctx.as_of`` and ``ctx.tmpdir``. Each fn returns a short result text (rows written).
On an existing county: ``python bench/run.py --db PATH --only NAME``.
"""

from __future__ import annotations

from wengang.services.ledgers import (
    SIX_LISTS,
    ledger_query,
    list_ledgers,
    write_ledger,
    write_ledgers,
)
from wengang.store.derived import forget


def _export(ledger_id: str, suffix: str = "xlsx"):
    def run(ctx) -> str:
        rows = write_ledger(ctx.db, ledger_id, ctx.as_of, ctx.tmpdir / f"ledger-{ledger_id}.{suffix}")
        return f"{rows} 行"
    return run


def _six_lists_folder(ctx) -> str:
    """The monthly upload (六张清单全部导出), from cold: statuses derived once for all six."""
    forget(ctx.db)
    files = write_ledgers(ctx.db, SIX_LISTS, ctx.as_of, ctx.tmpdir / "六张清单")
    return f"{len(files)} 个文件 {sum(n for _, _, n in files)} 行"


def _six_lists_rows_only(ctx) -> str:
    """The six lists' rows fetched and dropped, statuses already derived: what any writer
    starts from (the data half of 六张清单全部导出)."""
    n = 0
    for ledger_id in SIX_LISTS:
        for _ in ledger_query(ctx.db, ledger_id, ctx.as_of).iter_rows():
            n += 1
    return f"{n} 行"


def _six_lists_xlsxwriter(ctx) -> str:
    """The same rows written by xlsxwriter in constant_memory mode (issue 20's writer floor;
    xlsxwriter is a bench-only dependency), statuses already derived: compare with the next."""
    import xlsxwriter  # noqa: PLC0415 - bench only

    n = 0
    folder = ctx.tmpdir / "六张清单-xlsxwriter"
    folder.mkdir(exist_ok=True)
    for ledger_id in SIX_LISTS:
        query = ledger_query(ctx.db, ledger_id, ctx.as_of)
        book = xlsxwriter.Workbook(str(folder / f"{ledger_id}.xlsx"), {"constant_memory": True})
        sheet = book.add_worksheet(query.ledger.title[:31])
        sheet.write_row(0, 0, query.columns)
        for n_row, row in enumerate(query.iter_rows(), start=1):
            sheet.write_row(n_row, 0, row)
            n += 1
        book.close()
    return f"{n} 行"


def _six_lists_warm(ctx) -> str:
    """六张清单全部导出 with the statuses already derived (the writer's share)."""
    files = write_ledgers(ctx.db, SIX_LISTS, ctx.as_of, ctx.tmpdir / "六张清单-warm")
    return f"{len(files)} 个文件 {sum(n for _, _, n in files)} 行"


def _page_deep(ctx) -> str:
    """What the GUI table does when the user drags the scrollbar to the end."""
    query = ledger_query(ctx.db, "labour", ctx.as_of)
    total = query.count()
    rows = query.rows(max(total - 200, 0), 200)
    return f"{len(rows)} 行 / {total}"


def _masked_csv(ctx) -> str:
    rows = write_ledger(ctx.db, "labour", ctx.as_of, ctx.tmpdir / "labour-masked.csv", mask=True)
    return f"{rows} 行"


def _qt() -> None:
    """Untimed: the QGuiApplication and the bundled font (the GUI has them already)."""
    import os  # noqa: PLC0415

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from wengang.gui.printing import _ensure_app  # noqa: PLC0415

    _ensure_app()


def _ledger_pdf(ctx) -> str:
    """The first 5 pages of the labour list (30 rows a page) as a PDF."""
    from wengang.gui.printing import write_ledger_pdf  # noqa: PLC0415

    query = ledger_query(ctx.db, "labour", ctx.as_of, mask=True)
    pages = write_ledger_pdf(query, ctx.tmpdir / "labour.pdf", limit=150)
    return f"{pages} 页"


def _form_pdf(ctx) -> str:
    """F1 by village (about 150 rows: a several-page form) as a PDF, form computed untimed."""
    from wengang.gui.printing import write_form_pdf  # noqa: PLC0415

    pages = write_form_pdf(ctx.extra["f1_village"], ctx.tmpdir / "f1-village.pdf")
    return f"{pages} 页"


def _setup_form_pdf(ctx) -> None:
    from wengang.services.reports.engine import compute_form  # noqa: PLC0415

    _qt()
    ctx.extra["f1_village"] = compute_form(ctx.db, "employment", ctx.as_of, by="village")


OPERATIONS = [(f"台账 {ledger.id} → xlsx", None, _export(ledger.id)) for ledger in list_ledgers()] + [
    ("台账 六张清单 → 文件夹（冷启动）", None, _six_lists_folder),
    ("台账 六张清单 只取行（状态已有）", None, _six_lists_rows_only),
    ("台账 六张清单 → xlsxwriter constant_memory（对照）", None, _six_lists_xlsxwriter),
    ("台账 六张清单 → 文件夹（状态已有）", None, _six_lists_warm),
    ("台账 labour → csv（脱敏）", None, _masked_csv),
    ("台账 labour 翻到最后一页", None, _page_deep),
    ("台账 labour 前150人 → PDF", lambda ctx: _qt(), _ledger_pdf),
    ("F1 按村 → PDF", _setup_form_pdf, _form_pdf),
]
