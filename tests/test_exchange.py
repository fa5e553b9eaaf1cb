"""Township ⇄ county exchange: a county and three townships edit overlapping records and
exchange signed packages in different orders, and end identical; conflicts are recorded,
not lost; bad packages are refused and change nothing."""

from __future__ import annotations

import itertools

import pytest

from wengang.services import signing
from wengang.services.demo.builder import build_demo
from wengang.services.exchange import engine as ex
from wengang.services.exchange import package as pkgfile
from wengang.services.exchange.projection import Projection
from wengang.store import audit
from wengang.store.db import open_database
from wengang.store.undo import undo_batch

TOWNSHIPS = ("城关镇", "沙河镇", "新天镇")
_counter = itertools.count(1)


def slice_rows(db, township: str) -> dict:
    proj = Projection(db, township)
    return {t: sorted(proj.conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in proj.table_names()}


def send(src, dst, folder, township: str | None = None) -> ex.ImportResult:
    path = folder / f"pkg-{next(_counter)}.wgx"
    ex.export_changes(src, path, township=township)
    return ex.import_package(dst, path)


def fingerprint(db) -> tuple:
    """Everything a refused package must leave alone."""
    tables = ("persons", "households", "employment_spells", "surveys", "audit_log", "exchange_packages",
              "exchange_conflicts", "import_batches")
    return tuple(tuple(db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()) for t in tables)


@pytest.fixture
def islands(tmp_path):
    county = open_database(tmp_path / "county.db")
    build_demo(county, households=150)
    towns = {}
    for name in TOWNSHIPS:
        base = tmp_path / f"base-{name}.wgx"
        ex.export_base(county, name, base)
        towns[name] = open_database(tmp_path / f"{name}.db")
        result = ex.import_package(towns[name], base)
        assert result.started and result.applied > 0
    yield county, towns, tmp_path
    county.close()
    for db in towns.values():
        db.close()


def person_of(db, township: str, n: int = 0) -> str:
    """The guid of the n-th person of a township (same on every island)."""
    return db.execute("SELECT p.guid FROM persons p JOIN households h ON h.id = p.household_id "
                      "JOIN areas v ON v.id = h.area_id JOIN areas t ON t.id = v.parent_id "
                      "WHERE t.name = ? ORDER BY p.guid LIMIT 1 OFFSET ?", [township, n]).fetchone()[0]


def set_field(db, table: str, guid: str, column: str, value) -> None:
    with db.atomic():
        db.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE guid = ?', [value, guid])


def test_starting_package_makes_a_township_of_its_villages(islands):
    county, towns, _ = islands
    town = towns["城关镇"]
    assert ex.level(town) == "township" and ex.my_area(town) == "城关镇"
    assert slice_rows(town, "城关镇") == slice_rows(county, "城关镇")
    assert town.execute("SELECT count(*) FROM persons").fetchone()[0] == county.execute(
        "SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id JOIN areas v ON v.id = h.area_id "
        "JOIN areas t ON t.id = v.parent_id WHERE t.name = '城关镇'").fetchone()[0] > 0
    # no other township's households came along (its workshops and sites did: county-wide reference rows)
    assert town.execute("SELECT DISTINCT t.name FROM households h JOIN areas v ON v.id = h.area_id "
                        "JOIN areas t ON t.id = v.parent_id").fetchall() == [("城关镇",)]


def test_three_townships_and_county_converge_in_any_order(islands):
    county, towns, folder = islands
    a, b, c = (towns[n] for n in TOWNSHIPS)
    pa, pb, pc = (person_of(county, n) for n in TOWNSHIPS)
    # different fields of the same person on both sides: they merge
    set_field(a, "persons", pa, "phone", "13900000001")
    set_field(county, "persons", pa, "education", "高中")
    # the same field on both sides: a conflict, the county's value stands until decided
    set_field(b, "persons", pb, "phone", "13900000002")
    set_field(county, "persons", pb, "phone", "13700000002")
    # a township's new records
    pc_id = c.execute("SELECT id FROM persons WHERE guid = ?", [pc]).fetchone()[0]
    with c.atomic():
        c["surveys"].insert({"person_id": pc_id, "survey_date": "2026-03-05", "willing": 1, "planned_month": "2026-04"})
    # exchanges in different orders: county answers B before hearing from A, C sends twice
    send(county, b, folder, "沙河镇")
    r_b = send(b, county, folder)
    send(a, county, folder)
    send(c, county, folder)
    with c.atomic():
        c.execute("UPDATE surveys SET planned_month = '2026-05' WHERE person_id = ?", [pc_id])
    send(c, county, folder)
    for name in TOWNSHIPS:
        send(county, towns[name], folder, name)
    for name in TOWNSHIPS:  # a second round settles echoes
        send(towns[name], county, folder)
        send(county, towns[name], folder, name)
    for name in TOWNSHIPS:
        assert slice_rows(towns[name], name) == slice_rows(county, name), name
    assert county.execute("SELECT phone, education FROM persons WHERE guid = ?", [pa]).fetchone() == \
        ("13900000001", "高中")
    assert county.execute("SELECT planned_month FROM surveys s JOIN persons p ON p.id = s.person_id "
                          "WHERE p.guid = ?", [pc]).fetchone() == ("2026-05",)
    # the same-field clash was recorded, with both values, and the county's stands everywhere
    assert r_b.conflicts == 1  # met at the township (the county's answer came first), reported to the county
    assert not ex.conflicts(b)  # the township's list is empty: forwarded for review
    open_ = [x for x in ex.conflicts(county) if x.guid == pb and x.field == "phone"]
    assert len(open_) == 1 and open_[0].local == "13700000002" and open_[0].remote == "13900000002"
    assert b.execute("SELECT phone FROM persons WHERE guid = ?", [pb]).fetchone()[0] == "13700000002"
    # the county decides for the township's value; the decision travels back
    ex.decide(county, open_[0].id, "remote", "乡镇入户核实的号码")
    send(county, b, folder, "沙河镇")
    assert b.execute("SELECT phone FROM persons WHERE guid = ?", [pb]).fetchone()[0] == "13900000002"
    assert slice_rows(b, "沙河镇") == slice_rows(county, "沙河镇")
    reasons = [r[0] for r in county.execute("SELECT reason FROM audit_log WHERE guid = ?", [pb])]
    assert any("乡镇入户核实的号码" in (r or "") for r in reasons)


def test_delete_update_and_insert_clashes_are_recorded_not_lost(islands):
    county, towns, folder = islands
    town = towns["城关镇"]
    spell = county.execute("SELECT s.guid FROM employment_spells s JOIN persons p ON p.id = s.person_id "
                           "WHERE p.guid IN (SELECT guid FROM persons) ORDER BY s.guid").fetchall()
    spell = next(g for (g,) in spell if town.execute("SELECT 1 FROM employment_spells WHERE guid = ?", [g]).fetchone())
    with town.atomic():
        town.execute("DELETE FROM employment_spells WHERE guid = ?", [spell])
    set_field(county, "employment_spells", spell, "monthly_income", 4321.0)
    person = person_of(county, "城关镇", 1)
    for db in (town, county):  # the same survey typed on both sides
        pid = db.execute("SELECT id FROM persons WHERE guid = ?", [person]).fetchone()[0]
        with db.atomic():
            db["surveys"].insert({"person_id": pid, "survey_date": "2026-02-02", "willing": int(db is town)})
    result = send(town, county, folder)
    kinds = {(x.kind, x.table_name) for x in ex.conflicts(county)}
    assert ("delete", "employment_spells") in kinds and ("insert", "surveys") in kinds
    assert result.conflicts >= 2
    # nothing lost: the county's changed spell is still there, both surveys are on record
    assert county.execute("SELECT monthly_income FROM employment_spells WHERE guid = ?", [spell]).fetchone() == (4321.0,)
    clash = next(x for x in ex.conflicts(county) if x.kind == "insert")
    assert clash.remote["willing"] == 1
    # the county takes the township's survey: one row on both sides afterwards
    ex.decide(county, clash.id, "remote", "乡镇摸排为准")
    send(county, town, folder, "城关镇")
    send(town, county, folder)
    send(county, town, folder, "城关镇")
    assert slice_rows(town, "城关镇") == slice_rows(county, "城关镇")
    assert county.execute("SELECT willing FROM surveys s JOIN persons p ON p.id = s.person_id WHERE p.guid = ? "
                          "AND survey_date = '2026-02-02'", [person]).fetchall() == [(1,)]


def test_change_to_a_row_the_township_does_not_own_is_refused_and_listed(islands):
    county, towns, folder = islands
    town = towns["城关镇"]
    # a workshop of another township (or of the county): in every slice, owned by someone else
    guid = Projection(county, None).conn.execute(
        "SELECT guid FROM organisations WHERE owner <> '城关镇' ORDER BY guid LIMIT 1").fetchone()[0]
    org = county.execute("SELECT guid, contact FROM organisations WHERE guid = ?", [guid]).fetchone()
    set_field(town, "organisations", org[0], "contact", "冒名修改")
    result = send(town, county, folder)
    assert result.refused == 1
    refused = ex.conflicts(county, status="refused")
    assert [x.guid for x in refused] == [org[0]]
    assert county.execute("SELECT contact FROM organisations WHERE guid = ?", [org[0]]).fetchone()[0] == org[1]
    send(county, town, folder, "城关镇")  # the county's value travels back
    assert town.execute("SELECT contact FROM organisations WHERE guid = ?", [org[0]]).fetchone()[0] == org[1]


def test_bad_packages_are_refused_and_change_nothing(islands):
    county, towns, folder = islands
    town = towns["城关镇"]
    p = person_of(county, "城关镇")
    set_field(town, "persons", p, "phone", "13911111111")
    first = folder / "t1.wgx"
    ex.export_changes(town, first)
    set_field(town, "persons", p, "phone", "13922222222")
    second = folder / "t2.wgx"
    ex.export_changes(town, second)
    before = fingerprint(county)
    # out of order: the message names the missing package
    with pytest.raises(ex.ExchangeRefused, match="缺少“城关镇”的第1号"):
        ex.import_package(county, second)
    # tampered changeset, tampered header
    data = first.read_bytes()
    bad = folder / "bad.wgx"
    bad.write_bytes(data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:])
    with pytest.raises(ex.ExchangeRefused, match="被改动"):
        ex.import_package(county, bad)
    bad.write_bytes(data.replace(b'"seq": 1', b'"seq": 7'))
    with pytest.raises(ex.ExchangeRefused, match="签名校验失败"):
        ex.import_package(county, bad)
    # a newer program's package (properly signed) is refused before anything is applied
    package = pkgfile.parse(data)
    header = {k: v for k, v in package.header.items() if k not in ("sha256", "size")}
    header["schema"] = [*header["schema"], "0999_future"]
    bad.write_bytes(pkgfile.build(header, package.changeset, lambda b: signing.sign(town, b)))
    with pytest.raises(ex.ExchangeRefused, match="更新版本"):
        ex.import_package(county, bad)
    assert fingerprint(county) == before
    ex.import_package(county, first)
    ex.import_package(county, second)
    assert county.execute("SELECT phone FROM persons WHERE guid = ?", [p]).fetchone()[0] == "13922222222"
    after = fingerprint(county)
    with pytest.raises(ex.ExchangeRefused, match="导入过"):  # a replay changes nothing
        ex.import_package(county, second)
    assert fingerprint(county) == after


