"""Hostile cases for files the program writes (issue 19): atomic replacement, debris, formula
injection. Each fails without its protection (``store.atomic``, ``domain.cells``)."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import os
import subprocess
import sys

import openpyxl
import pytest

from wengang.domain.cells import neutralise
from wengang.services.ledgers import export
from wengang.services.ledgers.export import write_ledger
from wengang.services.reports.model import Column, FormResult, HeaderNode, Row
from wengang.services.reports.output import write_form
from wengang.store.atomic import atomic_open, atomic_output, clean_stale_partials

AS_OF = dt.date(2026, 3, 31)
HYPERLINK = '=HYPERLINK("http://t","镇")'


def _form(area: str) -> FormResult:
    return FormResult(
        form_id="F3", title="务工就业情况统计表",
        header=[HeaderNode("地区", "area"), HeaderNode("合计", "total"), HeaderNode("变化", "delta")],
        columns=[Column("area", "地区", "area"), Column("total", "合计"), Column("delta", "变化")],
        rows=[Row("合计", {"area": "合计", "total": 10, "delta": -3}, "total"),
              Row(area, {"area": area, "total": 10, "delta": -3}, area_id=2, level=1)],
        as_of=AS_OF, unit_name="测试县人社局", params={"by": "township"})


@pytest.mark.parametrize("text", ["=1+1", "+A1", "-A1", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK])
def test_formula_text_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["-3", "+1.5", "-12%", "-0.5", -3, 2.5, None, "城关镇", "", "张-三"])
def test_numbers_and_ordinary_text_are_left_alone(value):
    assert neutralise(value) == value


def test_report_xlsx_stores_a_formula_area_name_as_text(tmp_path):
    path = write_form(_form(HYPERLINK), tmp_path / "F3.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == HYPERLINK]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert -3 in [c.value for row in sheet.iter_rows() for c in row]  # numbers stay numbers


def test_report_csv_neutralises_a_formula_area_name(tmp_path):
    path = write_form(_form(HYPERLINK), tmp_path / "F3.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[2][0] == "'" + HYPERLINK
    assert rows[2][2] == "-3"  # a negative number is not a formula


def test_ledger_csv_and_xlsx_neutralise_a_formula_name(db, factory, tmp_path):
    hh = factory.household()
    factory.person(hh, name="=1+2", relation="户主", birth=dt.date(1980, 1, 2))
    factory.person(hh, name="@cmd", relation="配偶", birth=dt.date(1982, 3, 4))
    text = (tmp_path / "l.csv")
    write_ledger(db, "labour", AS_OF, text)
    body = text.read_text(encoding="utf-8-sig")
    assert "'=1+2" in body and "'@cmd" in body and "\n=1+2" not in body and ",=1+2" not in body
    book = tmp_path / "l.xlsx"
    write_ledger(db, "labour", AS_OF, book)
    sheet = openpyxl.load_workbook(book).active
    names = [c for row in sheet.iter_rows() for c in row if c.value in ("=1+2", "'=1+2")]
    assert names and all(c.data_type == "s" for c in names)


def test_failed_writer_keeps_the_previous_file_and_leaves_no_debris(tmp_path):
    target = tmp_path / "台账.csv"
    target.write_text("good", encoding="utf-8")
    with pytest.raises(OSError), atomic_open(target, "w", encoding="utf-8") as fh:
        fh.write("half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text(encoding="utf-8") == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["台账.csv"]


def test_cancelled_ledger_re_export_keeps_the_previous_good_file(db, factory, tmp_path, monkeypatch):
    for _ in range(3):
        factory.person()
    monkeypatch.setattr(export, "_PROGRESS_EVERY", 1)
    for name in ("l.csv", "l.xlsx"):
        path = tmp_path / name
        write_ledger(db, "labour", AS_OF, path)
        before = path.read_bytes()

        def cancel(done, total):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            write_ledger(db, "labour", AS_OF, path, progress=cancel)
        assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.partial"))


def test_disk_full_during_report_keeps_the_previous_report(tmp_path, monkeypatch):
    path = write_form(_form("城关镇"), tmp_path / "F3.xlsx")
    before = path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        write_form(_form("新镇"), path)
    assert path.read_bytes() == before and not list(tmp_path.glob("*.partial"))


def test_partial_of_a_killed_writer_is_cleaned_by_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os;print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f"F1.xlsx.{dead}.partial"
    stale.write_bytes(b"x" * 1000)
    journal = tmp_path / f"b-导入前.db.{dead}.partial-journal"  # SQLite's, beside a killed stepped backup
    journal.write_bytes(b"j")
    old_style = tmp_path / "b.db.partial"
    old_style.write_bytes(b"y")
    with atomic_output(tmp_path / "F1.xlsx") as tmp:
        tmp.write_bytes(b"ok")
    assert not stale.exists() and (tmp_path / "F1.xlsx").read_bytes() == b"ok"
    assert sorted(clean_stale_partials(tmp_path)) == sorted([journal, old_style])


def test_partial_of_a_running_writer_is_left_alone(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "import time;time.sleep(30)"])
    try:
        live = tmp_path / f"F1.xlsx.{proc.pid}.partial"
        live.write_bytes(b"busy")
        clean_stale_partials(tmp_path)
        assert live.exists()
    finally:
        proc.kill()
        proc.wait()

