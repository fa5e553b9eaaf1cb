"""Hostile import files and failing commands (issue 19): a stray far cell, hidden sheets, huge
CSV cells, broken zips, an error workbook that cannot be written, no traceback from any
command. The far-cell files run in a subprocess: without the bound they abort the process."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx
from openpyxl import Workbook

from wengang.cli.main import main
from wengang.services.importing import bounds, engine
from wengang.services.importing.reader import ReadError, read_table

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _far_cell(path: Path, dimension: str | None = "keep") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(PERSON_HEADERS)
    for row in person_rows(2):
        ws.append(row)
    ws["XFD1048576"] = "x"
    wb.save(path)
    if dimension != "keep":
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb"<dimension[^>]*/>", b"" if dimension is None else
                                  f'<dimension ref="{dimension}"/>'.encode(), data)
                zout.writestr(info, data)
        tmp.replace(path)
    return path


@pytest.mark.parametrize("dimension", ["keep", "A1:P3", None])
def test_a_stray_cell_at_xfd1048576_is_refused_not_an_abort(tmp_path, dimension):
    path = _far_cell(tmp_path / "far.xlsx", dimension)
    assert path.stat().st_size < 10_000
    env = {**os.environ, "PYTHONPATH": SRC, "WENGANG_DATA_DIR": str(tmp_path / "data")}
    code = ("import resource,sys;resource.setrlimit(resource.RLIMIT_AS,(3<<30,3<<30));"
            "from wengang.cli.main import main;sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "--db", str(tmp_path / "c.db"), "import", "persons",
                           str(path), "--dry-run"], check=False, capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "行 × 16384 列" in done.stderr and "删除多余的行和列" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_ordinary_roster_passes_the_bounds(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(30))
    info = bounds.inspect_xlsx(path)
    assert [s.name for s in info.sheets] == ["Sheet"] and not info.hidden()
    assert len(read_table(path).rows) == 30


def test_hidden_first_sheet_is_not_imported_silently(tmp_path):
    wb = Workbook()
    hidden = wb.active
    hidden.title = "旧名单"
    hidden.append(PERSON_HEADERS)
    for row in person_rows(5, start=100):
        hidden.append(row)
    hidden.sheet_state = "hidden"
    visible = wb.create_sheet("名单")
    visible.append(PERSON_HEADERS)
    for row in person_rows(3):
        visible.append(row)
    path = tmp_path / "two.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.sheet == "名单" and len(table.rows) == 3
    assert table.notes and "旧名单" in table.notes[0]


def test_hidden_sheet_skip_is_a_warning_of_the_import(db, tmp_path):
    from wengang.services.importing import preview_file
    wb = Workbook()
    wb.active.title = "隐藏"
    wb.active.append(PERSON_HEADERS)
    wb.active.append(person_rows(1, start=50)[0])
    wb.active.sheet_state = "hidden"
    ws = wb.create_sheet("名单")
    ws.append(PERSON_HEADERS)
    ws.append(person_rows(1)[0])
    path = tmp_path / "h.xlsx"
    wb.save(path)
    preview = preview_file(db, path, "persons")
    assert any("隐藏" in w.message for w in preview.warnings)


def test_a_1mb_csv_cell_is_a_clear_error(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(",".join(PERSON_HEADERS) + "\n" + "x" * 1_000_000 + ",1\n", encoding="utf-8")
    with pytest.raises(ReadError, match="第2行.*过长"):
        read_table(path)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04junk", b"\x00" * 5000, b"%PDF-1.4 not a sheet"])
def test_broken_xlsx_errors_are_said_in_chinese(tmp_path, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(ReadError) as caught:
        read_table(path)
    message = str(caught.value)
    assert not re.search(r"[A-Za-z]{4,}", message.replace("Excel", "").replace("WPS", "").replace("xlsx", "")
                         .replace(path.name, "")), message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=0, max_size=3000))
def test_random_bytes_as_xlsx_never_escape_as_a_traceback(tmp_path, data):
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(b"PK\x03\x04" + data)
    try:
        read_table(path)
    except ReadError as exc:
        assert "EOCD" not in str(exc) and "Zip" not in str(exc)


def test_error_workbook_that_cannot_be_written_goes_to_the_data_folder(db, tmp_path, monkeypatch):
    from wengang.services.importing import import_file
    rows = person_rows(2)
    rows[0][11] = "123"  # a bad 证件号码
    path = write_xlsx(tmp_path / "in.xlsx", PERSON_HEADERS, rows)
    real = engine.write_errors_workbook
    refused = tmp_path / "in-错误说明.xlsx"

    def read_only(parsed, target):
        if Path(target) == refused:
            raise PermissionError(errno.EROFS, "Read-only file system", str(target))
        return real(parsed, target)

    monkeypatch.setattr(engine, "write_errors_workbook", read_only)
    monkeypatch.setenv("WENGANG_DATA_DIR", str(tmp_path / "data"))
    result = import_file(db, "persons", path)
    assert not result.ok and result.errors_path is not None and result.errors_path.exists()
    assert result.errors_path.parent == tmp_path / "data" / "错误说明"
    assert any("只读" in w.message and "改存到" in w.message for w in result.warnings)


# --- no traceback from any command ----------------------------------------------------------------
def test_a_full_disk_during_backup_out_is_said_plainly(tmp_path, capsys, monkeypatch):
    db_file = tmp_path / "c.db"
    assert main(["--db", str(db_file), "info"]) == 0
    capsys.readouterr()
    from wengang.store import atomic

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "usb" / "b.db"))

    monkeypatch.setattr(atomic, "fsync_file", full)
    code = main(["--db", str(db_file), "backup", "--out", str(tmp_path / "usb" / "b.db")])
    err = capsys.readouterr().err
    assert code == 2 and "磁盘空间已满" in err and "Traceback" not in err
    assert not (tmp_path / "usb" / "b.db").exists() and not list((tmp_path / "usb").glob("*.partial"))


def test_an_unexpected_error_is_said_in_chinese_without_a_traceback(tmp_path, capsys, monkeypatch):
    from wengang.cli.commands import info

    def boom(args):
        raise RuntimeError("something odd")

    monkeypatch.setattr(info, "run", boom)
    code = main(["--db", str(tmp_path / "c.db"), "info"])
    err = capsys.readouterr().err
    assert code == 2 and "意外问题" in err and "Traceback" not in err


def test_read_only_output_folder_is_said_plainly(tmp_path, capsys, monkeypatch):
    from wengang.store import atomic
    db_file = tmp_path / "c.db"
    main(["--db", str(db_file), "demo", "--households", "20"])
    capsys.readouterr()

    def read_only(path, **kw):  # fails where the with-statement opens the output
        raise PermissionError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(atomic, "atomic_output", read_only)
    from wengang.services import xlsx_stream
    monkeypatch.setattr(xlsx_stream, "atomic_output", atomic.contextlib.contextmanager(read_only))
    code = main(["--db", str(db_file), "report", "F1", "--as-of", "2026-03-31", "--out", str(tmp_path / "ro" / "F1.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and ("只读" in err or "无法写入" in err), err


# --- undo of an import that moved people and created areas --------------------------------------
def test_undo_of_an_import_that_moved_a_person_into_a_new_household(db, tmp_path):
    from wengang.services.importing import import_file
    from wengang.store.undo import undo_batch
    first = import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, person_rows(3)))
    assert first.ok
    before = {r[0]: r[1] for r in db.execute("SELECT id_number, household_id FROM persons")}
    areas_before = db["areas"].count
    moved = person_rows(1, start=3)  # the third person, now head of a new household in a new township
    moved[0][1], moved[0][2], moved[0][3], moved[0][12] = "新建镇", "新建村", "62070299999999", "户主"
    second = import_file(db, "persons", write_xlsx(tmp_path / "b.xlsx", PERSON_HEADERS, moved))
    assert second.ok, second.summary()
    assert db["areas"].count == areas_before + 2
    undo_batch(db, second.batch_id)  # was: FOREIGN KEY constraint failed
    assert {r[0]: r[1] for r in db.execute("SELECT id_number, household_id FROM persons")} == before
    assert db.execute("SELECT count(*) FROM households WHERE hh_no = '62070299999999'").fetchone()[0] == 0
    assert db["areas"].count == areas_before  # 新建镇 and 新建村 are gone (they would show in F6)
    assert not db.execute("SELECT 1 FROM areas WHERE name IN ('新建镇', '新建村')").fetchone()


def test_an_area_still_used_by_a_later_import_stays_after_undo(db, tmp_path):
    from wengang.services.importing import import_file
    from wengang.store.undo import undo_batch
    first = import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, person_rows(3, township="新镇")))
    second = import_file(db, "persons", write_xlsx(tmp_path / "b.xlsx", PERSON_HEADERS,
                                                   person_rows(3, start=4, township="新镇")))
    assert first.ok and second.ok
    undo_batch(db, first.batch_id)
    assert db.execute("SELECT count(*) FROM areas WHERE name = '新镇'").fetchone()[0] == 1
    assert db["persons"].count == 3


def test_hand_made_area_is_audited(db):
    from wengang.store.areas import ensure_path
    area = ensure_path(db, [("county", "测试县"), ("township", "手建镇")])
    row = db.execute("SELECT action, new_json FROM audit_log WHERE table_name='areas' AND row_id=?", [area]).fetchone()
    assert row and row[0] == "insert" and "手建镇" in row[1]


# --- import warnings for likely mistakes ---------------------------------------------------------
def _messages(result) -> str:
    return "\n".join(w.text() for w in result.warnings)


def test_a_mistyped_township_is_warned_with_its_name(db, tmp_path):
    from wengang.services.importing import import_file
    assert import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, person_rows(3))).ok
    typo = person_rows(3, start=10, township="城关填")
    result = import_file(db, "persons", write_xlsx(tmp_path / "b.xlsx", PERSON_HEADERS, typo))
    assert result.ok
    text = _messages(result)
    assert "乡镇“城关填”是新的" in text and "城关镇" in text
    assert text.count("城关填”是新的") == 1  # once per new name, not per row


def test_the_first_roster_does_not_warn_about_new_townships(db, tmp_path):
    from wengang.services.importing import import_file
    result = import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, person_rows(3)))
    assert "是新的" not in _messages(result)


def test_formula_like_names_and_two_heads_are_warned(db, tmp_path):
    from wengang.services.importing import import_file
    rows = person_rows(3)
    rows[0][10] = "@张三"
    rows[1][12] = "户主"  # a second 户主 in household 1
    result = import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, rows))
    text = _messages(result)
    assert "可能被当成公式" in text and "2个户主" in text


def test_future_start_and_overlap_with_a_registered_spell_are_warned(db, tmp_path):
    import datetime as dt

    from importing_helpers import WORK_HEADERS, pid

    from wengang.services.importing import import_file
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(2))).ok

    def spell(number, start, end=None):
        return [number, None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, end, None, 4500]

    first = import_file(db, "employment", write_xlsx(tmp_path / "w1.xlsx", WORK_HEADERS,
                                                     [spell(pid(1), "2025-01-01", "2025-06-30")]))
    assert first.ok, first.summary()
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()  # beyond a year is an error
    second = import_file(db, "employment", write_xlsx(tmp_path / "w2.xlsx", WORK_HEADERS, [
        spell(pid(1), "2025-03-01"), spell(pid(2), future)]))
    text = _messages(second)
    assert second.ok, second.summary() + "\n".join(e.text() for e in second.errors)
    assert "时间重叠" in text and "2025-01-01起至2025-06-30" in text
    assert f"开始时间{future}晚于今天" in text


def test_spell_date_warnings_come_row_by_row_futures_first_in_a_first_and_a_later_import(db, tmp_path):
    # Found column by column (a first employment import skips the overlap look-up): each row's
    # warning once, the future starts in row order, then the overlaps in row order.
    import datetime as dt

    from importing_helpers import WORK_HEADERS, pid

    from wengang.services.importing import import_file
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(4))).ok

    def spell(n, start, end=None):
        return [pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, end, None, 4500]

    def dated(result) -> list[tuple[int, str]]:
        return [(w.row, w.message) for w in result.warnings if "晚于今天" in w.message or "时间重叠，请核实" in w.message]

    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    first = import_file(db, "employment", write_xlsx(tmp_path / "w1.xlsx", WORK_HEADERS, [
        spell(1, "2025-01-01", "2025-06-30"), spell(2, future), spell(3, "2025-02-01", "2025-03-31"),
        spell(4, future)]))
    assert first.ok and dated(first) == [(3, f"开始时间{future}晚于今天，请核实"), (5, f"开始时间{future}晚于今天，请核实")]
    later = (dt.date.today() + dt.timedelta(days=50)).isoformat()  # also within person 2's open spell
    second = import_file(db, "employment", write_xlsx(tmp_path / "w2.xlsx", WORK_HEADERS, [
        spell(3, "2025-03-01"), spell(4, future), spell(1, "2025-03-01", "2025-04-30"), spell(2, later)]))
    assert dated(second) == [
        (2, "与已登记的务工记录（2025-02-01起至2025-03-31）时间重叠，请核实"),
        (3, f"开始时间{future}晚于今天，请核实"),
        (4, "与已登记的务工记录（2025-01-01起至2025-06-30）时间重叠，请核实"),
        (5, f"开始时间{later}晚于今天，请核实"),
        (5, f"与已登记的务工记录（{future}起，尚未结束）时间重叠，请核实")]



def test_a_registered_spell_is_compared_as_the_same_file_leaves_it(db, tmp_path):
    # The month's export ends a registered open spell and starts the next one: the next one
    # overlaps the spell as it was registered, not as the file leaves it, so no hint (every
    # such person was told "时间重叠" every month). A spell the file does not end, or ends after
    # the next one began, still overlaps (said with the end the file gives it); so does one
    # whose end a file without the 结束时间 column leaves as it is.
    from importing_helpers import WORK_HEADERS, pid

    from wengang.services.importing import import_file
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(4))).ok

    def spell(n, start, end=None):
        return [pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, end, None, 4500]

    def overlaps(result) -> list[tuple[int, str]]:
        return [(w.row, w.message) for w in result.warnings if "已登记的务工记录" in w.message]

    first = import_file(db, "employment", write_xlsx(tmp_path / "w1.xlsx", WORK_HEADERS, [
        spell(1, "2025-07-18"), spell(2, "2025-07-18"), spell(3, "2025-03-01"), spell(4, "2025-07-18")]))
    assert first.ok and overlaps(first) == []
    month = import_file(db, "employment", write_xlsx(tmp_path / "w2.xlsx", WORK_HEADERS, [
        spell(1, "2025-07-18", "2025-11-20"), spell(1, "2025-11-25"),
        spell(2, "2025-11-25"),
        spell(3, "2025-03-01", "2025-10-31"), spell(3, "2025-10-15")]))
    assert month.ok, month.summary()
    assert overlaps(month) == [(4, "与已登记的务工记录（2025-07-18起，尚未结束）时间重叠，请核实"),
                               (6, "与已登记的务工记录（2025-03-01起至2025-10-31）时间重叠，请核实")]
    no_end = [h for h in WORK_HEADERS if h != "结束时间"]
    without = import_file(db, "employment", write_xlsx(tmp_path / "w3.xlsx", no_end, [
        [c for h, c in zip(WORK_HEADERS, row, strict=True) if h != "结束时间"]
        for row in (spell(4, "2025-07-18"), spell(4, "2025-11-25"))]))
    assert without.ok, without.summary()
    assert overlaps(without) == [(3, "与已登记的务工记录（2025-07-18起，尚未结束）时间重叠，请核实")]


def test_a_month_only_start_of_a_spell_typed_to_the_day_overlaps_nothing(db, tmp_path):
    """A national export gives months ("2025年03月"); the spell it names is the one registered in
    that month, typed to the day: it is that spell again, not a new one overlapping it (it was
    compared by its first of the month and said "时间重叠" every month). A new spell of another
    month still overlaps the open one, said on its row and linked to its person."""
    from importing_helpers import WORK_HEADERS, pid

    from wengang.services.importing import import_file
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(2))).ok

    def spell(n, start, end=None):
        return [pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, end, None, 4500]

    assert import_file(db, "employment", write_xlsx(tmp_path / "w1.xlsx", WORK_HEADERS, [
        spell(1, "2025-03-15"), spell(2, "2025-03-15")])).ok
    month = import_file(db, "employment", write_xlsx(tmp_path / "w2.xlsx", WORK_HEADERS, [
        spell(1, "2025年03月"), spell(2, "2025年03月"), spell(2, "2025年06月")]))
    assert month.ok, month.summary()
    assert month.unchanged == 2 and month.added == 1
    hints = [(w.row, w.message) for w in month.warnings if "已登记的务工记录" in w.message]
    assert hints == [(4, "与已登记的务工记录（2025-03-15起，尚未结束）时间重叠，请核实")]
    person = db.execute("SELECT id FROM persons WHERE id_number = ?", [pid(2)]).fetchone()[0]
    found = db.execute("SELECT person_id FROM quality_findings WHERE message LIKE '与已登记的务工记录%'").fetchall()
    assert found == [(person,)]


def test_overlaps_with_registered_spells_are_found_for_every_row_of_a_file_staged_in_chunks(db, tmp_path, monkeypatch):
    """The incoming spells are staged for the overlap look-up a chunk at a time, many rows to a
    statement: with chunks of 100 rows (of 64 to a statement and the rest one by one), each of
    300 rows is looked at, and the overlapping ones are said in row order."""
    from importing_helpers import WORK_HEADERS, pid

    from wengang.services.importing import hostile, import_file
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(300))).ok

    def spell(n, start, end=None):
        return [pid(n), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, end, None, 4500]

    first = import_file(db, "employment", write_xlsx(tmp_path / "w1.xlsx", WORK_HEADERS,
                                                     [spell(n, "2025-01-01", "2025-06-30") for n in range(1, 301)]))
    assert first.ok, first.summary()
    monkeypatch.setattr(hostile, "_STAGE_CHUNK", 100)
    second = import_file(db, "employment", write_xlsx(tmp_path / "w2.xlsx", WORK_HEADERS, [
        spell(n, "2025-03-01" if n % 3 == 0 else "2025-08-01") for n in range(1, 301)]))
    assert second.ok, second.summary()
    overlaps = [w.row for w in second.warnings if "时间重叠，请核实" in w.message]
    assert overlaps == [n + 1 for n in range(1, 301) if n % 3 == 0]


_ODS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
             'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
             'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
             'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
             '<table:table table:name="花名册"><table:table-row>'
             '<table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>'
             '<table:table-cell office:value-type="string"><text:p>身份证号</text:p></table:table-cell>'
             '</table:table-row>')
_ODS_TAIL = '</table:table></office:spreadsheet></office:body></office:document-content>'


def _ods(path: Path, rows: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", _ODS_HEAD + rows + _ODS_TAIL)
    return path


def test_an_ods_with_a_far_cell_is_refused_before_it_is_read(tmp_path):
    far = ('<table:table-row table:number-rows-repeated="1048570"><table:table-cell/></table:table-row>'
           '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
           '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
           '</table:table-row>')
    path = _ods(tmp_path / "far.ods", far)
    with pytest.raises(bounds.WorkbookTooLarge, match="16384 列"):
        bounds.inspect_ods(path)
    with pytest.raises(ReadError, match="删除多余的行和列"):
        read_table(path)
    # LibreOffice's usual trailing block of empty repeated rows and cells passes
    empty = ('<table:table-row table:number-rows-repeated="1048574">'
             '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    bounds.inspect_ods(_ods(tmp_path / "ok.ods", empty))


def _record(kind: int, body: bytes) -> bytes:
    return bytes([kind, len(body)]) + body


def test_an_xlsb_with_a_far_cell_or_a_bomb_is_refused_before_it_is_read(tmp_path):
    sheet = (_record(0, (1_048_575).to_bytes(4, "little") + bytes(8))
             + _record(5, (16_383).to_bytes(4, "little") + bytes(12)))
    far = tmp_path / "far.xlsb"
    with zipfile.ZipFile(far, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.bin", sheet)
    with pytest.raises(bounds.WorkbookTooLarge, match="1048576 行 × 16384 列"):
        bounds.inspect_xlsb(far)
    with pytest.raises(ReadError, match="删除多余的行和列"):
        read_table(far)
    bomb = tmp_path / "bomb.xlsb"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.bin", bytes(60_000_000))
    with pytest.raises(ReadError, match="压缩包炸弹"):
        read_table(bomb)
