"""Households filed under a 组 (a group below a village): the ledger export names their county,
township and village, imports back unchanged and leaves them on their 组."""

from __future__ import annotations

from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx

from wengang.services.importing import check_consistency, export_kind, import_file, read_table
from wengang.services.importing.export import area_names, export_rows, export_tuples

AREA_HEADERS = ("县（市、区）", "乡镇（街道）", "行政村（社区）", "户编号")


def _move_to_a_group(db, hh_no: str, name: str = "三组") -> int:
    hh_id, village_id = db.execute("SELECT id, area_id FROM households WHERE hh_no = ?", [hh_no]).fetchone()
    group_id = db.execute("INSERT INTO areas(name, level, parent_id) VALUES (?, 'group', ?)",
                          [name, village_id]).lastrowid
    db.execute("UPDATE households SET area_id = ? WHERE id = ?", [group_id, hh_id])
    return group_id


def _area_columns(path) -> set[tuple[str, ...]]:
    table = read_table(path)
    cols = [table.headers.index(h) for h in AREA_HEADERS]
    return {tuple(row[c] for c in cols) for row in table.rows}


def test_a_household_on_a_group_exports_its_county_township_and_village(db, tmp_path):
    roster = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))
    assert import_file(db, "persons", roster).ok
    group_id = _move_to_a_group(db, "62070200000001")
    out = tmp_path / "导出.xlsx"
    assert export_kind(db, "persons", out) == 6
    # Before: 县 = 城关镇, 乡镇 = 城关镇1村, 行政村 = 三组 (the path was read one level too low).
    assert _area_columns(out) == {("测试县", "城关镇", "城关镇1村", "62070200000001"),
                                  ("测试县", "城关镇", "城关镇2村", "62070200000002")}
    assert area_names(db)[group_id] == ("测试县", "城关镇", "城关镇1村")
    # The export is what the database holds: the 三一致 check finds nothing, a re-import
    # changes nothing and the household keeps its 组.
    assert check_consistency(db, out).consistent
    again = import_file(db, "persons", out)
    assert again.ok and (again.added, again.changed, again.unchanged) == (0, 0, 6)
    assert db.execute("SELECT area_id FROM households WHERE hh_no = '62070200000001'").fetchone()[0] == group_id


def test_a_roster_naming_another_village_moves_a_household_off_its_group(db, tmp_path):
    rows = person_rows(6)
    assert import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, rows)).ok
    _move_to_a_group(db, "62070200000001")
    for row in rows[:3]:
        row[2] = "城关镇3村"
    assert import_file(db, "persons", write_xlsx(tmp_path / "b.xlsx", PERSON_HEADERS, rows)).ok
    area = db.execute("SELECT a.name, a.level FROM households h JOIN areas a ON a.id = h.area_id "
                      "WHERE h.hh_no = '62070200000001'").fetchone()
    assert tuple(area) == ("城关镇3村", "village")


def test_organisations_keep_their_paths_at_every_level(db, tmp_path):
    roster = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(3))
    assert import_file(db, "persons", roster).ok
    ids = {level: db.execute("SELECT id FROM areas WHERE level = ?", [level]).fetchone()[0]
           for level in ("county", "township", "village")}
    for n, (level, area_id) in enumerate(ids.items()):
        db.execute("INSERT INTO organisations(name, kind, area_id) VALUES (?, '帮扶车间', ?)", [f"车间{n}", area_id])
    _, rows = export_rows(db, "orgs")
    paths = {r["name"]: (r["county"], r["township"], r["village"]) for r in rows}
    assert paths == {"车间0": ("测试县", None, None), "车间1": ("测试县", "城关镇", None),
                     "车间2": ("测试县", "城关镇", "城关镇1村")}
    for kind in ("orgs", "persons"):  # the consistency check's tuples hold the same, in the keys' order
        keys, dicts = export_rows(db, kind)
        tuple_keys, tuples = export_tuples(db, kind)
        assert tuple_keys == keys and [dict(zip(keys, row)) for row in tuples] == dicts


def test_a_household_on_a_group_is_shown_in_its_village_and_township(db, tmp_path):
    """The person card's 所在地 and the person lists (form cells, 1-3-1 gaps, 应享未享) name the
    village above the 组 and the township above that, not the village as 乡镇."""
    from openpyxl import load_workbook

    from wengang.services.person_list import write_person_list
    from wengang.services.read.person_card import person_card

    roster = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))
    assert import_file(db, "persons", roster).ok
    _move_to_a_group(db, "62070200000001")
    pid = db.execute("SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id "
                     "WHERE h.hh_no = '62070200000001' ORDER BY p.id LIMIT 1").fetchone()[0]
    assert person_card(db, pid)["place"] == "城关镇城关镇1村"
    out, written = write_person_list(db, [pid], tmp_path / "名单.xlsx", title="名单")
    assert written == 1
    book = load_workbook(out, read_only=True)
    # a streamed sheet has no <dimension>: read-only rows are as long as their cells (the title's one)
    rows = [r for r in book.active.iter_rows(values_only=True) if len(r) > 3 and r[3] == "62070200000001"]
    book.close()
    assert [(r[1], r[2]) for r in rows] == [("城关镇", "城关镇1村")]


def test_a_household_on_a_group_has_its_findings_filed_under_its_village(db, tmp_path):
    """数据质量: a finding of a 组-level household names the village above the 组 as 村."""
    import datetime as dt

    from wengang.services.rules.quality import findings, run_quality

    roster = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))
    assert import_file(db, "persons", roster).ok
    _move_to_a_group(db, "62070200000001")
    with db.atomic():
        db.execute("UPDATE persons SET phone = '123' WHERE household_id = "
                   "(SELECT id FROM households WHERE hh_no = '62070200000001')")
    run_quality(db, dt.date(2026, 11, 30))
    found = [f for f in findings(db, "phone_invalid") if f["hh_no"] == "62070200000001"]
    assert found and {(f["township"], f["village"]) for f in found} == {("城关镇", "城关镇1村")}
