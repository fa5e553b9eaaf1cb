"""The streaming .xlsx reader (python-calamine-plus) reads the same tables as python-calamine's
whole-sheet reader: headers, row numbers and every column's text, for the cells real files
hold (dates, times, durations, numbers, IDs stored as numbers, booleans, blanks, errors,
formulas' saved results, shared, inline and rich strings), title rows, hidden sheets, a sheet
that starts right of column A and a far cell; and a file the stream cannot read is read whole."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, write_xlsx
from openpyxl import Workbook

from wengang.services.importing import reader
from wengang.services.importing.reader import Table, known_column, read_table


def _both(path: Path, keep=None) -> tuple[Table, Table]:
    """The table as streamed (never falling back: a failure of the stream raises here) and as
    read whole by python-calamine."""
    return (reader._read_table(path, keep, streamed=True),  # noqa: SLF001 - the two readers
            reader._read_table(path, keep, streamed=False))  # noqa: SLF001


def _assert_same(path: Path) -> Table:
    for keep in (None, known_column):
        streamed, whole = _both(path, keep)
        assert streamed.headers == whole.headers
        assert streamed.row_numbers == whole.row_numbers
        assert (streamed.header_row, streamed.sheet, streamed.notes, streamed.title_rows) == \
            (whole.header_row, whole.sheet, whole.notes, whole.title_rows)
        for c, header in enumerate(whole.headers):
            if keep is None or keep(header):
                assert streamed.column(c) == whole.column(c), header
    return streamed


# A hand-made workbook: every cell written as the XML Excel/WPS/exporters write it.
_STYLES = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy/m/d"/>'
           '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/></numFmts>'
           '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
           '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0"/>'
           '<xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/>'
           '<xf numFmtId="20" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/></cellXfs>'
           '</styleSheet>')
_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx(path: Path, sheets: list[tuple[str, str, bool]], shared: list[str],
          dimension: str | None = None) -> Path:
    """An .xlsx of ``sheets`` (name, <sheetData> inner XML, hidden) and the shared strings
    ``shared`` (each an <si> inner XML)."""
    hidden = ' state="hidden"'
    names = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"{hidden if h else ""}/>'
                    for i, (n, _, h) in enumerate(sheets))
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                   for i in range(len(sheets)))
    n = len(sheets)
    rels += (f'<Relationship Id="rId{n + 1}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
             f'<Relationship Id="rId{n + 2}" Type="{_REL}/styles" Target="styles.xml"/>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(n))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + overrides +
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {_MAIN} xmlns:r="{_REL}"><sheets>{names}</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                   '</Relationships>')
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/sharedStrings.xml", f'<sst {_MAIN} count="{len(shared)}" uniqueCount="{len(shared)}">'
                   + "".join(f"<si>{s}</si>" for s in shared) + "</sst>")
        for i, (_, data, _) in enumerate(sheets):
            dim = f'<dimension ref="{dimension}"/>' if dimension else ""
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", f"<worksheet {_MAIN}>{dim}<sheetData>{data}</sheetData></worksheet>")
    return path


def _row(number: int, cells: list[str]) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def _s(ref: str, index: int) -> str:
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _n(ref: str, value: str, style: int | None = None) -> str:
    styled = f' s="{style}"' if style is not None else ""
    return f'<c r="{ref}"{styled}><v>{value}</v></c>'


SHARED = ["<t>证件号码</t>", "<t>姓名</t>", "<t>开始时间</t>", "<t>月收入（元）</t>", "<t>就业地域</t>",
          "<t>务工企业名称</t>", '<r><rPr><b/></rPr><t>省</t></r><r><t>外</t></r>',  # 6: rich text
          "<t xml:space=\"preserve\"> 县内 </t>", "<t>某某县2026年务工台账</t>", "<t></t>", "<t>#N/A</t>"]


def _cells_sheet(first_col: str = "A", first_row: int = 1, *, errors: bool = False) -> str:
    """A title row, a header and one data row per kind of cell, starting at ``first_col``."""
    cols = [chr(ord(first_col) + i) for i in range(6)]

    def at(i: int, row: int) -> str:
        return f"{cols[i]}{row}"
    r = first_row
    rows = [_row(r, [_s(at(0, r), 8)]),
            _row(r + 1, [_s(at(i, r + 1), i) for i in range(6)])]
    data = [
        # an ID as text, a name inline, a date (built-in and custom format), an int, a shared rich text
        [_inline(at(0, 0), "62070219850501001X"), _inline(at(1, 0), "张三"), _n(at(2, 0), "45047", 1),
         _n(at(3, 0), "3000"), _s(at(4, 0), 6), _s(at(5, 0), 7)],
        # IDs stored as numbers: exact digits (some writers), Excel's 17 digits, E+ text; a float; a time
        [_n(at(0, 0), "620702198505010012"), _n(at(1, 0), "6.2070219850501005E+17"), _n(at(2, 0), "45047.5", 2),
         _n(at(3, 0), "3000.5"), _n(at(4, 0), "0.375", 3), _n(at(5, 0), "1.25", 4)],
        # booleans, formulas with their saved results (date, text, boolean, number), an error cell
        [f'<c r="{at(0, 0)}" t="b"><v>1</v></c>', f'<c r="{at(1, 0)}" t="b"><v>0</v></c>',
         f'<c r="{at(2, 0)}" s="1"><f>DATE(2023,5,1)</f><v>45047</v></c>',
         f'<c r="{at(3, 0)}" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>',
         f'<c r="{at(4, 0)}" t="b"><f>TRUE()</f><v>0</v></c>',
         f'<c r="{at(5, 0)}" t="e"><f>1/0</f><v>#DIV/0!</v></c>' if errors else f'<c r="{at(5, 0)}"><f>2*3</f><v>6</v></c>'],
        # blanks: an empty shared string, a value-less styled cell, an uncomputed formula; ISO dates; the text "#N/A"
        [_s(at(0, 0), 9), f'<c r="{at(1, 0)}" s="1"/>', f'<c r="{at(2, 0)}"><f>1+1</f></c>',
         f'<c r="{at(3, 0)}" t="d"><v>2023-05-01T10:30:00</v></c>', f'<c r="{at(4, 0)}" t="d"><v>2023-05-02</v></c>',
         _s(at(5, 0), 10)],
        # control characters and odd spaces in an inline string, a negative and a big number
        [_inline(at(0, 0), "\t李\u3000四 "), _inline(at(1, 0), "a\u00a0b"), _n(at(2, 0), "-12"),
         _n(at(3, 0), "1E+15"), _n(at(4, 0), "123456789012345"), _n(at(5, 0), "1234567890123456")],
    ]
    for i, cells in enumerate(data):
        n = r + 2 + i
        rows.append(_row(n, [c.replace(f'r="{cols[j]}0"', f'r="{cols[j]}{n}"') for j, c in enumerate(cells)]))
    rows.append(_row(r + 9, [_inline(at(0, 0).replace("0", str(r + 9)), "620702198505010020")]))  # after blank rows
    return "".join(rows)


def test_every_kind_of_cell_reads_the_same(tmp_path):
    path = _xlsx(tmp_path / "cells.xlsx", [("台账", _cells_sheet(), False)], SHARED)
    table = _assert_same(path)
    assert table.title_rows == [["某某县2026年务工台账"]]
    assert table.column(0) == ["62070219850501001X", "6.2070219850501E+17", "是", "", "李\u3000四", "620702198505010020"]
    assert table.column(1)[:3] == ["张三", "6.2070219850501E+17", "否"]
    assert table.column(2)[:2] == ["2023-05-01", "2023-05-01 12:00:00"]
    assert table.column(4)[:2] == ["省外", "09:00:00"]
    assert table.column(5)[3] == "#N/A"  # the text, not an error


def test_a_sheet_right_of_column_a_and_below_row_1_reads_the_same(tmp_path):
    path = _xlsx(tmp_path / "offset.xlsx", [("台账", _cells_sheet("C", 4), False)], SHARED)
    table = _assert_same(path)
    assert table.headers[0] == "证件号码" and table.header_row == 5


def test_a_column_left_of_the_header_with_one_cell_far_down_reads_the_same(tmp_path):
    data = _cells_sheet("C") + _row(40, [_inline("A40", "备注")])
    _assert_same(_xlsx(tmp_path / "left.xlsx", [("台账", data, False)], SHARED))


def test_hidden_sheets_and_an_empty_first_sheet_read_the_same(tmp_path):
    sheets = [("封面", "", False), ("旧表", _cells_sheet(), True), ("台账", _cells_sheet("B"), False)]
    assert "已跳过隐藏的工作表" in _assert_same(_xlsx(tmp_path / "hidden.xlsx", sheets, SHARED)).notes[0]
    only_hidden = [("封面", "", False), ("旧表", _cells_sheet(), True)]
    assert "只有隐藏的工作表" in _assert_same(_xlsx(tmp_path / "only.xlsx", only_hidden, SHARED)).notes[0]


def test_a_far_cell_within_the_bounds_reads_the_same(tmp_path):
    data = _cells_sheet() + _row(5000, [_inline("Z5000", "x")])
    _assert_same(_xlsx(tmp_path / "far.xlsx", [("台账", data, False)], SHARED))


def test_a_declared_dimension_wider_than_the_cells_does_not_widen_the_rows(tmp_path, monkeypatch):
    """A <dimension> of A1:XFD… is only the writer's word: each streamed row is as wide as the
    cells that are there (16,384 cells a row would cost the read minutes)."""
    path = _xlsx(tmp_path / "dim.xlsx", [("台账", _cells_sheet(), False)], SHARED, dimension="A1:XFD9")
    widths = []
    streamed = reader._streamed  # noqa: SLF001

    def measured(rows):
        for row in streamed(rows):
            widths.append(len(row))
            yield row
    monkeypatch.setattr(reader, "_streamed", measured)
    _assert_same(path)
    assert widths and max(widths) == 6


def test_workbooks_written_by_openpyxl_read_the_same(tmp_path):
    titled = write_xlsx(tmp_path / "persons.xlsx", PERSON_HEADERS, person_rows(30),
                        title_rows=[["某县防止返贫监测对象信息"], ["导出时间：2026-11-30"]])
    _assert_same(titled)
    wb = Workbook()
    ws = wb.active
    ws.append(WORK_HEADERS)
    ws.append(["620702198505010012", "张三", "省外", "务工", "浙江省", "杭州市", None, "某厂", "制造业",
               dt.date(2024, 3, 1), dt.datetime(2024, 10, 1, 8, 0), None, 4500.0])
    ws.append([620702198505010012, "李四", "县内", "务工", None, None, None, None, None,
               dt.datetime(2024, 3, 1), None, None, 3200])
    ws.append([None] * 13)
    ws.append(["62070219850501003X", "=B2", True, False, dt.time(8, 30), dt.timedelta(hours=30), None, None, None,
               "2024-03-01", None, None, "=M2+M3"])
    wb.save(tmp_path / "work.xlsx")
    table = _assert_same(tmp_path / "work.xlsx")
    assert table.row_numbers == [2, 3, 5]


def test_the_exports_and_templates_wengang_writes_read_the_same(tmp_path, db):
    from wengang.services.demo import build_demo
    from wengang.services.importing import write_template
    from wengang.services.importing.export import export_kind

    build_demo(db, households=30)
    for kind in ("persons", "employment"):
        _assert_same(write_template(kind, tmp_path / f"{kind}_template.xlsx"))
        export_kind(db, kind, tmp_path / f"{kind}.xlsx")
        _assert_same(tmp_path / f"{kind}.xlsx")


def test_rows_stored_out_of_order_are_read_whole(tmp_path):
    """The stream cannot read rows stored out of order (it raises); python-calamine sorts them:
    the file is read again whole, so it reads as before."""
    rows = (_row(1, [_s(f"{c}1", i) for i, c in enumerate("AB")]) + _row(3, [_inline("A3", "乙"), _inline("B3", "2")])
            + _row(2, [_inline("A2", "甲"), _inline("B2", "1")]))
    path = _xlsx(tmp_path / "order.xlsx", [("台账", rows, False)], SHARED)
    with pytest.raises(reader._NotStreamed):  # noqa: SLF001
        reader._read_table(path, None, streamed=True)  # noqa: SLF001
    table = read_table(path)
    assert table.row_numbers == [2, 3] and table.column(0) == ["甲", "乙"]


def test_a_sheet_with_an_error_cell_is_read_whole(tmp_path):
    """python-calamine reads an error cell (#DIV/0!, #N/A of a failed VLOOKUP) as blank; the
    stream gives its text, the same as the text "#N/A": such a sheet is read the old way."""
    path = _xlsx(tmp_path / "errors.xlsx", [("台账", _cells_sheet(errors=True), False)], SHARED)
    with pytest.raises(reader._NotStreamed):  # noqa: SLF001
        reader._read_table(path, None, streamed=True)  # noqa: SLF001
    table = read_table(path)
    assert table.column(5)[2:4] == ["", "#N/A"]  # the error blank, the text kept


@pytest.mark.parametrize("cells", ['<c s="0" r="{ref}" t="inlineStr">', '<c t="inlineStr">'])
def test_cells_that_do_not_say_their_column_first_are_read_whole(tmp_path, cells):
    """The stream's rows are cut at the widest column bounds counted; when the cells do not start
    with r="…" (a writer's other order, or no reference at all) the count may be short, and the
    sheet is read the old way: nothing is cut off."""
    def row(n: int, texts: list[str]) -> str:
        return _row(n, [cells.format(ref=f"{chr(65 + i)}{n}") + f"<is><t>{t}</t></is></c>" for i, t in enumerate(texts)])
    path = _xlsx(tmp_path / "order.xlsx", [("台账", row(1, ["证件号码", "姓名", "备注"]) + row(2, ["1", "甲", "x"]),
                                            False)], SHARED)
    with pytest.raises(reader._NotStreamed):  # noqa: SLF001
        reader._read_table(path, None, streamed=True)  # noqa: SLF001
    table = read_table(path)
    assert table.headers == ["证件号码", "姓名", "备注"] and table.column(2) == ["x"]


class PanicException(BaseException):  # pyo3's name, which the reader recognises
    """What pyo3 raises for a panic of the Rust reader."""


@pytest.mark.parametrize("failure", [ValueError("broken"), PanicException("index out of bounds")])
def test_a_stream_that_fails_part_way_is_read_whole(tmp_path, monkeypatch, failure):
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(30))
    streamed = reader._streamed  # noqa: SLF001

    def failing(rows):  # the reader's rows, failing at the 21st
        for n, row in enumerate(rows):
            if n == 20:
                raise failure
            yield row
    monkeypatch.setattr(reader, "_streamed", lambda rows: streamed(failing(rows)))
    with pytest.raises(reader._NotStreamed):  # noqa: SLF001
        reader._read_table(path, None, streamed=True)  # noqa: SLF001
    table = read_table(path)
    assert table.row_numbers == list(range(2, 32))


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_xlsx_and_xlsm_are_streamed(tmp_path, monkeypatch, suffix):
    path = _xlsx(tmp_path / f"a{suffix}", [("台账", _cells_sheet(), False)], SHARED)
    seen = []
    read = reader._read_table  # noqa: SLF001
    monkeypatch.setattr(reader, "_read_table",
                        lambda p, k, *, streamed, **more: seen.append(streamed) or read(p, k, streamed=streamed, **more))
    read_table(path)
    assert seen == [True]


def test_booleans_and_numbers_in_different_chunks_keep_their_texts():
    """True == 1 == 1.0: a column of booleans first and numbers later (or the other way) must not
    read a later 1 as the 是 of an earlier True (the chunks share one dict of values)."""
    from wengang.services.importing.reader import _ColumnText, cell_text

    for first, later in [((True, False) * 20, (1, 0.5, 0) * 20), ((1, 0.5, 0) * 20, (True, False) * 20),
                         ((True, False) * 20, (1, 0) * 20)]:
        column = _ColumnText()
        assert column.add(first) + column.add(later) == [cell_text(c) for c in first + later]


def test_bounds_notes_error_cells_but_not_a_hash_inside_a_text(tmp_path):
    from wengang.services.importing import bounds

    error = _row(1, [_inline("A1", "证件号码"), '<c r="B1" t="e"><v>#REF!</v></c>'])
    hashes = _row(1, [_inline("A1", "证件号码"), _inline("B1", "编号#1"), _s("C1", 10)])  # "#N/A" as a shared text
    for data, errors in ((error, True), (hashes, False)):
        path = _xlsx(tmp_path / f"{errors}.xlsx", [("台账", data, False)], SHARED)
        assert bounds.inspect_xlsx(path).sheet("台账").errors is errors
