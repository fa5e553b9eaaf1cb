"""Bulk import writes (issue 3 "Fast"): batch-level audit of added rows, undo by id range,
executemany writes, index rebuild on empty tables, preview without writes, and the speed-ups
in reading, parsing and pinyin keeping their exact results."""

from __future__ import annotations

import json

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.cli.main import main
from wengang.domain.pinyin import initials
from wengang.services.importing import engine, import_file, preview_file, upsert
from wengang.services.importing.reader import read_table
from wengang.store.areas import set_installation
from wengang.store.audit import audit_entries, person_history
from wengang.store.db import open_database
from wengang.store.owed_indexes import LEFT_TO_LATER, SPELL_DATES, WINDOW_ONLY, build_owed, owed
from wengang.store.undo import UndoError, undo_batch


def _persons_file(tmp_path, count=30, start=1, name="人员.xlsx"):
    return write_xlsx(tmp_path / name, PERSON_HEADERS, person_rows(count, start))


def _work_file(tmp_path, ids, name="务工.xlsx"):
    rows = [[number, None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2025-03-01", None,
             None, 4500] for number in ids]
    return write_xlsx(tmp_path / name, WORK_HEADERS, rows)


def test_added_rows_are_one_audit_entry_per_table_not_one_per_row(db, tmp_path):
    result = import_file(db, "persons", _persons_file(tmp_path, 30))
    assert result.ok and result.added == 30, result.summary()
    entries = audit_entries(db, batch_id=result.batch_id)
    by_table = {e.table_name: e for e in entries}
    assert set(by_table) == {"households", "persons"} and len(entries) == 2
    persons = by_table["persons"]
    assert persons.action == "insert" and persons.row_id is None
    assert persons.changes == [("导入新增条数", None, 30)]
    ids = [r[0] for r in db.execute("SELECT id FROM persons ORDER BY id")]
    assert persons.new["ranges"] == [[ids[0], ids[-1]]]
    assert by_table["households"].new["bulk_rows"] == 10


def test_a_later_batch_entry_names_its_added_rows_reading_only_those_above_the_rows_before(db, tmp_path):
    """The rows a batch added are found above the largest rowid before it: not by reading every
    row of the table for its batch_id (978,033 spells, 0.24 s at 200,000 households)."""
    assert import_file(db, "persons", _persons_file(tmp_path, 30)).ok
    rows = person_rows(40)
    rows[0][-1] = "13900000000"  # one person changed: updated by the batch, not added
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    result = import_file(db, "persons", write_xlsx(tmp_path / "更多.xlsx", PERSON_HEADERS, rows))
    db.conn.set_trace_callback(None)
    assert result.ok and result.added == 10 and result.changed == 1, result.summary()
    persons = {e.table_name: e for e in audit_entries(db, batch_id=result.batch_id) if e.row_id is None}["persons"]
    added = [r[0] for r in db.execute("SELECT id FROM persons WHERE batch_id = ? ORDER BY id", [result.batch_id])][1:]
    assert persons.changes == [("导入新增条数", None, 10)] and persons.new["ranges"] == [[added[0], added[-1]]]
    counted = [s for s in statements if s.startswith("SELECT count(*), min(rowid), max(rowid)") and '"persons"' in s]
    assert counted, statements
    plan = " ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {counted[0]}"))
    assert "rowid>?" in plan.replace(" ", ""), plan  # a range of rowids, not a scan of the table


def test_single_edits_are_still_audited_row_by_row_after_an_import(db, tmp_path):
    result = import_file(db, "persons", _persons_file(tmp_path, 3))
    person_id = db.execute("SELECT id FROM persons ORDER BY id LIMIT 1").fetchone()[0]
    with db.atomic():
        db.execute("UPDATE persons SET name = '改过' WHERE id = ?", [person_id])
        db.execute("INSERT INTO households(hh_no, area_id, hh_type) SELECT 'X1', area_id, hh_type "
                   "FROM households LIMIT 1")
    history = person_history(db, person_id)
    # Newest first: the hand edit, then the import that added the person (its batch entry).
    assert [(e.action, e.batch_id) for e in history] == [("update", None), ("insert", result.batch_id)]
    assert ("姓名", "人1", "改过") in history[0].changes
    assert history[1].row_id == person_id and "第" in str(history[1].changes[0][2])
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'insert' AND row_id IS NOT NULL "
                      "AND table_name = 'households'").fetchone()[0] == 1
    # A person the batch did not add does not get its entry.
    other = db.execute("SELECT max(id) FROM persons").fetchone()[0] + 1000
    assert person_history(db, other) == []


