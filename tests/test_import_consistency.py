"""The 三一致 check and the command line of import, template and check-consistency."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx
from openpyxl import load_workbook

from wengang.cli.main import main
from wengang.services.importing import check_consistency, import_file, write_consistency
from wengang.store.areas import set_installation
from wengang.store.db import open_database

SAMPLE = Path("/work/shared/samples/（自定义）脱贫人口和监测对象信息-样例.xlsx")
WORK_SAMPLE = Path("/work/shared/samples/（务工月监测）已外出务工信息-样例.xlsx")


def _planted(tmp_path) -> Path:
    """The sample with row 5 deleted (missing), a new person appended (added), 冯军明's 劳动技能 changed."""
    path = tmp_path / "fresh.xlsx"
    shutil.copy(SAMPLE, path)
    wb = load_workbook(path)
    ws = wb.active
    row = next(r for r in ws.iter_rows(min_row=4) if r[5].value == "冯军明")
    row[13].value = "弱劳动力"  # 劳动技能; folded to 弱劳动力或半劳动力 before comparing
    new = [c.value for c in ws[6]]
    new[5], new[6] = "新来人", pid(5)
    ws.append(new)
    ws.delete_rows(5)
    wb.save(path)
    return path


def test_consistency_finds_added_missing_and_changed(db, tmp_path):
    assert import_file(db, "persons", SAMPLE).ok
    same = check_consistency(db, SAMPLE)
    assert same.consistent, same.summary()
    report = check_consistency(db, _planted(tmp_path))
    assert [d["id_number"] for d in report.only_in_file] == [pid(5)]
    assert [d["id_number"] for d in report.only_in_db] == ["620702199704020032"]
    assert len(report.differing) == 1
    diff = report.differing[0]
    assert (diff.id_number, diff.name, diff.fields) == ("620702197208020130", "冯军明",
                                                       [("劳动技能", "弱劳动力或半劳动力", "普通劳动力")])
    out = write_consistency(report, tmp_path / "report.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "仅在文件中", "仅在数据库中", "信息不一致"]
    assert next(iter(wb["信息不一致"].iter_rows(min_row=2, values_only=True)))[1:4] == \
        ("620702197208020130", "冯军明", "劳动技能")


def _cli_db(tmp_path) -> Path:
    path = tmp_path / "county.db"
    db = open_database(path)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    db.close()
    return path


def test_cli_template_import_and_check(tmp_path, capsys, monkeypatch):
    dbp = _cli_db(tmp_path)
    out = tmp_path / "模板.xlsx"
    assert main(["--db", str(dbp), "template", "employment", "--out", str(out)]) == 0
    assert [c.value for c in load_workbook(out).active[1]][:3] == ["证件号码", "姓名", "就业地域"]
    src = tmp_path / "人员.xlsx"
    shutil.copy(SAMPLE, src)
    assert main(["--db", str(dbp), "import", "persons", str(src), "--dry-run"]) == 0
    assert "试导入" in capsys.readouterr().out
    assert main(["--db", str(dbp), "import", "auto", str(src)]) == 0
    assert "新增53" in capsys.readouterr().out
    assert main(["--db", str(dbp), "import", "employment", str(WORK_SAMPLE), "--errors",
                 str(tmp_path / "e.xlsx")]) == 0
    assert main(["--db", str(dbp), "check-consistency", str(src), "--out", str(tmp_path / "r.xlsx")]) == 0
    assert "信息不一致0条" in capsys.readouterr().out
    # on a terminal, how far it is (27 s at 200,000 households): read, the ledger's records, compared
    from terminal import Terminal

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["--db", str(dbp), "check-consistency", str(src), "--out", str(tmp_path / "r.xlsx")]) == 0
    said = terminal.text
    assert said.index("\r正在读取台账中的记录…") < said.index("\r正在比对 0/53")
    assert said.endswith("\r正在比对 53/53    \n")


def test_cli_rejects_a_bad_file_with_row_and_field(tmp_path, capsys):
    dbp = _cli_db(tmp_path)
    rows = person_rows(5)
    rows[2][5] = "富裕户"
    src = write_xlsx(tmp_path / "台账.xlsx", PERSON_HEADERS, rows)
    assert main(["--db", str(dbp), "import", "persons", str(src)]) == 1
    err = capsys.readouterr().err
    assert "第4行 户类型：户类型“富裕户”不在代码表中" in err
    assert str(tmp_path / "台账-错误说明.xlsx") in err
    assert (tmp_path / "台账-错误说明.xlsx").exists()
    db = open_database(dbp, lock=False) if "lock" in open_database.__code__.co_varnames else open_database(dbp)
    assert db["persons"].count == 0


def test_cli_runs_as_a_program(tmp_path):
    dbp = _cli_db(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "wengang", "--db", str(dbp), "import", "auto", str(SAMPLE),
                           "--dry-run"], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "新增53" in proc.stdout


