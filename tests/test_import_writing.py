"""The import's write side (issue 20 "Imports near the floor"): how rows reach SQLite, with
every stored value the same as before."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.services.importing import findings, import_file, preview_file, upsert
from wengang.services.importing.writers import context
from wengang.store import db as store_db
from wengang.store.areas import set_installation
from wengang.store.db import open_database
from wengang.store.owed_indexes import LEFT_TO_LATER, build_owed, owed


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


def _indexes(db) -> list[tuple]:
    return db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()


@pytest.mark.parametrize(("stage_rows", "send_rows"), [(2, 10**9), (10**9, 7), (2, 7)],
                         ids=["staged", "sent in chunks", "staged in chunks"])
def test_rows_written_in_bulk_are_stored_as_rows_sent_at_the_end(tmp_path, monkeypatch, stage_rows, send_rows):
    straight = open_database(":memory:")
    bulk = open_database(":memory:")
    try:
        for db in (straight, bulk):
            set_installation(db, "甘肃省", "张掖市", "测试县")
        expected = _roster_and_spells(straight, tmp_path, "a")
        # The small files take the bulk paths: staged through the TEMP table, sent every few rows,
        # the indexes of the empty tables dropped on the first send and built again at the end.
        monkeypatch.setattr(upsert, "STAGE_ROWS", stage_rows)
        monkeypatch.setattr(context, "SEND_ROWS", send_rows)
        monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
        statements: list[str] = []
        bulk.conn.set_trace_callback(statements.append)
        assert _roster_and_spells(bulk, tmp_path, "b") == expected
        bulk.conn.set_trace_callback(None)
        # The indexes only the window reads, and the spells' dates, are left owed, then built
        # as the window builds them.
        assert owed(bulk) == sorted(LEFT_TO_LATER) and not owed(straight)
        assert build_owed(bulk) == sorted(LEFT_TO_LATER) and not owed(bulk)
        assert _indexes(bulk) == _indexes(straight)
        assert not bulk.execute("SELECT name FROM temp.sqlite_master WHERE name LIKE ?", [f"{upsert.STAGE}%"]).fetchall()
        # The trace repeats a statement for every trigger row it fires: distinct texts are counted.
        inserts = {s for s in statements if s.startswith(("INSERT INTO persons", "INSERT INTO employment_spells"))}
        if stage_rows == 2:  # each table's new rows arrive in INSERT … SELECT, not one statement per row
            assert all(f"FROM temp.{upsert.STAGE}" in s for s in inserts) and len(inserts) == 2, inserts
        if send_rows == 7:  # sent during the writing: the persons' index of households was kept meanwhile
            at = [n for n, s in enumerate(statements) if s.startswith(("INSERT INTO persons", "INSERT INTO households"))]
            assert statements[at[0]].startswith("INSERT INTO households")
            assert any(statements[n].startswith("INSERT INTO households") for n in at[at.index(
                next(n for n in at if statements[n].startswith("INSERT INTO persons"))):])  # households after persons
            assert any('DROP INDEX "idx_persons_pinyin"' in s for s in statements)
            assert not any('DROP INDEX "idx_persons_household"' in s for s in statements)
    finally:
        straight.close()
        bulk.close()


def test_a_spell_file_with_an_error_sends_nothing_and_rows_sent_before_a_cancel_are_not_kept(db, tmp_path,
                                                                                             monkeypatch):
    from wengang.services.importing.writers import employment  # noqa: PLC0415

    monkeypatch.setattr(context, "SEND_ROWS", 4)
    persons = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(30))
    assert import_file(db, "persons", persons).ok
    before = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("employment_spells", "import_batches", "status_store_marks", "audit_log")]
    ids = [pid(n) for n in range(1, 31)] + [pid(999)]  # the last 证件号码 is nobody's
    rows = [[number, None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2025-03-01",
             None, None, 4500] for number in ids]
    work = write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, rows)
    assert preview_file(db, work).to_add == 30
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    result = import_file(db, "employment", work)
    db.conn.set_trace_callback(None)
    # The writer finds every row's error before it hands any row on: nothing is sent.
    assert not any(s.startswith("INSERT INTO employment_spells") for s in statements)
    assert not result.ok and [e.message for e in result.errors] == [f"证件号码{pid(999)}未登记，请先导入人员信息"]
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("employment_spells", "import_batches", "status_store_marks", "audit_log")]
    assert counts == before
    # A good file cancelled after chunks were sent: all or nothing, the sent spells go with the rest.
    monkeypatch.setattr(employment, "PROGRESS_EVERY", 1)
    good = write_xlsx(tmp_path / "务工2.xlsx", WORK_HEADERS, rows[:-1])

    def progress(done, total, text):
        if text == "正在写入" and done == 20:
            raise KeyboardInterrupt  # the caseworker's 取消

    db.conn.set_trace_callback(statements.append)
    with pytest.raises(KeyboardInterrupt):
        import_file(db, "employment", good, progress=progress)
    db.conn.set_trace_callback(None)
    assert any(s.startswith("INSERT INTO employment_spells") for s in statements)  # some were sent
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("employment_spells", "import_batches", "status_store_marks", "audit_log")]
    assert counts == before and not db.conn.in_transaction


def test_initials_of_every_character_are_pypinyins_first_letter():
    from pypinyin import Style, lazy_pinyin

    from wengang.domain.pinyin import _initial, _readings

    table = _readings()
    assert len(table) > 40_000  # pypinyin's own table was found (not the fallback)
    for code in sorted(table, key=int)[::5]:  # every fifth of its 41,923 characters
        char = chr(int(code))
        expected = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="default")
        assert _initial(char) == expected[0][:1].lower(), char


def test_the_shipped_initials_are_pypinyins_table_s_and_read_instead_of_it(monkeypatch, tmp_path):
    """pinyin_initials is the letter of every character of pypinyin's table (what _initial
    derives from it); it is read when the table here is the one it was made from (else: run
    ``python -m wengang.domain.pinyin``), and a table changed since is read itself."""
    import json

    from wengang.domain import pinyin, pinyin_initials

    assert pinyin_initials.RANGES == pinyin.initials_table(pinyin._readings())
    pinyin._known_letters.cache_clear()
    assert pinyin._known_letters() is pinyin_initials.RANGES
    names = ["张三", "欧阳娜娜", "㐀㐁", "李Ａ明", "丨丶", "龥", "\uf900"]
    want = [pinyin.initials(n) for n in names]
    # A pypinyin whose table gives 张 another reading (as a newer release might): its letters
    # are the table's, in the same shape, and 张 follows the file, not the shipped table.
    readings = dict(pinyin._readings())
    assert readings[str(ord("张"))].startswith("zh")
    readings[str(ord("张"))] = "wáng"
    changed = tmp_path / "pinyin_dict.json"
    changed.write_text(json.dumps(readings), encoding="utf-8")
    monkeypatch.setattr(pinyin, "_pinyin_dict", lambda: changed)
    pinyin._known_letters.cache_clear()
    pinyin._initial.cache_clear()
    try:
        assert pinyin._known_letters() == pinyin.initials_table(readings) != pinyin_initials.RANGES
        assert [pinyin.initials(n) for n in names] == ["ws", *want[1:]]
        for code in range(0x3400, 0xFB00, 7):  # table and file give every other character the same letter
            if code != ord("张") and any(first <= code <= last for first, last in pinyin.HAN_RANGES):
                assert pinyin._known_letter(chr(code)) == pinyin_initials_letter(code), hex(code)
    finally:
        pinyin._known_letters.cache_clear()
        pinyin._initial.cache_clear()


def pinyin_initials_letter(code: int) -> str | None:
    from wengang.domain import pinyin_initials

    for first, letters in pinyin_initials.RANGES:
        if first <= code < first + len(letters):
            return None if letters[code - first] == "?" else letters[code - first]
    return None


def test_chinese_names_are_spelled_without_loading_pypinyins_phrases():
    # Importing pypinyin loads its 400,000 phrases (41 MB held through an import); a name of
    # Chinese characters only needs the table of single characters.
    script = ("import sys\nfrom wengang.domain.pinyin import initials\n"
              "assert initials('张三') == 'zs' and initials('欧阳娜娜') == 'oynn'\n"
              "print('pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.strip() == "False"


def test_a_sent_row_is_read_back_when_its_key_comes_again(db):
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a TEXT, b INTEGER, batch_id INTEGER, "
               "updated_at TEXT)")
    table = upsert.Upserter(db, "t", ("code",), ("a", "b"), None)
    assert table.apply(("x",), {"a": "甲", "b": 1}) == ("added", 1)
    assert table.apply(("y",), {"a": "乙", "b": 2}) == ("added", 2)
    table.send()
    assert db.execute("SELECT code, a, b FROM t ORDER BY id").fetchall() == [("x", "甲", 1), ("y", "乙", 2)]
    assert table.rows[("x",)] == (1,)  # the values are let go once in the table
    assert table.stored_value(("x",), "a") == "甲" and table.find(("y",)) == 2
    assert table.apply(("x",), {"a": "甲", "b": 1}) == ("unchanged", 1)
    assert table.apply(("y",), {"b": 3}) == ("changed", 2)
    table.flush()
    assert db.execute("SELECT code, a, b FROM t ORDER BY id").fetchall() == [("x", "甲", 1), ("y", "乙", 3)]


class _NoSender:
    """``engine.sending`` as before the sender thread: the chunks go on the writer's thread."""

    def __call__(self, db):
        import contextlib  # noqa: PLC0415

        @contextlib.contextmanager
        def none():
            yield None
        return none()