def test_an_updating_import_records_old_and_new_values_and_undo_restores_everything(db, tmp_path):
    first = import_file(db, "persons", _persons_file(tmp_path, 6))
    before = {r["id"]: dict(r) for r in db.query("SELECT * FROM persons")}
    households_before = db["households"].count
    rows = person_rows(9)  # the same six, three new …
    rows[0][-1] = "13900000000"  # … and one phone changed
    second = import_file(db, "persons", write_xlsx(tmp_path / "更新.xlsx", PERSON_HEADERS, rows))
    assert (second.added, second.changed, second.unchanged) == (3, 1, 5), second.summary()
    updates = [e for e in audit_entries(db, batch_id=second.batch_id) if e.action == "update"]
    assert [c for e in updates for c in e.changes if c[0] == "联系电话"] == [("联系电话", "13600000001", "13900000000")]
    # The changed person carries the batch too, yet only the three added are the batch's entry.
    changed_id = db.execute("SELECT id FROM persons WHERE phone = '13900000000'").fetchone()[0]
    assert db.execute("SELECT batch_id FROM persons WHERE id = ?", [changed_id]).fetchone()[0] == second.batch_id
    added = next(e.new for e in audit_entries(db, batch_id=second.batch_id)
                 if e.action == "insert" and e.table_name == "persons")
    assert added["bulk_rows"] == 3 and not any(lo <= changed_id <= hi for lo, hi in added["ranges"])

    result = undo_batch(db, second.batch_id)
    assert (result.deleted, result.restored) == (3 + 1, 1)  # three persons and their household
    assert {r["id"]: dict(r) for r in db.query("SELECT * FROM persons")} == before
    assert db["households"].count == households_before
    # The first batch is intact and can still be undone afterwards.
    assert undo_batch(db, first.batch_id).deleted == 6 + 2
    assert db["persons"].count == 0 and db["households"].count == 0


def test_undo_of_a_bulk_batch_is_refused_after_a_later_edit_or_dependant(db, tmp_path):
    result = import_file(db, "persons", _persons_file(tmp_path, 6))
    last = db.execute("SELECT max(id) FROM persons").fetchone()[0]
    db.execute("UPDATE persons SET name = '后改' WHERE id = ?", [last])  # inside the batch's id range
    with pytest.raises(UndoError, match="后来又被修改"):
        undo_batch(db, result.batch_id)
    assert db["persons"].count == 6

    other = import_file(db, "persons", _persons_file(tmp_path, 3, start=100, name="另一批.xlsx"))
    work = import_file(db, "employment", _work_file(tmp_path, [pid(100)]))
    assert work.ok, work.summary()
    with pytest.raises(UndoError):
        undo_batch(db, other.batch_id)  # the spell of the later batch hangs on its person
    assert db["persons"].count == 9 and db["employment_spells"].count == 1
    undo_batch(db, work.batch_id)
    undo_batch(db, other.batch_id)
    assert db["persons"].count == 6 and db["employment_spells"].count == 0


def test_employment_rows_are_batch_audited_and_flag_locked_months(db, tmp_path):
    from wengang.store.audit import lock_period

    import_file(db, "persons", _persons_file(tmp_path, 4))
    lock_period(db, "2025-03-31")
    result = import_file(db, "employment", _work_file(tmp_path, [pid(n) for n in range(1, 5)]))
    assert result.ok and result.added == 4, result.summary()
    [entry] = audit_entries(db, batch_id=result.batch_id)
    assert entry.table_name == "employment_spells" and entry.new["bulk_rows"] == 4
    assert entry.flag == "已报送月份2025-03"


def test_no_audit_trigger_fires_per_added_row(db, tmp_path):
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    result = import_file(db, "persons", _persons_file(tmp_path, 60))
    db.conn.set_trace_callback(None)
    assert result.ok and result.added == 60
    audit_inserts = [s for s in statements if s.startswith("INSERT INTO audit_log")]
    assert len(audit_inserts) == 2  # households and persons, one entry each
    # No per-row audit trigger fired (the recreated triggers' CREATE statements aside).
    assert not any("json_object" in s for s in statements if not s.startswith("CREATE TEMP TRIGGER"))
    # One insert per row. Python's trace repeats a statement for each trigger it fires (the
    # status store's one-id marking trigger, migration 0090), so count the distinct rows' SQL.
    assert len({s for s in statements if s.startswith("INSERT INTO persons")}) == 60


