"""Shared fixtures: an in-memory database and small factories for records."""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from wengang.domain.ids import make_id
from wengang.store.areas import AreaCache, set_installation
from wengang.store.db import open_database

# The GUI tests' fixtures (county_path, make_window) for every test module, instead of each
# importing them by name (which linters read as unused imports shadowed by arguments).
pytest_plugins = ["gui_support"]


@pytest.fixture
def db():
    """A fresh, migrated in-memory database for a county 测试县 in 甘肃省张掖市."""
    database = open_database(":memory:")
    set_installation(database, "甘肃省", "张掖市", "测试县")
    yield database
    database.close()


@pytest.fixture
def demo_file(tmp_path):
    """``make(seed, as_of)``: a demo county of 120 households in a file under ``tmp_path``,
    as (its path, the open database), closed after the test (the forms' stores and halves
    need a file another connection can open)."""
    from wengang.services.demo.builder import build_demo  # noqa: PLC0415 - only these tests build one

    opened = []

    def make(seed: int, as_of: dt.date):
        path = tmp_path / "county.db"
        database = open_database(path)
        opened.append(database)
        build_demo(database, 120, seed=seed, as_of=as_of)
        return path, database

    yield make
    for database in opened:
        database.close()


class Factory:
    """Creates households, persons and spells with valid IDs; ids count up per factory."""

    def __init__(self, db):
        self.db = db
        self.areas = AreaCache(db)
        self._seq = itertools.count(1)

    def village(self, township: str = "城关镇", village: str = "城关村") -> int:
        return self.areas.ensure([("county", "测试县"), ("township", township), ("village", village)])

    def household(self, township: str = "城关镇", village: str = "城关村", **cols) -> int:
        n = next(self._seq)
        row = {"hh_no": f"6207020000{n:04d}", "area_id": self.village(township, village),
               "hh_type": "脱贫户", "head_name": f"户主{n}"}
        row.update(cols)
        return self.db["households"].insert(row).last_pk

    def person(self, household_id: int | None = None, *, birth=dt.date(1985, 5, 1), male=True,
               labour_skill="普通劳动力", student_status="非在校生", **cols) -> int:
        n = next(self._seq)
        if household_id is None:
            household_id = self.household()
        row = {"household_id": household_id, "name": f"人{n}", "labour_skill": labour_skill,
               "student_status": student_status,
               "id_number": make_id("620702", birth, n, male), "gender": "男" if male else "女",
               "birth_date": birth.isoformat(), "phone": f"136{n:08d}"}
        row.update(cols)
        return self.db["persons"].insert(row).last_pk

    def spell(self, person_id: int, start: str, end: str | None = None, region: str = "省外",
              channel: str = "自主外出务工", **cols) -> int:
        row = {"person_id": person_id, "start_date": start, "end_date": end, "region": region,
               "channel": channel, "monthly_income": 4000}
        row.update(cols)
        return self.db["employment_spells"].insert(row).last_pk


@pytest.fixture
def factory(db):
    return Factory(db)


# PySide6 6.12 on Python 3.11 drops a reference to None on every void Qt call (measured:
# 1,000 drawRect calls, 999 references); a long test session would abort with
# "none_dealloc". See wengang/gui/printing/refcount.py; the application start needs it too.
from wengang.gui.printing.refcount import immortalise_none

immortalise_none()


@pytest.fixture(scope="session", autouse=True)
def _qt_torn_down_before_python():
    """Delete what the GUI tests left before the interpreter finalises.

    Otherwise Python's shutdown frees the last wrappers in no particular order, and Qt objects
    whose owners are already gone are deleted directly ("QObject: shared QObject was deleted
    directly"; once, in CI, an abort: "pure virtual method called")."""
    yield
    import gc
    import sys

    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    QThreadPool.globalInstance().waitForDone()
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