def _threads_of(db, statements: list[tuple[str, str]]):
    import threading  # noqa: PLC0415

    db.conn.set_trace_callback(lambda sql: statements.append((threading.current_thread().name, sql)))


def test_chunks_inserted_on_the_sender_thread_are_stored_as_on_the_writers_thread(tmp_path, monkeypatch):
    from wengang.services.importing import engine  # noqa: PLC0415

    monkeypatch.setattr(upsert, "STAGE_ROWS", 2)
    monkeypatch.setattr(context, "SEND_ROWS", 7)
    monkeypatch.setattr(upsert, "BULK_INDEX_ROWS", 5)
    sequential, threaded = open_database(":memory:"), open_database(":memory:")
    try:
        for db in (sequential, threaded):
            set_installation(db, "甘肃省", "张掖市", "测试县")
        with monkeypatch.context() as patch:
            patch.setattr(engine, "sending", _NoSender())
            expected = _roster_and_spells(sequential, tmp_path, "a")
        statements: list[tuple[str, str]] = []
        _threads_of(threaded, statements)
        assert _roster_and_spells(threaded, tmp_path, "b") == expected
        threaded.conn.set_trace_callback(None)
        assert _indexes(threaded) == _indexes(sequential)
        sent = {thread for thread, sql in statements
                if sql.startswith(("INSERT INTO persons", "INSERT INTO employment_spells"))}
        assert any(name.startswith("wengang-send") for name in sent)  # chunks went on the sender
        assert threaded.execute("SELECT count(*) FROM areas").fetchone() == \
            sequential.execute("SELECT count(*) FROM areas").fetchone()
        assert threaded.execute("SELECT id, name, level, parent_id FROM areas ORDER BY id").fetchall() == \
            sequential.execute("SELECT id, name, level, parent_id FROM areas ORDER BY id").fetchall()
    finally:
        sequential.close()
        threaded.close()


