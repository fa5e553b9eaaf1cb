"""报表 tab: a form laid out with merged headers and 合计, drill-down to exactly the people
counted, export through a (patched) file dialog read back, bulletin with copy."""

from __future__ import annotations

import csv

import pytest
from gui_support import small_county, wait_idle
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

pytestmark = pytest.mark.gui


def _ready(qtbot, context, window):
    tab = window.show_tab("报表")
    i = tab.form_box.findData("employment")
    tab.form_box.setCurrentIndex(i)
    tab.refresh()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.result is not None and tab.result.form_id == "employment")
    return tab


def test_form_shows_merged_header_and_total(qtbot, make_window, county_path, qtmodeltester):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ready(qtbot, context, window)
    model = tab.model
    assert model.depth == 2  # "其中" spans the region columns above them
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in model.cells}
    first_leaf = next(c for c in model.cells if c.row == 0 and c.colspan == 1)
    assert tab.view.rowSpan(first_leaf.row, first_leaf.col) == 2
    wide = next(c for c in model.cells if c.colspan > 1)
    assert tab.view.columnSpan(wide.row, wide.col) == wide.colspan == spans[(wide.row, wide.col)][1]
    assert model.index(model.depth, 0).data() == "合计"
    ly = next(i for i, c in enumerate(model.result.columns) if c.key == "ly")
    assert model.index(model.depth, ly).data() == "2"  # 张三 and 李四 worked last year
    qtmodeltester.check(model)


def test_header_lines_break_between_words_and_fit_their_columns(qtbot, make_window, county_path):
    """Qt wraps Chinese anywhere ("2025年就业人 / 数"); the screen breaks as the print does."""
    from PySide6.QtGui import QFont, QFontMetrics

    from wengang.domain.words import words

    small_county(county_path)
    context, window = make_window(county_path)
    window.resize(1024, 768)
    tab = _ready(qtbot, context, window)
    model, view = tab.model, tab.view
    font = QFont(view.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    broken = 0
    for cell in model.cells:
        shown = model.index(cell.row, cell.col).data()
        lines = shown.split("\n")
        assert "".join(lines) == cell.label.replace(" ", "")
        boundaries, at = set(), 0
        for word in words(cell.label):
            at += len(word)
            boundaries.add(at)
        ends = [sum(len(x) for x in lines[:i + 1]) for i in range(len(lines) - 1)]
        assert set(ends) <= boundaries, (cell.label, lines)  # never inside a word
        room = sum(view.columnWidth(c) for c in range(cell.col, cell.col + cell.colspan))
        assert all(metrics.horizontalAdvance(line) < room for line in lines), (cell.label, lines, room)
        height = sum(view.rowHeight(r) for r in range(cell.row, cell.row + cell.rowspan))
        assert len(lines) * metrics.lineSpacing() < height, (cell.label, lines)
        broken += len(lines) > 1
    assert broken  # the narrow year columns do break (between words)


def test_drill_down_lists_exactly_the_people_counted(qtbot, make_window, county_path):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = _ready(qtbot, context, window)
    columns = tab.model.result.columns
    for key, expected in [("ly", {ids["张三"], ids["李四"]}), ("ty_cty", {ids["李四"]})]:
        col = next(i for i, c in enumerate(columns) if c.key == key)
        shown = int(tab.model.index(tab.model.depth, col).data())
        people = tab.cell_person_ids(tab.model.depth, col)
        assert len(people) == shown and set(people) == expected
    assert tab.drill_down(tab.model.depth, next(i for i, c in enumerate(columns) if c.key == "ly"))
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(tab, "last_drill", None) is not None)
    dialog = tab.last_drill
    assert dialog.isVisible() and "共 2 人" in dialog.findChild(QLabel).text()
    assert dialog.model.rowCount() == 2
    assert {dialog.model.index(r, 3).data() for r in range(2)} == {"张三", "李四"}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_through_the_file_dialog(qtbot, make_window, county_path, tmp_path, monkeypatch, kind):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ready(qtbot, context, window)
    target = tmp_path / f"f1.{kind}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export(kind)
    assert target.exists()
    if kind == "xlsx":
        import openpyxl
        ws = openpyxl.load_workbook(target).active
        texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        assert "合计" in texts and any("就业统计表" in t for t in texts)
    else:
        with target.open(encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
        assert any(r and r[0] == "合计" for r in rows)


def test_all_forms_go_into_one_folder(qtbot, make_window, county_path, tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ready(qtbot, context, window)
    folder = tmp_path / "月报"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    tab.export_all()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(tab, "last_export", None) == folder)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(tab.forms) == 9
    assert names[0].startswith("F1") and all(n.endswith(f"_{context.as_of}.xlsx") for n in names)
    import openpyxl
    f3 = openpyxl.load_workbook(folder / next(n for n in names if n.startswith("F3"))).active
    # header labels carry line breaks between words (services.reports.xlsx); read them as one text
    texts = [str(c.value).replace("\n", "") for row in f3.iter_rows() for c in row if c.value is not None]
    assert f"{context.as_of.year - 1}年12月31日" in texts  # the tab's 对比日期, as on screen
    assert "已导出9张报表" in tab.status.text()


def _period_line(path) -> str:
    import openpyxl
    texts = [str(c.value) for row in openpyxl.load_workbook(path).active.iter_rows() for c in row if c.value]
    return next(t for t in texts if "统计期：" in t)


def _export_all(qtbot, context, tab, folder, monkeypatch) -> dict[str, str]:
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    tab.export_all()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(tab, "last_export", None) == folder)
    return {p.name[:2]: _period_line(p) for p in folder.iterdir() if p.name[:2] in ("F4", "F9")}


