"""Import engine: reading, header aliases, all-or-nothing, idempotency, dry run, samples."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx
from openpyxl import load_workbook

from wengang.domain.ids import check_id
from wengang.services.importing import KINDS, detect_kind, import_file, kind_spec, preview_file, read_table
from wengang.services.importing.parsers import CellError, parse_id

SAMPLES = Path("/work/shared/samples")
PERSON_SAMPLE = SAMPLES / "（自定义）脱贫人口和监测对象信息-样例.xlsx"
WORK_SAMPLE = SAMPLES / "（务工月监测）已外出务工信息-样例.xlsx"
NUMBER_MESSAGE = "证件号码被存为数字，末位已丢失，请把该列设为文本后重新导出"
FULL_WIDTH = str.maketrans("0123456789xX", "０１２３４５６７８９ｘＸ")
LEDGER_TABLES = ("areas", "households", "persons", "employment_spells", "import_batches", "quality_findings")


def counts(db) -> dict[str, int]:
    return {t: db[t].count for t in LEDGER_TABLES}


def test_kinds_are_the_ten_of_the_issue():
    assert set(KINDS) == {"persons", "employment", "surveys", "services", "subsidies", "checks", "sites",
                          "orgs", "posts", "targets"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_alias_and_its_full_width_form_maps_to_its_field(kind):
    spec = kind_spec(kind)
    for f in spec.fields:
        for name in f.names:
            assert spec.field_for(name) is f, name
            full_width = name.replace("(", "（").replace(")", "）")
            assert spec.field_for(f" {full_width} ") is f
            assert spec.field_for("*" + name) is f


def test_canonical_headers_are_exactly_the_issues():
    assert [f.label for f in kind_spec("persons").template_fields] == PERSON_HEADERS
    assert [f.label for f in kind_spec("employment").template_fields] == WORK_HEADERS


def test_detect_kind():
    assert detect_kind(PERSON_HEADERS) == "persons"
    assert detect_kind(WORK_HEADERS) == "employment"
    assert detect_kind(["证件号码", "抽查日期", "电话是否接通"]) == "checks"
    assert detect_kind(["地区", "年度", "目标任务（人）"]) == "targets"
    assert detect_kind(["甲", "乙"]) is None


def test_read_table_finds_header_under_title_rows_and_reads_text(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", ["序号", "证件号码", "开始时间", "月收入（元）"],
                      [[1, pid(1), dt.date(2023, 5, 1), 6.0], [2, "x", dt.datetime(2023, 6, 2), 2500.5]],
                      title_rows=[["（务工月监测）已外出务工信息"], ["导出单位：测试县"]])
    table = read_table(path)
    assert table.header_row == 3
    assert table.headers == ["序号", "证件号码", "开始时间", "月收入（元）"]
    assert table.rows[0] == ["1", pid(1), "2023-05-01", "6"]
    assert table.rows[1][2:] == ["2023-06-02", "2500.5"]
    assert table.row_numbers == [4, 5]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_read_csv_in_each_encoding(tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(f"证件号码,姓名\n{pid(1)},张三\n".encode(encoding))
    table = read_table(path)
    assert table.headers == ["证件号码", "姓名"] and table.rows == [[pid(1), "张三"]]


def test_fast_id_check_agrees_with_domain():
    for n in range(1, 400):
        number = pid(n, male=n % 2 == 0, birth=dt.date(1950, 1, 1) + dt.timedelta(days=47 * n))
        got = parse_id(number.lower())
        ref = check_id(number)
        assert got[:3] == (ref.number, ref.gender, ref.birth_date.isoformat())
        bad = number[:17] + ("0" if number[17] != "0" else "1")
        with pytest.raises(CellError) as err:
            parse_id(bad)
        assert str(err.value) == check_id(bad).error


def test_persons_import_creates_areas_households_and_persons(db, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(6))
    result = import_file(db, "persons", path)
    assert result.ok, result.errors
    assert (result.added, result.changed, result.unchanged) == (6, 0, 0)
    assert db["households"].count == 2 and db["persons"].count == 6
    person = db.execute("SELECT p.gender, p.birth_date, p.pinyin_initials, p.batch_id, h.head_name, v.name, "
                        "t.name FROM persons p JOIN households h ON h.id = p.household_id "
                        "JOIN areas v ON v.id = h.area_id JOIN areas t ON t.id = v.parent_id "
                        "WHERE p.id_number = ?", [pid(1)]).fetchone()
    assert person == ("男", "1985-05-01", "r1", result.batch_id, "人1", "城关镇1村", "城关镇")
    batch = db.execute("SELECT kind, rows, added, status FROM import_batches WHERE id = ?",
                       [result.batch_id]).fetchone()
    assert batch == ("persons", 6, 6, "done")


def test_aliases_full_width_spaces_and_column_order(db, tmp_path):
    headers = ["证 件 号 码", "姓名", "户编号", "县(市、区、旗)", "乡(镇)", "村", "户类型",
               "易返贫致贫户(监测对象)类型", "成员联系电话", "备用列"]
    rows = [[pid(1).lower().translate(FULL_WIDTH), " 张三 ", "ＡＢ１", "测试县", "城关镇", "新村",
             "监测户", "边缘户", "１３６１９６５９５７１", "x"]]
    path = write_xlsx(tmp_path / "p.xlsx", headers, rows)
    result = import_file(db, "auto", path)
    assert result.ok, result.errors
    assert result.kind == "persons" and result.unknown_columns == ["备用列"]
    row = db.execute("SELECT p.name, p.phone, h.hh_no, h.hh_type, h.monitor_category FROM persons p "
                     "JOIN households h ON h.id = p.household_id").fetchone()
    assert row == ("张三", "13619659571", "AB1", "监测户", "边缘易致贫户")
    assert db.execute("SELECT id_number FROM persons").fetchone()[0] == pid(1)


DATE_FORMS = [
    (dt.date(2021, 3, 14), None, "2021-03-14"),
    (44269, None, "2021-03-14"),  # Excel serial number
    ("2021-03-14", None, "2021-03-14"),
    ("2021/3/14", None, "2021-03-14"),
    ("2021.3.14", None, "2021-03-14"),
    ("2021年3月14日", None, "2021-03-14"),
    ("2021年03月", "2021年03月", "2021-03-01"),
    ("202103", "202103", "2021-03-01"),
]


@pytest.mark.parametrize("start, end, expected", DATE_FORMS)
def test_every_date_form(db, tmp_path, start, end, expected):
    import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(1)))
    row = [pid(1), "人1", "省外", "自主外出务工", "浙江省", "宁波市", "鄞州区", "甲公司", "制造业", start, end,
           "合同到期" if end else None, 4000]
    result = import_file(db, "employment", write_xlsx(tmp_path / "w.xlsx", WORK_HEADERS, [row]))
    assert result.ok, result.errors
    stored = db.execute("SELECT start_date, end_date FROM employment_spells").fetchone()
    assert stored[0] == expected
    if end:
        assert stored[1] == "2021-03-31"  # a month-precision end is the month's last day


def test_id_stored_as_number_is_rejected_with_the_plain_message(db, tmp_path):
    rows = person_rows(2)
    rows[1][11] = float(rows[1][11][:17] + "0") if rows[1][11][17] == "X" else float(rows[1][11])
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, rows)
    result = import_file(db, "persons", path)
    assert not result.ok
    assert [(e.row, e.field, e.message) for e in result.errors] == [(3, "证件号码", NUMBER_MESSAGE)]
    assert db["persons"].count == 0


def test_one_bad_row_in_1000_imports_nothing_and_the_workbook_says_where(db, tmp_path):
    import_file(db, "persons", write_xlsx(tmp_path / "seed.xlsx", PERSON_HEADERS, person_rows(3, start=5000)))
    before = counts(db)
    rows = person_rows(1000)
    rows[736][11] = rows[736][11][:17] + ("1" if rows[736][11][17] != "1" else "2")  # wrong check digit
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, rows)
    result = import_file(db, "persons", path)
    assert not result.ok and result.batch_id is None
    assert counts(db) == before
    assert [(e.row, e.field) for e in result.errors] == [(738, "证件号码")]
    assert result.errors_path == tmp_path / "人员-错误说明.xlsx"
    wb = load_workbook(result.errors_path)
    ws = wb["导入数据"]
    header = [c.value for c in ws[1]]
    assert header == PERSON_HEADERS + ["错误说明"]
    bad = ws[738]
    assert "第738行" in bad[-1].value and "证件号码" in bad[-1].value and "校验位" in bad[-1].value
    id_cell = bad[PERSON_HEADERS.index("证件号码")]
    assert id_cell.fill.fgColor.rgb == "FFFFC7CE"
    assert bad[0].fill.fgColor.rgb != "FFFFC7CE"
    assert ws.max_row == 1001
    assert next(iter(wb["错误清单"].iter_rows(min_row=2, values_only=True)))[:2] == (738, "证件号码")
    letter = ws.cell(1, PERSON_HEADERS.index("证件号码") + 1).column_letter
    assert ws.column_dimensions[letter].width >= 20  # the 18-digit number read whole
    assert ws.column_dimensions[ws.cell(1, len(header)).column_letter].width >= 60  # 错误说明


def test_same_file_twice_changes_nothing_and_an_update_updates(db, tmp_path):
    rows = person_rows(9)
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, rows)
    first = import_file(db, "persons", path)
    snapshot = db.execute("SELECT * FROM persons ORDER BY id").fetchall()
    second = import_file(db, "persons", path)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 9)
    assert db.execute("SELECT * FROM persons ORDER BY id").fetchall() == snapshot
    rows[4][15] = "13900000000"
    rows.append(person_rows(1, start=10)[0])
    third = import_file(db, "persons", write_xlsx(tmp_path / "p2.xlsx", PERSON_HEADERS, rows))
    assert (third.added, third.changed, third.unchanged) == (1, 1, 8)
    changed = db.execute("SELECT phone, batch_id FROM persons WHERE id_number = ?", [pid(5)]).fetchone()
    assert changed == ("13900000000", third.batch_id)
    assert db.execute("SELECT batch_id FROM persons WHERE id_number = ?", [pid(1)]).fetchone()[0] == first.batch_id


def test_dry_run_and_preview_write_nothing_but_count(db, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(4))
    before = counts(db)
    result = import_file(db, "persons", path, dry_run=True)
    assert result.ok and result.dry_run and result.added == 4 and result.batch_id is None
    assert counts(db) == before
    preview = preview_file(db, path)
    assert preview.kind == "persons" and preview.to_add == 4 and preview.ok
    assert ("联系电话", "联系电话") in preview.headers
    assert counts(db) == before


def test_unknown_person_in_employment_is_an_error(db, tmp_path):
    import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(1)))  # someone else
    row = [pid(77), "无名", "省外", "自主外出务工", "浙江省", "宁波市", "鄞州区", "甲", "制造业", "2023-01-01", None,
           None, 3000]
    result = import_file(db, "employment", write_xlsx(tmp_path / "w.xlsx", WORK_HEADERS, [row]))
    assert not result.ok
    assert result.errors[0].text() == f"第2行 证件号码：证件号码{pid(77)}未登记，请先导入人员信息"


def test_a_work_file_before_any_persons_is_refused_once_for_the_order(db, tmp_path):
    """The 务工 file chosen before the roster: one message for the order, not 证件号码…未登记
    on each of its 9,612 rows (walked in the window)."""
    rows = [[pid(n), f"人{n}", "省外", "自主外出务工", "浙江省", "宁波市", "鄞州区", "甲", "制造业", "2023-01-01",
             None, None, 3000] for n in range(1, 4)]
    path = write_xlsx(tmp_path / "w.xlsx", WORK_HEADERS, rows)
    preview = preview_file(db, path)
    assert preview.kind == "employment" and len(preview.errors) == 1
    assert preview.errors[0].text().startswith("文件：台账中还没有人员信息：务工就业信息要对应到已登记的人，请先导入人员信息文件")
    result = import_file(db, "employment", path)
    assert not result.ok and len(result.errors) == 1 and db["employment_spells"].count == 0
    listing = load_workbook(result.errors_path)["错误清单"]
    assert listing["A2"].value in (None, "") and listing["C2"].value.startswith("台账中还没有人员信息")  # no row 0


def test_progress_reports_and_an_exception_cancels(db, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(30))
    seen = []
    import_file(db, "persons", path, dry_run=True, progress=lambda d, t, s: seen.append((d, t)))
    assert seen[-1] == (30, 30)

    def cancel(done, total, text):
        if text == "正在写入":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(db, "persons", path, progress=cancel)
    assert db["persons"].count == 0 and db["import_batches"].count == 0


def test_both_samples_import_and_reimport_changes_nothing(db, tmp_path):
    persons = import_file(db, "auto", PERSON_SAMPLE, errors_path=tmp_path / "e.xlsx")
    assert persons.ok and persons.kind == "persons" and persons.added == 53
    assert persons.details["households_added"] == 18
    work = import_file(db, "auto", WORK_SAMPLE, errors_path=tmp_path / "e.xlsx")
    assert work.ok and work.kind == "employment" and work.added == 20
    regions = dict(db.execute(
        "SELECT p.id_number, s.region FROM employment_spells s JOIN persons p ON p.id = s.person_id").fetchall())
    assert regions["620702199704020032"] == "省外"       # 浙江省宁波市鄞州区
    assert regions["620702199410150085"] == "省内县外"   # 甘肃省兰州市城关区
    assert regions["620702196901240110"] == "县内"       # 甘肃省张掖市测试县
    spell = db.execute("SELECT start_date, end_date, place_province, place_city, place_county, point_to_point, "
                       "transport_subsidy, monthly_income FROM employment_spells s JOIN persons p "
                       "ON p.id = s.person_id WHERE p.id_number = '620702197411090222'").fetchone()
    assert spell == ("2023-09-01", "2023-11-30", "广东省", "东莞市", None, 1, 0.0, 5100.0)
    assert any("月收入1元" in w.message for w in work.warnings)
    kept = db.execute("SELECT COUNT(*) FROM quality_findings WHERE batch_id = ?", [work.batch_id]).fetchone()[0]
    assert kept > 0
    # found_at is the local time of the import, in the column default's own format
    stamps = {r[0] for r in db.execute("SELECT found_at FROM quality_findings WHERE batch_id = ?", [work.batch_id])}
    default = db.execute("SELECT strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')").fetchone()[0]
    assert len(stamps) == 1 and abs(dt.datetime.fromisoformat(stamps.pop()) -
                                     dt.datetime.fromisoformat(default)) < dt.timedelta(minutes=5)
    again = [import_file(db, "auto", f) for f in (PERSON_SAMPLE, WORK_SAMPLE)]
    assert [(r.added, r.changed) for r in again] == [(0, 0), (0, 0)]
    assert db.execute("SELECT COUNT(*) FROM quality_findings").fetchone()[0] == \
        db.execute("SELECT COUNT(*) FROM quality_findings WHERE batch_id IN (?, ?)",
                   [persons.batch_id, work.batch_id]).fetchone()[0]


def test_place_that_cannot_be_placed_is_an_error(db, tmp_path):
    import_file(db, "persons", PERSON_SAMPLE)
    src = tmp_path / "w.xlsx"
    shutil.copy(WORK_SAMPLE, src)
    from openpyxl import load_workbook as lw
    wb = lw(src)
    wb.active["L6"] = "某个地方"
    wb.save(src)
    result = import_file(db, "employment", src)
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [(6, "务工所在县")]
    assert db["employment_spells"].count == 0


def test_ten_thousand_persons_import(db, tmp_path):
    """At a township's scale every row arrives (its time is measured in bench/ops/importing.py)."""
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(10_000))
    result = import_file(db, "persons", path)
    assert result.ok and result.added == 10_000
    assert db["persons"].count == 10_000


