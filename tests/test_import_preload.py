"""Issue 3 "Fast", the look-ups read while the sheet is parsed and the leaner employment
writer: the same results as the plain path, whatever the kind, file or outcome."""

from __future__ import annotations

import shutil
import threading

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.services.importing import engine, import_file, preview_file, read_table
from wengang.services.importing.parse import Record, parse_table
from wengang.services.importing.spec import kind_spec
from wengang.services.importing.upsert import Upserter
from wengang.services.importing.writers import PRELOADS
from wengang.services.importing.writers.employment import SPELLS
from wengang.store.areas import set_installation
from wengang.store.backup import list_backups
from wengang.store.db import open_database

SURVEY_HEADERS = ["证件号码", "姓名", "摸排日期", "是否有外出意愿", "计划外出时间", "未外出原因", "增收措施"]


def _work(n, start, end=None, income=4500, name=None):
    return [pid(n), name or f"人{n}", "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start,
            end, None, income]


def _national(n, start, end=None, place="浙江省宁波市鄞州区"):
    """A work-monitoring row without 就业地域 (derived from 务工所在县) and without 返乡原因."""
    return [pid(n), start, end, place, "有组织劳务输出", 4500, "某厂", "制造业"]


NATIONAL_HEADERS = ["证件号码", "开始时间", "结束时间", "务工所在县", "就业渠道", "务工月收入", "务工企业名称", "所属行业"]


def _county() -> object:
    db = open_database(":memory:")
    set_installation(db, "甘肃省", "张掖市", "测试县")
    return db


def _snapshot(db) -> dict:
    tables = ("households", "persons", "employment_spells", "surveys", "quality_findings")
    skip = {"guid", "created_at", "updated_at", "found_at", "batch_id"}
    out = {}
    for table in tables:
        cols = [c.name for c in db[table].columns if c.name not in skip]
        out[table] = db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id").fetchall()
    return out


def _outcome(result) -> tuple:
    return (result.ok, result.rows, result.added, result.changed, result.unchanged, result.errors,
            result.warnings, result.details)


def _files(tmp_path):
    people = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(12))
    first = write_xlsx(tmp_path / "务工1.xlsx", WORK_HEADERS, [
        _work(1, "2023-04-12"), _work(2, "2023-03-01", "2023-10-31", income=50), _work(2, "2023-10-01"),
        _work(3, "2023-05-01", name="别名"), _work(4, "2024-02-01", income=None)])
    # national style: month starts, places to derive 就业地域 from, an update and new rows
    second = write_xlsx(tmp_path / "务工2.xlsx", NATIONAL_HEADERS, [
        _national(1, "2023年04月", "2023年12月"), _national(5, "2023年06月", place="甘肃省张掖市测试县"),
        _national(6, "2023年07月", place="广东省东莞市")])
    # rejected: an unknown person, an end before its start and a duplicate
    bad = write_xlsx(tmp_path / "务工3.xlsx", WORK_HEADERS, [
        _work(7, "2023-04-01"), [pid(399)] + _work(8, "2023-04-01")[1:], _work(8, "2023-05-01", "2023-01-01"),
        _work(9, "2023-06-01"), _work(9, "2023-06-01")])
    surveys = write_xlsx(tmp_path / "摸排.xlsx", SURVEY_HEADERS, [
        [pid(10), "人10", "2024-01-05", "是", "2024年03月", None, None], [pid(11), "人11", "2024-01-05", "否", None,
                                                                          None, None]])
    return people, [("persons", people), ("employment", first), ("employment", second), ("employment", bad),
                    ("surveys", surveys), ("persons", people), ("employment", first)]


