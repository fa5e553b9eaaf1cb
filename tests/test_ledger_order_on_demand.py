"""Counting a list builds no order ranks; the first page builds them (or ``prepare`` ahead)."""

from __future__ import annotations

import datetime as dt

from wengang.services.demo.builder import build_demo
from wengang.services.ledgers import SIX_LISTS, ledger_query
from wengang.store.db import open_database

AS_OF = dt.date(2024, 6, 30)


def _order_tables(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table' "
                                     "AND name LIKE 'ledger_order%'").fetchall()]


def test_counts_need_no_order_and_pages_keep_the_default_order(tmp_path):
    db = open_database(tmp_path / "c.db")
    try:
        build_demo(db, 60, seed=4, as_of=AS_OF)
        counts = [ledger_query(db, ledger_id, AS_OF).count() for ledger_id in SIX_LISTS]
        assert any(counts) and _order_tables(db) == []
        query = ledger_query(db, "labour", AS_OF)
        query.prepare()
        assert len(_order_tables(db)) == 1
        first = query.person_ids(0, 20)
        assert first == query.person_ids(0, None)[:20]  # top-N page and numbered positions agree
        assert [r[0] for r in query.rows(0, 5)] == [1, 2, 3, 4, 5]
        assert len(list(query.iter_rows())) == query.count() == counts[0]
    finally:
        db.close()