def test_control_characters_and_warnings_reach_the_workbook(db, tmp_path):
    rows = person_rows(3)
    rows[0][10] = "张\x1b三"
    rows[1][15] = "12345"      # phone: a warning only
    rows[2][5] = "富裕户"      # 户类型: an error
    path = tmp_path / "p.csv"  # a CSV can carry control characters a workbook cannot
    path.write_text("\n".join(",".join("" if c is None else str(c) for c in r) for r in [PERSON_HEADERS, *rows]),
                    encoding="utf-8")
    result = import_file(db, "persons", path, errors_path=tmp_path / "out" / "e.xlsx")
    assert not result.ok and result.errors_path == tmp_path / "out" / "e.xlsx"
    ws = load_workbook(result.errors_path)["导入数据"]
    assert ws.cell(row=2, column=11).value == "张三"
    assert "提示 联系电话" in ws.cell(row=3, column=17).value
    assert "户类型" in ws.cell(row=4, column=17).value
    listing_sheet = load_workbook(result.errors_path)["错误清单"]
    listing = list(listing_sheet.iter_rows(min_row=2, values_only=True))
    assert listing[0] == (4, "户类型", result.errors[0].message, "错误")
    assert any(r[3] == "提示" and r[1] == "联系电话" for r in listing)
    # 问题 wraps within its column (a code list's values, cut off under 类别 before), its row as
    # high as the text takes; the sheet prints one page wide.
    from wengang.services.xlsx_stream import DATA_LINE_POINTS, wrapped_lines

    lines = wrapped_lines(result.errors[0].message, 70)  # 35 Chinese characters in a column of 70
    assert lines >= 2 and listing_sheet["C2"].alignment.wrap_text
    assert listing_sheet.row_dimensions[2].height == lines * DATA_LINE_POINTS
    assert (listing_sheet.page_setup.fitToWidth, listing_sheet.sheet_properties.pageSetUpPr.fitToPage) == (1, True)
    # An error's note is dark red, a 提示's plain; the bad cell red, the row's others plain.
    assert ws.cell(row=4, column=17).font.color.rgb == "FF9C0006"
    assert ws.cell(row=3, column=17).font.color.rgb != "FF9C0006"
    assert ws.cell(row=4, column=6).fill.fgColor.rgb == "FFFFC7CE"
    assert [c.fill.fill_type for r in (2, 3, 4) for c in ws[r] if c.column != 6 or r != 4] == [None] * 50
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"


