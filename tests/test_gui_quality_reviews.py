"""数据质量 → 标记为已核实… / 取消核实: the selected findings leave the 待处理 list with their
核实情况, the status bar's count follows, and taking the review back lists them again."""

from __future__ import annotations

import pytest
from gui_support import small_county, wait_idle
from PySide6.QtCore import QItemSelectionModel, Qt

from wengang.gui import quality_tab
from wengang.services.read import lookups

pytestmark = pytest.mark.gui


def _select(tab, rows: list[int]) -> None:
    selection = tab.view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(tab.model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def _county_with_two_phone_hints(county_path) -> None:
    """The small county, with an import's "联系电话为空" hint about 张三 and about 李四."""
    ids = small_county(county_path)
    from wengang.store.db import open_database
    db = open_database(county_path)
    with db.atomic():
        for name in ("张三", "李四"):
            db.execute("INSERT INTO quality_findings(rule, person_id, field, message) VALUES "
                       "('import.persons', ?, 'phone', '联系电话为空')", [ids[name]])
    db.close()


def _show_the_hints(tab) -> None:
    """The 数据质量 tab on the import's hints alone."""
    hints = next(r for r in range(tab.rules.count())
                 if tab.rules.item(r).data(Qt.ItemDataRole.UserRole) == "import.persons")
    tab.rules.setCurrentRow(hints)


def test_findings_marked_checked_leave_the_open_list_and_come_back_when_taken_back(
        qtbot, make_window, county_path, monkeypatch):
    _county_with_two_phone_hints(county_path)
    context, window = make_window(county_path)
    watch = context.quality_watch
    watch.schedule(0)  # the rules' own findings too: the status bar counts every open one
    qtbot.waitUntil(lambda: watch.runs >= 1, timeout=10000)
    wait_idle(qtbot, context)
    everything = lookups.open_findings(context.db)
    assert watch.label.text() == f"数据质量：全部 {everything} 条待处理"
    tab = window.show_tab("数据质量")
    _show_the_hints(tab)
    assert tab.model.rowCount() == 2
    asked = []
    monkeypatch.setattr(quality_tab, "ask_review_note",
                        lambda _parent, count, recent: asked.append((count, recent)) or "本人无手机，已留家属电话")

    # Nothing selected: said, nothing asked.
    _select(tab, [])
    assert tab.review_selected() is None and asked == []
    assert "请先在列表中选中" in tab.status.text()

    _select(tab, [0])
    assert tab.review_selected() is not None  # written off the GUI thread
    qtbot.waitUntil(lambda: "已将 1 条问题标记为已核实" in tab.status.text(), timeout=5000)
    assert asked == [(1, [])]
    assert tab.model.rowCount() == 1
    qtbot.waitUntil(lambda: context.quality_watch.label.text() == f"数据质量：全部 {everything - 1} 条待处理", timeout=5000)
    # the note used is offered first next time (cancelled here: nothing written)
    monkeypatch.setattr(quality_tab, "ask_review_note", lambda _parent, count, recent: asked.append((count, recent)))
    _select(tab, [0])
    assert tab.review_selected() is None
    assert asked[-1] == (1, ["本人无手机，已留家属电话"]) and tab.model.rowCount() == 1

    # All findings, with the 核实情况 column: the checked one carries its note.
    tab.open_only.setChecked(False)
    assert tab.model.rowCount() == 2
    note_column = [c.title for c in tab.model.columns].index("核实情况")
    notes = sorted(str(tab.model.index(r, note_column).data() or "") for r in range(2))
    assert notes == ["", "本人无手机，已留家属电话"]

    checked_row = next(r for r in range(2) if tab.model.index(r, note_column).data())
    _select(tab, [checked_row])
    tab.take_back_selected()
    qtbot.waitUntil(lambda: "已取消 1 条核实" in tab.status.text(), timeout=5000)
    tab.open_only.setChecked(True)
    assert tab.model.rowCount() == 2
    qtbot.waitUntil(lambda: context.quality_watch.label.text() == f"数据质量：全部 {everything} 条待处理", timeout=5000)
    # a finding never checked has nothing to take back
    _select(tab, [0])
    tab.take_back_selected()
    qtbot.waitUntil(lambda: "没有核实记录" in tab.status.text(), timeout=5000)
    # a blank note is said, and nothing written
    monkeypatch.setattr(quality_tab, "ask_review_note", lambda *_args: "   ")
    assert tab.review_selected() is None and "请填写核实情况" in tab.status.text()


def test_a_selection_gives_its_ids_by_ranges_once_each_in_order(qtbot, db, factory):
    """Ctrl+A over a 200k county's 94,320 phone findings: the ids come from the selection's
    ranges (0.06 s) instead of an index per row (5.3 s on the GUI thread); every cell is still
    enabled and selectable (Qt's own flags)."""
    from PySide6.QtCore import QItemSelection
    from PySide6.QtWidgets import QTableView

    from wengang.gui.quality_model import FindingTableModel
    for n in range(5):
        db.execute("INSERT INTO quality_findings(rule, person_id, field, message) VALUES ('phone', ?, 'phone', ?)",
                   [factory.person(), f"电话{n}"])
    model = FindingTableModel(db)
    model.reload()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    ids = [model.id_at(r) for r in range(5)]
    selection = view.selectionModel()
    for top, bottom in ((3, 4), (0, 1), (1, 1)):  # overlapping and out of order, as the mouse makes them
        selection.select(QItemSelection(model.index(top, 0), model.index(bottom, model.columnCount() - 1)),
                         QItemSelectionModel.SelectionFlag.Select)
    ranges = sorted((r.top(), r.bottom()) for r in selection.selection())
    assert model.ids_of_rows(ranges) == [ids[0], ids[1], ids[3], ids[4]]
    flags = model.flags(model.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsSelectable and flags & Qt.ItemFlag.ItemIsEnabled


def test_select_all_does_not_ask_the_model_about_every_row(qtbot, db):
    """The lazy tables' header keeps a selection of its own, empty: painted after Ctrl+A it
    used to ask whether each column was selected, a model index per row (each into Python), 1.4–2.0 s
    for 94,320 findings at every repaint."""
    from wengang.gui.quality_model import FindingTableModel
    from wengang.gui.registry_tab import make_table

    class Counting(FindingTableModel):
        asked = 0

        def rowCount(self, parent=None):  # noqa: N802 - Qt
            Counting.asked += 1
            return super().rowCount(parent) if parent is not None else super().rowCount()

    db.conn.executemany("INSERT INTO quality_findings(rule, field, message) VALUES ('phone', 'phone', ?)",
                        [(f"电话{n}",) for n in range(3000)])
    model = Counting(db)
    model.reload()
    view = make_table(model)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    view.setFocus()
    Counting.asked = 0
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # Ctrl+A, painted
    qtbot.wait(100)
    assert Counting.asked < 3000  # 21,127 times before: 7 columns × 3,000 rows
    assert not view.horizontalHeader().selectionModel().hasSelection()
    assert len(view.selectionModel().selectedRows()) == 3000


def test_findings_the_check_replaced_after_they_were_selected_are_said_not_marked(
        qtbot, make_window, county_path, monkeypatch):
    _county_with_two_phone_hints(county_path)
    context, window = make_window(county_path)
    wait_idle(qtbot, context)
    tab = window.show_tab("数据质量")
    _show_the_hints(tab)
    _select(tab, [0, 1])
    # The rules' background run replaces rows under the selection (here: one row gone).
    context.db.execute("DELETE FROM quality_findings WHERE id = ?", [tab.model.id_at(1)])
    monkeypatch.setattr(quality_tab, "ask_review_note", lambda *_args: "已核实")
    tab.review_selected()
    qtbot.waitUntil(lambda: "已将 1 条问题标记为已核实" in tab.status.text(), timeout=5000)
    assert "另有 1 条在刚才的自动检查后已更新，未标记，请重新选中" in tab.status.text()


def test_the_villages_replies_read_back_record_what_they_found_right(qtbot, make_window, county_path, monkeypatch,
                                                                     tmp_path):
    """读入村里核实情况…: the village workbook the tab exported, filled in, read back off the GUI
    thread; the caseworker is shown what it holds and agrees; the finding a village found right
    is checked with the village's words, the one it says it corrected stays 待处理."""
    from openpyxl import load_workbook

    from wengang.services.rules.export import write_findings_by_village
    _county_with_two_phone_hints(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("数据质量")
    _show_the_hints(tab)
    book, _, _ = write_findings_by_village(context.db, tmp_path / "按村.xlsx")
    workbook = load_workbook(book)
    answered = {}
    for ws in workbook.worksheets[1:]:
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            name = row[header.index("姓名")].value
            if name in ("张三", "李四"):
                row[header.index("核实情况（村里填写）")].value = "本人无手机" if name == "张三" else "已补录电话"
                answered[name] = row[header.index("说明")].value
    workbook.save(book)
    assert set(answered) == {"张三", "李四"}
    shown = []
    monkeypatch.setattr(quality_tab, "ask_open_path", lambda *_a, **_k: book)
    monkeypatch.setattr(quality_tab, "confirm_replies", lambda _parent, replies: shown.append(replies) or True)

    assert tab.read_replies() is not None
    qtbot.waitUntil(lambda: "已将 1 条问题记为已核实" in tab.status.text(), timeout=10000)
    replies = shown[0]
    assert [r.person_name for r in replies.to_review] == ["张三"]
    assert [r.person_name for r in replies.said_corrected] == ["李四"]
    notes = context.db.execute("SELECT p.name, r.note FROM quality_reviews r JOIN persons p ON p.id = r.person_id").fetchall()
    assert notes == [("张三", "村里核实：本人无手机")]
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)  # 李四's hint stays 待处理

    # A file that is not a village sheet: said in the status line, nothing asked or written.
    other = tmp_path / "别的.xlsx"
    workbook = load_workbook(book)
    del workbook[workbook.sheetnames[1]]
    for ws in workbook.worksheets:
        ws.delete_rows(1)
    workbook.save(other)
    monkeypatch.setattr(quality_tab, "ask_open_path", lambda *_a, **_k: other)
    tab.read_replies()
    qtbot.waitUntil(lambda: "不是“数据质量问题按村导出”的表" in tab.status.text(), timeout=10000)
    assert len(shown) == 1


def test_the_replies_box_says_what_the_file_holds_and_asks_before_recording(qtbot):
    """``confirm_replies``: the summary, the rows to look at in 显示详情…; True only when there is
    something to record and 记为已核实 is clicked; an information box otherwise."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

    from wengang.services.rules.replies import Reply, VillageReplies
    parent = QWidget()
    qtbot.addWidget(parent)
    replies = VillageReplies(sheets=2, to_review=[Reply("王家庄村", 2, "张三", "联系电话为空", "本人无手机", (1,))],
                             said_corrected=[Reply("兴隆村", 5, "李四", "务工记录未填务工企业名称", "已补录", (2,))])
    seen = []

    def answer(role: QMessageBox.ButtonRole) -> None:
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, lambda: answer(role))
            return
        seen.append((box.text(), box.detailedText(), {box.buttonRole(b): b.text() for b in box.buttons()}))
        next(b for b in box.buttons() if box.buttonRole(b) == role).click()

    QTimer.singleShot(20, lambda: answer(QMessageBox.ButtonRole.AcceptRole))
    assert quality_tab.confirm_replies(parent, replies) is True
    text, details, buttons = seen[-1]
    assert text == replies.summary() and "1条可记为已核实" in text
    assert "“兴隆村”第5行 李四 务工记录未填务工企业名称：已补录" in details
    assert details.index("“王家庄村”第2行 张三 联系电话为空：本人无手机") < details.index("李四")  # what is recorded
    assert buttons[QMessageBox.ButtonRole.AcceptRole] == "记为已核实"
    QTimer.singleShot(20, lambda: answer(QMessageBox.ButtonRole.RejectRole))
    assert quality_tab.confirm_replies(parent, replies) is False
    # nothing to record: said, not asked
    nothing = VillageReplies(sheets=1, said_corrected=replies.said_corrected)
    QTimer.singleShot(20, lambda: answer(QMessageBox.ButtonRole.AcceptRole))
    assert quality_tab.confirm_replies(parent, nothing) is False
    text, details, buttons = seen[-1]
    assert "1条村里写了已改正" in text and "李四" in details
    assert "记为已核实" not in buttons.values() and len(seen) == 3


def test_the_rules_list_is_as_wide_as_its_longest_rule(qtbot, make_window, county_path):
    """The rules beside the findings are read whole (up to the list's maximum), and each says
    its whole name when hovered."""
    _county_with_two_phone_hints(county_path)
    from wengang.store.db import open_database
    db = open_database(county_path)
    with db.atomic():  # the longest rule name there is
        db.execute("INSERT INTO quality_findings(rule, person_id, field, message) "
                   "SELECT 'spell_overlap', id, 'start_date', '上一段未结束就开始下一段' FROM persons LIMIT 1")
    db.close()
    context, window = make_window(county_path)
    tab = window.show_tab("数据质量")
    wait_idle(qtbot, context)
    tab._fill_rules()
    rules = tab.rules
    assert any("务工时间重叠（上一段未结束就开始下一段）" in rules.item(r).text() for r in range(rules.count()))
    widest = max(rules.fontMetrics().horizontalAdvance(rules.item(r).text()) for r in range(rules.count()))
    assert rules.minimumWidth() >= min(widest, quality_tab.RULES_MAX_WIDTH - 40)
    assert all(rules.item(r).toolTip() == rules.item(r).text() for r in range(1, rules.count()))
