"""Several ledgers read in one pass (the six lists' monthly upload): the same rows, numbers and
files as each ledger read alone."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from wengang.services.ledgers import SIX_LISTS, LedgerQuery, ledger_query, list_ledgers, write_ledger, write_ledgers
from wengang.services.ledgers.query import can_read_together, rows_together

AS_OF = dt.date(2023, 6, 30)


@pytest.fixture(scope="module")
def demo():
    from wengang.services.demo.builder import build_demo
    from wengang.store.db import open_database

    database = open_database(":memory:")
    build_demo(database, 300, seed=11, as_of=AS_OF)
    yield database
    database.close()


def _township(db) -> int:
    return db.execute("SELECT id FROM areas WHERE level = 'township' ORDER BY id LIMIT 1").fetchone()[0]


def _apart(queries: list[LedgerQuery]) -> list[list[tuple]]:
    return [list(query.iter_rows()) for query in queries]


def _together(queries: list[LedgerQuery]) -> list[list[tuple]]:
    rows: list[list[tuple]] = [[] for _ in queries]
    for i, row in rows_together(queries):
        rows[i].append(row)
    return rows


@pytest.mark.parametrize("scope", [{}, {"mask": True}, {"area": True}])
def test_one_pass_gives_each_ledger_its_own_rows_in_order(demo, scope):
    area_id = _township(demo) if scope.get("area") else None
    default_order = [ledger.id for ledger in list_ledgers() if ledger.order_by is None]
    assert set(SIX_LISTS) < set(default_order) and "posts" in default_order  # a source join among them
    queries = [ledger_query(demo, ledger_id, AS_OF, area_id=area_id, mask=scope.get("mask", False))
               for ledger_id in default_order]
    together = _together(queries)
    assert together == _apart(queries)
    assert all(len(rows) == query.count() for rows, query in zip(together, queries))
    assert sum(len(rows) > 0 for rows in together) >= 6
    if scope.get("mask"):
        ids = {row[queries[0].columns.index("证件号码")] for row in together[0]}
        assert all("*" in value for value in ids)


def test_only_ledgers_of_one_date_area_masking_and_order_are_read_together(demo):
    labour = ledger_query(demo, "labour", AS_OF)
    assert can_read_together([labour, ledger_query(demo, "willing", AS_OF)])
    assert not can_read_together([])
    assert not can_read_together([labour, ledger_query(demo, "willing", AS_OF, mask=True)])
    assert not can_read_together([labour, ledger_query(demo, "willing", dt.date(2023, 5, 31))])
    assert not can_read_together([labour, ledger_query(demo, "willing", AS_OF, area_id=_township(demo))])
    assert not can_read_together([labour, ledger_query(demo, "willing", AS_OF, order_by="姓名")])
    with pytest.raises(ValueError):
        next(rows_together([labour, ledger_query(demo, "willing", AS_OF, order_by="-年龄")]))


def _cells(path) -> list[tuple]:
    book = openpyxl.load_workbook(path)
    try:
        sheet = book.active
        return [tuple(row) for row in sheet.iter_rows(values_only=True)] + [(sheet.auto_filter.ref, sheet.freeze_panes)]
    finally:
        book.close()


@pytest.mark.parametrize("which", ["six", "all"])
def test_ledgers_in_one_pass_are_the_files_written_one_by_one(demo, tmp_path, monkeypatch, which):
    ledger_ids = list(SIX_LISTS) if which == "six" else [ledger.id for ledger in list_ledgers()]
    alone = {ledger_id: tmp_path / "alone" / f"{ledger_id}.xlsx" for ledger_id in ledger_ids}
    for ledger_id, path in alone.items():
        write_ledger(demo, ledger_id, AS_OF, path)

    read_alone = []
    iter_rows = LedgerQuery.iter_rows

    def record(self):
        read_alone.append(self.ledger.id)
        return iter_rows(self)

    monkeypatch.setattr(LedgerQuery, "iter_rows", record)
    files = write_ledgers(demo, ledger_ids, AS_OF, tmp_path / "together")
    # only the ledgers with an order of their own (posts, workshops …) are read on their own
    assert sorted(read_alone) == sorted(ledger.id for ledger in list_ledgers()
                                        if ledger.id in ledger_ids and ledger.order_by is not None)
    assert [ledger_id for ledger_id, _, _ in files] == ledger_ids
    for ledger_id, path, written in files:
        cells = _cells(path)
        assert cells == _cells(alone[ledger_id])
        assert written == len(cells) - 4  # title, caption, header; the filter line
    assert sum(written for _, _, written in files) > 0