def test_applied_package_is_in_the_audit_trail_and_can_be_undone(islands):
    county, towns, folder = islands
    town = towns["新天镇"]
    p = person_of(county, "新天镇")
    old = county.execute("SELECT phone FROM persons WHERE guid = ?", [p]).fetchone()[0]
    set_field(town, "persons", p, "phone", "13933333333")
    result = send(town, county, folder)
    entries = audit.audit_entries(county, batch_id=result.batch_id)
    assert any(e.table_name == "persons" and ("联系电话" in {c[0] for c in e.changes} or "phone" in
                                              {c[0] for c in e.changes}) for e in entries)
    assert all("新天镇第1号交换包" in (e.reason or "") for e in entries)
    undo_batch(county, result.batch_id)
    assert county.execute("SELECT phone FROM persons WHERE guid = ?", [p]).fetchone()[0] == old


def test_status_lists_townships_and_overdue(islands):
    county, towns, folder = islands
    send(towns["城关镇"], county, folder)
    rows = {s.partner: s for s in ex.status(county)}
    assert rows["城关镇"].received_seq == 1 and not rows["城关镇"].overdue
    assert rows["沙河镇"].overdue and rows["沙河镇"].sent_seq == 1
    assert "平川镇" in rows and rows["平川镇"].sent_seq == 0


