"""Helpers for the GUI tests: a small county in a database *file* (background workers open
their own connection, so ``:memory:`` will not do) and a window on it."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Factory

from wengang.store.areas import set_installation
from wengang.store.db import open_database

AS_OF = dt.date(2024, 6, 30)


def small_county(path) -> dict:
    """张三 (working away since Feb), 李四 (returned in June), 王五 (never out), in two townships."""
    db = open_database(path)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    f = Factory(db)
    h1 = f.household("城关镇", "城关村", head_name="张三")
    zs = f.person(h1, name="张三", pinyin_initials="zs", relation="户主")
    f.spell(zs, "2023-03-01", "2023-11-30", return_reason="季节性返乡")
    f.spell(zs, "2024-02-01")
    h2 = f.household("甘浚镇", "甘浚村", head_name="李四")
    ls = f.person(h2, name="李四", pinyin_initials="ls", relation="户主")
    f.spell(ls, "2023-05-01", "2024-06-10", region="县内", return_reason="合同到期")
    ww = f.person(h2, name="王五", pinyin_initials="ww", relation="之子", birth=dt.date(1999, 1, 2))
    ids = {"张三": zs, "李四": ls, "王五": ww, "h1": h1, "h2": h2}
    db.close()
    return ids


@pytest.fixture
def county_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # QSettings stay in the test
    path = tmp_path / "county.db"
    return path


@pytest.fixture
def make_window(qtbot, monkeypatch, tmp_path):
    """``make_window(path)`` → (context, window), shown; background work is drained on teardown."""
    from PySide6.QtCore import QSettings
    # Window geometry and the last tab go to QSettings: each test gets its own, empty folder.
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "config"))
    made = []
    # The masking question at export (gui.widgets.mask_choice) answers with the remembered
    # choice, as a caseworker pressing Enter would; tests of the question drive masking_box.
    from wengang.gui.widgets import mask_choice
    from wengang.services.privacy import mask_preference
    monkeypatch.setattr(mask_choice, "ask_masking",
                        lambda _parent, db, kind, what="": mask_preference(db, kind))

    def make(path, as_of=AS_OF):
        from wengang.gui.app import make_application, open_window
        make_application()
        context, window = open_window(path)
        context.set_as_of(as_of)
        window.as_of_edit.set_date(as_of)
        qtbot.addWidget(window)
        window.show()
        made.append(context)
        return context, window

    yield make
    for context in made:
        context.close()


def wait_idle(qtbot, context, timeout=10000) -> None:
    """Until no background work is running and its results have been delivered."""
    qtbot.waitUntil(lambda: context.pool.activeThreadCount() == 0 and not context._workers, timeout=timeout)