def test_a_named_kind_imports_exactly_as_a_detected_one(tmp_path):
    """Named or detected ("auto"), the kind's look-ups are read before the rows are parsed."""
    _, steps = _files(tmp_path)
    named, detected = _county(), _county()
    seen = []
    for kind, path in steps:
        a = import_file(named, kind, path, errors_path=tmp_path / "a-错误.xlsx")
        b = import_file(detected, "auto", path, errors_path=tmp_path / "b-错误.xlsx")
        assert a.kind == b.kind == kind
        assert _outcome(a) == _outcome(b)
        assert _snapshot(named) == _snapshot(detected)
        seen.append((a.ok, a.added, a.changed, a.unchanged))
    # The national file updates pid(1)'s spell found by month, the third file is rejected, and
    # the first file again puts pid(1)'s open end back.
    assert seen == [(True, 12, 0, 0), (True, 5, 0, 0), (True, 2, 1, 0), (False, 2, 0, 0), (True, 2, 0, 0),
                    (True, 0, 0, 12), (True, 0, 1, 4)]
    regions = dict(named.execute("SELECT p.id_number, s.region FROM employment_spells s "
                                 "JOIN persons p ON p.id = s.person_id WHERE p.id_number IN (?, ?)", [pid(5), pid(6)]))
    assert regions == {pid(5): "县内", pid(6): "省外"}


def test_preview_with_a_named_kind_matches_the_import(db, tmp_path):
    people, steps = _files(tmp_path)
    assert import_file(db, "persons", people).ok
    preview = preview_file(db, steps[1][1], "employment")
    result = import_file(db, "employment", steps[1][1])
    assert (preview.to_add, preview.to_change, preview.unchanged) == (result.added, result.changed, result.unchanged)
    assert preview.warnings == result.warnings


def test_the_preload_thread_is_joined_when_the_file_cannot_be_read(db, tmp_path):
    junk = tmp_path / "坏.xlsx"
    junk.write_bytes(b"not a workbook")
    before = threading.active_count()
    result = import_file(db, "employment", junk)
    assert not result.ok and result.errors[0].field == "文件"
    assert threading.active_count() == before


def test_a_failing_preload_propagates_after_the_reader_finished(db, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, [_work(1, "2023-04-01")])

    def broken(db, spec):
        raise RuntimeError("数据库读取失败")

    monkeypatch.setitem(engine.PRELOADS, "employment", broken)
    with pytest.raises(RuntimeError, match="数据库读取失败"):
        import_file(db, "employment", path)
    with pytest.raises(RuntimeError, match="数据库读取失败"):
        import_file(db, "auto", path)  # a detected kind's look-ups are read the same way
    assert db.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0


def test_the_look_ups_are_read_on_the_importing_thread_after_the_sheet_and_the_backup(db, tmp_path, monkeypatch):
    # The xlsx stream holds the GIL: read beside it on the backup's thread, the look-ups came
    # late and slowed the read. They are read on the importing thread, once the sheet is read
    # and the backup (which has the connection meanwhile) is done.
    from wengang.services.importing import reader

    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(2))).ok
    path = write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, [_work(1, "2023-04-01")])
    events: list[tuple[str, str]] = []
    preload, read, backup = engine.PRELOADS["employment"], reader.read_table, engine._backup_started

    def reading(*args, **kwargs):
        events.append(("read", threading.current_thread().name))
        return read(*args, **kwargs)

    def backing_up(*args, **kwargs):
        found = backup(*args, **kwargs)
        events.append(("backup", threading.current_thread().name))
        return found

    def preloading(*args, **kwargs):
        events.append(("look-ups", threading.current_thread().name))
        return preload(*args, **kwargs)

    monkeypatch.setattr(engine, "read_table", reading)
    monkeypatch.setattr(engine, "_backup_started", backing_up)
    monkeypatch.setitem(engine.PRELOADS, "employment", preloading)
    assert import_file(db, "auto", path).ok
    threads = dict(events)
    assert sorted(threads) == ["backup", "look-ups", "read"] and events[-1][0] == "look-ups" and len(events) == 3
    assert threads["read"] == threads["look-ups"] == threading.current_thread().name != threads["backup"]


def test_every_kind_with_a_writer_that_reads_look_ups_has_a_preload():
    assert set(PRELOADS) == {"persons", "employment", "posts", "surveys", "services", "subsidies", "checks"}


