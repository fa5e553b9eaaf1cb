"""The exchange reports its steps to the window's progress dialog, and a stop asked for at any
step (取消) leaves the database exactly as it was: one transaction per package."""

from __future__ import annotations

import pytest

from wengang.services.demo.builder import build_demo
from wengang.services.exchange import engine as ex
from wengang.store.db import open_database


class Stop(Exception):
    pass


def fingerprint(db) -> tuple:
    tables = ("persons", "households", "employment_spells", "audit_log", "exchange_packages", "exchange_partners",
              "exchange_conflicts", "import_batches")
    # A sender's key, once its signature checked out, stays pinned (trust on first use), as it
    # does for a package refused for its number: everything else is as it was.
    settings = db.execute("SELECT * FROM settings WHERE key NOT LIKE 'trusted_key:%' ORDER BY rowid").fetchall()
    return (*(tuple(db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()) for t in tables), tuple(settings))


@pytest.fixture
def county_and_month(tmp_path):
    county = open_database(tmp_path / "county.db")
    build_demo(county, households=40)
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    town = open_database(tmp_path / "town.db")
    ex.import_package(town, tmp_path / "base.wgx")
    with town.atomic():
        town.execute("UPDATE persons SET phone = '13900001111' WHERE id = (SELECT min(id) FROM persons)")
    ex.export_changes(town, tmp_path / "month.wgx")
    yield county, town, tmp_path
    county.close()
    town.close()


def stop_at(last: int, seen: list):
    def progress(step: int, steps: int, words: str) -> None:
        seen.append((step, steps, words))
        if step == last:
            raise Stop
    return progress


@pytest.mark.parametrize("last", range(ex.IMPORT_STEPS))
def test_an_import_stopped_at_any_step_changes_nothing(county_and_month, last):
    county, _town, folder = county_and_month
    before, seen = fingerprint(county), []
    with pytest.raises(Stop):
        ex.import_package(county, folder / "month.wgx", stop_at(last, seen))
    assert fingerprint(county) == before
    assert [s[0] for s in seen] == list(range(last + 1)) and all(s[1] == ex.IMPORT_STEPS for s in seen)
    result = ex.import_package(county, folder / "month.wgx")  # and it can be imported afterwards
    assert (result.seq, result.applied) == (1, 1)


def test_a_township_started_by_a_stopped_base_package_stays_empty(tmp_path):
    county = open_database(tmp_path / "county.db")
    build_demo(county, households=30)
    ex.export_base(county, "沙河镇", tmp_path / "base.wgx")
    town = open_database(tmp_path / "town.db")
    before = fingerprint(town)
    with pytest.raises(Stop):
        ex.import_package(town, tmp_path / "base.wgx", stop_at(ex.IMPORT_STEPS - 1, []))
    assert fingerprint(town) == before and ex.level(town) == "county"  # not made a township
    county.close()
    town.close()


def test_an_export_reports_its_steps_and_a_stop_writes_no_file(county_and_month):
    county, _town, folder = county_and_month
    before, seen = fingerprint(county), []
    out = folder / "answer.wgx"
    with pytest.raises(Stop):
        ex.export_changes(county, out, township="城关镇", progress=stop_at(ex.EXPORT_STEPS - 1, seen))
    assert not out.exists() and fingerprint(county) == before  # the package number is not used up
    assert [s[0] for s in seen] == list(range(ex.EXPORT_STEPS)) and "城关镇" in seen[0][2]
    seen.clear()
    result = ex.export_changes(county, out, township="城关镇", progress=lambda *s: seen.append(s))
    assert result.seq == 2 and out.is_file() and len(seen) == ex.EXPORT_STEPS
