"""Forms to Excel and CSV, and the ``wengang report`` command: read back what was written."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re

import pytest
from openpyxl import load_workbook

from wengang.cli.main import main
from wengang.services.reports import FormError, compute_form, write_form, write_form_csv, write_form_xlsx
from wengang.store.db import set_setting

AS_OF = "2023-06-30"
_DAYS = itertools.count()


def _birth() -> dt.date:
    """A new birth date per person: the factory's IDs repeat for neighbouring numbers of one sex."""
    return dt.date(1980, 1, 1) + dt.timedelta(days=next(_DAYS))


@pytest.fixture
def county(db, factory):
    set_setting(db, "reporter", "张三")
    set_setting(db, "reviewer", "李四")
    for township, n_ly, n_ty in [("甲镇", 4, 3), ("乙镇", 2, 3), ("丙镇", 0, 1)]:
        for i in range(max(n_ly, n_ty)):
            p = factory.person(factory.household(township, f"{township}村"), birth=_birth())
            if i < n_ly and i < n_ty:
                factory.spell(p, "2022-05-01", None, region="县内")
            elif i < n_ly:
                factory.spell(p, "2022-05-01", "2022-10-31", region="省外")
            else:
                factory.spell(p, "2023-03-01", None, region="省内县外")
    return db


def test_xlsx_has_the_seed_layout(county, tmp_path):
    result = compute_form(county, "F1", AS_OF)
    path = write_form_xlsx(result, tmp_path / "f1.xlsx")
    ws = load_workbook(path).active
    assert ws["A1"].value == "测试县脱贫人口和监测对象就业统计表" and ws["A1"].font.bold and ws["A1"].font.sz >= 14
    assert "A1:K1" in {str(r) for r in ws.merged_cells.ranges}
    line = [c.value for c in ws[2] if c.value]
    assert line == ["填报单位：测试县乡村振兴局", "数据截止日期：2023年6月30日", "数据来源：稳岗台账", "单位：人"]
    # two header rows: 乡镇 spans the 序号 column and both rows; 其中 spans six leaves
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:B4", "F3:K3", "C3:C4"} <= merged
    # (labels carry their line breaks, placed between words: test_xlsx_header_lines_break_between_words)
    assert tuple(ws[c].value.replace("\n", "") for c in ("A3", "F3", "F4")) == ("乡镇（街道）", "其中", "2022年省外就业")
    # 合计 first, then ranked rows with their numbers; numbers are numbers
    assert (ws["A5"].value, ws["C5"].value, ws["E5"].value) == ("合计", 6, 116.67)
    assert ws["E5"].number_format == "0.00"
    assert [ws.cell(r, 2).value for r in (6, 7)] == ["乙镇", "甲镇"] and ws["A6"].value == 1
    assert ws["A5"].border.left.style == "thin"
    assert ws.freeze_panes == "C5" and ws.print_title_rows == "$3:$4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    texts = [c.value for row in ws.iter_rows(min_row=8) for c in row if c.value]
    assert texts[0].startswith("注：本表中共统计 2 个乡镇，丙镇等 1 个乡镇")
    assert texts[1:] == ["填报人：张三", "审核人：李四", texts[3]] and texts[3].startswith("填报日期：")


def test_xlsx_header_lines_break_between_words(county, tmp_path):
    """Excel and WPS wrap Chinese anywhere ("2026年目前就业人 / 数"); the workbook gives each
    header its line breaks between words, as the printed form does, and every column is at
    least as wide as its header's longest word."""
    from wengang.domain.words import words
    from wengang.services.xlsx_stream import text_width

    result = compute_form(county, "F1", AS_OF)
    ws = load_workbook(write_form_xlsx(result, tmp_path / "f1.xlsx")).active
    broken = 0
    for row in ws.iter_rows(min_row=3, max_row=4):
        for cell in row:
            if not isinstance(cell.value, str):
                continue
            lines = cell.value.split("\n")
            label = "".join(lines)
            boundaries, at = set(), 0
            for word in words(label):
                at += len(word)
                boundaries.add(at)
            ends = {sum(len(x) for x in lines[:i + 1]) for i in range(len(lines) - 1)}
            assert ends <= boundaries, lines  # never inside a word
            width = ws.column_dimensions[cell.column_letter].width
            if not any(cell.coordinate in r and r.size["columns"] > 1 for r in ws.merged_cells.ranges):
                assert all(text_width(w) < width for w in words(label)), (label, width)
            broken += len(lines) > 1
    assert broken
    assert ws.row_dimensions[4].height >= 2 * 13.5  # the two-line leaves fit their row


