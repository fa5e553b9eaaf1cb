"""The demo county: deterministic, valid, complete, with statuses spread and dirt planted."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from wengang.cli.main import main as cli_main
from wengang.domain.ids import age_at, check_id
from wengang.domain.phones import phone_problem
from wengang.domain.pinyin import initials
from wengang.domain.status import AsOf
from wengang.services.demo import DemoError, build_demo
from wengang.store.areas import installation
from wengang.store.db import open_database
from wengang.store.status import materialize_status

AS_OF = dt.date(2026, 10, 31)
TABLES = ("areas", "relocation_sites", "organisations", "households", "persons", "employment_spells",
          "welfare_posts", "surveys", "services", "subsidies", "targets", "spot_checks")


@pytest.fixture(scope="module")
def county():
    db = open_database(":memory:")
    counts = build_demo(db, households=2000, seed=1, as_of=AS_OF)
    yield db, counts
    db.close()


def _ids(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT id_number FROM persons ORDER BY id")]


def test_same_seed_same_county_and_other_seed_differs(county):
    db, _ = county
    again = open_database(":memory:")
    build_demo(again, households=2000, seed=1, as_of=AS_OF)
    assert _ids(again) == _ids(db)
    spells = "SELECT person_id, start_date, end_date, region, channel, monthly_income FROM employment_spells ORDER BY id"
    assert again.execute(spells).fetchall() == db.execute(spells).fetchall()
    other = open_database(":memory:")
    build_demo(other, households=2000, seed=2, as_of=AS_OF)
    assert _ids(other) != _ids(db)


def test_installation_and_areas(county):
    db, counts = county
    place = installation(db)
    assert (place.province, place.city, place.county) == ("甘肃省", "张掖市", "示范县")
    assert place.unit_name == "示范县人力资源和社会保障局"
    assert counts["townships"] >= 10
    per_township = db.execute("SELECT t.name, count(v.id) FROM areas t JOIN areas v ON v.parent_id = t.id "
                              "WHERE t.level = 'township' GROUP BY t.id").fetchall()
    assert "城关镇" in dict(per_township)
    assert all(5 <= n <= 15 for _, n in per_township)


def test_every_table_has_rows(county):
    db, counts = county
    for table in TABLES:
        assert db[table].count > 0, table
    assert counts["households"] == 2000 == db["households"].count
    assert counts["persons"] == db["persons"].count


def test_ids_valid_and_match_gender_and_birth(county):
    db, _ = county
    rows = db.execute("SELECT id_number, gender, birth_date FROM persons").fetchall()
    for number, gender, birth in rows:
        check = check_id(number)
        assert check.ok, (number, check.error)
        assert check.gender == gender and check.birth_date.isoformat() == birth
        assert number.startswith("620722")


def test_families_are_plausible(county):
    db, _ = county
    gaps = db.execute(
        """SELECT p.relation, (julianday(p.birth_date) - julianday(h.birth_date)) / 365.25
           FROM persons p JOIN persons h ON h.household_id = p.household_id AND h.relation = '户主'
           WHERE p.relation IN ('之子', '之女', '之孙子', '之孙女', '之父', '之母')""").fetchall()
    for relation, years in gaps:
        if relation in ("之父", "之母"):
            assert years <= -18, relation
        else:
            assert years >= 18, relation
    sizes = [r[0] for r in db.execute("SELECT count(*) FROM persons GROUP BY household_id")]
    assert min(sizes) >= 1 and max(sizes) <= 7
    students = db.execute("SELECT birth_date FROM persons WHERE student_status = '小学'").fetchall()
    assert students and all(5 <= age_at(dt.date.fromisoformat(b), AS_OF) <= 12 for (b,) in students)
    names = db.execute("SELECT name, pinyin_initials FROM persons").fetchall()
    assert sum(initials(n) == p for n, p in names) >= 0.95 * len(names)


def test_household_types_and_relocation(county):
    db, _ = county
    types = dict(db.execute("SELECT hh_type, count(*) FROM households GROUP BY 1").fetchall())
    assert 0.80 <= types["脱贫户"] / 2000 <= 0.90 and types["监测户"] and types["同步搬迁户"]
    assert not db.execute("SELECT 1 FROM households WHERE hh_type = '监测户' AND monitor_category IS NULL").fetchone()
    assert not db.execute("SELECT 1 FROM households WHERE hh_type = '同步搬迁户' AND site_id IS NULL").fetchone()
    sites = db.execute("SELECT count(*), sum(over_800), count(DISTINCT site_type) FROM relocation_sites").fetchone()
    assert 4 <= sites[0] <= 8 and sites[1] >= 1 and sites[2] == 2
    kinds = {r[0] for r in db.execute("SELECT DISTINCT kind FROM organisations")}
    assert {"帮扶车间", "龙头企业", "就业帮扶基地", "人力资源服务机构"} <= kinds


def test_statuses_are_spread(county):
    db, _ = county
    table = materialize_status(db, AsOf(AS_OF))
    row = db.execute(f"""SELECT sum(is_labour), sum(employed_last_year AND NOT employed_this_year),
        sum(employed_this_year), sum(employed_now), sum(returned), sum(replaced),
        sum(returned AND NOT replaced) FROM {table}""").fetchone()
    labour, dropped, this_year, now, returned, replaced, stayed = row
    assert labour and 0.4 * labour < this_year < 0.85 * labour
    assert dropped > 20 and now > 0 and returned > replaced > 20 and stayed > 20
    regions = dict(db.execute(f"SELECT now_region, count(*) FROM {table} WHERE employed_now GROUP BY 1").fetchall())
    assert set(regions) == {"省外", "省内县外", "县内"}
    assert not db.execute("SELECT 1 FROM employment_spells WHERE start_date > ?", [AS_OF.isoformat()]).fetchone()
    posts = db.execute("SELECT count(*) FROM employment_spells WHERE channel = '公益性岗位'").fetchone()[0]
    assert posts == db["welfare_posts"].count
    spells_span = db.execute("SELECT min(start_date) <= '2024-01-01', max(coalesce(end_date, start_date)) "
                             "FROM employment_spells").fetchone()
    assert spells_span[0] == 1 and spells_span[1] >= "2026-09-01"


def test_targets_spread_around_actual(county):
    db, _ = county
    table = materialize_status(db, AsOf(AS_OF))
    rows = db.execute(f"""SELECT g.target, (SELECT count(*) FROM {table} s JOIN persons p ON p.id = s.person_id
            JOIN households h ON h.id = p.household_id JOIN areas v ON v.id = h.area_id
            WHERE v.parent_id = g.area_id AND s.employed_this_year)
        FROM targets g WHERE g.year = 2026""").fetchall()
    ratios = [actual / target for target, actual in rows]
    assert len(rows) >= 10 and min(ratios) < 1 < max(ratios)


def test_dirt_is_present(county):
    db, counts = county
    phones = [r[0] for r in db.execute("SELECT phone FROM persons WHERE phone IS NOT NULL AND phone_is_landline = 0")]
    bad = [p for p in phones if phone_problem(p)]
    assert 0.02 * len(phones) <= len(bad) <= 0.05 * len(phones)
    incomes = dict(db.execute("SELECT monthly_income, count(*) FROM employment_spells "
                              "WHERE monthly_income IN (0, 1) GROUP BY 1").fetchall())
    assert incomes.get(0.0) and incomes.get(1.0)
    assert db.execute("SELECT count(*) FROM employment_spells WHERE industry IS NULL").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM employment_spells WHERE employer_name IS NULL "
                      "AND channel NOT IN ('灵活就业')").fetchone()[0] > 0
    headless = db.execute("SELECT count(*) FROM households h WHERE NOT EXISTS (SELECT 1 FROM persons p "
                          "WHERE p.household_id = h.id AND p.relation = '户主')").fetchone()[0]
    assert headless == 1 == counts["dirt"]["无户主的户"]


def test_refuses_a_database_with_households_unless_replace(county):
    db = open_database(":memory:")
    build_demo(db, households=50, seed=3, as_of=AS_OF)
    with pytest.raises(DemoError, match="--replace"):
        build_demo(db, households=50, seed=3, as_of=AS_OF)
    first = _ids(db)
    counts = build_demo(db, households=50, seed=3, as_of=AS_OF, replace=True)
    assert db["households"].count == 50 == counts["households"]
    assert db.execute("SELECT count(*) FROM areas WHERE level = 'county'").fetchone()[0] == 1
    assert _ids(db) == first  # replaced by the same county, nothing left over
    build_demo(db, households=60, seed=3, as_of=AS_OF, replace=True)
    assert db["households"].count == 60


def test_refuses_existing_organisations_and_replace_clears_them():
    db = open_database(":memory:")
    db["organisations"].insert({"name": "城关镇服装加工帮扶车间", "kind": "帮扶车间"})
    with pytest.raises(DemoError, match="车间"):
        build_demo(db, households=30, as_of=AS_OF)
    build_demo(db, households=30, as_of=AS_OF, replace=True)
    assert db["households"].count == 30


def test_keeps_a_configured_installation(db):
    counts = build_demo(db, households=40, seed=1, as_of=AS_OF)
    assert installation(db).county == "测试县"
    local = db.execute("SELECT DISTINCT place_county FROM employment_spells WHERE region = '县内'").fetchall()
    assert local == [("测试县",)]
    assert counts["households"] == 40


def test_progress_is_reported():
    seen = []
    build_demo(open_database(":memory:"), households=30, as_of=AS_OF, progress=lambda *a: seen.append(a))
    assert seen[-1][0] == seen[-1][1] and all(isinstance(m, str) and m for _, _, m in seen)


def test_cli_builds_and_refuses(tmp_path, capsys):
    path = tmp_path / "demo.db"
    assert cli_main(["--db", str(path), "demo", "--households", "30", "--as-of", "2026-06-30"]) == 0
    out = capsys.readouterr().out
    assert "示范县已生成" in out and "2026-06-30" in out
    assert cli_main(["--db", str(path), "demo", "--households", "30"]) == 2
    assert "--replace" in capsys.readouterr().err
    assert cli_main(["--db", str(path), "demo", "--households", "30", "--replace"]) == 0


DATED = {"employment_spells": ("start_date", "end_date"), "surveys": ("survey_date",),
         "services": ("service_date",), "subsidies": ("paid_date",), "spot_checks": ("check_date",),
         "organisations": ("recognised_date", "closed_date"), "persons": ("birth_date", "verified_at")}


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2026, 1, 31), dt.date(2024, 2, 29)])
def test_nothing_is_dated_after_the_as_of_date(county, as_of):
    if as_of == AS_OF:
        db = county[0]
    else:
        db = open_database(":memory:")
        build_demo(db, households=60, seed=2, as_of=as_of)
    for table, columns in DATED.items():
        for column in columns:
            late = db.execute(f"SELECT count(*) FROM {table} WHERE {column} > ?", [as_of.isoformat()]).fetchone()[0]
            assert late == 0, (table, column)


def _bench_runner():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_bench_discovery_skips_broken_plugins(tmp_path, capsys):
    bench = _bench_runner()
    (tmp_path / "good.py").write_text("OPERATIONS = [('good.op', None, lambda ctx: 'ok')]\n", encoding="utf-8")
    (tmp_path / "first.py").write_text("ALWAYS = True\nOPERATIONS = [('first.build', None, print)]\n",
                                       encoding="utf-8")
    (tmp_path / "broken.py").write_text("import no_such_module_here\nOPERATIONS = []\n", encoding="utf-8")
    found = bench.discover(tmp_path)
    assert [m[0] for m in found] == ["first", "good"]
    assert "skipped: broken.py" in capsys.readouterr().err


def test_bench_run_prints_the_table(capsys):
    bench = _bench_runner()
    assert bench.main(["--households", "30", "--only", "status"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:5] == ["operation", "|", "scale", "|", "seconds"]
    assert "demo.build" in out and "status.materialize" in out and "quality.run" not in out


def test_every_kind_the_county_exports_imports_again_unchanged(tmp_path):
    """The county's own export of each kind, imported again, changes nothing: a caseworker who
    sends the ledger round (export, fix in Excel, import) finds only their own edits. The
    default demo's subsidies file was refused (two 公益性岗位补贴 to one person on one day:
    the importer's key), and 12 spells changed (a blank county stored as "" by the demo, NULL
    by the importer)."""
    from wengang.services.importing import KINDS, export_kind, import_file

    db = open_database(tmp_path / "demo.db")
    build_demo(db, households=2000, seed=1, as_of=dt.date(2026, 11, 30))
    for kind in KINDS:
        rows = export_kind(db, kind, tmp_path / f"{kind}.xlsx")
        result = import_file(db, kind, tmp_path / f"{kind}.xlsx", errors_path=tmp_path / f"{kind}-errors.xlsx")
        assert (kind, result.ok, result.added, result.changed, result.unchanged) == (kind, True, 0, 0, rows), \
            [(e.row, e.field, e.message) for e in result.errors[:3]]
    db.close()