def test_apply_values_is_apply_without_the_dict(db, tmp_path):
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(3))).ok
    pids = [r[0] for r in db.execute("SELECT id FROM persons ORDER BY id")]
    layout = ("end_date", "region", "monthly_income")
    by_dict, by_tuple = Upserter(db, *SPELLS, batch_id=None), Upserter(db, *SPELLS, batch_id=None)
    steps = [((pids[0], "2023-01-01"), (None, "省外", 4000.0)),
             ((pids[1], "2023-02-01"), ("2023-05-31", "县内", None)),
             ((pids[0], "2023-01-01"), (None, "省外", 4000.0)),     # the same again: unchanged
             ((pids[0], "2023-01-01"), ("2023-06-30", "省外", 4000))]  # an update of an added row
    for key, values in steps:
        assert by_dict.apply(key, dict(zip(layout, values))) == by_tuple.apply_values(key, layout, values)
    assert by_dict.rows.keys() == by_tuple.rows.keys()
    assert by_tuple.stored_value((pids[0], "2023-01-01"), "end_date") == "2023-06-30"
    assert by_tuple.stored_value((pids[1], "2023-02-01"), "region") == "县内"
    assert by_tuple.stored_value((pids[1], "2023-02-01"), "channel") is None
    assert by_tuple.stored_value((pids[2], "2023-02-01"), "region") is None
    def sent(upserter):  # the rows it will send, less the guids (random per upserter)
        pending = {k: [p[:1] + p[2:] for p in v] for k, v in upserter._pending.items()}  # noqa: SLF001
        return pending, {k: [p[:-3] + p[-2:] for p in v] for k, v in upserter._updates.items()}  # noqa: SLF001

    assert sent(by_dict) == sent(by_tuple)


def test_places_that_give_no_region_are_named_row_by_row(tmp_path):
    """就业地域 from 务工所在县: a county not set up yet, and a place no province can be read from."""
    unset = open_database(":memory:")
    assert import_file(unset, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))).ok
    rows = [_national(1, "2023-04-01"), _national(2, "2023-04-01", place="某某地方"),
            [pid(3), "2023-04-01", None, None, "有组织劳务输出", 4500, "某厂", "制造业"]]
    path = write_xlsx(tmp_path / "务工.xlsx", NATIONAL_HEADERS, rows)
    result = import_file(unset, "employment", path)
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (2, "务工所在县", "尚未设置本单位所在省、县，无法推算就业地域，请先在设置中填写"),
        (3, "务工所在县", "尚未设置本单位所在省、县，无法推算就业地域，请先在设置中填写")]
    set_installation(unset, "甘肃省", "张掖市", "测试县")
    result = import_file(unset, "employment", path)
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (3, "务工所在县", "务工地点“某某地方”无法识别所在省份，无法判断就业地域，请写全省市县")]
    # Without a place the spell is kept, with the warning that 就业地域 could not be derived.
    ok = import_file(unset, "employment", write_xlsx(tmp_path / "好.xlsx", NATIONAL_HEADERS, [rows[0], rows[2]]))
    assert ok.ok and ok.added == 2
    assert ("就业地域", "就业地域为空，也无法由务工地点推算") in [(w.field, w.message) for w in ok.warnings]


def _has_values(record) -> bool:
    try:
        Record.values.__get__(record)  # the slot itself: no lazy making
    except AttributeError:
        return False
    return True


def test_a_lazily_parsed_table_gives_the_same_records(tmp_path):
    rows = [_work(1, "2023-04-12"), _work(2, "2023年03月", "2023-10-31", income="五千"), [None] + _work(3, "x")[1:],
            _work(4, "2024-02-01", income=None)]
    table = read_table(write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, rows))
    eager = parse_table(kind_spec("employment"), table)
    lazy = parse_table(kind_spec("employment"), table, lazy=True)
    assert [(r.row, r.index, r.bad) for r in lazy.records] == [(r.row, r.index, r.bad) for r in eager.records]
    assert lazy.errors == eager.errors and lazy.bad_cells == eager.bad_cells
    assert not any(_has_values(r) for r in lazy.records)  # nothing made yet
    assert [r.values for r in lazy.records] == [r.values for r in eager.records]
    assert lazy.column_values["id_number"] == [r.values["id_number"] for r in eager.records]


