"""日常工作's lists: rows kept as values, a cell's text made only when it is painted (issue 20)."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_rows_table_shows_values_keys_and_alignment(qtbot):
    from wengang.gui.widgets.rows_table import RowsTable

    table = RowsTable(multi=True)
    qtbot.addWidget(table)
    table.fill(["乡镇（街道）", "行政村（社区）", "人数", "比例"],
               [["甘浚镇", "甘浚村", 12, 0.5], ["甘浚镇", None, 0, True]], keys=[101, 102])
    assert table.rowCount() == 2 and table.model().columnCount() == 4
    assert [table.text(1, c) for c in range(4)] == ["甘浚镇", "", "0", "True"]
    model = table.model()
    assert model.headerData(2, Qt.Orientation.Horizontal) == "人数"
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.index(0, 3).data(Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.index(1, 3).data(Qt.ItemDataRole.TextAlignmentRole) is None  # a yes/no is not a number
    assert model.index(1, 0).data(Qt.ItemDataRole.UserRole) == 102
    assert model.index(1, 1).data(Qt.ItemDataRole.UserRole) is None
    assert table.selected_keys() == [] and table.current_row() == -1
    table.selectRow(1)
    assert table.selected_keys() == [102] and table.current_row() == 1
    table.selectAll()
    assert table.selected_keys() == [101, 102]
    table.fill([], [])
    assert table.rowCount() == 0 and table.selected_keys() == []


def test_rows_table_fits_columns_but_never_wider_than_its_cap(qtbot):
    from wengang.gui.widgets.rows_table import WIDEST, RowsTable

    table = RowsTable()
    qtbot.addWidget(table)
    table.fill(["姓名", "说明", "备注"], [["张三", "很长的说明" * 40, "x"]])
    assert table.columnWidth(1) == WIDEST
    assert 0 < table.columnWidth(0) < WIDEST


def test_rows_model_refuses_keys_not_one_per_row():
    import pytest

    from wengang.gui.widgets.rows_table import RowsModel

    with pytest.raises(ValueError, match="1 keys for 2 rows"):
        RowsModel().set_rows(["a"], [[1], [2]], keys=[1])


def test_rows_model_passes_the_model_tester(qtmodeltester):
    from wengang.gui.widgets.rows_table import RowsModel

    model = RowsModel()
    qtmodeltester.check(model)
    model.set_rows(["姓名", "人数"], [["张三", 1], ["李四", None]], keys=["a", "b"])
    qtmodeltester.check(model)


def test_two_thousand_rows_are_shown_without_making_each_cell(qtbot, monkeypatch):
    """A 2,000-row list (a page's most) asks only the rows in view, and the rows measured for
    the column widths, for their text: a QTableWidget made 18,000 items first (0.12–0.14 s of
    the GUI thread per list; 日常工作 at 200,000 households froze 316 ms on opening)."""
    from wengang.gui.widgets.rows_table import MEASURED_ROWS, RowsModel, RowsTable

    asked: list[int] = []
    data = RowsModel.data
    monkeypatch.setattr(RowsModel, "data", lambda self, index, role=Qt.ItemDataRole.DisplayRole:
                        asked.append(index.row()) or data(self, index, role))
    table = RowsTable()
    qtbot.addWidget(table)
    table.resize(900, 500)
    table.show()
    qtbot.waitExposed(table)
    table.fill([f"列{c}" for c in range(9)], [[f"第{r}行", *range(8)] for r in range(2000)],
               keys=list(range(2000)))
    qtbot.wait(50)  # painted
    assert asked and max(asked) < MEASURED_ROWS + 100, "only the rows in view and the measured ones"
    assert table.rowCount() == 2000 and table.text(1999, 0) == "第1999行"


def test_the_duties_lists_are_row_tables(qtbot, make_window, county_path):
    """Every list of 日常工作 but the spot check's calls (typed into) is a RowsTable."""
    from gui_support import small_county, wait_idle

    from wengang.gui.widgets.rows_table import RowsTable

    small_county(county_path)
    context, window = make_window(county_path)
    duties = window.show_tab("日常工作")
    wait_idle(qtbot, context)
    tables = {(title, name): getattr(page, name) for title, page in duties.by_title.items()
              for name in ("villages", "people", "flags", "reasons", "table", "persons", "orgs", "checks", "jobs")
              if hasattr(page, name)}
    assert len(tables) == 10 and all(isinstance(t, RowsTable) for t in tables.values()), tables
    page = duties.show_page("1-3-1服务")
    wait_idle(qtbot, context)
    assert page.villages.rowCount() >= 1 and page.people.rowCount() >= 1
    assert page.village_id() == page.villages.key(0)


def test_a_last_column_of_counts_keeps_its_width(qtbot):
    """1-3-1's 缺免费培训: a last column of numbers is not stretched to the window's edge (its
    counts would stand far from the rest); a last column of text (还缺) takes the room left."""
    from wengang.gui.widgets.rows_table import RowsTable

    table = RowsTable()
    qtbot.addWidget(table)
    table.resize(1200, 300)
    table.show()
    table.fill(["行政村（社区）", "需要就业", "缺免费培训"], [["河西村", 639, 574], ["东关村", 548, None]])
    header = table.horizontalHeader()
    assert not header.stretchLastSection()
    assert table.columnWidth(2) < 200
    table.fill(["姓名", "还缺"], [["史欣", "职业指导1次、岗位信息3次"]])
    qtbot.waitUntil(lambda: table.columnWidth(1) > 800)  # filled while shown: 报送时间's 状态
    assert header.stretchLastSection()
    table.fill(["姓名", "跟踪方式"], [["史欣", None]])  # nothing yet: a text column still
    assert header.stretchLastSection()
