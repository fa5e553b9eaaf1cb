"""生成示范县 beside a county with data opens the demo in a window of its own, on 示范县.db; the
message used to tell the caseworker to type ``wengang --db 示范县.db``, which a window user cannot."""

from __future__ import annotations

import sys

from gui_support import small_county, wait_idle
from PySide6.QtWidgets import QMessageBox

from wengang.gui import other_window


def _answer(monkeypatch, text: str) -> None:
    """The box's button labelled ``text`` is the one clicked."""
    def exec_(box) -> int:
        next(b for b in box.buttons() if b.text() == text).click()
        return 0
    monkeypatch.setattr(QMessageBox, "exec", exec_)


def test_the_demo_beside_data_opens_in_a_window_of_its_own(qtbot, make_window, county_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    started = []
    monkeypatch.setattr(other_window, "open_in_new_window", lambda path, demo=False: started.append((path, demo)) or True)
    _answer(monkeypatch, "在新窗口中打开示范县")
    window.build_demo()
    wait_idle(qtbot, context)
    assert started == [(county_path.with_name("示范县.db"), True)]
    assert context.db.execute("SELECT count(*) FROM persons").fetchone()[0] == 3   # the data left alone


def test_cancel_leaves_the_data_and_opens_nothing(qtbot, make_window, county_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    monkeypatch.setattr(other_window, "open_in_new_window", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    _answer(monkeypatch, "取消")
    window.build_demo()
    wait_idle(qtbot, context)
    assert context.db.execute("SELECT count(*) FROM persons").fetchone()[0] == 3


def test_the_new_window_is_this_program_on_the_demo_file(tmp_path, monkeypatch):
    path = tmp_path / "示范县.db"
    assert other_window.program(path, "--demo") == (sys.executable, ["-m", "wengang", "--db", str(path), "gui", "--demo"])
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert other_window.program(path) == (sys.executable, ["--db", str(path), "gui"])
    assert other_window.demo_path(tmp_path / "wengang.db") == path
    assert other_window.demo_path(path) == tmp_path / "示范县-2.db"


def test_an_empty_database_opened_for_the_demo_gets_it_at_once(qtbot, make_window, tmp_path, monkeypatch):
    from wengang.gui import main_window
    monkeypatch.setattr(main_window, "DEMO_HOUSEHOLDS", 60)  # a small county: the build, not its size, is tested
    context, window = make_window(tmp_path / "示范县.db")
    window.build_demo_if_empty()
    wait_idle(qtbot, context, timeout=60000)
    assert context.db.execute("SELECT count(*) FROM households").fetchone()[0] == 60
    window.build_demo_if_empty()  # not empty now: nothing asked, nothing built again
    wait_idle(qtbot, context)
    assert context.db.execute("SELECT count(*) FROM households").fetchone()[0] == 60