def test_the_employment_writer_reads_an_eagerly_parsed_table_the_same(db, tmp_path, monkeypatch):
    people, steps = _files(tmp_path)
    assert import_file(db, "persons", people).ok
    lazy = preview_file(db, steps[1][1], "employment")
    monkeypatch.setattr(engine, "COLUMN_WRITERS", frozenset())
    eager = preview_file(db, steps[1][1], "employment")
    assert (eager.to_add, eager.warnings, eager.errors) == (lazy.to_add, lazy.warnings, lazy.errors)
    assert eager.to_add == 5 and not eager.errors
    # low income, overlap, name, blank income (620702 甘州区 is a known code: no birthplace hint)
    assert [w.row for w in eager.warnings] == [3, 4, 5, 6]


def _file_county(tmp_path):
    path = tmp_path / "county.db"
    db = open_database(path, auto_backup=False)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    return db, path


def test_a_real_import_keeps_one_backup_taken_while_the_file_was_read(tmp_path):
    db, path = _file_county(tmp_path)
    people = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))
    assert import_file(db, "persons", people).ok
    backups = list_backups(path)
    assert len(backups) == 1 and backups[0].name.endswith("-导入前.db")
    copy = open_database(backups[0], lock=False, auto_backup=False)
    assert copy["persons"].count == 0  # taken before the import wrote
    copy.close()
    db.close()


def test_previews_and_rejected_files_leave_the_backups_as_they_were(tmp_path):
    db, path = _file_county(tmp_path)
    folder = path.parent / "backups"
    folder.mkdir()
    older = [folder / f"county-2026010{d}-080000-每日.db" for d in range(1, 10)] + \
        [folder / "county-20260110-080000-每日.db"]
    for n, old in enumerate(older):
        shutil.copy(path, old)
    people = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))
    bad_rows = person_rows(6)
    bad_rows[2][11] = "123"  # a bad 证件号码: rejected while parsing
    bad = write_xlsx(tmp_path / "坏.xlsx", PERSON_HEADERS, bad_rows)
    junk = tmp_path / "乱.xlsx"
    junk.write_bytes(b"not a workbook")
    missing = write_xlsx(tmp_path / "缺列.xlsx", ["证件号码", "姓名"], [[pid(1), "张三"]])
    assert preview_file(db, people, "persons").ok
    assert import_file(db, "persons", people, dry_run=True).ok
    assert not import_file(db, "persons", bad).ok
    assert not import_file(db, "auto", bad).ok
    assert not import_file(db, "persons", junk).ok
    assert not import_file(db, "employment", missing).ok
    assert sorted(list_backups(path)) == sorted(older)  # none added, none of the ten removed
    assert import_file(db, "persons", people).ok
    kept = list_backups(path)
    assert len(kept) == 10 and kept[0].name.endswith("-导入前.db") and older[0] not in kept  # the oldest went
    db.close()


def test_the_backup_begins_once_the_sheet_is_read_and_never_for_a_file_that_cannot_be(tmp_path, monkeypatch):
    # Begun when the sheet's first rows are read (SQLite copies beside the rest of the read),
    # not before: a file that cannot be read costs no copy of the county (at 200,000
    # households a 1.4 GB file), whether its kind was named or not.
    from wengang.services.importing import reader

    db, _ = _file_county(tmp_path)
    junk = tmp_path / "乱.xlsx"
    junk.write_bytes(b"not a workbook")
    people = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(3))
    begun, backup = [], engine._backup_started
    monkeypatch.setattr(engine, "_backup_started", lambda db: begun.append(1) or backup(db))
    assert not import_file(db, "persons", junk).ok and not import_file(db, "auto", junk).ok
    assert begun == []
    assert import_file(db, "persons", people).ok and begun == [1]
    calls = []
    table = reader._table  # noqa: SLF001

    def read_again(path, keep, *, streamed, measured, on_header=None, progress=None):
        if not measured:  # the stream met what needs the sheet measured: it is read again
            on_header()
            raise reader._Unmeasured  # noqa: SLF001
        return table(path, keep, streamed=streamed, measured=measured, on_header=on_header,
                     progress=progress)

    monkeypatch.setattr(reader, "_table", read_again)
    assert read_table(people, on_header=lambda: calls.append(1)).row_numbers == [2, 3, 4] and calls == [1]
    db.close()