def test_import_statements_do_not_grow_with_the_rows(db, tmp_path, monkeypatch):
    calls = []
    execute = db.execute
    monkeypatch.setattr(db, "execute", lambda sql, *a, **k: calls.append(sql) or execute(sql, *a, **k))
    assert import_file(db, "persons", _persons_file(tmp_path, 30, name="a.xlsx")).ok
    small = len(calls)
    calls.clear()
    assert import_file(db, "persons", _persons_file(tmp_path, 300, start=31, name="b.xlsx")).ok
    assert not [c for c in calls if c.lstrip().upper().startswith(("INSERT INTO PERSONS", "INSERT INTO HOUSEHOLDS"))]
    assert len(calls) <= small + 10  # per import, not per row (was one execute per row)


def test_filling_an_empty_table_rebuilds_exactly_the_same_indexes(db, tmp_path, monkeypatch):
    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
    schema = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = db.execute(schema).fetchall()
    result = import_file(db, "persons", _persons_file(tmp_path, 30))
    assert result.ok
    # Built again at the end: every index but those only the window reads, which are owed to it.
    assert db.execute(schema).fetchall() == [row for row in before if row[0] not in WINDOW_ONLY]
    assert owed(db) == sorted(WINDOW_ONLY)
    plan = " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN SELECT id FROM persons WHERE name = '人7'"))
    assert "idx_persons_name" not in plan  # answered all the same, by a scan
    assert [r[0] for r in db.execute("SELECT id FROM persons WHERE name = '人7'")]
    assert build_owed(db) == sorted(WINDOW_ONLY) and not owed(db)
    assert db.execute(schema).fetchall() == before
    plan = " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN SELECT id FROM persons WHERE name = '人7'"))
    assert "idx_persons_name" in plan
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert build_owed(db) == []  # nothing left: a look at an empty table


def test_filling_the_empty_spells_leaves_their_dates_owed_until_built(db, tmp_path, monkeypatch):
    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
    schema = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = db.execute(schema).fetchall()
    assert import_file(db, "persons", _persons_file(tmp_path, 30)).ok
    assert import_file(db, "employment", _work_file(tmp_path, [pid(n) for n in range(1, 21)])).ok
    assert owed(db) == sorted(LEFT_TO_LATER)
    assert db.execute(schema).fetchall() == [row for row in before if row[0] not in LEFT_TO_LATER]
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT person_id FROM employment_spells WHERE start_date BETWEEN '2025-01-01' AND '2025-06-30'"))
    assert "idx_spells_start" not in plan  # answered all the same, by a scan
    # What `wengang import` builds at once; the window's own stay owed to the window.
    assert build_owed(db, keep=WINDOW_ONLY) == sorted(SPELL_DATES) and owed(db) == sorted(WINDOW_ONLY)
    assert build_owed(db, keep=WINDOW_ONLY) == []
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT person_id FROM employment_spells WHERE start_date BETWEEN '2025-01-01' AND '2025-06-30'"))
    assert "idx_spells_start" in plan
    assert build_owed(db) == sorted(WINDOW_ONLY) and db.execute(schema).fetchall() == before


def test_the_command_line_import_builds_the_spells_dates_and_leaves_the_windows_own(tmp_path, monkeypatch):
    """``wengang import`` has no idle time after it: what more than the window reads is built
    once the import has committed; a preview builds nothing and owes nothing."""
    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
    path = tmp_path / "c.db"
    county = open_database(path)
    set_installation(county, "甘肃省", "张掖市", "测试县")
    schema = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = county.execute(schema).fetchall()
    county.close()
    work = str(_work_file(tmp_path, [pid(n) for n in range(1, 21)]))
    assert main(["--db", str(path), "import", "persons", str(_persons_file(tmp_path, 30))]) == 0
    assert main(["--db", str(path), "import", "employment", work, "--dry-run"]) == 0
    county = open_database(path)
    assert owed(county) == sorted(WINDOW_ONLY) and county.execute("SELECT count(*) FROM employment_spells").fetchone()[0] == 0
    county.close()
    assert main(["--db", str(path), "import", "employment", work]) == 0
    county = open_database(path)
    try:
        assert owed(county) == sorted(WINDOW_ONLY)
        assert county.execute(schema).fetchall() == [row for row in before if row[0] not in WINDOW_ONLY]
        assert county.execute("SELECT count(*) FROM employment_spells").fetchone()[0] == 20
    finally:
        county.close()