def test_an_error_inside_the_sender_thread_rolls_the_whole_import_back(db, tmp_path, monkeypatch):
    import threading  # noqa: PLC0415

    monkeypatch.setattr(upsert, "STAGE_ROWS", 2)
    monkeypatch.setattr(context, "SEND_ROWS", 4)
    persons = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(30))
    tables = ("households", "persons", "areas", "import_batches", "status_store_marks", "audit_log")
    before = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]
    send_now, sends = upsert.Upserter._send_now, []  # noqa: SLF001

    def failing(self, staged, drop, conn):
        if threading.current_thread() is not threading.main_thread():
            sends.append(self.table)
            if len(sends) == 3:  # a later chunk, after some went in
                raise sqlite3.IntegrityError("UNIQUE constraint failed: persons.id_number")
        send_now(self, staged, drop, conn)

    monkeypatch.setattr(upsert.Upserter, "_send_now", failing)
    result = import_file(db, "persons", persons)
    assert len(sends) == 3  # the chunk after the failed one was never handed over
    assert not result.ok and [(e.field, e.message) for e in result.errors] == \
        [("数据库", "数据与已有记录冲突，未导入：UNIQUE constraint failed: persons.id_number")]
    assert [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables] == before
    assert not db.conn.in_transaction and type(db.conn) is sqlite3.Connection  # the connection given back
    monkeypatch.setattr(upsert.Upserter, "_send_now", send_now)
    assert import_file(db, "persons", persons).ok  # and usable: the same file imports whole


def test_a_cancel_while_a_chunk_is_in_flight_waits_for_it_and_rolls_back(db, tmp_path, monkeypatch):
    import threading  # noqa: PLC0415
    import time  # noqa: PLC0415

    monkeypatch.setattr(upsert, "STAGE_ROWS", 2)
    monkeypatch.setattr(context, "SEND_ROWS", 4)
    from wengang.services.importing.writers import persons as roster_writer  # noqa: PLC0415

    monkeypatch.setattr(roster_writer, "PROGRESS_EVERY", 1)
    persons = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(30))
    send_now, slow = upsert.Upserter._send_now, []  # noqa: SLF001

    def slowly(self, staged, drop, conn):
        if threading.current_thread() is not threading.main_thread():
            slow.append(self.table)
            time.sleep(0.2)  # still inserting when the writer is cancelled
        send_now(self, staged, drop, conn)

    def progress(done, total, text):
        if slow and text == "正在写入":
            raise KeyboardInterrupt  # the caseworker's 取消

    monkeypatch.setattr(upsert.Upserter, "_send_now", slowly)
    with pytest.raises(KeyboardInterrupt):
        import_file(db, "persons", persons, progress=progress)
    assert slow and not db.conn.in_transaction and type(db.conn) is sqlite3.Connection
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0


def test_the_connection_waits_for_the_senders_job(db):
    import time  # noqa: PLC0415

    from wengang.services.importing.sender import sending  # noqa: PLC0415

    db.execute("CREATE TABLE t (a)")
    order: list[str] = []

    def job(conn):
        time.sleep(0.2)
        conn.execute("INSERT INTO t VALUES (1)")
        order.append("job")

    with sending(db) as sender:
        sender.submit([job])
        # A read of this thread waits for the job in flight: it sees the row.
        assert db.execute("SELECT count(*) FROM t").fetchone() == (1,)
        order.append("read")
        sender.submit([lambda conn: (_ for _ in ()).throw(sqlite3.IntegrityError("bad chunk"))])
        with pytest.raises(sqlite3.IntegrityError, match="bad chunk"):
            db.execute("SELECT 1")  # the job's error comes out of the next wait
    assert order == ["job", "read"] and type(db.conn) is sqlite3.Connection
    with sending(db) as sender:
        sender.submit([job])
        db.conn.row_factory = sqlite3.Row  # set on the connection, once the job is done
        assert order[-1] == "job" and db.execute("SELECT count(*) AS n FROM t").fetchone()["n"] == 2
        db.conn.row_factory = None
    assert db.conn.row_factory is None
    with pytest.raises(sqlite3.IntegrityError, match="at the end"), sending(db) as sender:
        sender.submit([lambda conn: (_ for _ in ()).throw(sqlite3.IntegrityError("at the end"))])
    assert type(db.conn) is sqlite3.Connection



