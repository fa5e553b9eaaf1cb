"""The fast row path of ``services.xlsx_stream`` writes the same cells as openpyxl's own."""

from __future__ import annotations

import datetime as dt
import math
import os
import zipfile

import openpyxl
import pytest
from openpyxl import Workbook
from openpyxl.styles import Font
from python_calamine import CalamineWorkbook

from wengang.services.xlsx_stream import MAX_TEXT, fast_sheet

ROWS = [
    [1, "张三", "620702199001011234", 3500.5, None, "", True, False],
    [2, "  前后有空格 ", "a & b < c > d", 0, -7, 1e-7, None, "换\n行"],
    [3, "控制\x01字符\x1f", "x" * (MAX_TEXT + 10), 12345678901234567890, 2.5, "'引号\"", "中文" * 3, 0.1 + 0.2],
    [4, float("nan"), float("inf"), "末尾空格 ", "\t制表", "𠀀扩展汉字", None, None],
]


def _styled_header(sheet) -> None:
    title = openpyxl.cell.WriteOnlyCell(sheet, "标题")
    title.font = Font(bold=True, size=16)
    sheet.append([title])
    sheet.append(["填报单位：某县", None, "共4人"])


def _write(path, fast: bool) -> None:
    wb = Workbook(write_only=True)
    sheet = fast_sheet(wb, "台账") if fast else wb.create_sheet("台账")
    sheet.column_dimensions["B"].width = 20
    sheet.freeze_panes = "A3"
    _styled_header(sheet)
    sheet.merged_cells.add("A1:H1")
    for row in ROWS:
        if fast:
            sheet.append_values(row)
        else:  # what openpyxl itself writes (it refuses control characters and NaN-free)
            clean = [v.replace("\x01", "").replace("\x1f", "") if isinstance(v, str) else v for v in row]
            clean = [None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v for v in clean]
            sheet.append(clean)
    sheet.auto_filter.ref = "A3:H6"
    wb.save(path)


def _openpyxl_cells(path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb["台账"].iter_rows(values_only=True)]


def test_fast_rows_read_back_as_openpyxl_writes_them(tmp_path):
    fast, plain = tmp_path / "fast.xlsx", tmp_path / "plain.xlsx"
    _write(fast, True)
    _write(plain, False)
    assert _openpyxl_cells(fast) == _openpyxl_cells(plain)
    calamine = [CalamineWorkbook.from_path(str(p)).get_sheet_by_name("台账").to_python() for p in (fast, plain)]
    assert calamine[0] == calamine[1]
    rows = _openpyxl_cells(fast)
    assert rows[0][0] == "标题" and rows[2][:4] == (1, "张三", "620702199001011234", 3500.5)
    assert rows[3][1] == "  前后有空格 " and rows[3][2] == "a & b < c > d"  # kept exactly
    assert rows[4][1] == "控制字符" and len(rows[4][2]) == MAX_TEXT  # illegal XML dropped, truncated
    assert rows[5][1] is None and rows[5][5] == "𠀀扩展汉字"  # NaN left empty, astral plane kept


def test_workbook_settings_survive_and_the_sheet_is_utf8(tmp_path):
    path = tmp_path / "fast.xlsx"
    _write(path, True)
    wb = openpyxl.load_workbook(path)
    sheet = wb["台账"]
    assert sheet.freeze_panes == "A3"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:H1"]
    assert sheet.auto_filter.ref == "A3:H6"
    assert sheet.column_dimensions["B"].width == 20
    assert sheet["A1"].font.bold and sheet["A1"].font.size == 16
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert "张三".encode() in xml and b"&#" not in xml  # UTF-8, no character references


def test_unsupported_values_are_refused_plainly(tmp_path):
    wb = Workbook(write_only=True)
    sheet = fast_sheet(wb, "x")
    with pytest.raises(TypeError, match="date"):
        sheet.append_values([dt.date(2024, 1, 1)])
    with pytest.raises(ValueError):
        fast_sheet(Workbook(), "x")


def test_styled_cells_among_plain_values(tmp_path):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill

    wb = Workbook(write_only=True)
    sheet = fast_sheet(wb, "x")
    red = WriteOnlyCell(sheet, "坏值")
    red.fill = PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
    bold_empty = WriteOnlyCell(sheet, None)
    bold_empty.font = Font(bold=True)
    sheet.append_values(["好", red, None, bold_empty, WriteOnlyCell(sheet, 7)])
    wb.save(tmp_path / "s.xlsx")
    cells = openpyxl.load_workbook(tmp_path / "s.xlsx")["x"]
    assert [c.value for c in cells[1]] == ["好", "坏值", None, None, 7]
    assert cells["B1"].fill.start_color.rgb == "FFFFC7CE" and not cells["A1"].fill.fill_type
    assert cells["D1"].font.bold and not cells["C1"].font.bold


