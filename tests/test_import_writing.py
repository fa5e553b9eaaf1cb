"""The import's write side (issue 20 "Imports near the floor"): how rows reach SQLite, with
every stored value the same as before."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.services.importing import import_file, upsert
from wengang.store import db as store_db
from wengang.store.areas import set_installation
from wengang.store.db import open_database


def test_none_parameters_bind_null_through_the_registered_adapter():
    # Without an adapter for None, Python's sqlite3 tried two attribute look-ups per blank
    # parameter before binding NULL (a roster's blank cells: a second of its insert).
    assert sqlite3.adapters.get((type(None), sqlite3.PrepareProtocol)) is not None
    conn = store_db._connect(":memory:")  # noqa: SLF001 - the program's own connection set-up
    try:
        conn.execute("CREATE TABLE t (a, b NOT NULL DEFAULT 0)")
        conn.executemany("INSERT INTO t (a) VALUES (?)", [(None,), ("x",)])
        assert conn.execute("SELECT a IS NULL, typeof(a), b FROM t ORDER BY rowid").fetchall() == \
            [(1, "null", 0), (0, "text", 0)]
        with pytest.raises(sqlite3.IntegrityError):  # still NULL: a NOT NULL column refuses it
            conn.execute("INSERT INTO t (a, b) VALUES (?, ?)", ["y", None])
    finally:
        conn.close()


def _roster_and_spells(db, tmp_path, name: str) -> list[list]:
    """Import 60 persons and a spell for each of 30; every stored row of the four tables the
    import writes, as a caseworker would see it (stamps aside; guids by their position)."""
    persons = write_xlsx(tmp_path / f"{name}-人员.xlsx", PERSON_HEADERS, person_rows(60))
    spells = [[pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2025-03-01",
               None if n % 2 else "2025-09-30", None, 4500] for n in range(1, 31)]
    work = write_xlsx(tmp_path / f"{name}-务工.xlsx", WORK_HEADERS, spells)
    assert import_file(db, "persons", persons).ok
    assert import_file(db, "employment", work).ok
    tables = {"households": "id, hh_no, area_id, head_name, hh_type, exit_year, relocated, phone, batch_id",
              "persons": "id, household_id, name, id_number, gender, birth_date, relation, labour_skill, "
                         "student_status, phone, phone_is_landline, pinyin_initials, batch_id",
              "employment_spells": "id, person_id, start_date, end_date, region, place_county, monthly_income",
              "household_type_history": "household_id, hh_type, reason", "status_store_marks": "person_id"}
    rows = [db.execute(f"SELECT {cols} FROM {table} ORDER BY {cols}").fetchall() for table, cols in tables.items()]
    guids = db.execute("SELECT id, substr(guid, 17) FROM persons UNION ALL SELECT id, substr(guid, 17) "
                       "FROM employment_spells ORDER BY 1, 2").fetchall()
    return [*rows, guids]


def test_rows_staged_through_a_temp_table_are_stored_as_rows_sent_straight(tmp_path, monkeypatch):
    straight = open_database(":memory:")
    staged = open_database(":memory:")
    try:
        for db in (straight, staged):
            set_installation(db, "甘肃省", "张掖市", "测试县")
        expected = _roster_and_spells(straight, tmp_path, "a")
        monkeypatch.setattr(upsert, "STAGE_ROWS", 2)  # the small files take the bulk path
        statements: list[str] = []
        staged.conn.set_trace_callback(statements.append)
        assert _roster_and_spells(staged, tmp_path, "b") == expected
        staged.conn.set_trace_callback(None)
        # Each table's new rows arrived in one INSERT … SELECT, not one statement per row (the
        # trace repeats a statement for every trigger row it fires: distinct texts are counted).
        moves = {s for s in statements if s.startswith(("INSERT INTO persons", "INSERT INTO employment_spells"))}
        assert len(moves) == 2 and all(f"FROM temp.{upsert.STAGE}" in s for s in moves), moves
        assert not staged.execute("SELECT 1 FROM temp.sqlite_master WHERE name = ?", [upsert.STAGE]).fetchall()
    finally:
        straight.close()
        staged.close()


def test_initials_of_every_character_are_pypinyins_first_letter():
    from pypinyin import Style, lazy_pinyin

    from wengang.domain.pinyin import _initial, _readings

    table = _readings()
    assert len(table) > 40_000  # pypinyin's own table was found (not the fallback)
    for code in sorted(table, key=int)[::5]:  # every fifth of its 41,923 characters
        char = chr(int(code))
        expected = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="default")
        assert _initial(char) == expected[0][:1].lower(), char


def test_chinese_names_are_spelled_without_loading_pypinyins_phrases():
    # Importing pypinyin loads its 400,000 phrases (41 MB held through an import); a name of
    # Chinese characters only needs the table of single characters.
    script = ("import sys\nfrom wengang.domain.pinyin import initials\n"
              "assert initials('张三') == 'zs' and initials('欧阳娜娜') == 'oynn'\n"
              "print('pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.strip() == "False"
