"""A large spell import's insert-trigger marks made set-based afterwards (store.row_marks,
issue 20): the status store's marks, the registry's change count, the audit trail and every
other table come out row for row as with the triggers firing per row, and the triggers are
the migrations' again, also after a rollback."""

from __future__ import annotations

import sqlite3

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.services.importing import import_file, upsert
from wengang.services.importing.writers import context
from wengang.store.areas import set_installation
from wengang.store.db import open_database
from wengang.store.migrations import (
    m0050_household_type_history,
    m0090_status_store,
    m0125_registry_changes,
    m0130_ledger_order_changes,
)
from wengang.store.row_marks import marked_afterwards, set_based_marks

_SPELL_TRIGGERS = ("status_mark_employment_spells_insert", "registry_changes_employment_spells_insert")
# What the triggers write and the import writes besides, stamps and random guid prefixes aside.
_COMPARED = {
    "status_store_marks": "person_id",
    "registry_changes": "n",
    "employment_spells": "id, person_id, start_date, end_date, region, channel, place_province, place_city, "
                         "place_county, employer_name, industry, monthly_income, return_reason, batch_id, "
                         "substr(guid, 17)",
    "audit_log": "id, table_name, row_id, action, json_remove(old_json, '$.guid', '$.created_at', '$.updated_at'), "
                 "json_remove(new_json, '$.guid', '$.created_at', '$.updated_at'), reason, batch_id, flag",
    "quality_findings": "rule, person_id, household_id, field, message, batch_id",
    "import_batches": "id, kind, rows, added, changed, unchanged, status",
}


def _spell(n: int, start: str, end: str | None = None, income: int = 4500) -> list:
    return [pid(n), f"人{n}", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, end, None,
            income]


def _county(tmp_path) -> sqlite3.Connection:
    """60 persons, 20 of them with a spell already, the status store's marks taken (as after
    the store was brought up to date) but for a few persons."""
    db = open_database(":memory:")
    set_installation(db, "甘肃省", "张掖市", "测试县")
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(60))).ok
    first = [_spell(n, "2024-03-01", "2024-10-31") for n in range(1, 21)]
    assert import_file(db, "employment", write_xlsx(tmp_path / "务工1.xlsx", WORK_HEADERS, first)).ok
    db.execute("DELETE FROM status_store_marks WHERE person_id % 7 <> 0")
    db.conn.commit()
    return db


def _second_file(tmp_path):
    """New spells of stored and new persons (two for some), a stored spell changed, one unchanged."""
    rows = [_spell(n, "2025-03-01") for n in range(5, 50)]
    rows += [_spell(n, "2024-03-01", "2024-10-31", income=5000) for n in range(1, 3)]  # changed
    rows += [_spell(3, "2024-03-01", "2024-10-31")]  # unchanged
    rows += [_spell(n, "2023-01-01", "2023-06-30") for n in range(30, 40)]
    return write_xlsx(tmp_path / "务工2.xlsx", WORK_HEADERS, rows)


def _state(db) -> list:
    out = [db.execute(f"SELECT {cols} FROM {table} ORDER BY {cols}").fetchall() for table, cols in _COMPARED.items()]
    triggers = db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    return [*out, triggers.fetchall()]


@pytest.mark.parametrize("send_rows", [10**9, 8], ids=["sent at the end", "sent in chunks"])
def test_set_based_marks_store_the_same_rows_as_the_triggers_per_row(tmp_path, monkeypatch, send_rows):
    monkeypatch.setattr(upsert, "STAGE_ROWS", 3)
    monkeypatch.setattr(context, "SEND_ROWS", send_rows)
    states, fired = [], []
    for threshold in (10**9, 1):  # never set-based, then whenever rows are sent
        monkeypatch.setattr(upsert, "SET_BASED_MARK_ROWS", threshold)
        db = _county(tmp_path)
        db.conn.set_trace_callback(fired.append)
        result = import_file(db, "employment", _second_file(tmp_path))
        db.conn.set_trace_callback(None)
        assert result.ok and (result.added, result.changed, result.unchanged) == (55, 2, 1), result.summary()
        states.append(_state(db))
        if threshold == 1:  # the set-based path was taken
            assert any(s.startswith("DROP TRIGGER main.") for s in fired)
        else:
            assert not any(s.startswith("DROP TRIGGER main.") for s in fired)
        fired.clear()
        db.close()
    per_row, set_based = states
    assert set_based == per_row
    assert per_row[0] and per_row[1][0][0] > 0  # marks and changes were written at all


@pytest.mark.parametrize(("table", "first"), [("employment_spells", "status_mark_employment_spells_insert"),
                                               ("persons", "status_mark_persons_insert"),
                                               ("households", "household_type_history_insert")])
def test_the_statements_cover_the_triggers_of_the_migrations(table, first):
    # A set-based statement for every insert trigger the migrations put on the table.
    schemas = (m0050_household_type_history.SCHEMA, m0090_status_store.triggers(), m0125_registry_changes.SCHEMA,
               m0130_ledger_order_changes.SCHEMA)
    defined = {line.split()[2] for schema in schemas for line in schema.splitlines()
               if line.startswith("CREATE TRIGGER") and f" INSERT ON {table}" in line}
    order = {f"ledger_order_changes_{table}_insert"} if table in ("persons", "households") else set()
    assert defined == set(set_based_marks(table)) == {first, f"registry_changes_{table}_insert", *order}
    assert set_based_marks("household_type_history") == {}