def _fill(sheet) -> None:
    sheet.column_dimensions["B"].width = 20
    sheet.freeze_panes = "A3"
    _styled_header(sheet)
    sheet.merged_cells.add("A1:H1")
    for row in ROWS:
        sheet.append_values(row)
    sheet.auto_filter.ref = "A3:H6"


def test_a_streamed_workbook_is_the_workbook_saved_from_a_temporary_file(tmp_path):
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    from wengang.services.xlsx_stream import StreamedWorkbook, save_workbook

    saved, streamed = tmp_path / "saved.xlsx", tmp_path / "streamed.xlsx"
    wb = Workbook(write_only=True)
    _fill(fast_sheet(wb, "台账"))
    save_workbook(wb, saved)
    temporary = list(ALL_TEMP_FILES)
    book = StreamedWorkbook(streamed, "台账")
    _fill(book.sheet)
    assert not streamed.exists()  # written under a partial name until saved
    book.save()
    assert _openpyxl_cells(streamed) == _openpyxl_cells(saved)
    calamine = [CalamineWorkbook.from_path(str(p)).get_sheet_by_name("台账").to_python() for p in (streamed, saved)]
    assert calamine[0] == calamine[1]
    sheet = openpyxl.load_workbook(streamed)["台账"]
    assert (sheet.freeze_panes, sheet.auto_filter.ref, sheet.column_dimensions["B"].width) == ("A3", "A3:H6", 20)
    assert all(not os.path.exists(p) for p in set(ALL_TEMP_FILES) - set(temporary))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved.xlsx", "streamed.xlsx"]


def test_an_abandoned_streamed_workbook_leaves_the_previous_file(tmp_path):
    from wengang.services.xlsx_stream import StreamedWorkbook

    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"previous")
    book = StreamedWorkbook(path, "台账")
    book.sheet.append_values(["半", "途"])
    book.abandon()
    assert path.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
    untouched = StreamedWorkbook(tmp_path / "new.xlsx", "x")  # abandoned before any row
    untouched.abandon()
    assert not (tmp_path / "new.xlsx").exists() and len(list(tmp_path.iterdir())) == 1



def _many_rows(sheet, count: int) -> None:
    for i in range(count):
        sheet.append_values([i, f"姓名{i}", f"62070219900101{i:04d}", "城关镇", i * 1.5, None, "是"])


def _sheet_entry(path) -> tuple:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        return info.CRC, info.compress_size, archive.read(info)


def test_a_streamed_sheet_deflated_on_its_own_thread_is_the_same_entry(tmp_path, monkeypatch):
    # The sheet's XML is deflated on a second thread, a block at a time (several blocks here):
    # the entry is the very one written on the caller's thread (same bytes, same deflate).
    import threading

    from wengang.services import xlsx_stream
    from wengang.services.xlsx_stream import StreamedWorkbook

    monkeypatch.setattr(xlsx_stream, "DEFLATE_BLOCK", 1 << 14)
    aside = tmp_path / "aside.xlsx"
    book = StreamedWorkbook(aside, "台账")
    assert any(t.name == "wengang-deflate" for t in threading.enumerate())
    _many_rows(book.sheet, 5000)
    book.save()
    monkeypatch.setattr(xlsx_stream, "_DeflatedAside", lambda entry: entry)
    direct = tmp_path / "direct.xlsx"
    book = StreamedWorkbook(direct, "台账")
    _many_rows(book.sheet, 5000)
    book.save()
    crc, size, xml = _sheet_entry(aside)
    assert (crc, size, xml) == _sheet_entry(direct) and xml.count(b"<row ") == 5000 and size > 4 * (1 << 14)
    assert not any(t.name == "wengang-deflate" for t in threading.enumerate())


