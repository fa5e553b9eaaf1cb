"""The registry's remembered id lists outlive writes that cannot change them (issue 20).

``registry_changes`` (migration 0125) moves on every write to persons, households, areas and
spells, from any connection; the status store's, the findings' and the settings' writes leave
it alone, so a list the window remembered is used again instead of re-read (the search 'z' at
200,000 households 0.7 → 0.2 s after the status store stored a new date)."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.services.demo import build_demo
from wengang.services.reports import compute_form
from wengang.store.db import open_database

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def two(tmp_path):
    """The window's connection and another (the background worker, an import) on one file."""
    path = tmp_path / "county.db"
    db = open_database(path)
    build_demo(db, households=30)
    db.close()
    window, other = open_database(path), open_database(path)
    yield window, other
    window.close()
    other.close()


def _listed(db):
    from wengang.gui.registry.models import PersonTableModel

    model = PersonTableModel(db)
    model.filter.as_of = AS_OF
    model.reload()
    assert model.is_complete()  # the whole unsearched order, remembered
    return model


def _id_reads(db, action) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        db.conn.set_trace_callback(None)
    return [sql for sql in seen if "ORDER BY" in sql or "count(*) FROM persons" in sql]


def test_derived_writes_from_another_connection_keep_the_remembered_list(qtbot, two):
    window, other = two
    model = _listed(window)
    before = model.ids()
    version = window.execute("PRAGMA data_version").fetchone()[0]
    compute_form(other, "F1", dt.date(2025, 5, 17), period_from=dt.date(2025, 1, 1),
                 ref_date=dt.date(2024, 12, 31))  # the status store stores a new date
    with other.atomic():
        other.execute("UPDATE quality_findings SET resolved_at = '2025-06-30' WHERE id IN "
                      "(SELECT id FROM quality_findings LIMIT 3)")
    assert window.execute("PRAGMA data_version").fetchone()[0] != version  # others committed
    assert _id_reads(window, model.reload) == []  # the remembered list, no query
    assert model.ids() == before
    assert _id_reads(window, lambda: model.set_filter(search="z")) == []  # its order kept (case 3)


@pytest.mark.parametrize("edit", [
    "UPDATE persons SET name = '阿' || name WHERE id = (SELECT max(id) FROM persons)",
    "UPDATE households SET hh_no = '0' || hh_no WHERE id = (SELECT max(id) FROM households)",
    "UPDATE employment_spells SET end_date = NULL WHERE id = (SELECT min(id) FROM employment_spells)",
    "UPDATE areas SET name = name || '甲' WHERE id = (SELECT max(area_id) FROM households)",
    "DELETE FROM employment_spells WHERE id = (SELECT max(id) FROM employment_spells)",
], ids=["person name", "household", "spell", "area", "spell deleted"])
def test_an_edit_of_the_registry_rows_from_another_connection_drops_it(qtbot, two, edit):
    window, other = two
    model = _listed(window)
    with other.atomic():
        other.execute(edit)
    assert _id_reads(window, model.reload) != []  # read again
    assert model.ids() == model.reader.ids(model.reader.id_query(model.filter, model.sort_column, False))


def test_a_rolled_back_write_and_own_uncommitted_writes(two):
    window, other = two
    from wengang.services.read.tables import PERSON_TABLE, TableReader

    reader = TableReader(window, PERSON_TABLE)
    version = reader.data_version()
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE persons SET name = name || '' ")
    other.execute("ROLLBACK")
    assert reader.data_version() == version
    window.execute("BEGIN IMMEDIATE")
    window.execute("UPDATE persons SET phone = '1' WHERE id = (SELECT min(id) FROM persons)")
    assert reader.data_version() != version  # this connection's own write, not yet committed
    window.execute("ROLLBACK")


def test_without_all_its_triggers_the_count_is_not_trusted(two):
    window, other = two
    from wengang.services.read.tables import PERSON_TABLE, TableReader

    reader = TableReader(window, PERSON_TABLE)
    assert len(reader.data_version()) == 1  # the count
    with other.atomic():
        other.execute("DROP TRIGGER registry_changes_persons_update")
    version = reader.data_version()
    assert len(version) == 2  # every commit counts again
    with other.atomic():
        other.execute("UPDATE persons SET name = name || '乙' WHERE id = (SELECT min(id) FROM persons)")
    assert reader.data_version() != version
