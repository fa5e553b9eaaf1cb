"""Audit trail, soft delete, undo of an import batch, locked months."""

from __future__ import annotations

import pytest

from wengang.services import registry
from wengang.store.audit import (
    LockedPeriodError,
    audit_batch,
    audit_entries,
    audit_reason,
    check_period_lock,
    lock_period,
    person_history,
    set_audit_context,
)
from wengang.store.trash import TrashError, list_trash, purge, restore_deleted, soft_delete
from wengang.store.undo import UndoError, undo_batch


def _person_fields(db, pid):
    row = db["persons"].get(pid)
    return {k: row[k] for k in ("household_id", "name", "id_number", "relation", "education",
                                "student_status", "health", "labour_skill", "phone")}


def _new_batch(db, name="花名册.xlsx"):
    return db.execute("INSERT INTO import_batches(kind, file_name) VALUES ('persons', ?)", [name]).lastrowid


def test_edit_through_registry_is_audited_with_old_and_new(db, factory):
    pid = factory.person(name="张三")
    set_audit_context(db, user="李干事")
    fields = _person_fields(db, pid) | {"name": "张三丰", "phone": "13900000000"}
    with audit_reason(db, "核实后更正"):
        registry.save_person(db, fields, pid)
    [edit] = [e for e in person_history(db, pid) if e.action == "update"]
    assert edit.user == "李干事" and edit.reason == "核实后更正"
    changes = {label: (old, new) for label, old, new in edit.changes}
    assert changes["姓名"] == ("张三", "张三丰")
    assert changes["联系电话"][1] == "13900000000"
    # an unchanged save writes no audit row
    registry.save_person(db, fields, pid)
    assert len([e for e in person_history(db, pid) if e.action == "update"]) == 1


def test_history_includes_the_persons_spells(db, factory):
    pid = factory.person()
    factory.spell(pid, "2025-03-01")
    tables = {e.table_name for e in person_history(db, pid)}
    assert tables == {"persons", "employment_spells"}


def test_import_batch_is_audited_and_undone(db, factory):
    kept = factory.person(name="王五")
    batch = _new_batch(db)
    with db.atomic(), audit_batch(db, batch):
        new = factory.person(name="赵六")
        factory.spell(new, "2025-02-01")
        db.execute("UPDATE persons SET phone = '13811112222' WHERE id = ?", [kept])
    entries = audit_entries(db, batch_id=batch)
    assert {e.action for e in entries} == {"insert", "update"}
    upd = next(e for e in entries if e.action == "update")
    assert upd.old["phone"] != "13811112222" and upd.new["phone"] == "13811112222"

    result = undo_batch(db, batch)
    assert (result.deleted, result.restored) == (3, 1)  # household, person, spell; one phone
    assert db["persons"].count == 1 and db["employment_spells"].count == 0
    assert db["households"].count == 1
    assert db["persons"].get(kept)["phone"] == upd.old["phone"]
    with pytest.raises(UndoError, match="已经撤销"):
        undo_batch(db, batch)


def test_undo_refused_when_a_later_edit_touched_the_rows(db, factory):
    batch = _new_batch(db)
    with db.atomic(), audit_batch(db, batch):
        pid = factory.person(name="赵六")
    db.execute("UPDATE persons SET name = '赵六六' WHERE id = ?", [pid])
    with pytest.raises(UndoError, match="后来又被修改"):
        undo_batch(db, batch)
    assert db["persons"].get(pid)["name"] == "赵六六"


def test_undo_refused_when_later_records_depend_on_the_batch(db, factory):
    batch = _new_batch(db)
    with db.atomic(), audit_batch(db, batch):
        pid = factory.person(name="赵六")
    factory.spell(pid, "2025-05-01")  # entered by hand afterwards
    with pytest.raises(UndoError, match="依赖"):
        undo_batch(db, batch)
    assert db["persons"].count == 1 and db["employment_spells"].count == 1


def test_soft_delete_person_and_restore(db, factory):
    pid = factory.person(name="孙七")
    sid = factory.spell(pid, "2025-01-01")
    db["welfare_posts"].insert({"spell_id": sid, "post_name": "护林员"})
    registry.delete_person(db, pid)
    assert db["persons"].count == 0 and db["employment_spells"].count == 0
    assert db["welfare_posts"].count == 0
    [entry] = list_trash(db)
    assert "孙七" in entry["label"]
    assert restore_deleted(db, entry["id"]) == 3
    assert db["persons"].get(pid)["name"] == "孙七"
    assert db["welfare_posts"].get(sid)["post_name"] == "护林员"
    assert list_trash(db) == []


