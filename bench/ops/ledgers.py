"""Bench: each ledger to .xlsx (openpyxl write-only), plus paging and the PDF of a page range.

``OPERATIONS`` is read by ``bench/run.py``: ``(name, None, fn(ctx))`` with ``ctx.db``,
``ctx.as_of`` and ``ctx.tmpdir``. Each fn returns a short result text (rows written).
Standalone: ``python bench/ops/ledgers.py --households 50000`` builds a demo county in a
temporary folder and prints the timings.
"""

from __future__ import annotations

import time

from wengang.services.ledgers import ledger_query, list_ledgers, write_ledger


def _export(ledger_id: str, suffix: str = "xlsx"):
    def run(ctx) -> str:
        rows = write_ledger(ctx.db, ledger_id, ctx.as_of, ctx.tmpdir / f"ledger-{ledger_id}.{suffix}")
        return f"{rows} 行"
    return run


def _page_deep(ctx) -> str:
    """What the GUI table does when the user drags the scrollbar to the end."""
    query = ledger_query(ctx.db, "labour", ctx.as_of)
    total = query.count()
    rows = query.rows(max(total - 200, 0), 200)
    return f"{len(rows)} 行 / {total}"


def _masked_csv(ctx) -> str:
    rows = write_ledger(ctx.db, "labour", ctx.as_of, ctx.tmpdir / "labour-masked.csv", mask=True)
    return f"{rows} 行"


OPERATIONS = [(f"台账 {ledger.id} → xlsx", None, _export(ledger.id)) for ledger in list_ledgers()] + [
    ("台账 labour → csv（脱敏）", None, _masked_csv),
    ("台账 labour 翻到最后一页", None, _page_deep),
]


def main() -> None:  # pragma: no cover - a manual tool
    import argparse
    import tempfile
    from pathlib import Path
    from types import SimpleNamespace

    from wengang.services.demo.builder import build_demo, default_as_of
    from wengang.store.db import open_database

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=50000)
    parser.add_argument("--db", type=Path, help="reuse this demo database (built when missing)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        fresh = not path.exists()
        db = open_database(path)
        as_of = default_as_of()
        if fresh:
            started = time.perf_counter()
            build_demo(db, args.households, as_of=as_of)
            print(f"示范县 {args.households} 户：{time.perf_counter() - started:.1f} 秒")
        persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
        print(f"{persons} 人，截止日期 {as_of}")
        ctx = SimpleNamespace(db=db, as_of=as_of, tmpdir=Path(tmp))
        for name, _setup, fn in OPERATIONS:
            started = time.perf_counter()
            result = fn(ctx)
            print(f"{name:<28} {time.perf_counter() - started:7.2f} 秒  {result}")


if __name__ == "__main__":
    main()