def test_threads_switch_often_while_a_sender_runs_and_as_before_afterwards(db):
    # The sender's statements each give the GIL up and wait to get it back from the writer's
    # thread: while a sender runs, the interpreter switches threads every SWITCH_SECONDS; after
    # it (also after an error, also with a second import on another thread that ends later)
    # the interval is the one it found.
    import threading  # noqa: PLC0415

    import sqlite_utils  # noqa: PLC0415

    from wengang.services.importing.sender import SWITCH_SECONDS, sending  # noqa: PLC0415

    often = pytest.approx(SWITCH_SECONDS)  # kept in whole microseconds

    before = sys.getswitchinterval()
    assert before > SWITCH_SECONDS
    with sending(db):
        assert sys.getswitchinterval() == often
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError, match="cancelled"), sending(db):
        raise RuntimeError("cancelled")
    assert sys.getswitchinterval() == before

    other_started, first_ended, seen = threading.Event(), threading.Event(), []

    def second_import() -> None:
        other = sqlite_utils.Database(memory=True)
        with sending(other):
            other_started.set()
            first_ended.wait(5)
            seen.append(sys.getswitchinterval())  # the first import has ended: still often

    with sending(db):
        thread = threading.Thread(target=second_import)
        thread.start()
        assert other_started.wait(5)
    first_ended.set()
    thread.join(5)
    assert seen == [often] and sys.getswitchinterval() == before


def test_member_values_made_column_wise_keep_each_rows_pinyin_phone_and_warning(db, tmp_path):
    # The roster writer makes every row's member values once, column by column (the pinyin once
    # per name, the phones' warnings before the rows are written): each row still gets its own
    # values, and a warned phone's finding names that row's person and household.
    rows = person_rows(6)
    rows[1][10] = rows[4][10] = "张三"  # one name on two rows, in two households
    rows[2][10] = "Li 四"
    rows[1][15], rows[3][15], rows[5][15] = "0936-1234567", "1361234", None
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, rows)
    assert import_file(db, "persons", path).ok
    stored = db.execute("SELECT p.id_number, p.name, p.pinyin_initials, p.phone, p.phone_is_landline, h.hh_no "
                        "FROM persons p JOIN households h ON h.id = p.household_id ORDER BY p.id").fetchall()
    assert [tuple(r) for r in stored] == [
        (pid(1), "人1", "r1", "13600000001", 0, "62070200000001"),
        (pid(2), "张三", "zs", "0936-1234567", 1, "62070200000001"),
        (pid(3), "Li 四", "ls", "13600000003", 0, "62070200000001"),
        (pid(4), "人4", "r4", "1361234", 0, "62070200000002"),
        (pid(5), "张三", "zs", "13600000005", 0, "62070200000002"),
        (pid(6), "人6", "r6", None, 0, "62070200000002")]
    findings = db.execute("SELECT p.id_number, h.hh_no, f.field FROM quality_findings f JOIN persons p "
                          "ON p.id = f.person_id JOIN households h ON h.id = f.household_id "
                          "WHERE f.message LIKE '%1361234%'").fetchall()
    assert [tuple(r) for r in findings] == [(pid(4), "62070200000002", "联系电话")]


def test_a_spells_blank_described_columns_are_named_per_row(db, tmp_path):
    # Which of 就业渠道/务工企业名称/务工所属行业 a spell leaves blank is worked out column by
    # column (each pattern of blanks once): every row is still told exactly its own.
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(5))).ok
    blanks = [(), (3,), (7, 8), (3, 7, 8), (8,)]
    spells = []
    for n, blank in enumerate(blanks, 1):
        row = [pid(n), f"人{n}", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", "2025-03-01",
               None, None, 4500]
        for column in blank:
            row[column] = None
        spells.append(row)
    result = import_file(db, "employment", write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, spells))
    assert result.ok
    assert sorted((w.row, w.field, w.message) for w in result.warnings if "缺少" in w.message) == [
        (3, "就业渠道", "务工信息缺少就业渠道"),
        (4, "务工企业名称", "务工信息缺少务工企业名称、务工所属行业"),
        (5, "就业渠道", "务工信息缺少就业渠道、务工企业名称、务工所属行业"),
        (6, "务工所属行业", "务工信息缺少务工所属行业")]


def _coded_tables(db, *names: str) -> list:
    """A table keyed by ``code`` (columns a, b) per name, each with its Upserter of batch 7."""
    for table in names:
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a TEXT, b INTEGER, "
                   "batch_id INTEGER, created_at TEXT, updated_at TEXT)")
    return [upsert.Upserter(db, table, ("code",), ("a", "b"), 7) for table in names]