def test_an_import_failing_after_its_indexes_owes_nothing_and_drops_nothing(db, tmp_path, monkeypatch):
    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
    schema = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = db.execute(schema).fetchall()

    def fail(ctx):
        assert owed(ctx.db) == sorted(WINDOW_ONLY)  # the indexes were dropped and recorded as owed
        raise KeyboardInterrupt  # e.g. the window closed at the last moment

    monkeypatch.setattr(engine, "save_findings", fail)
    with pytest.raises(KeyboardInterrupt):
        import_file(db, "persons", _persons_file(tmp_path, 30))
    assert db.execute(schema).fetchall() == before and owed(db) == []
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 0


def test_preview_and_dry_run_write_nothing_not_even_temporarily(db, tmp_path):
    import_file(db, "persons", _persons_file(tmp_path, 6))
    rows = person_rows(9)
    rows[0][-1] = "13900000000"
    path = write_xlsx(tmp_path / "更新.xlsx", PERSON_HEADERS, rows)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    preview = preview_file(db, path)
    dry = import_file(db, "persons", path, dry_run=True)
    db.conn.set_trace_callback(None)
    assert (preview.to_add, preview.to_change, preview.unchanged) == (3, 1, 5)
    assert (dry.added, dry.changed, dry.unchanged) == (3, 1, 5)
    writes = [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")
              and ("persons" in s.split("(")[0] or "households" in s.split("(")[0])]
    assert writes == []
    assert db["persons"].count == 6


def test_pinyin_by_character_equals_pinyin_of_the_whole_name():
    from pypinyin import Style, lazy_pinyin

    def whole(name):
        return "".join(p[:1].lower() for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default") if p)

    names = ["张三", "单雄信", "曾经", "欧阳娜娜", "解放", "乐乐", "朴", "Ａ张", "abc 王", "李 四", "王五1"]
    assert [initials(n) for n in names] == [whole(n) for n in names]
    assert initials("张三") == "zs" and initials("") == "" and initials(None) == ""


def test_reading_shares_repeated_short_texts_and_keeps_cells_exact(tmp_path):
    rows = person_rows(4)
    rows[0][4] = " 户主甲\u3000"  # odd spaces: cleaned as before
    rows[1][7] = 2019.0
    table = read_table(write_xlsx(tmp_path / "t.xlsx", PERSON_HEADERS, rows))
    assert table.rows[0][4] == "户主甲" and table.rows[1][7] == "2019"
    assert table.rows[0][5] is table.rows[3][5]  # "脱贫户" once in memory
    assert table.rows[0][11] == pid(1)


def test_bulk_entries_read_back_as_json(db, tmp_path):
    result = import_file(db, "persons", _persons_file(tmp_path, 3))
    raw = db.execute("SELECT new_json FROM audit_log WHERE batch_id = ? AND table_name = 'persons'",
                     [result.batch_id]).fetchone()[0]
    assert json.loads(raw)["bulk_rows"] == 3


def _temp_triggers(db) -> list[str]:
    return sorted(r[0] for r in db.execute("SELECT sql FROM sqlite_temp_master WHERE type = 'trigger'"))


def test_audit_triggers_come_back_after_rejected_dry_and_real_imports(db, tmp_path):
    triggers = _temp_triggers(db)
    assert any("audit_persons_insert" in t for t in triggers)
    rows = person_rows(5)
    rows[2][11] = "620702198505010000"  # bad check digit: the file is rejected
    assert not import_file(db, "persons", write_xlsx(tmp_path / "坏.xlsx", PERSON_HEADERS, rows)).ok
    assert _temp_triggers(db) == triggers
    assert import_file(db, "persons", _persons_file(tmp_path, 5), dry_run=True).ok
    assert _temp_triggers(db) == triggers
    assert import_file(db, "persons", _persons_file(tmp_path, 5)).ok
    assert _temp_triggers(db) == triggers


def test_new_rows_get_distinct_guids_in_the_columns_format(db, tmp_path):
    import_file(db, "persons", _persons_file(tmp_path, 30))
    guids = [r[0] for r in db.execute("SELECT guid FROM persons UNION ALL SELECT guid FROM households")]
    assert len(set(guids)) == len(guids) == 40
    assert all(len(g) == 32 and int(g, 16) >= 0 and g == g.lower() for g in guids)


def test_an_imports_guids_are_its_tables_prefix_and_the_rows_order(db, tmp_path):
    """Made in SQL from the row id (upsert._values_sql): one random prefix per batch and table,
    then 16 hex digits counting the rows the batch added, from 0; a second batch has its own."""
    import_file(db, "persons", _persons_file(tmp_path, 30))
    for table in ("persons", "households"):
        rows = db.execute(f"SELECT id, guid FROM {table} ORDER BY id").fetchall()
        first = rows[0][0]
        assert len({g[:16] for _, g in rows}) == 1
        assert [g[16:] for _, g in rows] == [f"{i - first:016x}" for i, _ in rows]
    before = {r[0] for r in db.execute("SELECT guid FROM employment_spells")}
    assert import_file(db, "employment", _work_file(tmp_path, [pid(n) for n in range(1, 11)])).ok
    added = db.execute("SELECT guid FROM employment_spells ORDER BY id").fetchall()
    prefixes = {g[:16] for (g,) in added if g not in before}
    assert len(prefixes) == 1 and prefixes.isdisjoint({g[:16] for (g,) in db.execute("SELECT guid FROM persons")})


def test_the_audit_workbook_names_an_imports_added_rows_by_batch(db, tmp_path):
    from openpyxl import load_workbook

    from wengang.services.audit_export import export_audit

    result = import_file(db, "persons", _persons_file(tmp_path, 5))
    out = tmp_path / "修改记录.xlsx"
    export_audit(db, out)
    sheet = load_workbook(out).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert f"第{result.batch_id}批导入" in cells and "None" not in cells
    setup = sheet.page_setup  # printed for an inspection: A4 landscape, one page wide, header repeated
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, sheet.print_title_rows) == ("landscape", 9, 1, "$1:$1")


