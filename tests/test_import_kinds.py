"""Every kind round-trips: template → filled → import → export_kind → same cells; yes/no forms."""

from __future__ import annotations

import pytest
from importing_helpers import PERSON_HEADERS, person_rows, pid, write_xlsx
from openpyxl import load_workbook

from wengang.services.importing import KINDS, export_kind, import_file, kind_spec, read_table, write_template

# One or two filled rows per kind, by canonical column label; blanks are omitted.
FILLED = {
    "persons": [
        {"县（市、区）": "测试县", "乡镇（街道）": "东乡", "行政村（社区）": "东乡1村", "户编号": "62070299000001",
         "户主姓名": "王大", "户类型": "监测户", "监测对象类别": "边缘易致贫户", "脱贫年度": "2020",
         "是否易地扶贫搬迁": "是", "安置点名称": "幸福家园", "姓名": "王大", "证件号码": pid(301),
         "与户主关系": "户主", "劳动技能": "技能劳动力", "在校生状况": "非在校生", "联系电话": "13912345678"},
        {"县（市、区）": "测试县", "乡镇（街道）": "东乡", "行政村（社区）": "东乡1村", "户编号": "62070299000001",
         "户主姓名": "王大", "户类型": "监测户", "监测对象类别": "边缘易致贫户", "脱贫年度": "2020",
         "是否易地扶贫搬迁": "是", "安置点名称": "幸福家园", "姓名": "王小", "证件号码": pid(302, male=False),
         "与户主关系": "之女", "劳动技能": "无劳动力", "在校生状况": "小学", "联系电话": "0936-1234567"},
    ],
    "employment": [
        {"证件号码": pid(1), "姓名": "人1", "就业地域": "省外", "就业渠道": "有组织劳务输出", "务工地点（省）": "浙江省",
         "务工地点（市）": "宁波市", "务工地点（县）": "鄞州区", "务工企业名称": "宁波某厂", "务工所属行业": "制造业",
         "开始时间": "2023-03-01", "结束时间": "2023-10-31", "返乡原因": "合同到期", "月收入（元）": "4500"},
        {"证件号码": pid(1), "姓名": "人1", "就业地域": "县内", "就业渠道": "帮扶车间", "务工企业名称": "城关车间",
         "务工所属行业": "制造业", "开始时间": "2023-11-15", "月收入（元）": "2600.5"},
    ],
    "surveys": [
        {"证件号码": pid(2), "姓名": "人2", "摸排日期": "2023-02-10", "是否有外出意愿": "是", "计划外出时间": "2023-04"},
        {"证件号码": pid(3), "姓名": "人3", "摸排日期": "2023-02-10", "是否有外出意愿": "否", "未外出原因": "照顾老人",
         "增收措施": "发展养殖"},
    ],
    "services": [{"证件号码": pid(2), "姓名": "人2", "服务日期": "2023-03-01", "服务类型": "岗位信息推送",
                  "服务单位": "测试县人社局", "备注": "推送3个岗位"}],
    "subsidies": [
        {"证件号码": pid(1), "姓名": "人1", "发放日期": "2023-06-30", "补贴类型": "一次性往返交通补助", "金额（元）": "500",
         "资金渠道": "衔接资金"},
        {"机构名称": "城关车间", "发放日期": "2023-07-01", "补贴类型": "帮扶车间吸纳就业奖补", "金额（元）": "5000",
         "资金渠道": "就业补助资金", "涉及人数": "5"},
    ],
    "checks": [{"证件号码": pid(1), "姓名": "人1", "抽查日期": "2023-05-20", "电话是否接通": "是", "务工地是否一致": "是",
                "务工时间是否一致": "否", "是否知晓政策": "否", "抽查人": "李四"}],
    "targets": [{"地区": "城关镇", "年度": "2023", "目标任务（人）": "1200"},
                {"地区": "测试县", "年度": "2023", "目标任务（人）": "5000"}],
    "sites": [{"县（市、区）": "测试县", "乡镇（街道）": "城关镇", "安置点名称": "幸福家园", "安置类型": "城镇",
               "是否800人以上": "是"}],
    "orgs": [{"机构名称": "城关车间", "机构类型": "帮扶车间", "县（市、区）": "测试县", "乡镇（街道）": "城关镇",
              "行政村（社区）": "城关镇1村", "联系人": "王五", "联系电话": "13812345678", "认定日期": "2021-06-01"},
             {"机构名称": "某龙头企业", "机构类型": "龙头企业", "县（市、区）": "测试县", "联系人": "赵六"}],
    "posts": [{"证件号码": pid(4), "姓名": "人4", "岗位名称": "村级保洁员", "岗位类型": "保洁员", "开发主体": "城关镇人民政府",
               "资金渠道": "衔接资金", "待遇标准（元/月）": "500", "上岗时间": "2023-01-01", "离岗时间": "2023-12-31"}],
}


@pytest.fixture
def county(db, tmp_path):
    """Six persons in 城关镇 and one registered workshop, for the kinds that refer to them."""
    assert import_file(db, "persons", write_xlsx(tmp_path / "base.xlsx", PERSON_HEADERS, person_rows(6))).ok
    db.execute("INSERT INTO organisations(name, kind) VALUES ('城关车间', '帮扶车间')")
    return db


