"""The persons behind a form's number, to Excel (``services.person_list``): the list a caseworker
hands to a village, streamed into the file (issue 20: F1's 74,303 employed persons at 50,000
households took 17 CPU s as a whole openpyxl sheet)."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from wengang.services.person_list import PROGRESS_EVERY, write_person_list


def _persons(factory, n: int) -> list[int]:
    household = factory.household()
    return [factory.person(household, birth=dt.date(1960, 1, 1) + dt.timedelta(days=i),  # distinct 证件号码
                           relation="户主" if i == 0 else "之子") for i in range(n)]


def test_the_list_has_its_title_header_and_print_set_up_and_masks_ids(db, factory, tmp_path):
    ids = _persons(factory, 3)
    path, written = write_person_list(db, ids, tmp_path / "名单.xlsx", title="外出务工人员",
                                      as_of=dt.date(2026, 11, 30))
    assert written == 3
    sheet = openpyxl.load_workbook(path)["人员名单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "外出务工人员（数据截止 2026-11-30）：共 3 人"
    assert rows[1][:7] == ("序号", "乡镇", "行政村", "户编号", "姓名", "性别", "证件号码")
    assert [r[0] for r in rows[2:]] == [1, 2, 3]
    numbers = [n for (n,) in db.execute("SELECT id_number FROM persons ORDER BY id")]
    assert [r[6] for r in rows[2:]] == [n[:6] + "********" + n[-4:] for n in numbers]  # masked, as text
    assert (sheet["A1"].font.b, sheet["A1"].font.sz, sheet.freeze_panes) == (True, 13, "A3")
    assert (sheet["A2"].font.b, sheet["A2"].fill.fgColor.rgb) == (True, "00DDEBF7")
    assert sheet.column_dimensions["G"].width == 21
    setup = sheet.page_setup  # printed A4 landscape, one page wide, the header on every page
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, sheet.print_title_rows) == \
        ("landscape", 9, 1, "$2:$2")
    with zipfile.ZipFile(path) as archive:  # streamed (xlsx_stream writes UTF-8, openpyxl &#NNNNN;)
        assert "外出务工人员" in archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_a_list_stopped_part_way_leaves_no_file_and_the_earlier_one_as_it_was(db, factory, tmp_path):
    ids = _persons(factory, PROGRESS_EVERY + 5)
    target = tmp_path / "名单.xlsx"
    target.write_bytes(b"earlier list")

    def stop_at_the_second_report(done, total, words):
        if done:
            raise KeyboardInterrupt  # the dialog's 取消

    with pytest.raises(KeyboardInterrupt):
        write_person_list(db, ids, target, title="名单", progress=stop_at_the_second_report)
    assert target.read_bytes() == b"earlier list"
    assert [p.name for p in tmp_path.iterdir()] == ["名单.xlsx"]  # no partial left


def test_each_coded_column_is_wide_enough_for_its_longest_value():
    """劳动技能 at 12 cut 弱劳动力或半劳动力 off into 联系电话 (rendered with LibreOffice): a
    column of a code list holds its longest value, a Chinese character two units wide."""
    from wengang.domain.codes import codes
    from wengang.services.person_list import COLUMNS

    widths = dict(COLUMNS)
    for title, code_list in (("劳动技能", "labour_skill"), ("户类型", "hh_type"), ("与户主关系", "relation")):
        longest = max(len(v) for v in codes(code_list).values)
        assert widths[title] >= 2 * longest - 2, (title, longest)  # the font's CJK advance is a little under 2