def test_rows_added_as_columns_are_the_rows_added_one_by_one(db):
    # The roster's new persons go to the upserter a column at a time: the same ids in the same
    # order, found and read back before and after they are sent, the same rows stored.
    one, cols = _coded_tables(db, "one", "cols")
    rows = [("x", "甲", 1), ("y", None, 2), ("z", "丙", None)]
    assert [one.apply_values((code,), ("a", "b"), (a, b)) for code, a, b in rows] == \
        [("added", 1), ("added", 2), ("added", 3)]
    cols.add_columns([["x", "y", "z"]], ("a", "b"), [["甲", None, "丙"], [1, 2, None]])
    assert cols.pending == 3 and cols.find(("y",)) == 2 and cols.stored_value(("z",), "a") == "丙"
    assert cols.apply_values(("x",), ("a", "b"), ("甲", 1)) == ("unchanged", 1)
    assert cols.apply_values(("w",), ("a", "b"), ("丁", 4)) == ("added", 4)  # after the columns' ids
    cols.send()
    assert cols.rows[("x",)] == (1,) and cols.stored_value(("y",), "b") == 2  # read back once sent
    assert cols.apply_values(("z",), ("a", "b"), ("丙", 3)) == ("changed", 3)
    one.apply_values(("w",), ("a", "b"), ("丁", 4))
    one.apply_values(("z",), ("a", "b"), ("丙", 3))
    for table in (one, cols):
        table.flush()
    stored = "SELECT id, code, a, b, batch_id, created_at IS NOT NULL FROM {} ORDER BY id"
    assert db.execute(stored.format("cols")).fetchall() == db.execute(stored.format("one")).fetchall()
    assert db.execute(stored.format("cols")).fetchall()[0] == (1, "x", "甲", 1, 7, 1)


def test_rows_added_unnamed_are_stored_as_added_rows_and_not_remembered(db):
    # The employment writer's new spells (keys unique in the file): the same rows and ids as
    # apply_values gives them, but the upserter keeps nothing of them once they are sent.
    one, unnamed = _coded_tables(db, "one", "unnamed")
    rows = [("x", ("a", "b"), ("甲", 1)), ("y", ("a",), (None,)), ("z", ("a", "b"), ("丙", None))]
    assert [one.apply_values((code,), layout, values)[1] for code, layout, values in rows] == [1, 2, 3]
    assert [unnamed.add_unnamed((code,), layout, values) for code, layout, values in rows] == [1, 2, 3]
    assert unnamed.pending == 3 and unnamed.rows == {} and unnamed.find(("x",)) is None
    unnamed.send()
    assert unnamed.pending == 0 and unnamed.rows == {}
    assert unnamed.add_unnamed(("w",), ("a", "b"), ("丁", 4)) == 4  # after the ids given before
    one.apply_values(("w",), ("a", "b"), ("丁", 4))
    for table in (one, unnamed):
        table.flush()
    stored = "SELECT id, code, a, b, batch_id, created_at IS NOT NULL FROM {} ORDER BY id"
    assert db.execute(stored.format("unnamed")).fetchall() == db.execute(stored.format("one")).fetchall()


def test_rows_added_as_unnamed_columns_are_the_rows_added_unnamed_one_by_one(db):
    # The employment writer's new spells of a file giving every stored column: a chunk at a
    # time as columns, the same ids and rows as add_unnamed row by row, nothing remembered.
    one, cols = _coded_tables(db, "one", "cols")
    rows = [("x", "甲", 1), ("y", None, 2), ("z", "丙", None)]
    assert [one.add_unnamed((code,), ("a", "b"), (a, b)) for code, a, b in rows] == [1, 2, 3]
    cols.add_columns([["x", "y", "z"]], ("a", "b"), [["甲", None, "丙"], [1, 2, None]], named=False)
    assert cols.pending == 3 and cols.rows == {} and cols.find(("y",)) is None
    cols.send()
    cols.add_columns([["w"]], ("a", "b"), [["丁"], [4]], named=False)  # after the ids given before
    one.add_unnamed(("w",), ("a", "b"), ("丁", 4))
    for table in (one, cols):
        table.flush()
    assert cols.rows == {}
    stored = "SELECT id, code, a, b, batch_id, created_at IS NOT NULL FROM {} ORDER BY id"
    assert db.execute(stored.format("cols")).fetchall() == db.execute(stored.format("one")).fetchall()
    assert len(db.execute(stored.format("cols")).fetchall()) == 4


def test_a_block_of_stored_and_new_persons_keeps_each_rows_outcome_id_and_warning(db, tmp_path, monkeypatch):
    # Member rows are written a block at a time (the new persons together, then the stored ones
    # compared): with blocks smaller than the file and stored, changed and new persons mixed in
    # each, every row still gets its own outcome, new persons their ids in file order, and a
    # warned phone its own person and household.
    monkeypatch.setattr(context, "SEND_ROWS", 4)
    assert import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, person_rows(12))).ok
    rows = person_rows(18)
    rows[4][10] = "改名"  # person 5: changed
    rows[13][15] = "1361234"  # person 14 (new): a phone warned about
    rows[1][15] = "1365678"  # person 2 (stored): changed, and warned about
    result = import_file(db, "persons", write_xlsx(tmp_path / "b.xlsx", PERSON_HEADERS, rows))
    assert result.ok and (result.added, result.changed, result.unchanged) == (6, 2, 10)
    stored = db.execute("SELECT id, id_number, name, phone FROM persons ORDER BY id").fetchall()
    assert [r[1] for r in stored] == [pid(n) for n in range(1, 19)] and [r[0] for r in stored] == list(range(1, 19))
    assert stored[4][2] == "改名" and stored[1][3] == "1365678"
    warned = db.execute("SELECT p.id_number, h.hh_no FROM quality_findings f JOIN persons p ON p.id = f.person_id "
                        "JOIN households h ON h.id = f.household_id WHERE f.field = '联系电话' "
                        "ORDER BY f.id").fetchall()
    assert [tuple(r) for r in warned] == [(pid(2), "62070200000001"), (pid(14), "62070200000005")]
    assert [(w.row, w.field) for w in result.warnings if w.field == "联系电话"] == [(3, "联系电话"), (15, "联系电话")]