def test_csv_is_utf8_bom_with_one_header_row_and_total_first(county, tmp_path):
    path = write_form_csv(compute_form(county, "F1", AS_OF), tmp_path / "f1.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "乡镇（街道）" and rows[0][4] == "其中/2022年省外就业"
    assert rows[1][:4] == ["合计", "6", "7", "116.67"]
    assert [r[0] for r in rows[2:]] == ["乙镇", "甲镇"]


def test_two_level_xlsx_merges_the_county_column(db, factory, tmp_path):
    for county_name in ("东县", "西县"):
        for township in ("一镇", "二镇"):
            village = factory.areas.ensure([("county", county_name), ("township", county_name + township),
                                            ("village", "村")])
            hh = db["households"].insert(
                {"hh_no": f"{county_name}{township}", "area_id": village, "hh_type": "脱贫户"}).last_pk
            p = factory.person(hh, birth=_birth())
            db["spot_checks"].insert({"person_id": p, "check_date": "2023-06-10", "phone_connected": 1,
                                      "place_consistent": 1, "time_consistent": 0, "policy_aware": 1})
    result = compute_form(db, "F9", AS_OF)
    ws = load_workbook(write_form_xlsx(result, tmp_path / "f9.xlsx")).active
    assert ws["A3"].value == "县(市、区)" and ws["A5"].value == "合计"
    assert {"A6:A8", "A9:A11"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(r, 2).value for r in range(6, 12)] == ["东县一镇", "东县二镇", "合计", "西县一镇", "西县二镇", "合计"]


def test_write_form_dispatches_on_suffix(county, tmp_path):
    result = compute_form(county, "F5", AS_OF)
    assert write_form(result, tmp_path / "a.csv").exists()
    assert write_form(result, tmp_path / "a.xlsx").exists()
    with pytest.raises(FormError, match="界面层"):
        write_form(result, tmp_path / "a.pdf")
    with pytest.raises(FormError, match="不支持"):
        write_form(result, tmp_path / "a.doc")


@pytest.fixture
def db_file(tmp_path):
    from conftest import Factory

    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    path = tmp_path / "county.db"
    database = open_database(path)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    factory = Factory(database)
    for i in range(3):
        p = factory.person(factory.household("甲镇", "一村"), birth=_birth())
        factory.spell(p, "2022-05-01", None if i else "2022-09-30")
    database.close()
    return path


def test_cli_report_writes_xlsx_and_csv(db_file, tmp_path, capsys):
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--out", str(tmp_path / "f1.xlsx")]) == 0
    assert "已生成F1" in capsys.readouterr().out
    assert load_workbook(tmp_path / "f1.xlsx").active["C5"].value == 3
    assert main(["--db", str(db_file), "report", "employment", "--as-of", AS_OF, "--by", "village",
                 "--out", str(tmp_path / "f1.csv")]) == 0
    assert "一村" in (tmp_path / "f1.csv").read_text(encoding="utf-8-sig")


def test_cli_f3_compares_with_the_end_of_last_year_by_default(db_file, tmp_path):
    """Seed 004 compares 公益性岗位 with 去年年底; the 报表 tab defaults to it, so does the CLI."""
    from wengang.store.db import open_database

    database = open_database(db_file)
    post = database.execute("SELECT id FROM persons LIMIT 1").fetchone()[0]
    database["employment_spells"].insert({"person_id": post, "start_date": "2022-01-01",
                                          "end_date": "2023-01-31", "region": "县内", "channel": "公益性岗位"})
    database.close()
    out = tmp_path / "f3.csv"
    assert main(["--db", str(db_file), "report", "F3", "--as-of", AS_OF, "--out", str(out)]) == 0
    header, total = [r.split(",") for r in out.read_text(encoding="utf-8-sig").splitlines()[:2]]
    year = int(AS_OF[:4])
    assert f"公益性岗位人数/{year - 1}年12月31日" in header
    assert total[header.index(f"公益性岗位人数/{year - 1}年12月31日")] == "1"  # the post still held then, ended in January
    explicit = tmp_path / "f3-same-day.csv"
    assert main(["--db", str(db_file), "report", "targets", "--as-of", AS_OF, "--ref-date", AS_OF,
                 "--out", str(explicit)]) == 0
    assert f"公益性岗位人数/{year - 1}年12月31日" not in explicit.read_text(encoding="utf-8-sig")


def test_cli_writes_all_forms_into_a_folder_in_one_run(db_file, tmp_path, capsys):
    """County staff script the monthly dispatch: every form, one process, statuses derived once."""
    out = tmp_path / "十一月"
    assert main(["--db", str(db_file), "report", "all", "--as-of", AS_OF, "--by", "village", "--out", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 9 and files[0].startswith("F1") and files[-1].startswith("F9")
    assert all(name.endswith(".xlsx") for name in files)
    assert "测试县脱贫人口和监测对象就业统计表" in files[0]
    f1 = load_workbook(out / files[0]).active
    assert f1["A3"].value == "行政村（社区）" and any("一村" in row[:2] for row in f1.iter_rows(values_only=True))
    f8 = next(name for name in files if name.startswith("F8"))  # sites only: its own grouping
    assert load_workbook(out / f8).active["A1"].value
    capsys.readouterr()
    assert main(["--db", str(db_file), "report", "F1，F5", "--as-of", AS_OF, "--out", str(tmp_path / "csv"),
                 "--format", "csv"]) == 0
    assert sorted(p.suffix for p in (tmp_path / "csv").iterdir()) == [".csv", ".csv"]
    assert capsys.readouterr().out.count("已生成") == 2


def test_cli_says_each_form_as_it_is_written(db_file, tmp_path, capsys, monkeypatch):
    """``report all`` says 已生成 for a form once it is written, before the next one is: the
    caseworker watching a big county's nine forms sees them come, and each line's seconds are
    those since the command began when that form was done (all nine lines at the end, with one
    and the same time, read like nine forms that took that long each)."""
    from wengang.cli.commands import report  # noqa: PLC0415

    printed: list[str] = []
    said_before: list[int] = []  # how many 已生成 lines were out when each form was written
    real_write = report.write_any

    def write(result, path):
        printed.append(capsys.readouterr().out)
        said_before.append("".join(printed).count("已生成"))
        real_write(result, path)

    monkeypatch.setattr(report, "write_any", write)
    assert main(["--db", str(db_file), "report", "all", "--as-of", AS_OF, "--out", str(tmp_path / "all")]) == 0
    assert said_before == list(range(9))


def test_on_a_terminal_a_line_says_what_the_forms_wait_for_and_each_forms_line_replaces_it(db_file, tmp_path,
                                                                                            monkeypatch):
    """Right after an import at 200,000 households the date is derived first: 4 s before the
    first form. On a terminal a line says so, then which form is being made; each 已生成 line
    (standard output) takes its place, the line wiped first."""
    from terminal import Terminal

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["--db", str(db_file), "report", "F1,F5", "--as-of", AS_OF, "--out", str(tmp_path / "two")]) == 0
    said = terminal.text
    assert said.startswith("\r正在按数据截止日期统计… 0/2    \r正在生成F1… 0/2    \r")
    assert said.index("正在生成F1") < said.index("正在生成F5… 1/2")
    wiped = re.findall(r"\r( +)\r", said)
    assert len(wiped) >= 2 and said.endswith(f"\r{wiped[-1]}\r")  # before each form's line, and at the end


def test_cli_several_forms_need_a_folder_and_no_cell(db_file, tmp_path, capsys):
    assert main(["--db", str(db_file), "report", "F1,F5", "--as-of", AS_OF, "--out", str(tmp_path / "a.xlsx")]) == 2
    assert "文件夹" in capsys.readouterr().err and not (tmp_path / "a.xlsx").exists()
    assert main(["--db", str(db_file), "report", "all", "--as-of", AS_OF, "--cell", "甲镇,ly"]) == 2
    assert "一张报表" in capsys.readouterr().err
    assert main(["--db", str(db_file), "report", "F1,F42", "--as-of", AS_OF, "--out", str(tmp_path / "x")]) == 2
    assert "没有报表“F42”" in capsys.readouterr().err and not (tmp_path / "x").exists()
    (tmp_path / "a-file").write_text("not a folder")
    assert main(["--db", str(db_file), "report", "all", "--as-of", AS_OF, "--out", str(tmp_path / "a-file")]) == 2
    assert "无法写入" in capsys.readouterr().err  # said plainly, no traceback


def test_cli_report_for_one_township_by_village(db_file, tmp_path, capsys):
    """A township cadre reports their own township: --area limits every number to it."""
    from conftest import Factory

    from wengang.store.db import open_database

    database = open_database(db_file)
    factory = Factory(database)
    other = factory.person(factory.household("乙镇", "二村", hh_no="62070200009999"), birth=_birth(),
                           id_number="620702199001011234")
    factory.spell(other, "2022-05-01", None)
    database.close()
    out = tmp_path / "甲镇.csv"
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--area", "甲镇", "--by", "village",
                 "--out", str(out)]) == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[0] for r in rows[1:]] == ["合计", "一村"] and rows[1][1] == "3"  # 乙镇's worker left out
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--out", str(out)]) == 0
    assert list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))[1][1] == "4"
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--area", "甲镇", "--cell", "合计,ly"]) == 0
    assert "（3人）" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--area", "火星镇", "--out", str(out)])