def test_month_precision_start_matches_a_spell_typed_to_the_day(db, tmp_path):
    import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(1)))
    row = [pid(1), "人1", "省外", "自主外出务工", "浙江省", "宁波市", "鄞州区", "甲", "制造业", "2023-04-15", None, None, 4000]
    assert import_file(db, "employment", write_xlsx(tmp_path / "a.xlsx", WORK_HEADERS, [row])).added == 1
    row[9], row[10], row[11] = "2023年04月", "2023年10月", "合同到期"
    result = import_file(db, "employment", write_xlsx(tmp_path / "b.xlsx", WORK_HEADERS, [row]))
    assert (result.added, result.changed) == (0, 1)
    assert db.execute("SELECT start_date, end_date FROM employment_spells").fetchall() == [("2023-04-15", "2023-10-31")]


def test_an_unconfigured_installation_learns_its_place_from_the_export(tmp_path):
    from wengang.store.areas import installation
    from wengang.store.db import open_database

    db = open_database(":memory:")
    headers = ["省", "市", "县", "乡", "村", "户编号", "户类型", "姓名", "证件号码", "与户主关系"]
    row = ["甘肃省", "张掖市", "测试县", "城关镇", "城关村", "62070200000001", "脱贫户", "张三", pid(1), "户主"]
    assert import_file(db, "auto", write_xlsx(tmp_path / "p.xlsx", headers, [row])).ok
    place = installation(db)
    assert (place.province, place.city, place.county) == ("甘肃省", "张掖市", "测试县")


