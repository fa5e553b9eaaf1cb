"""Ledger and report tabs polished: printing through the shared painter, PDF off the GUI
thread, the remembered masking choice and the USB warning, 报送 with its history and the
三一致 comparison, notes and the bulletin's F3, the first page of a search, and the
labour-age bounds of the settings read by the quality rule."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading

import pytest
from conftest import Factory
from gui_support import AS_OF, small_county, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from wengang.store.db import open_database

pytestmark = pytest.mark.gui


def _pdf_pages(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def _bigger_county(path, persons: int = 90) -> None:
    """The small county plus enough working people for a ledger of several printed pages."""
    small_county(path)
    db = open_database(path)
    f = Factory(db)
    f._seq = iter(range(100, 100 + 3 * persons))
    for _ in range(persons):
        f.spell(f.person(f.household("城关镇", "城关村")), "2024-03-01")
    db.close()


def _ledger_tab(qtbot, window, ledger_id="labour"):
    tab = window.show_tab("台账")
    assert tab.show_ledger(ledger_id)
    qtbot.waitUntil(tab.is_ready)
    return tab


def _fake_preview(monkeypatch, target):
    """What the preview dialog does with its paint callback, into a PDF file."""
    from PySide6.QtPrintSupport import QPrinter

    from wengang.gui import print_preview

    def fake(_parent, paint, landscape=True):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        paint(printer)

    monkeypatch.setattr(print_preview, "preview", fake)


# --- 1. printing through the shared painter ------------------------------------------------------
def test_ledger_print_goes_through_the_shared_painter(qtbot, make_window, county_path, tmp_path, monkeypatch):
    _bigger_county(county_path)
    context, window = make_window(county_path)
    tab = _ledger_tab(qtbot, window)
    assert not hasattr(tab, "ledger_html")  # the home-made HTML table is gone
    target = tmp_path / "preview.pdf"
    _fake_preview(monkeypatch, target)
    window.print_current()  # Ctrl+P on the ledger tab
    wait_idle(qtbot, context)  # pages laid out on the worker thread, then previewed
    qtbot.waitUntil(target.exists)
    pages = _pdf_pages(target)
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert "姓名" in page and "证件号码" in page  # the header repeats on every page
        assert f"第{n}页共{len(pages)}页" in page.replace(" ", "").replace("\u3000", "")  # page numbers
    assert "劳动力底数清单" in pages[0]


def test_long_ledger_preview_shows_first_rows_and_direct_print_paints_off_the_gui_thread(
        qtbot, make_window, county_path, tmp_path, monkeypatch):
    _bigger_county(county_path)
    context, window = make_window(county_path)
    tab = _ledger_tab(qtbot, window)
    from wengang.gui import ledger_output
    monkeypatch.setattr(ledger_output, "PREVIEW_ROW_LIMIT", 10)
    # "预览前 10 行" in the question box: the preview paints 10 rows and says so
    def choose(label):
        def run(box):
            box._pick = next(b for b in box.buttons() if label in b.text())
            return 0
        return run

    monkeypatch.setattr(QMessageBox, "exec", choose("预览"))
    monkeypatch.setattr(QMessageBox, "clickedButton", lambda box: box._pick)
    target = tmp_path / "first.pdf"
    _fake_preview(monkeypatch, target)
    tab.print_()
    wait_idle(qtbot, context)  # the pages are laid out on the worker thread, then previewed
    qtbot.waitUntil(target.exists)
    text = "".join(_pdf_pages(target))
    assert "只列出前10人" in text.replace(" ", "")
    # "直接打印…": the print dialog accepted, the pages are painted on the worker thread
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    from wengang.gui import printing
    painted = []

    def accept(dialog):
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(tmp_path / "printed.pdf"))
        return QPrintDialog.DialogCode.Accepted

    real_print = printing.print_ledger
    monkeypatch.setattr(QPrintDialog, "exec", accept)
    monkeypatch.setattr(printing, "print_ledger", lambda *a, **k: (
        painted.append(threading.current_thread() is threading.main_thread()), real_print(*a, **k))[1])
    monkeypatch.setattr(QMessageBox, "exec", choose("直接打印"))
    tab.print_()
    wait_idle(qtbot, context)
    assert painted == [False]
    assert len(_pdf_pages(tmp_path / "printed.pdf")) >= 3


def test_ledger_pdf_export_is_painted_off_the_gui_thread(qtbot, make_window, county_path, tmp_path, monkeypatch):
    _bigger_county(county_path)
    context, window = make_window(county_path)
    tab = _ledger_tab(qtbot, window)
    from wengang.gui import printing
    threads = []
    real = printing.write_ledger_pdf
    monkeypatch.setattr(printing, "write_ledger_pdf", lambda *a, **k: (
        threads.append(threading.current_thread() is threading.main_thread()), real(*a, **k))[1])
    target = tmp_path / "劳动力.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export_pdf()
    wait_idle(qtbot, context)
    assert threads == [False]
    pages = _pdf_pages(target)
    text = "".join(pages)
    assert len(pages) >= 3 and "张三" in text and "*" in text  # masked, as on screen


def test_report_pdf_of_a_long_form_is_written_in_the_background(qtbot, make_window, county_path, tmp_path,
                                                                monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _report(qtbot, context, window)
    from wengang.gui import report_tab
    monkeypatch.setattr(report_tab, "BACKGROUND_PDF_ROWS", 0)
    from wengang.gui import printing
    threads = []
    real = printing.write_form_pdf
    monkeypatch.setattr(printing, "write_form_pdf", lambda *a, **k: (
        threads.append(threading.current_thread() is threading.main_thread()), real(*a, **k))[1])
    target = tmp_path / "f1.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export("pdf")
    wait_idle(qtbot, context)
    assert threads == [False] and "合" in "".join(_pdf_pages(target))


# --- 2. masking remembered, USB warning ------------------------------------------------------------
def test_mask_choice_is_remembered_per_ledger_in_the_database(qtbot, make_window, county_path):
    from wengang.services.privacy import mask_preference
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ledger_tab(qtbot, window, "labour")
    assert tab.mask.isChecked()
    tab.mask.setChecked(False)
    assert mask_preference(context.db, "ledger_labour") is False
    assert tab.show_ledger("this-year")
    assert tab.mask.isChecked()  # another list keeps its own choice
    assert tab.show_ledger("labour")
    assert not tab.mask.isChecked()
    qtbot.waitUntil(tab.is_ready)
    assert "*" not in tab.model.index(0, tab.model.columns.index("证件号码")).data()


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
def test_unmasked_export_to_a_usb_stick_asks_first(qtbot, make_window, county_path, tmp_path, monkeypatch,
                                                   answer):
    from wengang.services import privacy
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _ledger_tab(qtbot, window)
    monkeypatch.setattr(privacy, "is_removable_drive", lambda _path: True)
    asked = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: asked.append(a[2]) or answer))
    for method, name in [(tab.export, "u.xlsx"), (tab.export_pdf, "u.pdf")]:
        target = tmp_path / name
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, t=target, **k: (str(t), "")))
        tab.mask.setChecked(True)
        qtbot.waitUntil(tab.is_ready)
        method()  # masked: no question
        wait_idle(qtbot, context)
        assert not asked and target.exists()
        target.unlink()
        tab.mask.setChecked(False)
        qtbot.waitUntil(tab.is_ready)
        method()
        wait_idle(qtbot, context)
        assert len(asked) == 1 and "U盘" in asked[0]
        assert target.exists() == (answer == QMessageBox.StandardButton.Yes)
        asked.clear()


# --- report tab: notes, bulletin ------------------------------------------------------------------
def _report(qtbot, context, window, form="employment"):
    tab = window.show_tab("报表")
    tab.form_box.setCurrentIndex(tab.form_box.findData(form))
    tab.refresh()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tab.result is not None and tab.result.form_id == form)
    return tab


def test_notes_say_zhu_once(qtbot, make_window, county_path):
    from wengang.gui.report_tab import note_text
    assert note_text("注：含监测对象") == "注：含监测对象"
    assert note_text("含监测对象") == "注：含监测对象"
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _report(qtbot, context, window)
    tab.result.notes = ["注：本表含防止返贫监测对象。", "比例保留两位小数。"]
    tab.show_result(tab.result)
    text = tab.notes_label.text()
    assert "注：注：" not in text
    assert "注：本表含防止返贫监测对象。" in text and "注：比例保留两位小数。" in text


def test_bulletin_gets_f3_only_when_targets_exist_for_the_year(qtbot, make_window, county_path, monkeypatch):
    from wengang.services import bulletin
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = _report(qtbot, context, window)
    seen = []
    monkeypatch.setattr(bulletin, "draft_bulletin", lambda f1, f3=None, **k: seen.append(f3) or "通报")
    assert tab.bulletin_text() == "通报"
    assert seen == [None]  # no targets: F1 alone, so the draft keeps its own wording
    town = context.db.execute("SELECT area_id FROM households WHERE id = ?", [ids["h1"]]).fetchone()[0]
    with context.db.atomic():
        context.db["targets"].insert({"area_id": town, "year": AS_OF.year - 1, "target": 5})
    tab.bulletin_text()
    assert seen[-1] is None  # last year's targets are not this year's
    with context.db.atomic():
        context.db["targets"].insert({"area_id": town, "year": AS_OF.year, "target": 5})
    tab.bulletin_text()
    assert seen[-1] is not None and seen[-1].form_id in ("targets", "F3")


# --- 3. 报送 and its history ----------------------------------------------------------------------
def _accept_submit(monkeypatch, kind: str, lock: bool):
    from wengang.gui.report_submit import SubmitDialog

    def run(dialog):
        dialog.buttons[kind].setChecked(True)
        dialog.lock.setChecked(lock)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SubmitDialog, "exec", run)


def test_submit_exports_archives_and_locks_the_month(qtbot, make_window, county_path, tmp_path, monkeypatch):
    from wengang.services.archive import archived, archived_file
    from wengang.store.audit import locked_periods
    small_county(county_path)
    context, window = make_window(county_path)
    tab = _report(qtbot, context, window)
    target = tmp_path / "报送.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    _accept_submit(monkeypatch, "xlsx", lock=True)
    tab.submit()
    [entry] = archived(context.db, "employment")
    assert entry.locked and entry.file_name == target.name and str(entry.as_of) == str(AS_OF)
    assert locked_periods(context.db) == [AS_OF.strftime("%Y-%m")]
    (tmp_path / "again").mkdir()
    assert archived_file(context.db, entry.id, tmp_path / "again")
    assert (tmp_path / "again" / target.name).read_bytes() == target.read_bytes()
    assert "已报送" in tab.status.text() and "已锁定" in tab.status.text()
    # printed "as submitted": a PDF of what was printed is archived, the month stays locked
    printed = tmp_path / "printed.pdf"
    _fake_preview(monkeypatch, printed)
    _accept_submit(monkeypatch, "print", lock=False)
    tab.submit()
    newest = archived(context.db, "employment")[0]
    assert newest.file_name.endswith(".pdf") and not newest.locked
    assert printed.read_bytes()[:4] == b"%PDF"


def test_history_reprints_exports_and_compares_the_submitted_numbers(qtbot, make_window, county_path,
                                                                     tmp_path, monkeypatch):
    from wengang.gui.report_model import CHANGED_BRUSH
    from wengang.services.archive import archive_report
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = _report(qtbot, context, window)
    submitted = tab.result
    archive_id = archive_report(context.db, submitted)
    # after 报送, 王五 goes out to work: this year's numbers change
    with context.db.atomic():
        context.db["employment_spells"].insert({"person_id": ids["王五"], "start_date": "2024-04-01",
                                                "region": "省外", "channel": "自主外出务工"})
    tab.show_history()
    history = tab.history
    assert history.table.rowCount() == 1 and history.table.item(0, 0).text() == str(archive_id)
    # export: the submitted numbers, not today's
    target = tmp_path / "报送时.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    history.export()
    ty = next(c for c in submitted.columns if c.key == "ty")
    total = next(r for r in submitted.rows if r.kind == "total")
    import csv
    with target.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    total_row = next(r for r in rows if r and r[0] == "合计")
    assert str(total.values["ty"]) in total_row
    printed = tmp_path / "reprint.pdf"
    _fake_preview(monkeypatch, printed)
    history.reprint()
    assert printed.read_bytes()[:4] == b"%PDF"
    history.compare()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(history, "comparison", None) is not None)
    dialog = history.comparison
    model = dialog.model
    column = next(i for i, c in enumerate(model.result.columns) if c.key == "ty")
    cell = model.index(model.depth, column)  # 合计 · this year's employed
    before = int(total.values["ty"])
    assert cell.data() == f"{before}→{before + 1}"
    assert cell.data(Qt.ItemDataRole.BackgroundRole) == CHANGED_BRUSH
    unchanged = next(i for i, c in enumerate(model.result.columns) if c.key == "ly")
    assert model.index(model.depth, unchanged).data(Qt.ItemDataRole.BackgroundRole) != CHANGED_BRUSH
    assert "处与报送时不同" in dialog.summary.text() and ty.label in dialog.details.toPlainText()


# --- 5. search: ≤ 50 ms a keystroke, and the count stays the count -----------------------------
def _search_model(context, monkeypatch, first_ids=5):
    from wengang.gui.registry import models
    monkeypatch.setattr(models, "FIRST_IDS", first_ids)
    model = models.PersonTableModel(context.db)
    model.filter.as_of = AS_OF
    return model


def _statements(context, action):
    seen = []
    context.db.conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        context.db.conn.set_trace_callback(None)
    return seen


def test_broad_search_before_the_table_was_listed_fetches_the_first_ids_then_the_rest(
        qtbot, make_window, county_path, monkeypatch, qtmodeltester):
    _bigger_county(county_path, persons=30)
    context, _window = make_window(county_path)
    model = _search_model(context, monkeypatch)
    seen = _statements(context, lambda: model.set_filter(search="人"))  # the 30 factory persons
    assert any("LIMIT 6" in s for s in seen)  # the database sorted out only the first ones
    assert model.rowCount() == 30 and not model.is_complete()  # but the count is all of them
    first = [model.id_at(r) for r in range(5)]
    assert model.index(29, 3).data().startswith("人")  # scrolling down fetches the rest
    assert model.is_complete()
    full = _search_model(context, monkeypatch, first_ids=1000)
    full.set_filter(search="人")
    assert model.ids() == full.ids() and model.ids()[:5] == first
    qtmodeltester.check(model)


def test_search_after_the_full_list_keeps_its_order_without_sorting_again(qtbot, make_window, county_path,
                                                                         monkeypatch):
    _bigger_county(county_path, persons=30)
    context, _window = make_window(county_path)
    model = _search_model(context, monkeypatch)
    model.reload()  # the registry shows everyone first
    everyone = model.ids()
    seen = _statements(context, lambda: model.set_filter(search="人"))
    assert not any("ORDER BY" in s for s in seen)  # filtered in the remembered order
    assert model.is_complete() and model.rowCount() == 30
    assert model.ids() == [i for i in everyone if i in set(model.ids())]
    sorted_in_sql = _search_model(context, monkeypatch, first_ids=1000)
    sorted_in_sql.set_filter(search="人")
    assert model.ids() == sorted_in_sql.ids()
    model.set_filter(search="张三")
    assert model.rowCount() == 1


def test_search_everyone_matches_is_the_unsearched_list(qtbot, make_window, county_path, monkeypatch):
    _bigger_county(county_path, persons=30)
    context, _window = make_window(county_path)
    model = _search_model(context, monkeypatch)
    seen = _statements(context, lambda: model.set_filter(search="62"))  # part of every 证件号码
    assert model.rowCount() == 33
    assert not any("LIKE" in s and ("LIMIT" in s or "ORDER BY" in s) for s in seen)  # no sorted search
    # the unsearched list's first ids, as an empty box shows them (not all 660,519 ids of a
    # 200,000-household county read before the keystroke answers: 1.6 s)
    assert not model.is_complete() and model.index(0, 0).data() is not None
    found = model.ids()  # the rest, when the view needs it
    assert len(found) == 33
    model.set_filter(search="")
    assert found == model.ids()


# --- 6. labour-age bounds from the settings ------------------------------------------------------
def test_working_age_rule_reads_the_labour_age_bounds_of_the_settings(qtbot, make_window, county_path):
    from wengang.gui.dialogs.settings_dialog import SettingsDialog
    from wengang.services.rules import findings, run_quality
    small_county(county_path)
    db = open_database(county_path)
    f = Factory(db)
    f._seq = iter(range(500, 600))
    sixty_two = f.person(birth=dt.date(1962, 1, 1))
    fifteen = f.person(birth=dt.date(2009, 1, 1))
    db.close()
    context, window = make_window(county_path)

    def flagged():
        run_quality(context.db, AS_OF)
        return {r["person_id"] for r in findings(context.db, "labour_outside_age")}

    assert flagged() == {fifteen}  # defaults 16 and 65
    dialog = SettingsDialog(context.db, window)
    dialog.ages["labour_age_min"].setValue(15)
    dialog.ages["labour_age_max"].setValue(60)
    assert dialog.save()
    assert flagged() == {sixty_two}
    message = findings(context.db, "labour_outside_age")[0]["message"]
    assert "15-59岁" in message and "62岁" in message


def test_a_township_submission_is_compared_with_the_same_township(qtbot, make_window, county_path, tmp_path,
                                                                  monkeypatch):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    town = context.db.execute("SELECT a.parent_id FROM households h JOIN areas a ON a.id = h.area_id "
                              "WHERE h.id = ?", [ids["h1"]]).fetchone()[0]  # 城关镇 (张三)
    context.set_place(town)
    tab = _report(qtbot, context, window)
    # a township picked: its form is by village (issue 18), the township's own villages only
    assert [r.label for r in tab.result.rows if r.kind != "total"] == ["城关村"]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "z.xlsx"), "")))
    _accept_submit(monkeypatch, "xlsx", lock=False)
    tab.submit()
    with context.db.atomic():  # 王五 of 甘浚镇 goes out: not the submitted township's business
        context.db["employment_spells"].insert({"person_id": ids["王五"], "start_date": "2024-04-01",
                                                "region": "省外", "channel": "自主外出务工"})
    tab.show_history()
    tab.history.compare()
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: getattr(tab.history, "comparison", None) is not None)
    assert "完全一致" in tab.history.comparison.summary.text()
    assert not tab.history.comparison.model.changes


def test_cancelled_ledger_pdf_leaves_no_file(qtbot, make_window, county_path, tmp_path, monkeypatch):
    from wengang.gui import ledger_output
    _bigger_county(county_path)
    context, window = make_window(county_path)
    tab = _ledger_tab(qtbot, window)
    real_rows = ledger_output.ReportingQuery.iter_rows

    def cancel_midway(self):
        for n, row in enumerate(real_rows(self)):
            if n == 50:
                self._progress.cancelled = True  # what the dialog's 取消 does
            yield row

    monkeypatch.setattr(ledger_output, "REPORT_EVERY", 10)
    monkeypatch.setattr(ledger_output.ReportingQuery, "iter_rows", cancel_midway)
    target = tmp_path / "cancelled.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export_pdf()
    wait_idle(qtbot, context)
    assert not target.exists()