def test_a_full_disk_while_the_sheet_is_deflated_aside_fails_the_save_and_leaves_no_file(tmp_path, monkeypatch):
    import io
    import threading

    from wengang.services import xlsx_stream
    from wengang.services.xlsx_stream import StreamedWorkbook

    class FullAfterOneBlock(io.RawIOBase):
        def __init__(self, entry):
            super().__init__()
            self.entry, self.blocks = entry, 0

        def writable(self):
            return True

        def write(self, data):
            self.blocks += 1
            if self.blocks > 1:
                raise OSError(28, "No space left on device")
            return self.entry.write(data)

        def close(self):
            self.entry.close()
            super().close()

    aside = xlsx_stream._DeflatedAside  # noqa: SLF001
    monkeypatch.setattr(xlsx_stream, "DEFLATE_BLOCK", 1 << 14)
    monkeypatch.setattr(xlsx_stream, "_DeflatedAside", lambda entry: aside(FullAfterOneBlock(entry)))
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"previous")
    book = StreamedWorkbook(path, "台账")
    with pytest.raises(OSError, match="No space left"):  # from a later row or from the save
        try:
            _many_rows(book.sheet, 5000)
            book.save()
        except OSError:
            book.abandon()
            raise
    assert path.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
    assert not any(t.name == "wengang-deflate" for t in threading.enumerate())


def test_a_streamed_workbook_takes_a_second_sheet_and_styled_rows_leave_plain_cells_plain(tmp_path):
    """The error workbook's shape: rows with a style per cell ("" for a plain cell: an empty
    plain cell is not written at all), then a second sheet written the usual way."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill

    from wengang.services.xlsx_stream import StreamedWorkbook

    path = tmp_path / "book.xlsx"
    book = StreamedWorkbook(path, "导入数据")
    red = WriteOnlyCell(book.sheet)
    red.fill = PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
    style = f' s="{red.style_id}"'
    book.sheet.append_values(["证件号码", "姓名", "备注"])
    book.sheet.append_styled(["62070219900101123X", "", "第2行 错误"], [style, "", ""])
    book.sheet.append_styled(["", "", ""], ["", style, ""])
    listing = fast_sheet(book.workbook, "错误清单")
    listing.append_values([2, "证件号码", "校验位不对"])
    book.save()
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="B2"' not in xml and '<c r="A3"' not in xml and '<c r="C3"' not in xml
    assert f'<c r="B3"{style}' in xml  # a styled empty cell is there, with its style
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["导入数据", "错误清单"]
    data = wb["导入数据"]
    assert [c.value for c in data[2]] == ["62070219900101123X", None, "第2行 错误"]
    assert [c.fill.fill_type for c in data[2]] == ["solid", None, None]
    assert data["B3"].fill.start_color.rgb == "FFFFC7CE"
    assert [c.value for c in wb["错误清单"][1]] == [2, "证件号码", "校验位不对"]


def test_a_listing_wraps_its_long_text_columns_and_sizes_their_rows(tmp_path):
    """应享未享's 为什么, 返乡回流跟踪's 从哪里返乡: wrapped within the column, each row as high as
    its longest text takes (not every program sizes a row to wrapped text itself), every cell
    top-aligned; a row of short texts keeps the default height."""
    from wengang.services.xlsx_stream import DATA_LINE_POINTS, listing_head, save_workbook, wrapped_lines

    book = Workbook(write_only=True)
    sheet = fast_sheet(book, "名单")
    append = listing_head(sheet, "名单（示例）", [("姓名", 8), ("金额", 10), ("为什么", 20)], wrapped=[2])
    why = "监测户；2026年2月19日至2026年9月30日在省外以自主外出务工务工约8个月"
    append(["王一", 500, why])
    append(["王二", 300, "省外务工"])
    save_workbook(book, tmp_path / "名单.xlsx")
    read = openpyxl.load_workbook(tmp_path / "名单.xlsx")["名单"]
    assert [c.value for c in read[3]] == ["王一", 500, why]
    assert read["C3"].alignment.wrap_text and not read["A3"].alignment.wrap_text
    assert {read[f"{c}{r}"].alignment.vertical for c in "ABC" for r in (3, 4)} == {"top"}
    lines = wrapped_lines(why, 20)
    assert lines >= 3  # 58 units of text in a column of 20
    assert read.row_dimensions[3].height == lines * DATA_LINE_POINTS
    assert read.row_dimensions[4].height is None
    assert (read["A1"].value, read["A2"].value, read.freeze_panes, read.print_title_rows) == \
        ("名单（示例）", "姓名", "A3", "$2:$2")


def test_wrapped_lines_counts_wide_and_narrow_characters():
    from wengang.services.xlsx_stream import wrapped_lines

    assert wrapped_lines("", 10) == wrapped_lines("abc", 10) == 1
    assert wrapped_lines("省外-甘肃省张掖市临泽县", 26) == 1  # 11 wide, 1 narrow: 24.25 units in 25
    assert wrapped_lines("省外-甘肃省张掖市临泽县", 20) == 2
    assert wrapped_lines("一" * 40, 21) == 5  # 84 units, 17.9 on a wrapped line