def test_a_stored_row_compared_at_once_is_unchanged_exactly_when_each_value_is_the_same(db):
    # apply_values compares a stored row's values as one tuple first (a second import of a
    # roster is almost all unchanged rows): the outcome is still the column-by-column one.
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a TEXT, b REAL, c TEXT, batch_id INTEGER, "
               "updated_at TEXT)")
    db.execute("INSERT INTO t (code, a, b, c) VALUES ('x', '甲', 1.5, NULL), ('y', '乙', 2, 'c')")
    table = upsert.Upserter(db, "t", ("code",), ("a", "b", "c"), None)
    assert table.apply_values(("x",), ("a", "b", "c"), ("甲", 1.5, None)) == ("unchanged", 1)
    assert table.apply_values(("x",), ("b",), (1.5 + 1e-12,)) == ("unchanged", 1)  # within _same's tolerance
    assert table.apply_values(("y",), ("b", "a"), (2, "乙")) == ("unchanged", 2)  # any order of columns
    assert table.apply(("y",), {"c": "c", "a": "乙"}) == ("unchanged", 2)
    assert table.apply_values(("x",), ("a", "c"), ("甲", "")) == ("changed", 1)  # None → ""
    assert table.apply(("y",), {"b": 3}) == ("changed", 2)
    table.flush()
    assert db.execute("SELECT code, a, b, c FROM t ORDER BY id").fetchall() == [("x", "甲", 1.5, ""), ("y", "乙", 3, "c")]


def test_many_updates_sent_through_the_stage_are_the_updates_sent_one_by_one(tmp_path, monkeypatch):
    # A re-import's changed rows of one layout go through a TEMP table, one UPDATE … FROM per
    # chunk: the same stored rows, and the same audit entries in the same order.
    def imported(db, name: str) -> list:
        set_installation(db, "甘肃省", "张掖市", "测试县")
        assert import_file(db, "persons", write_xlsx(tmp_path / f"{name}-a.xlsx", PERSON_HEADERS, person_rows(30))).ok
        rows = person_rows(30)
        for n in range(0, 30, 2):
            rows[n][10] = f"新{n}"  # 15 names changed
        rows[3][4] = "户主甲"  # a household's 户主姓名
        result = import_file(db, "persons", write_xlsx(tmp_path / f"{name}-b.xlsx", PERSON_HEADERS, rows))
        assert result.ok and result.changed == 15 and result.details["households_changed"] == 6
        audit = [(t, row_id, action, *(None if j is None else {k: v for k, v in json.loads(j).items()
                                                          if k not in ("updated_at", "created_at", "guid")}
                                       for j in (old, new)))
                 for t, row_id, action, old, new in db.execute(
                     "SELECT table_name, row_id, action, old_json, new_json FROM audit_log ORDER BY id")]
        return [db.execute("SELECT p.id, p.name, h.head_name, p.batch_id FROM persons p JOIN households h "
                           "ON h.id = p.household_id ORDER BY p.id").fetchall(), audit]

    straight, staged = open_database(":memory:"), open_database(":memory:")
    try:
        expected = imported(straight, "a")
        monkeypatch.setattr(upsert, "STAGE_ROWS", 2)
        statements: list[str] = []
        staged.conn.set_trace_callback(statements.append)
        assert imported(staged, "b") == expected
        assert any(s.startswith("UPDATE persons SET name = u.c0") for s in statements)
        assert not staged.execute("SELECT name FROM temp.sqlite_master WHERE name LIKE ?",
                                  [f"{upsert.STAGE}%"]).fetchall()
    finally:
        straight.close()
        staged.close()


def test_a_row_updated_twice_in_one_batch_keeps_the_last_values(db, monkeypatch):
    monkeypatch.setattr(upsert, "STAGE_ROWS", 2)  # would go through the stage, but for the same row twice
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a TEXT, batch_id INTEGER, updated_at TEXT)")
    db.execute("INSERT INTO t (code, a) VALUES ('x', '甲'), ('y', '乙')")
    table = upsert.Upserter(db, "t", ("code",), ("a",), None)
    for value in ("丙", "丁"):
        assert table.apply(("x",), {"a": value}) == ("changed", 1)
    table.flush()
    assert db.execute("SELECT code, a FROM t ORDER BY id").fetchall() == [("x", "丁"), ("y", "乙")]