def test_household_warnings_are_kept_for_the_quality_panel(db, tmp_path):
    rows = person_rows(2)
    for row in rows:
        row[5], row[12] = "监测户", "之子"  # no 户主, no 监测对象类别
    result = import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, rows))
    assert result.ok
    kept = db.execute("SELECT field, message FROM quality_findings WHERE household_id IS NOT NULL "
                      "ORDER BY field").fetchall()
    assert kept == [("与户主关系", f"户编号{rows[0][3]}没有与户主关系为“户主”的成员"),
                    ("监测对象类别", "监测户未填写监测对象类别")]


def test_areas_an_import_makes_keep_the_order_the_file_names_them_in(db, tmp_path):
    """The national export lists its townships by area code (城关镇 first): the area tree, the
    forms and the lists keep that order, not the names' character codes (三堡镇 before 城关镇)."""
    from wengang.services.read.lookups import navigator_areas

    rows = [*person_rows(3, 1, "城关镇"), *person_rows(3, 4, "沙河镇"), *person_rows(3, 7, "三堡镇"),
            *person_rows(3, 10, "城关镇")]
    assert import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, rows)).ok
    assert [name for _id, name, _l, _p in navigator_areas(db, ["township"])] == ["城关镇", "沙河镇", "三堡镇"]
    more = [*person_rows(3, 20, "倪家营镇"), *person_rows(3, 23, "沙河镇")]   # a later file adds one after them
    assert import_file(db, "persons", write_xlsx(tmp_path / "p2.xlsx", PERSON_HEADERS, more)).ok
    assert [name for _id, name, _l, _p in navigator_areas(db, ["township"])] == ["城关镇", "沙河镇", "三堡镇", "倪家营镇"]