def test_cli_cell_lists_the_persons_behind_a_number(db_file, capsys):
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--cell", "甲镇,2023年目前就业人数"]) == 0
    out = capsys.readouterr().out
    assert "（2人）" in out and out.count("甲镇") >= 3
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--cell", "合计,ly"]) == 0
    assert "（3人）" in capsys.readouterr().out


def test_cli_errors_are_chinese_and_exit_2(db_file, capsys):
    assert main(["--db", str(db_file), "report", "F42", "--as-of", AS_OF, "--out", "x.xlsx"]) == 2
    assert "没有报表“F42”" in capsys.readouterr().err
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF, "--cell", "火星,ly"]) == 2
    assert "没有“火星”这一行" in capsys.readouterr().err
    assert main(["--db", str(db_file), "report", "F1", "--as-of", AS_OF]) == 2


def test_csv_of_a_two_level_table_starts_with_the_area_name(db, factory, tmp_path):
    for county_name in ("东县", "西县"):
        village = factory.areas.ensure([("county", county_name), ("township", county_name + "镇"), ("village", "村")])
        hh = db["households"].insert({"hh_no": county_name, "area_id": village, "hh_type": "脱贫户"}).last_pk
        p = factory.person(hh, birth=_birth())
        db["spot_checks"].insert({"person_id": p, "check_date": "2023-06-10", "phone_connected": 1})
    path = write_form_csv(compute_form(db, "F9", AS_OF), tmp_path / "f9.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:3] == ["乡镇（街道）", "县(市、区)", "电话接通情况/人数(人)"]
    assert [r[:3] for r in rows[1:]] == [["合计", "合计", "2"], ["东县镇", "东县", "1"], ["西县镇", "西县", "1"]]


def _cells_as_read(path) -> tuple[list, set[str]]:
    """Every cell's value and style as openpyxl reads the workbook back, and its merged ranges."""
    ws = load_workbook(path).active
    cells = [(cell.coordinate, cell.value, repr(cell.font), repr(cell.border), repr(cell.fill),
              repr(cell.alignment), cell.number_format)
             for row in ws.iter_rows() for cell in row]
    return cells, {str(r) for r in ws.merged_cells.ranges}


def test_every_form_styled_by_copies_reads_back_as_styled_cell_by_cell(demo_file, tmp_path):
    """The forms' workbooks style each distinct style once and copy it to the other cells
    (``reports.xlsx._Styles``, issue 20): every cell of every declared form reads back with
    the font, border, fill, alignment and number format openpyxl's setters give it."""
    from wengang.services.reports.forms import list_forms  # noqa: PLC0415
    from wengang.services.reports.xlsx import _Styles  # noqa: PLC0415

    _, db = demo_file(5, dt.date(2023, 6, 30))
    for spec in list_forms():
        result = compute_form(db, spec.id, AS_OF)
        copied = _cells_as_read(write_form_xlsx(result, tmp_path / f"{spec.id}_copied.xlsx"))
        set_one_by_one = _cells_as_read(write_form_xlsx(result, tmp_path / f"{spec.id}_set.xlsx",
                                                        styles=_Styles(copied=False)))
        assert copied == set_one_by_one, spec.id
        styled = {font for _, _, font, *_ in copied[0]}
        assert len(styled) >= 3, spec.id  # header, body and bold 合计 fonts at least: styles were compared
