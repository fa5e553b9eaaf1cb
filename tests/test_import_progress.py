"""An import and its preview say how far they got while the file is read, and 取消 stops them
there: a 200,000-household county's roster is read for 15 s or more, which used to show a
busy bar only, and the preview's 取消 did nothing until it was done."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx

from wengang.services.importing import import_file, preview_file, reader
from wengang.services.importing.reader import read_table
from wengang.store.areas import set_installation
from wengang.store.backup import list_backups
from wengang.store.db import open_database

ROWS = 1000


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 100 rows of the roster's 16 columns: a 1,000-row file reports ten times."""
    monkeypatch.setattr(reader, "CHUNK_CELLS", 16 * 100)


def _with_dimension(source: Path, target: Path, dimension: bytes) -> Path:
    """``source`` with its sheet's <dimension> replaced by ``dimension`` (b"": none, as a
    streaming writer, our exports, leaves it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", dimension, data)
            new.writestr(item, data)
    return target


def _recorded(path: Path, **kwargs) -> list[tuple[int, int, str]]:
    calls: list[tuple[int, int, str]] = []
    read_table(path, progress=lambda done, total, text: calls.append((done, total, text)), **kwargs)
    return calls


@pytest.mark.usefixtures("small_chunks")
def test_a_sheet_that_declares_its_rows_is_read_with_a_total(tmp_path):
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(ROWS))  # openpyxl: <dimension>
    calls = _recorded(path)
    assert len(calls) == ROWS // 100
    assert {(total, text) for _, total, text in calls} == {(ROWS, "正在读取")}
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and done[0] == 100 and done[-1] == ROWS


@pytest.mark.usefixtures("small_chunks")
def test_a_sheet_without_its_rows_declared_says_how_many_are_read(tmp_path, monkeypatch):
    source = write_xlsx(tmp_path / "openpyxl.xlsx", PERSON_HEADERS, person_rows(ROWS))
    path = _with_dimension(source, tmp_path / "人员.xlsx", b"")
    whole = []
    real = reader._read_table  # noqa: SLF001 - the stream must read it, not the whole-sheet reader
    monkeypatch.setattr(reader, "_read_table", lambda *a, **k: whole.append(k["streamed"]) or real(*a, **k))
    calls = _recorded(path)
    assert whole == [True]
    assert {total for _, total, _ in calls} == {0}
    assert calls[0][2] == "正在读取（已读 100 行）"
    assert calls[-1] == (ROWS, 0, "正在读取（已读 1,000 行）")


@pytest.mark.usefixtures("small_chunks")
def test_a_sheet_declaring_too_few_rows_goes_on_counting(tmp_path):
    source = write_xlsx(tmp_path / "openpyxl.xlsx", PERSON_HEADERS, person_rows(ROWS))
    path = _with_dimension(source, tmp_path / "人员.xlsx", b'<dimension ref="A1:P501"/>')
    calls = _recorded(path)
    assert calls[0] == (100, 500, "正在读取")
    assert calls[-1] == (ROWS, 0, "正在读取（已读 1,000 行）")  # past what it declared: no total


@pytest.mark.usefixtures("small_chunks")
def test_a_csv_says_how_many_rows_are_read(tmp_path):
    path = tmp_path / "人员.csv"
    path.write_text("\n".join(",".join("" if c is None else str(c) for c in row)
                              for row in [PERSON_HEADERS, *person_rows(ROWS)]), encoding="utf-8")
    assert _recorded(path)[-1] == (ROWS, 0, "正在读取（已读 1,000 行）")


class _Stop(Exception):
    """What the window's 取消 raises from the progress callback."""


def _stop_while_reading(done: int, total: int, text: str) -> None:
    if text.startswith("正在读取") and done >= 300:
        raise _Stop


@pytest.mark.usefixtures("small_chunks")
def test_a_cancel_while_the_file_is_read_stops_the_import_and_keeps_no_backup(tmp_path, monkeypatch):
    db = open_database(tmp_path / "county.db", auto_backup=False)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(ROWS))
    readers: list[bool] = []
    real = reader._read_table  # noqa: SLF001
    monkeypatch.setattr(reader, "_read_table", lambda *a, **k: readers.append(k["streamed"]) or real(*a, **k))
    with pytest.raises(_Stop):
        import_file(db, "persons", path, progress=_stop_while_reading)
    assert readers == [True]  # stopped, not read again whole
    assert db["persons"].count == 0 and db["import_batches"].count == 0
    assert list_backups(tmp_path / "county.db") == []  # the backup begun for it is removed
    assert import_file(db, "persons", path).ok  # and the next import goes through
    assert db["persons"].count == ROWS
    db.close()


@pytest.mark.usefixtures("small_chunks")
def test_a_preview_reports_reading_checking_and_comparing_never_writing(tmp_path, db):
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(ROWS))
    texts: list[str] = []
    preview = preview_file(db, path, progress=lambda done, total, text: texts.append(text))
    assert preview.to_add == ROWS and not preview.errors
    assert {"正在读取", "正在检查", "正在与已有数据比对"} <= set(texts)
    assert "正在写入" not in texts
    with pytest.raises(_Stop):
        preview_file(db, path, progress=_stop_while_reading)
    assert db["persons"].count == 0
    texts.clear()
    assert import_file(db, "persons", path, progress=lambda done, total, text: texts.append(text)).ok
    assert {"正在读取", "正在检查", "正在写入", "正在保存", "完成"} <= set(texts)
    assert texts.index("正在保存") > max(i for i, text in enumerate(texts) if text == "正在写入")


def test_the_command_line_counts_as_the_reading_does(monkeypatch):
    """On a terminal: "正在检查 1,000/165,479" as the reading's "已读 4,096 行", not 1000/165479
    (``wengang import``'s progress, ``cli.common.say_progress``)."""
    from terminal import Terminal

    from wengang.cli import common
    from wengang.cli.commands import import_

    assert import_.say_progress is common.say_progress
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    common.say_progress(4096, 0, "正在读取（已读 4,096 行）")
    common.say_progress(1000, 165479, "正在检查")
    assert terminal.text.split("\r")[1:] == ["正在读取（已读 4,096 行）    ", "正在检查 1,000/165,479    "]
