"""Long actions of the window run on the background thread (``AppContext.run_in_background``),
never on the GUI thread: at 50,000 households each of these took seconds there
(bench/gui_thread.py). Each test records the thread the service call ran on."""

from __future__ import annotations

import threading

import pytest
from gui_support import small_county
from PySide6.QtWidgets import QFileDialog, QMessageBox

pytestmark = pytest.mark.gui


def record_thread(monkeypatch, module, name: str) -> list[int]:
    """Wrap ``module.name`` to note the thread each call runs on."""
    real, threads = getattr(module, name), []

    def wrapped(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return threads


def test_the_people_behind_a_number_are_written_off_the_gui_thread(qtbot, make_window, county_path, tmp_path,
                                                                   monkeypatch):
    from wengang.gui.dialogs.persons_dialog import PersonsDialog
    from wengang.services import person_list

    small_county(county_path)
    context, window = make_window(county_path)
    ids = [r[0] for r in context.db.execute("SELECT id FROM persons")]
    threads = record_thread(monkeypatch, person_list, "write_person_list")
    dialog = PersonsDialog(context, "合计 · 务工", ids, window)
    qtbot.addWidget(dialog)
    target = tmp_path / "名单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    progress = dialog.export()
    assert progress is not None  # the progress dialog of the background job
    qtbot.waitUntil(lambda: getattr(dialog, "last_export", None) == target)
    assert threads and threading.get_ident() not in threads
    assert f"已导出 {len(ids)} 人" in dialog.status.text()


def test_a_backup_is_checked_off_the_gui_thread_before_the_restore_question(qtbot, make_window, county_path,
                                                                            tmp_path, monkeypatch):
    from wengang.gui import reliability
    from wengang.store.backup import backup

    small_county(county_path)
    context, window = make_window(county_path)
    saved = backup(context.db, tmp_path / "备份.db")
    threads = record_thread(monkeypatch, reliability, "verify_file")
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(saved), "")))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda _p, _t, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.No))
    assert window.restore_database() is not None
    qtbot.waitUntil(lambda: bool(asked))
    assert threads and threading.get_ident() not in threads
    assert "用备份 备份.db 替换当前数据库" in asked[0] and window.isVisible()  # 否: nothing replaced
