"""A county that received its townships' packages prints the same F1–F9 and lists as one
database where the same work was done directly; and SIGKILL during an apply leaves the
county's database as it was."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys

import pytest

from wengang.services.demo.builder import build_demo, default_as_of
from wengang.services.exchange import engine as ex
from wengang.services.ledgers import ledger_query, list_ledgers
from wengang.services.reports import compute_form, list_forms
from wengang.store.db import open_database

TOWNSHIPS = ("城关镇", "沙河镇", "新天镇")


def _persons(db, township: str, n: int) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT p.guid FROM persons p JOIN households h ON h.id = p.household_id JOIN areas v ON v.id = h.area_id "
        "JOIN areas t ON t.id = v.parent_id WHERE t.name = ? AND p.labour_skill IN ('技能劳动力', '普通劳动力') "
        "ORDER BY p.guid LIMIT ?", [township, n])]


def caseworker_month(db, township: str, k: int) -> None:
    """A month of a township's work, keyed by guid, so it can be done on any copy."""
    people = _persons(db, township, 12)
    pid = {g: db.execute("SELECT id FROM persons WHERE guid = ?", [g]).fetchone()[0] for g in people}
    with db.atomic():
        for i, guid in enumerate(people[:4]):  # went out to work
            db["employment_spells"].insert({
                "guid": f"spell-{township}-{k}-{i}", "person_id": pid[guid], "start_date": f"2026-0{2 + i + k}-01",
                "region": "省外", "channel": "有组织劳务输出", "place_province": "浙江省", "place_city": "宁波市",
                "place_county": "鄞州区", "employer_name": "宁波某电子厂", "industry": "制造业", "monthly_income": 5200})
        for i, guid in enumerate(people[4:8]):  # intention surveys
            db["surveys"].insert({"guid": f"survey-{township}-{k}-{i}", "person_id": pid[guid],
                                  "survey_date": f"2026-0{4 + k}-10", "willing": i % 2, "planned_month": "2026-07"})
        for i, guid in enumerate(people[8:12]):  # 1-3-1 services
            db["services"].insert({"guid": f"service-{township}-{k}-{i}", "person_id": pid[guid],
                                   "service_date": f"2026-0{5 + k}-15", "kind": "职业指导"})
        open_spell = db.execute(
            "SELECT s.guid FROM employment_spells s JOIN persons p ON p.id = s.person_id WHERE s.end_date IS NULL "
            "AND s.region = '省外' AND s.start_date < '2026-08-01' AND p.guid IN (" + ",".join("?" * len(people)) + ") ORDER BY s.guid LIMIT 1",
            people).fetchone()
        if open_spell:  # came back
            db.execute("UPDATE employment_spells SET end_date = '2026-08-31', return_reason = '季节性返乡' "
                       "WHERE guid = ?", [open_spell[0]])


def form_rows(db) -> dict:
    as_of = default_as_of()
    out = {}
    for form in list_forms():
        result = compute_form(db, form.id, as_of)
        out[form.id] = [(r.label, sorted(r.values.items(), key=repr)) for r in result.rows]
    for ledger in list_ledgers():
        query = ledger_query(db, ledger.id, as_of)
        out[ledger.id] = sorted(map(repr, query.rows(0, None)))
    return out


def test_forms_after_exchange_equal_forms_of_direct_work(tmp_path):
    county = open_database(tmp_path / "county.db")
    build_demo(county, households=300)
    county.close()
    shutil.copy(tmp_path / "county.db", tmp_path / "direct.db")
    county = open_database(tmp_path / "county.db")
    direct = open_database(tmp_path / "direct.db")
    towns = {}
    for name in TOWNSHIPS:
        ex.export_base(county, name, tmp_path / f"base-{name}.wgx")
        towns[name] = open_database(tmp_path / f"{name}.db")
        ex.import_package(towns[name], tmp_path / f"base-{name}.wgx")
    before = form_rows(county)
    for month in (1, 2):
        for name in TOWNSHIPS:
            caseworker_month(towns[name], name, month)
            caseworker_month(direct, name, month)
        for name in reversed(TOWNSHIPS):
            out = tmp_path / f"{name}-{month}.wgx"
            ex.export_changes(towns[name], out)
            result = ex.import_package(county, out)
            assert result.conflicts == 0 and result.refused == 0
    after = form_rows(county)
    assert after != before  # the months' work shows in the forms
    assert after == form_rows(direct)
    for db in (county, direct, *towns.values()):
        db.close()


KILL_CHILD = """
import sys, time
from wengang.store.db import open_database
from wengang.services.exchange import engine
db = open_database(sys.argv[1])
real = engine._Writer._run
done = []
def slow(self, *args):
    real(self, *args)
    done.append(1)
    if len(done) == 10:
        print("HALF", flush=True)
        time.sleep(60)
engine._Writer._run = slow
engine.import_package(db, sys.argv[2])
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_apply_leaves_the_database_as_before(tmp_path):
    county = open_database(tmp_path / "county.db")
    build_demo(county, households=150)
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    town = open_database(tmp_path / "town.db")
    ex.import_package(town, tmp_path / "base.wgx")
    caseworker_month(town, "城关镇", 1)
    with town.atomic():
        town.execute("UPDATE persons SET phone = '13912345678'")
    ex.export_changes(town, tmp_path / "t1.wgx")
    town.close()
    tables = ("persons", "employment_spells", "surveys", "services", "audit_log", "exchange_partners",
              "exchange_packages", "import_batches")
    snapshot = [county.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables]
    county.close()
    proc = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(tmp_path / "county.db"), str(tmp_path / "t1.wgx")],
                            stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == "HALF":
                break
        else:
            pytest.fail(f"child ended without reaching HALF: rc={proc.wait()}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    county = open_database(tmp_path / "county.db")
    assert county.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [county.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables] == snapshot
    result = ex.import_package(county, tmp_path / "t1.wgx")  # and the same package, not interrupted, applies
    assert result.applied > 20
    assert county.execute("SELECT count(*) FROM persons WHERE phone = '13912345678'").fetchone()[0] > 0
    county.close()