_PERSONS_COMPARED = {
    "status_store_marks": "person_id",
    "registry_changes": "n",
    "ledger_order_changes": "n",
    "persons": "id, household_id, id_number, name, phone, labour_skill, substr(guid, 17)",
    "households": "id, hh_no, area_id, head_name, hh_type, substr(guid, 17)",
    "household_type_history": "id, household_id, hh_type, monitor_category, valid_from, valid_to, reason",
    "audit_log": _COMPARED["audit_log"],
    "quality_findings": _COMPARED["quality_findings"],
    "import_batches": _COMPARED["import_batches"],
}


def test_set_based_marks_of_a_persons_import_are_the_triggers_per_row(tmp_path, monkeypatch):
    # New persons into a county holding some (with their marks taken), stored ones changed:
    # the marks, the change count and everything else as with the triggers firing per row.
    monkeypatch.setattr(upsert, "STAGE_ROWS", 3)
    first = write_xlsx(tmp_path / "人员1.xlsx", PERSON_HEADERS, person_rows(30))
    rows = person_rows(90)
    rows[0][15] = rows[1][15] = "13900000000"  # two stored persons changed
    second = write_xlsx(tmp_path / "人员2.xlsx", PERSON_HEADERS, rows)
    states, fired = [], []
    for threshold in (10**9, 1):
        monkeypatch.setattr(upsert, "SET_BASED_MARK_ROWS", threshold)
        db = open_database(":memory:")
        set_installation(db, "甘肃省", "张掖市", "测试县")
        assert import_file(db, "persons", first).ok
        db.execute("DELETE FROM status_store_marks WHERE person_id % 5 <> 0")
        db.conn.commit()
        db.conn.set_trace_callback(fired.append)
        result = import_file(db, "persons", second)
        db.conn.set_trace_callback(None)
        assert result.ok and (result.added, result.changed) == (60, 2), result.summary()
        states.append([db.execute(f"SELECT {cols} FROM {table} ORDER BY {cols}").fetchall()
                       for table, cols in _PERSONS_COMPARED.items()])
        for dropped in ("status_mark_persons_insert", "household_type_history_insert"):
            assert any(s.startswith(f'DROP TRIGGER main."{dropped}"') for s in fired) == (threshold == 1)
        fired.clear()
        db.close()
    per_row, set_based = states
    assert set_based == per_row
    assert per_row[0] and per_row[1][0][0] > 0


def _triggers(db) -> list[tuple]:
    return db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()


def _importing(tmp_path):
    """A county whose spells' audit trigger is off, as during an import (store.audit's
    bulk_import_audit records the added rows as one entry instead)."""
    db = _county(tmp_path)
    db.execute('DROP TRIGGER temp."audit_employment_spells_insert"')
    return db


def test_an_error_inside_the_block_leaves_the_triggers_as_they_were(tmp_path):
    db = _importing(tmp_path)
    before, changes = _triggers(db), db.execute("SELECT n FROM registry_changes").fetchone()
    with pytest.raises(sqlite3.IntegrityError), db.atomic(), marked_afterwards(db.conn, "employment_spells"):
        assert "status_mark_employment_spells_insert" not in dict(_triggers(db))
        db.execute("INSERT INTO employment_spells (person_id, start_date) VALUES (1, '2024-03-01')")  # stored
    assert _triggers(db) == before and db.execute("SELECT n FROM registry_changes").fetchone() == changes
    with db.atomic(), marked_afterwards(db.conn, "employment_spells"):
        db.execute("INSERT INTO employment_spells (person_id, start_date) VALUES (60, '2026-01-01')")
    assert dict(_triggers(db)) == dict(before)  # the same definitions (created anew)
    assert db.execute("SELECT n FROM registry_changes").fetchone()[0] == changes[0] + 1
    assert db.execute("SELECT 1 FROM status_store_marks WHERE person_id = 60").fetchone()


def test_a_trigger_not_known_keeps_every_trigger_firing_per_row(tmp_path):
    db = _county(tmp_path)
    with db.atomic(), marked_afterwards(db.conn, "employment_spells"):  # the audit's, outside an import
        assert {name for name, _sql in _triggers(db)} >= set(_SPELL_TRIGGERS)
    db = _importing(tmp_path)
    db.execute("CREATE TRIGGER spells_seen AFTER INSERT ON employment_spells BEGIN "
               "UPDATE registry_changes SET n = n + 100; END")
    n = db.execute("SELECT n FROM registry_changes").fetchone()[0]
    with db.atomic(), marked_afterwards(db.conn, "employment_spells"):
        assert len([name for name, _sql in _triggers(db) if name in _SPELL_TRIGGERS]) == 2  # not dropped
        db.execute("INSERT INTO employment_spells (person_id, start_date) VALUES (60, '2026-01-01')")
    assert db.execute("SELECT n FROM registry_changes").fetchone()[0] == n + 101
