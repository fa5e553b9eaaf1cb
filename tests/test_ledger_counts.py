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


def test_a_list_counts_its_persons_until_the_full_cube_is_at_hand(tmp_path, monkeypatch):
    """Right after an import no cube is kept: a list counts its persons (0.15 s at 200,000
    households) rather than count the cube's every predicate first (2.6 s, what the 台账's first
    list waited for). Once the cube is built (a form, 概览), or kept in the store for a new
    connection, the lists sum it. The same numbers either way."""
    from wengang.domain.status import AsOf
    from wengang.services.reports.engine import prepare

    path = tmp_path / "c.db"
    db = open_database(path)
    summed = []
    real = LedgerQuery._cube_count_sql
    monkeypatch.setattr(LedgerQuery, "_cube_count_sql", lambda self: summed.append(self.ledger.id) or real(self))
    try:
        build_demo(db, 60, seed=4, as_of=AS_OF)
        with db.atomic():  # as an import leaves the store: every person marked, nothing counted
            db.execute("INSERT OR IGNORE INTO status_store_marks SELECT id FROM persons")
            db.execute("DELETE FROM status_store_summaries")
        counted = {ledger_id: ledger_query(db, ledger_id, AS_OF).count() for ledger_id in SIX_LISTS}
        assert summed == []
        assert db.execute("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'report_cube%'").fetchone()[0] == 0
        prepare(db, AsOf(AS_OF), ("cube",))
        assert {ledger_id: ledger_query(db, ledger_id, AS_OF).count() for ledger_id in SIX_LISTS} == counted
        assert summed == list(SIX_LISTS)
    finally:
        db.close()
    summed.clear()
    db = open_database(path)  # a new process: the cube kept beside the statuses
    try:
        assert {ledger_id: ledger_query(db, ledger_id, AS_OF).count() for ledger_id in SIX_LISTS} == counted
        assert summed == list(SIX_LISTS)
    finally:
        db.close()