def test_cli_unreadable_and_unknown_files(tmp_path, capsys):
    dbp = _cli_db(tmp_path)
    junk = tmp_path / "坏.xlsx"
    junk.write_bytes(b"not a workbook")
    assert main(["--db", str(dbp), "import", "auto", str(junk)]) == 1
    assert "文件：无法读取Excel文件" in capsys.readouterr().err
    other = write_xlsx(tmp_path / "其他.xlsx", ["甲", "乙"], [["1", "2"]])
    assert main(["--db", str(dbp), "import", "auto", str(other)]) == 1
    assert "无法判断这是哪类数据" in capsys.readouterr().err
    missing = write_xlsx(tmp_path / "缺列.xlsx", ["证件号码", "姓名"], [[pid(1), "张三"]])
    assert main(["--db", str(dbp), "import", "employment", str(missing)]) == 1
    assert "第1行 开始时间：缺少必填列“开始时间”" in capsys.readouterr().err


def test_consistency_of_a_work_monitoring_export(db, tmp_path):
    assert import_file(db, "persons", SAMPLE).ok and import_file(db, "employment", WORK_SAMPLE).ok
    assert check_consistency(db, WORK_SAMPLE).consistent
    path = tmp_path / "work.xlsx"
    shutil.copy(WORK_SAMPLE, path)
    wb = load_workbook(path)
    wb.active["N5"] = 2999  # 务工月收入 of row 5
    wb.save(path)
    report = check_consistency(db, path)
    assert [(d.row, d.fields) for d in report.differing] == [(5, [("月收入（元）", 2999, 1)])]


NATIONAL_WORK = ["序号", "县", "乡", "行政村", "户编号", "证件号码", "户类型", "是否已务工", "开始时间", "结束时间",
                 "务工所在县", "就业渠道", "务工月收入", "务工企业名称", "所属行业"]


def _spell(n, start, end=None):
    return [pid(n), f"人{n}", "省外", "有组织劳务输出", "浙江省", "宁波市", "鄞州区", "某厂", "制造业", start, end, None, 4500]


def _national(n, number, start, end=None):
    return [n, "测试县", "城关镇", "城关镇1村", "62070200000001", number, "脱贫户", "是", start, end, "浙江省宁波市鄞州区",
            "有组织劳务输出", 4500, "某厂", "制造业"]


def _county_with_history(db, tmp_path):
    """城关镇 pid(1)–pid(9) and 新华乡 pid(10)–pid(15), with spells from 2019 to 2024."""
    people = person_rows(9) + person_rows(6, start=10, township="新华乡")
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, people)).ok
    spells = [_spell(1, "2019-03-01", "2019-10-31"),  # over before the file's period
              _spell(1, "2023-04-12"),                # the file gives it by month
              _spell(2, "2023-05-01", "2023-11-30"),
              _spell(2, "2024-06-01"),                # begun after the file's last date
              _spell(3, "2023-03-01"),                # under way in the period: missing
              _spell(4, "2022-01-01", "2022-12-31"),  # over before the file's period
              _spell(10, "2023-03-01")]               # 新华乡: another township
    assert import_file(db, "employment", write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, spells)).ok


def test_a_work_file_is_compared_with_the_spells_it_covers_only(db, tmp_path, monkeypatch):
    _county_with_history(db, tmp_path)
    from wengang.services.importing.reader import Table

    def read_again(_table):  # the check lets the file's texts go, but the month-only starts'
        raise AssertionError("the file was read a second time")
    monkeypatch.setattr(Table, "_read_whole", read_again)
    national = write_xlsx(tmp_path / "（务工月监测）已外出务工信息.xlsx", NATIONAL_WORK,
                          [_national(1, pid(1), "2023年04月"), _national(2, pid(2), "2023年05月", "2023年11月")],
                          title_rows=[["（务工月监测）已外出务工信息"], ["导出时间：2023-12-18"]])
    report = check_consistency(db, national)
    # Only pid(3)'s spell: 城关镇 (the 乡 column), under way between 2023-04-01 and 2023-11-30.
    assert [d["key"] for d in report.only_in_db] == [(pid(3), "2023-03-01")]
    assert report.only_in_file == [] and report.differing == []
    assert (report.file_rows, report.db_rows) == (2, 3)


def test_a_work_file_without_areas_covers_the_townships_of_its_people(db, tmp_path):
    _county_with_history(db, tmp_path)
    mine = write_xlsx(tmp_path / "我的务工.xlsx", WORK_HEADERS,
                      [_spell(1, "2023-04-12"), _spell(2, "2023-05-01", "2023-11-30")])
    report = check_consistency(db, mine)
    assert [d["key"] for d in report.only_in_db] == [(pid(3), "2023-03-01")]
    assert report.consistent is False and not report.only_in_file and not report.differing
    # A file naming someone in 新华乡 covers that township as well.
    both = write_xlsx(tmp_path / "两乡.xlsx", WORK_HEADERS,
                      [_spell(1, "2023-04-12"), _spell(2, "2023-05-01", "2023-11-30"),
                       _spell(3, "2023-03-01"), _spell(11, "2023-06-01")])
    report = check_consistency(db, both)
    assert [d["key"] for d in report.only_in_db] == [(pid(10), "2023-03-01")]
    assert [d["key"] for d in report.only_in_file] == [(pid(11), "2023-06-01")]
