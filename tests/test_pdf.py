"""PDF and printing of forms and ledgers: text extracts, font embedded, header on every page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_bulletin import COUNTIES, f1_result

from wengang.services.ledgers import ledger_query
from wengang.services.reports.model import Column
from wengang.services.reports.model import HeaderNode as H

pytestmark = [pytest.mark.gui,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")]


def pdf_pages(path: Path) -> list[str]:
    """Each page's text with all whitespace removed (pdftotext's spacing is not the point)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    return [re.sub(r"\s+", "", page) for page in pages]


def seed_000_form():
    """附表二 of seed 000 with its two-level header (其中 → 2020年省外就业 …)."""
    result = f1_result(COUNTIES, "县（市、区）")
    result.title = "全省县（市区）脱贫人口和边缘易致贫人口就业统计表"
    result.header = [H("县（市、区）", "area"), H("2020年就业人数", "ly"), H("2021年目前就业人数", "ty"),
                     H("2021年就业人数占2020年比例（%）", "ratio"),
                     H("其中", children=[H("2020年省外就业", "ly_out"), H("2021年省外就业", "ty_out")])]
    result.columns += [Column("ly_out", "2020年省外就业"), Column("ty_out", "2021年省外就业")]
    result.rows[0].values.update(ly_out=40292, ty_out=35647)
    for row in result.rows[1:]:
        row.values.update(ly_out=0, ty_out=0)
    result.rows[1].values.update(ly_out=3, ty_out=2)
    result.notes = ["注：本表中共统计 81 个县（市、区），向阳区、前进区、桃山区、茄子河区等 4 个区 2020 年无就业数据。"]
    result.footer = {"填报人": "张三", "审核人": "李四", "填报日期": "2021-03-16"}
    return result


def test_form_pdf(qapp, tmp_path):
    from wengang.gui.printing import write_form_pdf

    path = tmp_path / "f1.pdf"
    pages = write_form_pdf(seed_000_form(), path)  # its time: bench/ops/ledgers.py ("F1 按村 → PDF")
    text = pdf_pages(path)
    assert pages == len(text) >= 2
    first = text[0]
    assert "全省县（市区）脱贫人口和边缘易致贫人口就业统计表" in first
    assert "填报单位：黑龙江省扶贫开发领导小组办公室" in first and "数据截止日期：2021年3月14日" in first
    assert "合计" in first and "196660" in first and "146011" in first and "74.25" in first
    assert "40292" in first and "新兴区" in first and "154.17" in first
    # The header (both rows of it) is repeated on page 2; the notes and footer close the table.
    assert "2020年就业人数" in text[1] and "2021年省外就业" in text[1] and "其中" in text[1]
    assert "第2页" in text[1] and f"共{pages}页" in text[1]
    assert "向阳区" in text[-1] and "填报人：张三" in text[-1] and "审核人：李四" in text[-1]
    assert "红岗区" in "".join(text)  # every row printed (the last of 81)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in fonts.splitlines() if "WenQuanYi" in ln)
    assert " yes " in line  # embedded