def _fill(template, rows: list[dict], path):
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in rows:
        ws.append([row.get(h) for h in headers])
    wb.save(path)
    return headers


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_template_round_trip(county, tmp_path, kind):
    db = county
    template = write_template(kind, tmp_path / "template.xlsx")
    wb = load_workbook(template)
    assert [c.value for c in wb.worksheets[0][1]] == [f.label for f in kind_spec(kind).template_fields]
    guide = [r for r in wb["填写说明"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert [r[0] for r in guide[:len(kind_spec(kind).template_fields)]] == \
        [f.label for f in kind_spec(kind).template_fields]
    headers = _fill(template, FILLED[kind], tmp_path / "filled.xlsx")
    result = import_file(db, kind, tmp_path / "filled.xlsx")
    assert result.ok, result.errors
    preexisting = 1 if kind == "orgs" else 0  # the fixture registered 城关车间
    assert (result.added, result.changed) == (len(FILLED[kind]) - preexisting, preexisting)
    again = import_file(db, kind, tmp_path / "filled.xlsx")
    assert (again.added, again.changed) == (0, 0)
    export_kind(db, kind, tmp_path / "out.xlsx")
    exported = read_table(tmp_path / "out.xlsx")
    assert exported.headers == headers
    got = [dict(zip(headers, r)) for r in exported.rows]
    if kind in ("persons", "orgs"):
        got = [g for g in got if g[headers[0]] in {r[headers[0]] for r in FILLED[kind]}]
        key = "证件号码" if kind == "persons" else "机构名称"
        got = [g for g in got if g[key] in {r[key] for r in FILLED[kind]}]
    expected = [{h: str(row.get(h) or "") for h in headers} for row in FILLED[kind]]
    key_of = lambda r: tuple(sorted(r.items()))  # noqa: E731
    assert sorted(got, key=key_of) == sorted(expected, key=key_of)


YES_NO = [("是", 1), ("否", 0), ("Y", 1), ("N", 0), ("1", 1), ("0", 0), ("√", 1), ("×", 0), ("y", 1)]


@pytest.mark.parametrize("text, stored", YES_NO)
def test_every_yes_no_form(county, tmp_path, text, stored):
    headers = ["证件号码", "抽查日期", "电话是否接通", "务工地是否一致"]
    path = write_xlsx(tmp_path / "c.xlsx", headers, [[pid(1), "2023-05-20", text, text]])
    result = import_file(county, "checks", path)
    assert result.ok, result.errors
    assert county.execute("SELECT phone_connected, place_consistent FROM spot_checks").fetchone() == (stored, stored)


def test_bad_yes_no_and_code_are_errors_naming_the_field(county, tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", ["证件号码", "抽查日期", "电话是否接通"], [[pid(1), "2023-05-20", "大概"]])
    result = import_file(county, "checks", path)
    assert [(e.row, e.field) for e in result.errors] == [(2, "电话是否接通")]
    path = write_xlsx(tmp_path / "s.xlsx", ["证件号码", "服务日期", "服务类型"], [[pid(1), "2023-05-20", "聊天"]])
    result = import_file(county, "services", path)
    assert result.errors[0].field == "服务类型" and "不在代码表中" in result.errors[0].message


def test_posts_create_a_welfare_post_spell(county, tmp_path):
    template = write_template("posts", tmp_path / "t.xlsx")
    _fill(template, FILLED["posts"], tmp_path / "f.xlsx")
    assert import_file(county, "posts", tmp_path / "f.xlsx").ok
    spell = county.execute("SELECT channel, region, start_date, end_date FROM employment_spells").fetchone()
    assert spell == ("公益性岗位", "县内", "2023-01-01", "2023-12-31")


def test_relocated_household_gets_its_site(county, tmp_path):
    template = write_template("persons", tmp_path / "t.xlsx")
    _fill(template, FILLED["persons"], tmp_path / "f.xlsx")
    result = import_file(county, "persons", tmp_path / "f.xlsx")
    assert result.details.get("sites_added") == 1
    row = county.execute("SELECT h.relocated, s.name, h.monitor_category FROM households h "
                         "JOIN relocation_sites s ON s.id = h.site_id").fetchone()
    assert row == (1, "幸福家园", "边缘易致贫户")
    landline = county.execute("SELECT phone_is_landline FROM persons WHERE id_number = ?",
                              [pid(302, male=False)]).fetchone()
    assert landline == (1,)


def test_a_roster_from_another_county_is_warned_about_once(db, tmp_path):
    from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx

    from wengang.services.importing import import_file

    rows = person_rows(4, 1)
    county_col = PERSON_HEADERS.index("县（市、区）")
    for row in rows:
        row[county_col] = "邻县"
    result = import_file(db, "persons", write_xlsx(tmp_path / "邻县.xlsx", PERSON_HEADERS, rows))
    assert result.ok  # a warning, not an error: a city office may import several counties
    foreign = [w for w in result.warnings if "不是本单位所在的" in str(w)]
    assert len(foreign) == 1 and "邻县" in str(foreign[0]) and "测试县" in str(foreign[0])
