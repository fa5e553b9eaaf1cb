"""Sorting the registry's tables: the first page comes from an index walk or group by group,
and it, the pages after it and the whole list are one full ``ORDER BY`` (issue 20)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from wengang.services.demo import build_demo
from wengang.services.read.tables import HOUSEHOLD_TABLE, PERSON_TABLE, RegistryFilter, TableReader
from wengang.store.db import open_database
from wengang.store.owed_indexes import SPELL_DATES, WINDOW_ONLY, defer

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def county():
    """A demo county, with the values an order must place right: missing and unreadable birth
    dates, missing 性别/与户主关系/劳动技能 (NULL sorts first ascending, last descending)."""
    db = open_database()
    build_demo(db, households=40)
    with db.atomic():
        db.execute("UPDATE persons SET birth_date = NULL, gender = NULL WHERE id % 7 = 0")
        db.execute("UPDATE persons SET birth_date = '不详', relation = NULL WHERE id % 11 = 0")
        db.execute("UPDATE persons SET labour_skill = NULL, phone = NULL WHERE id % 5 = 0")
    yield db
    db.close()


def _filters(db) -> dict[str, RegistryFilter]:
    township = db.execute("SELECT id FROM areas WHERE level = 'township' ORDER BY id").fetchone()[0]
    village = db.execute("SELECT area_id FROM households ORDER BY id").fetchone()[0]
    return {"全部": RegistryFilter(as_of=AS_OF),
            "乡镇": RegistryFilter(as_of=AS_OF, area_id=township),
            "村": RegistryFilter(as_of=AS_OF, area_id=village),
            "监测户": RegistryFilter(as_of=AS_OF, hh_type="监测户"),
            "劳动力": RegistryFilter(as_of=AS_OF, labour_only=True),
            "目前务工": RegistryFilter(as_of=AS_OF, employed=True)}


def _owe(db, names) -> None:
    """Drop the indexes ``names`` and record them as owed, as a first import leaves them."""
    indexes = [row for row in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'") if row[0] in names]
    assert len(indexes) == len(names)
    with db.atomic():
        for name, _sql in indexes:
            db.execute(f"DROP INDEX {name}")
        defer(db.conn, indexes)


@pytest.mark.parametrize("table", [PERSON_TABLE, HOUSEHOLD_TABLE], ids=["persons", "households"])
def test_the_first_ids_of_every_order_are_the_full_orders_first(county, table):
    reader = TableReader(county, table)
    for name, flt in _filters(county).items():
        for column, spec in enumerate(table.columns):
            for descending in (False, True):
                full = reader.ids(reader.id_query(flt, column, descending))
                for limit in (1, 7, 60, len(full) + 5):
                    first = reader.first_ids(flt, column, descending, limit)
                    assert first == full[:limit], (name, spec.title, descending, limit)


def test_the_first_page_is_an_index_walk_or_group_by_group_never_a_sort_of_everyone(county):
    """The orders a county's first page used to sort all persons for (1–2 s at 660,519) ask
    SQLite for no sort of the person table: an index walk (migration 0100's), or the group
    walk (乡镇, 村: an area's rows found by index and sorted; 当前状态: persons walked by id;
    性别, 与户主关系, 劳动技能: each value's index entries, in id order). 姓名, 证件号码,
    联系电话 and 年龄 sort only their rare ties by id (RIGHT PART), also walking backwards."""
    reader = TableReader(county, PERSON_TABLE)
    flt = RegistryFilter(as_of=AS_OF)
    for column, spec in enumerate(PERSON_TABLE.columns):
        for descending in (False, True):
            seen: list[str] = []
            county.conn.set_trace_callback(seen.append)
            try:
                reader.first_ids(flt, column, descending, 5)
            finally:
                county.conn.set_trace_callback(None)
            selects = [sql for sql in seen if sql.startswith("SELECT p.id")]
            assert selects, spec.title
            for sql in selects:
                plan = " | ".join(r[-1] for r in county.execute(f"EXPLAIN QUERY PLAN {sql}", flt.where(persons=True)[1]))
                if spec.by_area:
                    assert "idx_households_area (area_id=?)" in plan, (sql, plan)
                elif spec.by_value:
                    assert "USING COVERING INDEX idx_persons_" in plan and "TEMP B-TREE" not in plan, (sql, plan)
                elif spec.title in ("姓名", "证件号码", "联系电话", "年龄"):
                    assert "TEMP B-TREE FOR ORDER BY" not in plan, (sql, plan)
                else:
                    assert "TEMP B-TREE" not in plan and "NOT INDEXED" not in sql, (sql, plan)


def test_while_an_import_owes_the_indexes_each_order_sorts_once_and_is_the_same(tmp_path):
    """Right after a first import the window-only indexes are owed (store.owed_indexes): a
    look-up per value of 性别, 与户主关系 or 劳动技能 would scan every person once per value
    (1.0–1.2 s at 660,519), so the first page is one ORDER BY … LIMIT; the order is the same."""
    db = open_database()
    build_demo(db, households=40)
    try:
        reader, flt = TableReader(db, PERSON_TABLE), RegistryFilter(as_of=AS_OF)
        orders = {(column, descending): reader.first_ids(flt, column, descending, 25)
                  for column in range(len(PERSON_TABLE.columns)) for descending in (False, True)}
        _owe(db, WINDOW_ONLY)
        for (column, descending), first in orders.items():
            seen: list[str] = []
            db.conn.set_trace_callback(seen.append)
            try:
                assert reader.first_ids(flt, column, descending, 25) == first, PERSON_TABLE.columns[column].title
            finally:
                db.conn.set_trace_callback(None)
            assert not [sql for sql in seen if "SELECT min(" in sql], PERSON_TABLE.columns[column].title
    finally:
        db.close()


def test_the_spells_dates_owed_leave_the_persons_orders_to_their_own_indexes():
    """Only the persons' own indexes owed send a few values' order to one sort: with the spells'
    dates owed (a first 务工 import into a county whose roster the window has indexed), 性别,
    与户主关系 and 劳动技能 still walk their index value by value."""
    db = open_database()
    build_demo(db, households=40)
    try:
        reader, flt = TableReader(db, PERSON_TABLE), RegistryFilter(as_of=AS_OF)
        by_value = [n for n, column in enumerate(PERSON_TABLE.columns) if column.by_value]
        assert len(by_value) == 3
        orders = {n: reader.first_ids(flt, n, False, 25) for n in by_value}
        _owe(db, SPELL_DATES)
        for n, first in orders.items():
            seen: list[str] = []
            db.conn.set_trace_callback(seen.append)
            try:
                assert reader.first_ids(flt, n, False, 25) == first
            finally:
                db.conn.set_trace_callback(None)
            assert [sql for sql in seen if "SELECT min(" in sql], PERSON_TABLE.columns[n].title
    finally:
        db.close()


def test_a_date_next_to_a_stored_one_is_the_same_while_the_spells_dates_are_owed():
    """The one reader of the spells' date indexes, the persons whose spells start or end
    between a stored date and a new one (store.status_store), finds the same persons by a scan."""
    from wengang.services.reports import compute_form  # noqa: PLC0415

    def f1_next_to_a_stored_date(owing: bool) -> list:
        db = open_database()
        build_demo(db, households=40)
        try:
            compute_form(db, "F1", AS_OF)  # stored
            if owing:
                _owe(db, SPELL_DATES)
            seen: list[str] = []
            db.conn.set_trace_callback(seen.append)
            try:
                rows = [row.values for row in compute_form(db, "F1", AS_OF + dt.timedelta(days=45)).rows]
            finally:
                db.conn.set_trace_callback(None)
            assert any("INSERT INTO temp.status_store_changed" in sql for sql in seen)  # built from the neighbour
            return rows
        finally:
            db.close()

    assert f1_next_to_a_stored_date(owing=True) == f1_next_to_a_stored_date(owing=False)


def _all_cells(model) -> list[tuple]:
    return [tuple(model.index(row, c).data() for c in range(model.columnCount()))
            for row in range(model.rowCount())]


@pytest.mark.parametrize("table", [PERSON_TABLE, HOUSEHOLD_TABLE], ids=["persons", "households"])
def test_paging_a_sorted_table_shows_the_rows_of_one_full_order_by(qtbot, county, table, monkeypatch):
    from wengang.gui.registry import models

    monkeypatch.setattr(models, "FIRST_IDS", 9)
    paged = (models.PersonTableModel if table is PERSON_TABLE else models.HouseholdTableModel)(county)
    paged.filter.as_of = AS_OF
    reader = TableReader(county, table)
    for column, spec in enumerate(table.columns):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            paged.sort(column, order)
            assert not paged.is_complete() and paged.rowCount() > 9  # the first ids and the count
            full = reader.ids(reader.id_query(paged.filter, column, order == Qt.SortOrder.DescendingOrder))
            by_id = {r[0]: r[1:] for r in reader.rows(full, AS_OF)}
            expected = [tuple("" if v is None else str(v) for v in by_id[i]) for i in full]
            assert _all_cells(paged) == expected, spec.title  # scrolling on fetched the rest
            assert paged.is_complete() and paged.ids() == full


def test_the_rest_of_a_sorted_list_arrives_from_the_background_unless_data_changed(qtbot, county, monkeypatch):
    from wengang.gui.registry import models

    monkeypatch.setattr(models, "FIRST_IDS", 9)
    model = models.PersonTableModel(county)
    model.filter.as_of = AS_OF
    queued = []
    model.background = lambda work, done: queued.append((work, done))
    model.sort(1, Qt.SortOrder.DescendingOrder)  # 村
    assert len(queued) == 1 and not model.is_complete()
    expected = TableReader(county, PERSON_TABLE).ids(model.reader.id_query(model.filter, 1, True))
    work, done = queued.pop()
    done(work(county, None))  # the background connection's read, back on the GUI thread
    assert model.is_complete() and model.ids() == expected

    model.sort(3, Qt.SortOrder.AscendingOrder)  # 姓名; then a write lands before the list does
    work, done = queued.pop()
    ids = work(county, None)
    with county.atomic():
        county.execute("UPDATE persons SET name = name || '' WHERE id = ?", [ids[0]])
    done(ids)
    assert not model.is_complete()  # not taken: it may be the order before the write
    model.sort(1, Qt.SortOrder.DescendingOrder)  # a remembered list is not remembered across a write
    assert not model.is_complete() and len(queued) == 1


def test_positions_answer_like_a_dict_for_dense_and_sparse_ids():
    from wengang.gui.registry.models import Positions

    for ids in ([5, 3, 9, 1, 2], [7, 10**9, 3], [], [4, -2, 8]):
        positions = Positions(ids)
        expected = {record_id: row for row, record_id in enumerate(ids)}
        for record_id in [*ids, 0, 6, 11, 10**9 + 1, -5]:
            assert positions.get(record_id) == expected.get(record_id)
            assert (record_id in positions) == (record_id in expected)
        assert sorted(ids, key=positions.__getitem__) == ids
        with pytest.raises(KeyError):
            positions[123456]


def test_forms_and_six_lists_are_the_same_while_the_window_owes_its_indexes():
    """A county used from the command line alone keeps the indexes a first import left to the
    window, and one imported through the window closed at once the spells' dates too
    (store.owed_indexes): the forms and the six lists are the same rows, in the same order."""
    from wengang.services.ledgers import SIX_LISTS, ledger_query  # noqa: PLC0415
    from wengang.services.reports import compute_form, list_forms  # noqa: PLC0415
    from wengang.store import derived, status_store  # noqa: PLC0415

    db = open_database()
    build_demo(db, households=40)
    try:
        def everything() -> list:
            db.execute(f"INSERT OR IGNORE INTO {status_store.MARKS} (person_id) SELECT id FROM persons")  # as an import
            derived.forget(db)
            forms = [[row.values for row in compute_form(db, form.id, AS_OF).rows] for form in list_forms()]
            return [*forms, *(ledger_query(db, ledger, AS_OF).rows(limit=None) for ledger in SIX_LISTS)]

        built = everything()
        assert any(built[-len(SIX_LISTS):])
        _owe(db, WINDOW_ONLY | SPELL_DATES)
        assert everything() == built
    finally:
        db.close()