def test_print_form_same_routine(qapp, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from wengang.gui.printing import print_form

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    pages = print_form(seed_000_form(), printer)
    text = pdf_pages(tmp_path / "printed.pdf")
    assert len(text) == pages and "合计" in text[0] and "2020年就业人数" in text[-1]


def test_ledger_pdf_repeats_header(qapp, db, factory, tmp_path):
    from wengang.gui.printing import write_ledger_pdf

    hh = factory.household("城关镇", "城关村")
    for day in range(1, 61):
        factory.person(hh, birth=dt.date(1980, 1 + day % 12, 1 + day % 28), name=f"劳动力{day:02d}")
    query = ledger_query(db, "labour", "2023-06-30", mask=True)
    path = tmp_path / "labour.pdf"
    pages = write_ledger_pdf(query, path)
    text = pdf_pages(path)
    assert pages == len(text) >= 2
    assert "劳动力底数清单" in text[0] and "共60人" in text[0]
    for page in text[:2]:
        assert "序号" in page and "证件号码" in page and "劳动技能" in page
    assert "劳动力60" in "".join(text) and "****" in text[0]
    assert "第2页" in text[1]
    limited = write_ledger_pdf(query, tmp_path / "first10.pdf", limit=10)
    assert limited == 1 and "本表只列出前10人" in pdf_pages(tmp_path / "first10.pdf")[0]

    from PySide6.QtPrintSupport import QPrinter

    from wengang.gui.printing import print_ledger

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed-ledger.pdf"))
    assert print_ledger(query, printer) == pages
    assert "劳动力60" in "".join(pdf_pages(tmp_path / "printed-ledger.pdf"))


def test_two_level_table_merges_group_cells(qapp, tmp_path):
    """Seed 004's 附件: 县 | 乡镇 with a 合计 per 县; each 县 is written once, merged down."""
    from wengang.domain.numbers import percent
    from wengang.gui.printing import write_form_pdf
    from wengang.services.reports.model import FormResult, Row

    data = [("大冶市", "灵乡镇", 100, 68, 51), ("大冶市", "茗山乡", 100, 65, 39),
            ("阳新县", "陶港镇", 100, 58, 44), ("阳新县", "木港镇", 100, 61, 34)]
    columns = [Column("group", "县(市、区)", "text"), Column("area", "乡镇", "area"),
               Column("connected", "人数(人)"), Column("rate", "接通率(%)", "percent", 1),
               Column("place", "信息一致人数(人)"), Column("place_rate", "准确率(%)", "percent", 1)]
    header = [H("县(市、区)", "group"), H("乡镇", "area"),
              H("电话接通情况", children=[H("人数(人)", "connected"), H("接通率(%)", "rate")]),
              H("务工地情况", children=[H("信息一致人数(人)", "place"), H("准确率(%)", "place_rate")])]

    def values(group, sampled, connected, place):
        return {"group": group, "connected": connected, "rate": percent(connected, sampled, 1),
                "place": place, "place_rate": percent(place, connected, 1)}

    rows = [Row("合计", values("合计", 400, 252, 168), kind="total")]
    for county in ("大冶市", "阳新县"):
        members = [d for d in data if d[0] == county]
        rows += [Row(town, values(county, *nums), level=2, group=county) for _, town, *nums in members]
        rows.append(Row("合计", values(county, *(sum(m[i] for m in members) for i in (2, 3, 4))),
                        kind="subtotal", level=1, group=county))
    result = FormResult("spot-check", "全市脱贫人口务工信息交叉抽查情况汇总表", header, columns, rows,
                        dt.date(2023, 3, 31), period_from=dt.date(2023, 3, 1), unit_name="黄石市")
    path = tmp_path / "f9.pdf"
    write_form_pdf(result, path)
    page = pdf_pages(path)[0]
    assert page.count("大冶市") == 1 and page.count("阳新县") == 1
    assert page.count("合计") == 3  # the grand total once across both columns, one per 县
    assert "灵乡镇6868.05175.0" in page  # 68 人, 68.0 %, 51 一致, 75.0 % (seed 004)
    assert "统计期：2023年3月1日至2023年3月31日" in page


def test_many_cells_do_not_exhaust_none(tmp_path):
    """PySide6 6.12 on Python 3.11 drops a reference to None per void call (drawRect …):
    a table with more cells than None has references must still print (fresh process)."""
    script = f"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from wengang.gui.printing import write_document_pdf
from wengang.gui.printing.document import PrintRow, TableDocument
from wengang.services.reports.model import HeaderCell
columns = 20
rows = sys.getrefcount(None) // columns + 500
doc = TableDocument("压力测试", ["填报单位：测试"], 1, [HeaderCell(0, i, 1, 1, f"列{{i}}") for i in range(columns)],
                    columns, set(), [PrintRow([str(r)] * columns) for r in range(rows)], rows, widths=[4] * columns)
print(write_document_pdf(doc, {str(tmp_path / 'big.pdf')!r}), rows)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    pages, rows = map(int, done.stdout.split())
    assert pages > 1 and rows > 500