def test_soft_delete_household_takes_members_and_restore_conflict_is_clear(db, factory):
    hh = factory.household()
    pid = factory.person(hh, name="周八")
    number = db["persons"].get(pid)["id_number"]
    registry.delete_household(db, hh)
    assert db["households"].count == 0 and db["persons"].count == 0
    trash_id = list_trash(db)[0]["id"]
    # someone registers the same ID again: restore must refuse and keep the trash entry
    other = factory.household()
    factory.person(other, id_number=number)
    with pytest.raises(TrashError, match="已重新登记"):
        restore_deleted(db, trash_id)
    assert len(list_trash(db)) == 1
    assert purge(db, [trash_id]) == 1 and list_trash(db) == []


def test_soft_delete_clears_optional_links_and_restores_them(db, factory):
    org = db["organisations"].insert({"name": "帮扶车间一", "kind": "帮扶车间"}).last_pk
    pid = factory.person()
    sid = factory.spell(pid, "2025-01-01", org_id=org)
    trash_id = soft_delete(db, "organisations", org, reason="重复录入")
    assert db["employment_spells"].get(sid)["org_id"] is None
    restore_deleted(db, trash_id)
    assert db["employment_spells"].get(sid)["org_id"] == org


def test_delete_spell_is_soft(db, factory):
    sid = factory.spell(factory.person(), "2025-01-01")
    registry.delete_spell(db, sid)
    assert db["employment_spells"].count == 0 and len(list_trash(db)) == 1


def test_locked_month_needs_reason_and_is_flagged(db, factory):
    pid = factory.person()
    sid = factory.spell(pid, "2025-01-10")
    lock_period(db, "2025-03-31")
    with pytest.raises(LockedPeriodError, match="2025-03"):
        check_period_lock(db, "2025-02-01")
    assert check_period_lock(db, "2025-04-02") == []
    with audit_reason(db, "补录返乡"):
        assert check_period_lock(db, "2025-02-01") == ["2025-03"]
        db.execute("UPDATE employment_spells SET end_date = '2025-02-01', return_reason = '其他' "
                   "WHERE id = ?", [sid])
    last = audit_entries(db, limit=1)[0]
    assert last.flag == "已报送月份2025-03" and last.reason == "补录返乡"


def test_registry_save_spell_refuses_locked_month_without_reason(db, factory):
    pid = factory.person()
    lock_period(db, "2025-03-31")
    fields = {"person_id": pid, "start_date": "2025-02-01", "region": "省外", "channel": "自主外出务工"}
    with pytest.raises(LockedPeriodError):
        registry.save_spell(db, fields)
    assert db["employment_spells"].count == 0
    with audit_reason(db, "漏登补录"):
        registry.save_spell(db, fields)
    assert db["employment_spells"].count == 1


def test_who_is_the_caseworker_configured_at_the_time(db, factory):
    from wengang.store.db import set_setting

    set_setting(db, "reporter", "赵干事")
    pid = factory.person()
    set_setting(db, "reporter", "钱干事")
    db.execute("UPDATE persons SET name = '新名' WHERE id = ?", [pid])
    users = [e.user for e in person_history(db, pid)]
    assert users == ["钱干事", "赵干事"]


def test_more_ids_than_sqlite_takes_parameters(db, factory):
    """A cell's persons (300,000 of F1's 合计 at 200,000 households) and a township's rows in
    the trash are more than the 32,766 parameters SQLite takes: the ids go as one JSON array.
    Held here with the limit set to 64 for this connection (a row of the widest table still
    goes in as one statement) and 80 persons."""
    import datetime as dt
    import sqlite3

    from wengang.services.read.lookups import persons_listing

    hh = factory.household()
    ids = [factory.person(hh, name=f"人{i}", birth=dt.date(1985, 1, 1) + dt.timedelta(days=i)) for i in range(80)]
    for pid in ids:
        factory.spell(pid, "2025-01-01")
    db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 64)
    assert sorted(r[0] for r in persons_listing(db, ids)) == sorted(f"人{i}" for i in range(80))
    registry.delete_household(db, hh)
    assert db["persons"].count == 0 and db["employment_spells"].count == 0
    [entry] = list_trash(db)
    assert restore_deleted(db, entry["id"]) == 1 + 80 + 80
    assert db["persons"].count == 80 and db["employment_spells"].count == 80