def test_an_entry_s_ranges_are_counted_in_sqlite_and_follow_any_gap(db):
    """The added rows' ranges: one unbroken run is found by count/min/max alone; ids with gaps
    (rows of another batch between them) still give one range per run, as listed id by id."""
    from wengang.store.audit import _added_ranges  # noqa: PLC0415

    db.execute("CREATE TEMP TABLE t(id INTEGER PRIMARY KEY, batch_id INTEGER)")
    db.conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, 1), (2, 1), (3, 1), (4, 2), (7, 1), (8, 1), (9, 2)])
    ids_sql = "SELECT rowid FROM t WHERE batch_id = ?"
    assert _added_ranges(db, ids_sql, [1]) == (5, [[1, 3], [7, 8]])
    assert _added_ranges(db, ids_sql, [2]) == (2, [[4, 4], [9, 9]])
    db.execute("DELETE FROM t WHERE id = 4")
    assert _added_ranges(db, ids_sql, [2]) == (1, [[9, 9]])
    assert _added_ranges(db, ids_sql, [3]) == (0, [])


def test_info_says_the_indexes_left_to_the_window(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
    path = tmp_path / "c.db"
    county = open_database(path)
    set_installation(county, "甘肃省", "张掖市", "测试县")
    assert import_file(county, "persons", _persons_file(tmp_path, 30)).ok
    county.close()
    capsys.readouterr()
    assert main(["--db", str(path), "info"]) == 0
    assert f"待建立的索引：{len(WINDOW_ONLY)}个（打开程序窗口后在后台自动建立" in capsys.readouterr().out
    county = open_database(path)
    build_owed(county)
    county.close()
    assert main(["--db", str(path), "info"]) == 0
    assert "待建立的索引" not in capsys.readouterr().out


def test_a_disk_too_full_for_the_left_indexes_does_not_fail_the_imported_rows(tmp_path, monkeypatch, capsys):
    import sqlite3  # noqa: PLC0415

    from wengang.cli.commands import import_  # noqa: PLC0415

    def full(_db, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
    monkeypatch.setattr(import_, "build_owed", full)
    path = tmp_path / "c.db"
    county = open_database(path)
    set_installation(county, "甘肃省", "张掖市", "测试县")
    county.close()
    assert main(["--db", str(path), "import", "persons", str(_persons_file(tmp_path, 30))]) == 0
    assert main(["--db", str(path), "import", "employment", str(_work_file(tmp_path, [pid(n) for n in range(1, 21)]))]) == 0
    err = capsys.readouterr().err
    assert "数据已导入" in err and "磁盘" in err, err
    county = open_database(path)
    try:
        assert county.execute("SELECT count(*) FROM employment_spells").fetchone()[0] == 20
        assert owed(county) == sorted(LEFT_TO_LATER)  # left for the window, or the next import
    finally:
        county.close()
