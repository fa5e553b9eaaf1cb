"""A list's count: from the report cube when its population reads only statuses (the six
lists), equal to counting its rows, in any area or 安置点, after edits; counting builds no
order ranks (the first page does, or ``prepare`` ahead)."""

from __future__ import annotations

import datetime as dt
import random

from test_status_store import random_edits

from wengang.services.demo.builder import build_demo
from wengang.services.ledgers import SIX_LISTS, LedgerQuery, ledger_query, list_ledgers
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


def _counted_by_rows(query: LedgerQuery) -> int:
    """The rows the list pages: the count without the cube."""
    return len(query.person_ids(0, None))


def test_list_counts_from_the_cube_equal_their_rows_in_every_area_and_site(tmp_path, monkeypatch):
    db = open_database(tmp_path / "c.db")
    try:
        build_demo(db, 90, seed=6, as_of=AS_OF)
        on_cube = [ledger for ledger in list_ledgers() if ledger_query(db, ledger.id, AS_OF)._cube_count_sql()]
        assert {ledger.id for ledger in on_cube} >= set(SIX_LISTS)
        areas = [r[0] for r in db.execute("SELECT id FROM areas ORDER BY id").fetchall()]
        sites = [r[0] for r in db.execute("SELECT id FROM relocation_sites ORDER BY id").fetchall()]
        rng = random.Random(3)
        for round_ in range(3):
            for ledger in on_cube:
                for scope in [{}, *({"area_id": a} for a in areas[::3]), *({"site_id": s} for s in sites)]:
                    query = ledger_query(db, ledger.id, AS_OF, **scope)
                    assert query.count() == _counted_by_rows(query), (round_, ledger.id, scope)
            random_edits(db, rng, 15)
    finally:
        db.close()
