"""Ledgers: the six lists and the post/workshop/relocation ledgers, masking, Excel and CSV."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest

from wengang.domain.masking import mask_id, mask_id_sql, mask_phone, mask_phone_sql
from wengang.services.ledgers import LedgerError, get_ledger, ledger_query, list_ledgers, write_ledger

AS_OF = "2023-06-30"


@pytest.fixture
def county(db, factory):
    """Seven people whose lists are known by construction (as of 2023-06-30)."""
    f = factory
    people = {}
    births = iter(dt.date(1985, 5, day) for day in range(1, 28))
    make_person = f.person
    # The factory's ID sequence can repeat for adjacent persons: distinct birth dates keep
    # every 证件号码 unique (甲 keeps 1985-05-01 for the age check).
    f.person = lambda hh=None, **kw: make_person(hh, **{"birth": next(births), **kw})
    hh = f.household("城关镇", "城关村", head_name="甲户主")
    people["last_only"] = f.person(hh, name="甲", relation="户主", phone="13812345678")
    f.spell(people["last_only"], "2022-03-01", "2022-11-30", region="省外",
            place_province="浙江省", place_city="宁波市", place_county="鄞州区", employer_name="宁波某厂")
    db["surveys"].insert({"person_id": people["last_only"], "survey_date": "2023-02-01", "willing": 1,
                          "planned_month": "2023-08"})
    people["still_out"] = f.person(hh, name="乙", relation="之子")
    f.spell(people["still_out"], "2022-05-01", None, region="省内县外", employer_name="兰州某公司")
    people["student"] = f.person(hh, name="丙", student_status="本科一年级", birth=dt.date(2004, 9, 1))
    hh2 = f.household("城关镇", "东关村")
    people["returned"] = f.person(hh2, name="丁", relation="户主")
    f.spell(people["returned"], "2023-01-10", "2023-04-30", region="省外", return_reason="合同到期",
            place_province="广东省", place_city="东莞市")
    f.spell(people["returned"], "2023-05-15", None, region="县内", channel="灵活就业")
    hh3 = f.household("西河乡", "西河村")
    people["post"] = f.person(hh3, name="戊", relation="户主", labour_skill="弱劳动力或半劳动力")
    post_spell = f.spell(people["post"], "2023-01-01", None, region="县内", channel="公益性岗位")
    db["welfare_posts"].insert({"spell_id": post_spell, "post_name": "村道保洁", "post_type": "保洁员",
                                "developer": "西河乡人民政府", "funding": "衔接资金", "pay_standard": 500})
    org = db["organisations"].insert({"name": "西河帮扶车间", "kind": "帮扶车间"}).last_pk
    people["workshop"] = f.person(hh3, name="己")
    f.spell(people["workshop"], "2023-03-01", None, region="县内", channel="帮扶车间", org_id=org)
    site = db["relocation_sites"].insert({"name": "幸福家园安置点", "site_type": "城镇"}).last_pk
    hh4 = f.household("西河乡", "西河村", relocated=1, site_id=site, placement="集中", hh_type="同步搬迁户")
    people["relocated"] = f.person(hh4, name="庚", relation="户主")
    return people


def names(query) -> list[str]:
    col = query.columns.index("姓名")
    return [row[col] for row in query.rows(0, None)]


def test_masking_rules():
    assert mask_id("62070219850501123X") == "620702********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id(None) is None and mask_phone("") == ""
    assert mask_id("12345") == "*****"


def test_sql_masking_matches_python(db):
    for value in ("62070219850501123X", "13812345678", "0936812345", "123"):
        (sql_id, sql_phone), = db.execute(
            f"SELECT {mask_id_sql(':v')}, {mask_phone_sql(':v')}", {"v": value}).fetchall()
        if len(value) > 10:
            assert sql_id == mask_id(value)
        if len(value) > 7:
            assert sql_phone == mask_phone(value)
        assert value not in (sql_id, sql_phone)


def test_all_lists_declared():
    ids = [ledger.id for ledger in list_ledgers()]
    assert ids[:6] == ["labour", "last-year", "this-year", "not-yet", "willing", "returned"]
    assert {"posts", "workshops", "relocated"} <= set(ids)


def test_six_lists_population(db, county):
    # 庚 is in a 同步搬迁户 household: in the relocation ledger only, as F6 counts him.
    assert names(ledger_query(db, "labour", AS_OF)) == ["甲", "乙", "丁", "戊", "己"]
    assert names(ledger_query(db, "last-year", AS_OF)) == ["甲", "乙"]
    assert names(ledger_query(db, "this-year", AS_OF)) == ["乙", "丁", "戊", "己"]
    assert names(ledger_query(db, "not-yet", AS_OF)) == ["甲"]
    assert names(ledger_query(db, "willing", AS_OF)) == ["甲"]
    assert names(ledger_query(db, "returned", AS_OF)) == ["丁"]
    # Before the return, 丁 has not come back yet.
    assert names(ledger_query(db, "returned", "2023-04-15")) == []


def test_common_and_own_columns(db, county):
    query = ledger_query(db, "not-yet", AS_OF)
    assert query.columns[:11] == ["序号", "乡镇（街道）", "行政村（社区）", "户编号", "户主姓名", "姓名", "性别",
                                  "年龄", "证件号码", "联系电话", "劳动技能"]
    row = dict(zip(query.columns, query.rows(0, 10)[0]))
    assert row["序号"] == 1 and row["乡镇（街道）"] == "城关镇" and row["户主姓名"] == "甲户主"
    assert row["年龄"] == 38  # born 1985-05-01, as of 2023-06-30
    assert row["上年务工地点"] == "浙江省宁波市鄞州区" and row["上年务工企业"] == "宁波某厂"
    assert row["是否有外出意愿"] == "是" and row["计划外出时间"] == "2023-08"
    returned = dict(zip(*[ledger_query(db, "returned", AS_OF).columns,
                          ledger_query(db, "returned", AS_OF).rows(0, 1)[0]]))
    assert (returned["返乡时间"], returned["返乡原因"], returned["是否再输出"], returned["再输出时间"]) == \
        ("2023-04-30", "合同到期", "是", "2023-05-15")
    # where they came back from (issue 17)
    assert (returned["返乡前就业地域"], returned["返乡前务工地"]) == ("省外", "广东省东莞市")


def test_posts_workshops_relocated(db, county):
    posts = ledger_query(db, "posts", AS_OF)
    row = dict(zip(posts.columns, posts.rows(0, 5)[0]))
    assert (row["姓名"], row["岗位类型"], row["开发主体"], row["资金渠道"], row["待遇标准（元/月）"]) == \
        ("戊", "保洁员", "西河乡人民政府", "衔接资金", 500)
    workshops = ledger_query(db, "workshops", AS_OF)
    assert [r[workshops.columns.index("帮扶车间名称")] for r in workshops.rows()] == ["西河帮扶车间"]
    relocated = ledger_query(db, "relocated", AS_OF)
    row = dict(zip(relocated.columns, relocated.rows()[0]))
    assert (row["姓名"], row["安置点"], row["目前是否就业"]) == ("庚", "幸福家园安置点", "否")
    site_id = db.execute("SELECT id FROM relocation_sites").fetchone()[0]
    assert ledger_query(db, "relocated", AS_OF, site_id=site_id).count() == 1
    assert ledger_query(db, "relocated", AS_OF, site_id=site_id + 1).count() == 0


def test_area_filter_paging_and_order(db, county):
    township = db.execute("SELECT id FROM areas WHERE name = '西河乡'").fetchone()[0]
    assert names(ledger_query(db, "labour", AS_OF, area_id=township)) == ["戊", "己"]
    query = ledger_query(db, "labour", AS_OF, order_by="-姓名")
    page = query.rows(2, 2)
    assert [r[0] for r in page] == [3, 4]  # 序号 continues across pages
    assert [r[5] for r in page] == sorted(names(query), reverse=True)[2:4]
    assert query.count() == 5 and len(list(query.iter_rows())) == 5
    with pytest.raises(LedgerError):
        ledger_query(db, "labour", AS_OF, order_by="不存在的列")
    with pytest.raises(LedgerError):
        ledger_query(db, "no-such-list", AS_OF)


def test_masked_query(db, county):
    query = ledger_query(db, "not-yet", AS_OF, mask=True)
    assert query.person_ids(0, 5) == [county["last_only"]]  # a masked row still leads to its person
    row = dict(zip(query.columns, query.rows()[0]))
    assert row["联系电话"] == "138****5678"
    assert row["证件号码"].startswith("620702") and row["证件号码"][6:14] == "********"


def test_write_xlsx(db, county, tmp_path):
    path = tmp_path / "劳动力.xlsx"
    calls = []
    assert write_ledger(db, "labour", AS_OF, path, progress=lambda d, t: calls.append((d, t))) == 5
    assert calls[-1] == (5, 5)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet["A1"].value == "劳动力底数清单" and sheet["A1"].font.b and sheet.row_dimensions[1].height == 30
    assert "A1:" in str(sheet.merged_cells) and "2023年06月30日" in sheet["A2"].value
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["序号", "乡镇（街道）", "行政村（社区）"]
    id_col = header.index("证件号码") + 1
    ids = [sheet.cell(r, id_col).value for r in range(4, 9)]
    assert all(isinstance(v, str) and len(v) == 18 for v in ids)
    assert sheet.cell(4, header.index("年龄") + 1).value == 38
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == f"A3:{openpyxl.utils.get_column_letter(len(header))}8"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$3:$3"
    assert sheet.column_dimensions["I"].width > 15  # 证件号码 wide enough to read


def test_write_csv_masked(db, county, tmp_path):
    path = tmp_path / "未务工.csv"
    write_ledger(db, "not-yet", AS_OF, path, mask=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "序号" and len(rows) == 2
    assert "138****5678" in rows[1]
    with pytest.raises(LedgerError):
        write_ledger(db, "labour", AS_OF, tmp_path / "x.pdf")


def test_csv_amounts_read_as_written(db, county, tmp_path):
    """SQLite hands REAL amounts back as floats: 4000 in the CSV, not 4000.0; cents kept."""
    db.execute("UPDATE employment_spells SET monthly_income = 3250.5 WHERE employer_name = '兰州某公司'")
    path = tmp_path / "今年.csv"
    write_ledger(db, "this-year", AS_OF, path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    income = [r[rows[0].index("月收入（元）")] for r in rows[1:]]
    assert "4000" in income and "3250.5" in income and not any(v.endswith(".0") for v in income)


def test_cancelled_export_leaves_no_file(db, county, tmp_path, monkeypatch):
    from wengang.services.ledgers import export

    class Cancelled(Exception):
        pass

    def cancel(done, total):
        raise Cancelled

    monkeypatch.setattr(export, "_PROGRESS_EVERY", 1)
    for name in ("half.csv", "half.xlsx"):
        with pytest.raises(Cancelled):
            write_ledger(db, "labour", AS_OF, tmp_path / name, progress=cancel)
        assert not (tmp_path / name).exists()


def test_cli_ledger(tmp_path, capsys):
    from conftest import Factory

    from wengang.cli.main import main
    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    db_file = tmp_path / "county.db"
    database = open_database(db_file)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    f = Factory(database)
    f.person(f.household("城关镇", "城关村"), phone="13912345678")
    f.person(f.household("西河乡", "西河村"), birth=dt.date(1990, 1, 2))
    database.close()
    out = tmp_path / "labour.csv"
    assert main(["--db", str(db_file), "ledger", "labour", "--as-of", AS_OF, "--out", str(out),
                 "--mask", "--area", "城关镇"]) == 0
    assert "劳动力底数清单：1人" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8-sig")
    assert "139****5678" in text and "西河乡" not in text
    with pytest.raises(SystemExit):
        main(["--db", str(db_file), "ledger", "labour", "--as-of", AS_OF, "--out", str(out),
              "--area", "没有这个镇"])


def test_cli_six_lists_into_a_folder_in_one_run(tmp_path, capsys, monkeypatch):
    """The monthly upload: the six lists in one command, the statuses derived once for all six."""
    from conftest import Factory

    import wengang.store.status as status_module
    from wengang.cli.main import main
    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    db_file = tmp_path / "county.db"
    database = open_database(db_file)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    f = Factory(database)
    worker = f.person(f.household("城关镇", "城关村"), phone="13912345678")
    f.spell(worker, "2023-03-01", None)
    database.close()
    calls = []
    real = status_module.materialize_status
    monkeypatch.setattr(status_module, "materialize_status", lambda *a, **k: calls.append(1) or real(*a, **k))
    out = tmp_path / "六月"
    assert main(["--db", str(db_file), "ledger", "six-lists", "--as-of", AS_OF, "--out", str(out), "--mask"]) == 0
    assert len(calls) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{get_ledger(i).title}_{AS_OF}.xlsx" for i in ("labour", "last-year", "this-year", "not-yet", "willing", "returned"))
    this_year = openpyxl.load_workbook(out / f"{get_ledger('this-year').title}_{AS_OF}.xlsx").active
    assert this_year.max_row == 4 and "139****5678" in [c.value for c in this_year[4]]
    assert capsys.readouterr().out.count("已导出") == 6
    assert main(["--db", str(db_file), "ledger", "labour，willing", "--as-of", AS_OF, "--out", str(tmp_path / "csv"),
                 "--format", "csv"]) == 0
    assert sorted(p.suffix for p in (tmp_path / "csv").iterdir()) == [".csv", ".csv"]
    assert main(["--db", str(db_file), "ledger", "all", "--as-of", AS_OF, "--out", str(tmp_path / "a.xlsx")]) == 2
    assert "文件夹" in capsys.readouterr().err
    assert main(["--db", str(db_file), "ledger", "labour,nothing", "--as-of", AS_OF, "--out", str(tmp_path / "b")]) == 2
    assert "nothing" in capsys.readouterr().err and not (tmp_path / "b").exists()


def test_the_command_line_says_how_far_the_lists_are_on_a_terminal(tmp_path, monkeypatch):
    """The six lists take 30 s at 200,000 households, one ledger alone seconds: on a terminal
    one line counts the persons written; the files are said after it, on lines of their own."""
    from conftest import Factory
    from terminal import Terminal

    from wengang.cli.main import main
    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    db_file = tmp_path / "county.db"
    database = open_database(db_file)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    f = Factory(database)
    f.spell(f.person(f.household("城关镇", "城关村")), "2023-03-01", None)
    database.close()
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["--db", str(db_file), "ledger", "six-lists", "--as-of", AS_OF, "--out", str(tmp_path / "lists")]) == 0
    said = terminal.text
    assert said.startswith("\r正在统计各台账人数…") and "\r共2人次，开始写入… 0/2" in said  # in two of the lists
    assert said.endswith("\r正在保存今年返乡回流和实现再输出底数清单… 2/2    \n")
    terminal.text = ""
    assert main(["--db", str(db_file), "ledger", "labour", "--as-of", AS_OF, "--out", str(tmp_path / "l.xlsx")]) == 0
    assert terminal.text == "\r正在导出劳动力底数清单… 1/1    \n"


def test_write_ledgers_counts_progress_over_all_files_and_a_cancel_keeps_only_whole_ones(db, county, tmp_path,
                                                                                       monkeypatch):
    from wengang.services.ledgers import SIX_LISTS, export, write_ledgers

    calls = []
    done = write_ledgers(db, SIX_LISTS, AS_OF, tmp_path / "out", progress=lambda d, t, m: calls.append((d, t, m)))
    assert [ledger_id for ledger_id, _, _ in done] == list(SIX_LISTS)
    assert all(path.exists() and path.name.endswith(f"_{AS_OF}.xlsx") for _, path, _ in done)
    total = sum(n for _, _, n in done)
    assert calls[-1][:2] == (total, total) and [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)
    # the box says what it waits for while the statuses and counts are made, then how much will come
    assert calls[0] == (0, 0, "正在统计各台账人数…") and calls[1][:2] == (0, total)
    assert "今年返乡" in calls[-1][2]

    class Cancelled(Exception):
        pass

    def cancel_in_the_third(_done, _total, message):
        if "今年已务工" in message:
            raise Cancelled

    monkeypatch.setattr(export, "_PROGRESS_EVERY", 1)
    with pytest.raises(Cancelled):
        write_ledgers(db, SIX_LISTS, AS_OF, tmp_path / "cancelled", progress=cancel_in_the_third)
    assert len(list((tmp_path / "cancelled").iterdir())) == 2  # the two finished, nothing half-written


def test_statuses_reused_until_a_write(db, county, monkeypatch):
    import wengang.store.status as status_module

    calls = []
    real = status_module.materialize_status
    monkeypatch.setattr(status_module, "materialize_status", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert names(ledger_query(db, "not-yet", AS_OF)) == ["甲"]
    ledger_query(db, "labour", AS_OF).rows(0, 3)  # paging writes only our own temp table
    assert len(calls) == 1
    with db.atomic():
        db.execute("INSERT INTO employment_spells(person_id, start_date, region) VALUES (?, '2023-06-01', '省外')",
                   [county["last_only"]])
    assert names(ledger_query(db, "not-yet", AS_OF)) == []  # 甲 went out again: statuses re-derived
    assert len(calls) == 2


def test_forms_lists_and_overview_at_one_date_derive_statuses_once(db, county, monkeypatch):
    """One connection, one date: the report engine, the lists and the overview share one table."""
    import wengang.store.status as status_module
    from wengang.services.overview import compute_overview
    from wengang.services.reports.engine import compute_form

    calls = []
    real = status_module.materialize_status
    monkeypatch.setattr(status_module, "materialize_status", lambda *a, **k: calls.append(1) or real(*a, **k))
    form = compute_form(db, "F1", AS_OF)
    query = ledger_query(db, "last-year", AS_OF)
    assert query.count() == form.total().values["ly"]
    query.rows(0, 10)  # the page order is our own TEMP write: statuses stay valid
    compute_form(db, "F5", AS_OF)
    compute_overview(db, dt.date.fromisoformat(AS_OF))
    assert len(calls) == 1


def test_lists_agree_with_the_forms():
    """A list's row count is the form's cell: same statuses, same population (demo county)."""
    from wengang.services.demo.builder import build_demo
    from wengang.services.reports.engine import compute_form
    from wengang.store.db import open_database

    database = open_database(":memory:")
    as_of = dt.date(2023, 6, 30)
    build_demo(database, 300, seed=7, as_of=as_of)
    f1 = compute_form(database, "employment", as_of).total().values
    f5 = compute_form(database, "not-yet-employed", as_of).total().values
    f6 = compute_form(database, "relocation", as_of).total().values
    f3 = compute_form(database, "targets", as_of).total().values
    assert ledger_query(database, "last-year", as_of).count() == f1["ly"] > 0
    assert ledger_query(database, "this-year", as_of).count() == f1["ty"] > 0
    assert ledger_query(database, "not-yet", as_of).count() == f5["not_yet"] > 0
    assert ledger_query(database, "relocated", as_of).count() == f6["labour"] > 0
    # Someone on a post who also started another job is still on the post ledger.
    assert ledger_query(database, "posts", as_of).count() == f3["posts_now"] > 0
    assert ledger_query(database, "workshops", as_of).count() == f3["ws_persons_now"] > 0
    database.close()


def test_default_order_and_first_page(db, factory):
    """乡镇 and 村 in their sort order, then 户编号 (groups 组 of a village mixed by 户编号), 户主
    first; the first page (sorted top-N) equals the same rows read from the numbered positions."""
    from wengang.store.areas import ensure_path

    villages = {name: factory.village(township, name) for township, name in
                (("乙镇", "甲村"), ("甲镇", "乙村"), ("甲镇", "丙村"))}
    db.execute("UPDATE areas SET sort_order = 2 WHERE name = '乙镇'")
    db.execute("UPDATE areas SET sort_order = 1 WHERE name = '甲镇'")
    db.execute("UPDATE areas SET sort_order = 5 WHERE name = '乙村'")
    group_one = ensure_path(db, [("county", "测试县"), ("township", "甲镇"), ("village", "丙村"), ("group", "一组")])
    group_two = ensure_path(db, [("county", "测试县"), ("township", "甲镇"), ("village", "丙村"), ("group", "二组")])
    plan = [  # (户编号, area, members as (name, relation)) — inserted out of order on purpose
        ("H09", villages["甲村"], [("甲村户", "户主")]),
        ("H03", group_two, [("二组户之子", "之子"), ("二组户", "户主")]),
        ("H02", group_one, [("一组户", "户主")]),
        ("H01", villages["乙村"], [("乙村户", "户主")]),
        ("H04", group_one, [("一组户二", "户主")]),
        ("H00", villages["丙村"], [("丙村户", "户主")]),
    ]
    births = (dt.date(1980, 1, 1) + dt.timedelta(days=k) for k in range(100))  # distinct IDs
    for hh_no, area_id, members in plan:
        hh = db["households"].insert({"hh_no": hh_no, "area_id": area_id, "hh_type": "脱贫户"}).last_pk
        for name, relation in members:
            factory.person(hh, name=name, relation=relation, birth=next(births))
    expected = ["丙村户", "一组户", "二组户", "二组户之子", "一组户二", "乙村户", "甲村户"]
    query = ledger_query(db, "labour", AS_OF)
    assert [r[5] for r in query.rows(0, 3)] == expected[:3]  # the first page, before any positions
    first_ids = query.person_ids(0, 3)
    assert [r[5] for r in query.rows(3, 10)] == expected[3:]  # a deeper page numbers everyone
    assert [r[5] for r in query.rows(0, 3)] == expected[:3] and query.person_ids(0, 3) == first_ids
    assert [r[0] for r in query.rows(0, 10)] == list(range(1, 8))
    # Counted first (as the window does), pages near the top walk the ranks in order instead
    # of sorting every member or numbering them all: the same rows and numbers.
    walked = ledger_query(db, "labour", AS_OF)
    assert walked.count() == 7
    assert [r[5] for r in walked.rows(0, 3)] == expected[:3] and walked.person_ids(0, 3) == first_ids
    assert [r[:1] + r[5:6] for r in walked.rows(3, 10)] == [(n, name) for n, name in enumerate(expected[3:], 4)]
    assert walked._walks_ranks(13) and walked._positions is None
    # An area's members are not walked to: read ahead (on the worker), its rows are numbered
    # first, so the pages the GUI thread reads after it sort nothing.
    town = db.execute("SELECT id FROM areas WHERE name = '甲镇'").fetchone()[0]
    scoped = ledger_query(db, "labour", AS_OF, area_id=town)
    assert scoped.count() == 6
    assert [r[5] for r in scoped.first_rows(2)] == expected[:2] and scoped._positions is not None
    assert [r[5] for r in scoped.rows(2, 10)] == expected[2:6]


def test_cli_says_a_long_pdf_is_being_laid_out(qapp, tmp_path, capsys, monkeypatch):
    """A printable ledger is laid out by Qt page by page (90 s for 459,000 labourers at
    200,000 households): the command says so before it starts, with the rows and a guess."""
    from conftest import Factory

    from wengang.cli.commands import ledger as ledger_command
    from wengang.cli.main import main
    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    db_file = tmp_path / "county.db"
    database = open_database(db_file)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    f = Factory(database)
    household = f.household("城关镇", "城关村")
    for day in range(3):
        f.person(household, birth=dt.date(1990, 1, 2 + day))
    database.close()
    monkeypatch.setattr(ledger_command, "PDF_ROWS_SAID", 3)
    assert main(["--db", str(db_file), "ledger", "labour", "--as-of", AS_OF, "--out", str(tmp_path / "l.pdf")]) == 0
    assert "正在排版PDF：3行" in capsys.readouterr().err
    monkeypatch.setattr(ledger_command, "PDF_ROWS_SAID", 4)
    assert main(["--db", str(db_file), "ledger", "labour", "--as-of", AS_OF, "--out", str(tmp_path / "l.pdf")]) == 0
    assert "正在排版" not in capsys.readouterr().err


def test_the_default_order_is_kept_across_writes_that_cannot_change_it(db, factory, monkeypatch):
    """Built again after every write, the order cost 1.4–2 s at 200,000 households on the next
    list, also after a 务工 record was edited, which cannot change it (migration 0130); the
    writes that can change it build it again."""
    from wengang.services.ledgers import query as ledger_query_module

    births = (dt.date(1980, 1, 1) + dt.timedelta(days=k) for k in range(10))  # distinct IDs
    first = factory.household("甲镇", "甲村", hh_no="H2")
    head = factory.person(first, name="甲户主", relation="户主", birth=next(births))
    son = factory.person(first, name="甲之子", relation="之子", birth=next(births))
    second = factory.household("甲镇", "甲村", hh_no="H3")
    factory.person(second, name="乙户主", relation="户主", birth=next(births))
    other_village = factory.village("甲镇", "丙村")
    builds, kept_while = [], ledger_query_module.kept_while
    monkeypatch.setattr(ledger_query_module, "kept_while", lambda db_, kind, version, build: kept_while(
        db_, kind, version, lambda name: (builds.append(name), build(name))[1]))

    def listed() -> list[str]:
        query = ledger_query(db, "labour", AS_OF)
        query.prepare()
        return [r[5] for r in query.rows(0, 10)]

    assert listed() == ["甲户主", "甲之子", "乙户主"] and len(builds) == 1
    factory.spell(head, "2024-02-01")  # a 务工 record
    db.execute("UPDATE persons SET phone = '13912345678' WHERE id = ?", [son])
    assert listed() == ["甲户主", "甲之子", "乙户主"] and len(builds) == 1  # not built again
    for change, after in [
        (("UPDATE persons SET relation = '户主' WHERE id = ?", [son]), ["甲户主", "甲之子", "乙户主"]),
        (("UPDATE persons SET relation = '之子' WHERE id = ?", [head]), ["甲之子", "甲户主", "乙户主"]),
        (("UPDATE households SET hh_no = 'H1' WHERE id = ?", [second]), ["乙户主", "甲之子", "甲户主"]),
        (("UPDATE households SET area_id = ? WHERE id = ?", [other_village, second]), ["甲之子", "甲户主", "乙户主"]),
        (("UPDATE areas SET sort_order = -1 WHERE id = ?", [other_village]), ["乙户主", "甲之子", "甲户主"]),
        (("DELETE FROM persons WHERE id = ?", [head]), ["乙户主", "甲之子"]),
    ]:
        built = len(builds)
        db.execute(*change)
        assert listed() == after and len(builds) == built + 1, change
    factory.person(second, name="乙之女", relation="之女", birth=next(births))
    assert listed() == ["乙户主", "乙之女", "甲之子"]  # a new person is in the order
    assert len(set(builds)) == 1  # built again under one name: a query holding it reads the new rows
    db.execute("DROP TRIGGER ledger_order_changes_areas_update")  # as a writer rebuilding the table would
    db.execute("UPDATE areas SET sort_order = 9 WHERE id = ?", [other_village])  # not counted now
    assert listed() == ["甲之子", "乙户主", "乙之女"]  # the count not trusted: built again after any write