def test_conflicts_workbook_shows_both_values(islands, tmp_path):
    county, towns, folder = islands
    p = person_of(county, "沙河镇")
    set_field(towns["沙河镇"], "persons", p, "phone", "13944444444")
    set_field(county, "persons", p, "phone", "13755555555")
    send(towns["沙河镇"], county, folder)
    out = ex.write_conflicts_xlsx(county, tmp_path / "冲突.xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][7:9] == ("本机的值", "对方的值")
    assert rows[1][7:9] == ("13755555555", "13944444444") and rows[1][5] == audit.field_label("phone")


def test_encrypted_installations_exchange(tmp_path):
    from wengang.store import crypto

    if not crypto.available():
        pytest.skip("sqlcipher3 not installed")
    plain = open_database(tmp_path / "c.db")
    build_demo(plain, households=60)
    plain.close()
    crypto.encrypt_file(tmp_path / "c.db", "县里密码")
    county = open_database(tmp_path / "c.db", password="县里密码")
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    town_path = tmp_path / "t.db"
    open_database(town_path).close()
    crypto.encrypt_file(town_path, "乡镇密码")
    town = open_database(town_path, password="乡镇密码")
    ex.import_package(town, tmp_path / "base.wgx")
    p = person_of(county, "城关镇")
    set_field(town, "persons", p, "phone", "13966666666")
    send(town, county, tmp_path)
    assert county.execute("SELECT phone FROM persons WHERE guid = ?", [p]).fetchone()[0] == "13966666666"
    assert slice_rows(town, "城关镇") == slice_rows(county, "城关镇")
    image = county.execute("SELECT known_image FROM exchange_partners").fetchone()[0]
    assert image  # the partner's slice lives inside the encrypted file, never beside it
    assert not list(tmp_path.glob("*.exchange*"))
    county.close()
    town.close()


def test_cli_round_trip_and_exit_codes(tmp_path, capsys):
    from wengang.cli.main import main

    county = tmp_path / "county.db"
    db = open_database(county)
    build_demo(db, households=60)
    db.close()
    town = tmp_path / "town.db"
    assert main(["--db", str(county), "exchange", "base", "--township", "城关镇", "--out", str(tmp_path / "b.wgx")]) == 0
    assert main(["--db", str(town), "exchange", "import", str(tmp_path / "b.wgx")]) == 0
    assert "建立乡镇台账" in capsys.readouterr().out
    assert main(["--db", str(town), "exchange", "export", "--out", str(tmp_path / "t1.wgx")]) == 0
    assert main(["--db", str(county), "exchange", "import", str(tmp_path / "t1.wgx")]) == 0
    assert main(["--db", str(county), "exchange", "import", str(tmp_path / "t1.wgx")]) == 1
    assert "导入过" in capsys.readouterr().err
    assert main(["--db", str(county), "exchange", "status"]) == 0
    out = capsys.readouterr().out
    assert "城关镇" in out and "逾期" in out
    assert main(["--db", str(county), "exchange", "conflicts", "--out", str(tmp_path / "c.xlsx")]) == 0
    assert (tmp_path / "c.xlsx").exists()
    # package 2 lost on the way: the county refuses 3 naming 2; the township writes 2 again
    assert main(["--db", str(town), "exchange", "export", "--out", str(tmp_path / "t2.wgx")]) == 0
    (tmp_path / "t2.wgx").unlink()
    assert main(["--db", str(town), "exchange", "export", "--out", str(tmp_path / "t3.wgx")]) == 0
    capsys.readouterr()
    assert main(["--db", str(county), "exchange", "import", str(tmp_path / "t3.wgx")]) == 1
    assert "缺少“城关镇”的第2号包" in capsys.readouterr().err
    assert main(["--db", str(town), "exchange", "export", "--resend", "2", "--out", str(tmp_path / "t2.wgx")]) == 0
    assert main(["--db", str(county), "exchange", "import", str(tmp_path / "t2.wgx")]) == 0
    assert main(["--db", str(county), "exchange", "import", str(tmp_path / "t3.wgx")]) == 0
    db = open_database(county, lock=False)
    assert [s.received_seq for s in ex.status(db) if s.partner == "城关镇"] == [3]
    db.close()


def test_fresh_slice_brings_a_township_back_in_line(islands):
    county, towns, folder = islands
    town = towns["城关镇"]
    p = person_of(county, "城关镇")
    send(town, county, folder)
    set_field(county, "persons", p, "phone", "13788888888")  # the county's correction
    set_field(town, "persons", p, "phone", "13988888888")    # and the township's own, not yet sent
    with town.atomic():  # the township lost a household's records (a wrong delete)
        town.execute("DELETE FROM surveys")
    ex.export_base(county, "城关镇", folder / "fresh.wgx")
    result = ex.import_package(town, folder / "fresh.wgx")
    assert result.kind == "base" and not result.started
    assert slice_rows(town, "城关镇") == slice_rows(county, "城关镇")
    # the township's own value was not lost without a trace: recorded, and sent to the county for review
    send(town, county, folder)
    clash = [x for x in ex.conflicts(county) if x.guid == p and x.field == "phone"]
    assert [(x.local, x.remote) for x in clash] == [("13788888888", "13988888888")]


def test_township_that_typed_its_own_data_first_merges_without_clashes(tmp_path):
    """A township that imported the same national export on its own laptop (other guids), then
    starts exchanging: its rows are re-keyed once to the county's and merge field by field."""
    county = open_database(tmp_path / "county.db")
    build_demo(county, households=100)
    county.close()
    import shutil

    shutil.copy(tmp_path / "county.db", tmp_path / "town.db")
    county = open_database(tmp_path / "county.db")
    town = open_database(tmp_path / "town.db")
    with town.atomic():  # typed independently: every record has its own guid there
        for table in ("households", "persons", "employment_spells", "welfare_posts", "surveys", "services",
                      "subsidies", "spot_checks", "organisations", "relocation_sites", "targets"):
            town.execute(f"UPDATE {table} SET guid = lower(hex(randomblob(16)))")
    p = person_of(county, "城关镇")
    id_number = county.execute("SELECT id_number FROM persons WHERE guid = ?", [p]).fetchone()[0]
    with town.atomic():
        town.execute("UPDATE persons SET phone = '13977777777' WHERE id_number = ?", [id_number])
    from wengang.store.db import set_setting

    set_setting(town, "level", "township")
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    result = ex.import_package(town, tmp_path / "base.wgx")
    assert result.started
    found = ex.conflicts(town, status=None)
    assert not [x for x in found if x.kind == "insert"]  # no clashes: re-keyed
    assert [(x.field, x.local, x.remote) for x in found] == [("phone", "13977777777", county.execute(
        "SELECT phone FROM persons WHERE guid = ?", [p]).fetchone()[0])]
    assert town.execute("SELECT guid FROM persons WHERE id_number = ?", [id_number]).fetchone()[0] == p
    assert slice_rows(town, "城关镇") == slice_rows(county, "城关镇")
    send(town, county, tmp_path)  # the township's phone goes to the county for review
    assert [x.remote for x in ex.conflicts(county)] == ["13977777777"]
    county.close()
    town.close()


def _random_month(db, township: str, rnd) -> None:
    # ordered by guid, the one key every island shares: row ids differ between islands (a township
    # numbers its rows in the order the base package arrived), so ordering by id made the "same"
    # random pick a different person on each side, and whether both sides touched one field at all
    # depended on the run's guids
    people = [r[0] for r in db.execute(
        "SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id JOIN areas v ON v.id = h.area_id "
        "JOIN areas t ON t.id = v.parent_id WHERE t.name = ? ORDER BY p.guid", [township])]
    with db.atomic():
        for _ in range(6):
            k, pid = rnd.random(), rnd.choice(people)
            spell = db.execute("SELECT id FROM employment_spells WHERE person_id = ? ORDER BY guid LIMIT 1",
                               [pid]).fetchone()
            if k < 0.35:
                db.execute("UPDATE persons SET phone = ? WHERE id = ?", [f"139{rnd.randint(0, 99):08d}", pid])
            elif k < 0.55:
                db.execute("UPDATE persons SET education = ? WHERE id = ?", [rnd.choice(["小学", "初中", "高中"]), pid])
            elif k < 0.65 and spell:
                db.execute("DELETE FROM employment_spells WHERE id = ?", [spell[0]])
            elif k < 0.85 and spell:
                db.execute("UPDATE employment_spells SET monthly_income = ? WHERE id = ?", [rnd.randint(1000, 9000),
                                                                                            spell[0]])
            else:
                db.execute("INSERT OR IGNORE INTO services(person_id, service_date, kind) VALUES (?, ?, '职业指导')",
                           [pid, f"2026-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"])


def test_random_edits_on_every_side_in_random_orders_converge(islands):
    import random

    county, towns, folder = islands
    rnd = random.Random(7)
    for _month in range(3):
        for name in TOWNSHIPS:
            _random_month(towns[name], name, rnd)
            _random_month(county, name, rnd)
        moves = [(name, way) for name in TOWNSHIPS for way in ("up", "down", rnd.choice(("up", "down")))]
        rnd.shuffle(moves)
        for name, way in moves:
            if way == "up":
                send(towns[name], county, folder)
            else:
                send(county, towns[name], folder, name)
    for _ in range(2):  # the month's close: every township sends, the county answers
        for name in TOWNSHIPS:
            send(towns[name], county, folder)
            send(county, towns[name], folder, name)
    for name in TOWNSHIPS:
        assert slice_rows(towns[name], name) == slice_rows(county, name), name
    assert ex.conflicts(county)  # the same fields were changed on both sides, and that is on record


def test_a_township_set_up_first_takes_the_countys_codes_without_a_clash(tmp_path, capsys):
    """The usual start of a township laptop: ``wengang setup --level township`` (the county's
    area made there, without its code), then the county's starting package. The county's code
    fills the blank; nothing of the township's is overwritten, so nothing waits for review."""
    from wengang.cli.main import main

    county = open_database(tmp_path / "county.db")
    build_demo(county, households=60)
    code = county.execute("SELECT code FROM areas WHERE level = 'county'").fetchone()[0]
    assert code
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    county.close()
    town_path = str(tmp_path / "town.db")
    assert main(["--db", town_path, "setup", "--level", "township", "--province", "甘肃省",
                 "--county", "示范县"]) == 0
    assert main(["--db", town_path, "exchange", "import", str(tmp_path / "base.wgx")]) == 0
    town = open_database(town_path)
    assert ex.conflicts(town) == []
    assert town.execute("SELECT code FROM areas WHERE level = 'county'").fetchone()[0] == code
    town.close()
    capsys.readouterr()