@pytest.mark.parametrize("every", [1, 2, 3, 10**6])
def test_spells_handed_over_in_chunks_keep_their_keys_past_rows_not_written(db, tmp_path, monkeypatch, every):
    # The rows the writer hands over (a chunk of the walk at a time) take their keys in walking
    # order: rows not written (an unknown 证件号码, a duplicate) between them shift nothing, so
    # each stored spell is still told unchanged or changed and each new one added.
    from wengang.services.importing.writers import employment  # noqa: PLC0415

    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(9))).ok

    def spell(n, start, income=4500):
        return [pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, None, None,
                income]

    stored = [spell(n, "2025-03-01") for n in range(1, 7)]
    assert import_file(db, "employment", write_xlsx(tmp_path / "a.xlsx", WORK_HEADERS, stored)).ok
    monkeypatch.setattr(employment, "PROGRESS_EVERY", every)
    rows = [spell(1, "2025-03-01"), spell(999, "2025-03-01"), spell(2, "2025-03-01", 5000), spell(7, "2025-04-01"),
            spell(3, "2025-03-01"), spell(3, "2025-03-01"), spell(4, "2025-03-01", 100), spell(8, "2025-05-01"),
            spell(5, "2025-03-01")]
    preview = preview_file(db, write_xlsx(tmp_path / "b.xlsx", WORK_HEADERS, rows), "employment")
    assert (preview.to_add, preview.to_change, preview.unchanged) == (2, 2, 3)
    assert [e.row for e in preview.errors] == [3, 7]
    good = [row for n, row in enumerate(rows) if n not in (1, 5)]
    result = import_file(db, "employment", write_xlsx(tmp_path / "c.xlsx", WORK_HEADERS, good))
    assert result.ok and (result.added, result.changed, result.unchanged) == (2, 2, 3), result.summary()
    assert db.execute("SELECT person_id, start_date, monthly_income FROM employment_spells WHERE id > 6 OR "
                      "monthly_income <> 4500 ORDER BY id").fetchall() == \
        [(2, "2025-03-01", 5000.0), (4, "2025-03-01", 100.0), (7, "2025-04-01", 4500.0), (8, "2025-05-01", 4500.0)]


@pytest.mark.parametrize("width", [1, 3, 16, 40])
def test_rows_staged_many_to_a_statement_are_the_rows_staged_one_by_one(db, width):
    # insert_grouped puts several rows in one INSERT (fewer when rows are wide, to stay within the
    # parameters a statement takes): every row arrives, in order, with its values and types.
    conn = db.conn
    for count in (0, 1, upsert.STAGE_GROUP - 1, upsert.STAGE_GROUP, 3 * upsert.STAGE_GROUP + 5):
        rows = [tuple([n, f"名{n}", None, n / 4, b"\x00"][c % 5] for c in range(width)) for n in range(count)]
        for name in ("one", "grouped"):
            conn.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'c{n}' for n in range(width))})")
        conn.executemany(f"INSERT INTO temp.one VALUES ({', '.join('?' * width)})", rows)
        upsert.insert_grouped(conn, "temp.grouped", width, rows)
        stored = "SELECT rowid, *, {} FROM temp.{} ORDER BY rowid"
        types = ", ".join(f"typeof(c{n})" for n in range(width))
        assert conn.execute(stored.format(types, "grouped")).fetchall() == \
            conn.execute(stored.format(types, "one")).fetchall() == [(n + 1, *row, *(
                {int: "integer", str: "text", type(None): "null", float: "real", bytes: "blob"}[type(v)] for v in row))
                for n, row in enumerate(rows)]
        conn.execute("DROP TABLE temp.one")
        conn.execute("DROP TABLE temp.grouped")


def test_findings_saved_many_to_a_statement_are_those_saved_one_by_one(tmp_path, monkeypatch):
    # The import's warnings go into quality_findings many rows to a statement
    # (findings.save_findings through upsert.insert_grouped): the same rows, ids and order as one INSERT
    # per finding, an open finding not added again by the next import of the same rows.
    rows = person_rows(3 * upsert.STAGE_GROUP + 5)
    for row in rows:
        row[15] = None  # a blank phone: a finding on every row
    first = write_xlsx(tmp_path / "人员1.xlsx", PERSON_HEADERS, rows[:-20])
    second = write_xlsx(tmp_path / "人员2.xlsx", PERSON_HEADERS, rows)

    def one_by_one(conn, into: str, width: int, params: list[tuple]) -> None:
        conn.executemany(f"INSERT INTO {into} VALUES ({', '.join('?' * width)})", params)

    states = []
    for save in (one_by_one, upsert.insert_grouped):
        monkeypatch.setattr(findings, "insert_grouped", save)
        db = open_database(":memory:")
        set_installation(db, "甘肃省", "张掖市", "测试县")
        assert import_file(db, "persons", first).ok and import_file(db, "persons", second).ok
        states.append(db.execute("SELECT id, rule, severity, person_id, household_id, field, message, batch_id, "
                                 "resolved_at FROM quality_findings ORDER BY id").fetchall())
        db.close()
    assert states[0] == states[1]
    assert len(states[0]) >= len(rows) and len({r[1:] for r in states[0]}) == len(states[0])