def test_all_forms_keep_each_forms_own_period(qtbot, make_window, county_path, tmp_path, monkeypatch):
    """全部导出 from F1 (no 统计期 on screen) gives F4 its quarter and F9 its month, as
    ``wengang report all`` does; the field hidden under F1 holds a month start it never chose."""
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ready(qtbot, context, window)
    day = context.as_of
    quarter = f"{day.year}年{3 * ((day.month - 1) // 3) + 1}月1日"
    periods = _export_all(qtbot, context, tab, tmp_path / "月报", monkeypatch)
    assert periods["F4"].startswith(f"统计期：{quarter}至")
    assert periods["F9"].startswith(f"统计期：{day.year}年{day.month}月1日至")


def test_all_forms_take_a_period_chosen_on_screen(qtbot, make_window, county_path, tmp_path, monkeypatch):
    """A period other than the form's own, chosen on screen (F4 本年累计), holds for every
    period form, as ``report all --period year``."""
    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("报表")
    tab.form_box.setCurrentIndex(tab.form_box.findData("policy"))
    tab.period_preset.setCurrentIndex(tab.period_preset.findData("year"))
    periods = _export_all(qtbot, context, tab, tmp_path / "年报", monkeypatch)
    assert all(line.startswith(f"统计期：{context.as_of.year}年1月1日至") for line in periods.values())
    assert len(periods) == 2


def test_pdf_export(qtbot, make_window, county_path, tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ready(qtbot, context, window)
    target = tmp_path / "f1.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export("pdf")
    assert target.read_bytes()[:4] == b"%PDF"


def test_bulletin_draft_can_be_copied(qtbot, make_window, county_path):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ready(qtbot, context, window)
    tab.show_bulletin()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(tab, "bulletin", None) is not None)
    dialog = tab.bulletin
    text = dialog.text.toPlainText()
    assert "测试县" in text or "城关" in text
    dialog.copy()
    assert QApplication.clipboard().text() == text


def test_period_presets_match_the_command_line(qtbot, make_window, county_path):
    """F4 opens on the quarter (as `report --period` defaults); a preset follows the as-of date
    and choosing one recomputes the shown form without looping (issue 17)."""
    import datetime as dt  # noqa: PLC0415

    small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("报表")
    tab.form_box.setCurrentIndex(tab.form_box.findData("policy"))
    assert tab.period_preset.currentData() == "quarter"
    assert tab.request()["period_from"] == dt.date(2024, 4, 1)  # AS_OF 2024-06-30
    tab.period_preset.setCurrentIndex(tab.period_preset.findData("year"))
    wait_idle(qtbot, context)
    assert tab.request()["period_from"] == dt.date(2024, 1, 1) and not tab.period_from.isEnabled()
    tab.period_preset.setCurrentIndex(tab.period_preset.findData(None))  # 自定义: the date is free
    assert tab.period_from.isEnabled()
