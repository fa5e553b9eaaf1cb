"""City consolidation: one county installation per published row, built from person-level
files through the importer; each county submits a signed package; the city receives them all
and its F1 (seed 000 附表二, 黑河市), F5 (seed 002, 张掖市) and F9 (seed 004 附件, 黄石市) print
every published number, the ranking and the 合计."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal

import pytest
from seeds import seed000, seed002, seed004
from seeds.builder import SeedCounty, Spell

from wengang.cli.main import main
from wengang.services.city.consolidate import NOT_SUBMITTED, consolidate
from wengang.services.city.receipt import ReceiptError, receive_file
from wengang.services.city.submission import write_submission
from wengang.store.areas import set_installation
from wengang.store.city import add_counties, set_installation_level, stored_submissions
from wengang.store.db import get_setting, open_database, set_setting


def _published(values):
    return [Decimal(v) if isinstance(v, str) else v for v in values]


def _county_db(province, city, name, build, folder):
    db = open_database(":memory:")
    set_installation(db, province, city, name)
    county = build()
    county.load_into(db, folder)
    return db


def _city_db(province, city, names):
    db = open_database(":memory:")
    with db.atomic():
        set_installation_level(db, "city")
        set_setting(db, "province", province)
        set_setting(db, "city", city)
        set_setting(db, "unit_name", f"{city}乡村振兴局")
    add_counties(db, names)
    return db


KEYS: dict[str, list] = {}  # each county installation's signing key, to submit again "from the same county"
SIGNING_KEYS = ("signing_private_key", "signing_public_key")


def _submit_all(tmp, province, city, builders, as_of, forms, period_from=None):
    """{county: package path}: each county built, imported and submitted."""
    packages = {}
    for name, build in builders.items():
        folder = tmp / name
        folder.mkdir()
        db = _county_db(province, city, name, build, folder)
        path, _ = write_submission(db, as_of, folder / f"{name}.wgsb", forms=forms, period_from=period_from)
        packages[name] = path
        KEYS[name] = [get_setting(db, key) for key in SIGNING_KEYS]
        db.close()
    return packages


# --- seed 000: 黑河市, seven counties (and 向阳区 with no 2020 employment) -------------------------
def _seed000_county(name):
    def build():
        county = SeedCounty(name, "231102")
        if name == seed000.DROPPED:
            hh = county.household("城关镇")
            county.person(hh)
            county.person(hh, spells=[Spell("2019-03-01", "2019-10-31", "省外")])
        else:
            row = next(r for r in seed000.ROWS if r[1] == name)
            seed000._people_for_row(county, "城关镇", row)  # noqa: SLF001 - the seed's own layout
        return county
    return build


@pytest.fixture(scope="module")
def heihe(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("heihe")
    builders = {name: _seed000_county(name) for name in seed000.CREATE_ORDER}
    packages = _submit_all(tmp, "黑龙江省", "黑河市", builders, seed000.AS_OF, "F1,F2,F5")
    city = _city_db("黑龙江省", "黑河市", seed000.CREATE_ORDER)
    for path in packages.values():
        receive_file(city, path)
    yield city, packages, tmp
    city.close()


def test_heihe_f1_by_county_is_seed_000_table(heihe):
    city, _, _ = heihe
    result = consolidate(city, "F1", seed000.AS_OF, by="county")
    rows = [r for r in result.rows if r.kind == "area"]
    assert [r.label for r in rows] == [r[1] for r in seed000.ROWS]          # ranked by ratio
    assert [r.number for r in rows] == list(range(1, 8))
    for row, published in zip(rows, seed000.ROWS):
        assert [row.values[k] for k in seed000.COLUMNS] == _published(published[2:]), row.label
    total = result.rows[0]
    assert total.kind == "total" and total.label == "合计"
    # 附表一's 黑河市 row: the 合计 of the seven, its ratio recomputed from the summed counts
    assert [total.values[k] for k in seed000.COLUMNS] == _published(seed000.TOTAL)
    assert result.notes[0] == "注：本表中共统计 7 个县（市、区），向阳区等 1 个县（市、区） 2020 年无就业数据。"
    assert result.title == "黑河市脱贫人口和监测对象就业统计表"
    assert result.columns[0].label == "县（市、区）"


def test_heihe_ratio_is_recomputed_not_averaged(heihe):
    city, _, _ = heihe
    total = consolidate(city, "F1", seed000.AS_OF).total()
    mean = sum(Decimal(r[4]) for r in seed000.ROWS) / 7
    assert total.values["ratio"] == Decimal("94.33") and round(mean, 2) != Decimal("94.33")


def test_county_that_has_not_submitted_is_shown_not_zero(heihe):
    city, _, _ = heihe
    add_counties(city, ["新增县"])
    try:
        result = consolidate(city, "F1", seed000.AS_OF)
        row = result.row("新增县")
        assert row.values["ly"] == NOT_SUBMITTED and row.number is None
        assert result.rows[-1] is row
        assert "新增县1个县（市、区）未报送" in " ".join(result.notes)
        assert result.total().values["ly"] == 6229
    finally:
        city.execute("DELETE FROM city_counties WHERE name = '新增县'")


def test_package_has_aggregates_only(heihe):
    _, packages, _ = heihe
    envelope = json.loads(packages["北安市"].read_text(encoding="utf-8"))
    text = envelope["payload"]
    payload = json.loads(text)
    assert payload["county"]["county"] == "北安市" and payload["schema"]
    assert {f["number"] for f in payload["forms"]} == {"F1", "F2", "F5"}
    f1 = next(f for f in payload["forms"] if f["number"] == "F1")
    assert f1["as_of"] == seed000.AS_OF and f1["period_from"] and f1["ref_date"]
    # the counts behind the ratio travel with it
    total = next(r for r in f1["result"]["rows"] if r["kind"] == "total")
    assert (total["values"]["ly"], total["values"]["ty"]) == (1612, 1699)
    assert not re.search(r"\d{17}[\dX]", text)          # no ID number
    assert not re.search(r"1[3-9]\d{9}", text)            # no phone
    assert '"人1' not in text and "户编号" not in text     # no person's name (the builder's 人N)


def test_a_later_submission_replaces_and_shows_the_difference(heihe, tmp_path):
    city, packages, _ = heihe
    # the county of 逊克县 finds one more 2021 worker and submits again
    def build():
        county = _seed000_county("逊克县")()
        county.person(county.household("城关镇"), spells=[Spell("2021-02-01", None, "县内")])
        return county
    db = _county_db("黑龙江省", "黑河市", "逊克县", build, tmp_path)
    for key, value in zip(SIGNING_KEYS, KEYS["逊克县"]):  # the same installation as before
        set_setting(db, key, value)
    path, _ = write_submission(db, seed000.AS_OF, tmp_path / "again.wgsb", forms="F1")
    receipt = receive_file(city, path)
    form = receipt.forms[0]
    assert form.action == "replaced"
    changed = {(c.row, c.column): (c.before, c.after) for c in form.changes}
    assert changed[("合计", "2021年目前就业人数")] == (306, 307)
    assert consolidate(city, "F1", seed000.AS_OF).row("逊克县").values["ty"] == 307
    assert len([s for s in stored_submissions(city, "employment") if s.county == "逊克县"]) == 1
    receive_file(city, packages["逊克县"])  # put the original back for the other tests
    assert consolidate(city, "F1", seed000.AS_OF).row("逊克县").values["ty"] == 306