def test_rows_are_grouped_by_household_and_each_phone_warned_about_on_its_own_row(db, tmp_path):
    # The writer groups rows by 户编号 (at once when no 证件号码 repeats) and looks at each
    # distinct phone that is neither a mobile nor a landline once: a household's rows apart in
    # the file are still its members, and every blank or short phone is warned about on its row.
    rows = person_rows(6)
    rows[1][3] = rows[4][3] = "62070200000009"  # rows 3 and 6 of the sheet: one household, apart
    rows[1][12] = "户主"
    rows[0][15] = rows[2][15] = rows[4][15] = None
    rows[3][15], rows[5][15] = "1361234", "0936-1234567"
    result = import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, rows))
    assert result.ok
    members = db.execute("SELECT h.hh_no, group_concat(p.id_number) FROM persons p JOIN households h "
                         "ON h.id = p.household_id GROUP BY h.hh_no ORDER BY h.hh_no").fetchall()
    assert [tuple(m) for m in members] == [("62070200000001", f"{pid(1)},{pid(3)}"),
                                           ("62070200000002", f"{pid(4)},{pid(6)}"),
                                           ("62070200000009", f"{pid(2)},{pid(5)}")]
    assert [(w.row, w.message) for w in result.warnings if w.field == "联系电话"] == [
        (2, "联系电话为空"), (4, "联系电话为空"), (5, "联系电话1361234是7位，手机号码应为11位"), (6, "联系电话为空")]
    again = import_file(db, "persons", write_xlsx(tmp_path / "again.xlsx", PERSON_HEADERS, [rows[0], rows[2], rows[0]]))
    assert [tuple(e) for e in again.errors] == [(4, "证件号码", f"证件号码{pid(1)}与第2行重复")]


def test_stored_rows_held_by_id_alone_are_compared_as_rows_held_with_their_values(db):
    # values=False (a re-import's spells and persons): the upserter holds each stored row's id
    # only and reads the values of the rows it compares, a chunk at a time (fetch_values: ids
    # close together as one range, others one by one through json_each; a row not fetched is
    # read alone). The outcomes and what is written are those of the values held.
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a TEXT, b REAL, batch_id INTEGER, "
               "updated_at TEXT)")
    db.conn.executemany("INSERT INTO t (id, code, a, b) VALUES (?, ?, ?, ?)",
                        [(n, f"k{n}", f"甲{n}", n / 2) for n in (*range(1, 41), 1000, 5000)])
    incoming = [((f"k{n}",), ("a", "b"), (f"甲{n}", n / 2 + (n % 3 == 0))) for n in (*range(1, 41), 1000, 5000, 6000)]

    def outcomes(values: bool, chunks: list[slice]) -> tuple[list, list]:
        db.execute("SAVEPOINT compared")
        table = upsert.Upserter(db, "t", ("code",), ("a", "b"), None, values=values)
        assert all(type(hit) is (tuple if values else int) for hit in table.rows.values())
        said = []
        for chunk in chunks:
            table.fetch_values([table.rows.get(key) for key, _layout, _row in incoming[chunk]])
            said += [table.apply_values(*row) for row in incoming[chunk]]
        table.flush()
        stored = db.execute("SELECT id, code, a, b FROM t ORDER BY id").fetchall()
        db.execute("ROLLBACK TO compared")
        db.execute("RELEASE compared")
        return said, stored

    held = outcomes(True, [slice(None)])
    assert [outcome for outcome, _id in held[0]].count("changed") == 13 and held[0][-1] == ("added", 5001)
    assert outcomes(False, [slice(0, 20), slice(20, 40), slice(40, None)]) == held  # ranges, then ids apart
    assert outcomes(False, [slice(0, 0), slice(None)]) == held  # one range, 1000 and 5000 dropped from it
    assert outcomes(False, [slice(0, 30)] + [slice(n, n + 1) for n in range(30, 43)]) == held


def test_a_monthly_re_import_with_stored_rows_held_by_id_alone_stores_what_holding_their_values_stored(
        tmp_path, monkeypatch):
    # The same two re-imports (persons and spells: some changed, some new, most unchanged),
    # once with the stored rows' values held from the start and once read a chunk at a time.
    from wengang.services.importing.writers import employment, persons  # noqa: PLC0415

    def spell(n, start, income=4500):
        return [pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, None, None,
                income]

    def imported(name: str) -> list:
        db = open_database(tmp_path / f"{name}.db")
        try:
            set_installation(db, "甘肃省", "张掖市", "测试县")
            assert import_file(db, "persons", write_xlsx(tmp_path / "p1.xlsx", PERSON_HEADERS, person_rows(30))).ok
            first = [spell(n, "2025-03-01") for n in range(1, 25)]
            assert import_file(db, "employment", write_xlsx(tmp_path / "e1.xlsx", WORK_HEADERS, first)).ok
            roster = person_rows(36)
            roster[4][10] = "新名"
            again = [spell(n, "2025-03-01", 5000 if n % 4 == 0 else 4500) for n in range(1, 25)]
            again += [spell(n, "2026-01-01") for n in range(20, 34)]
            said = [import_file(db, "persons", write_xlsx(tmp_path / "p2.xlsx", PERSON_HEADERS, roster)),
                    import_file(db, "employment", write_xlsx(tmp_path / "e2.xlsx", WORK_HEADERS, again))]
            return [[(r.ok, r.added, r.changed, r.unchanged) for r in said],
                    db.execute("SELECT id, id_number, name, household_id FROM persons ORDER BY id").fetchall(),
                    db.execute("SELECT id, person_id, start_date, monthly_income, batch_id FROM employment_spells "
                               "ORDER BY id").fetchall()]
        finally:
            db.close()

    by_id = imported("by-id")
    assert by_id[0] == [(True, 6, 1, 29), (True, 14, 6, 18)]
    monkeypatch.setattr(persons, "PERSONS_HELD", {"values": True})
    monkeypatch.setattr(employment, "SPELLS_HELD", {"values": True})
    assert imported("held") == by_id
