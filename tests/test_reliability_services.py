"""Submitted-report archive, audit export to Excel, and the reliability CLI commands."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from wengang.cli.main import main
from wengang.domain.ids import make_id
from wengang.services import registry
from wengang.services.archive import archive_report, archived, archived_file, diff_since_submitted, load_archived
from wengang.services.audit_export import export_audit
from wengang.services.privacy import set_mask_preference
from wengang.services.reports.model import Column, FormResult, HeaderNode, Row
from wengang.store import crypto
from wengang.store.audit import audit_batch, audit_reason, locked_periods, person_history
from wengang.store.backup import list_backups
from wengang.store.db import open_database


def _form() -> FormResult:
    return FormResult(
        form_id="F1", title="务工就业情况统计表",
        header=[HeaderNode("地区", "area"), HeaderNode("务工人数", children=[
            HeaderNode("合计", "total"), HeaderNode("省外", "out")]), HeaderNode("占比", "share")],
        columns=[Column("area", "地区", "area"), Column("total", "合计"), Column("out", "省外"),
                 Column("share", "占比", "percent", 2)],
        rows=[Row("合计", {"area": "合计", "total": 10, "out": 4, "share": Decimal("40.00")}, "total"),
              Row("城关镇", {"area": "城关镇", "total": 10, "out": 4, "share": Decimal("40.00")}, area_id=2,
                  level=1)],
        as_of=dt.date(2026, 3, 31), unit_name="测试县人社局", params={"by": "township"})


def test_archive_keeps_numbers_and_file_and_shows_what_changed(db, tmp_path):
    form = _form()
    exported = tmp_path / "F1-2026年3月.xlsx"
    exported.write_bytes(b"xlsx bytes as exported")
    archive_id = archive_report(db, form, exported, lock=True)
    [entry] = archived(db, "F1", "2026-03-31")
    assert entry.id == archive_id and entry.locked and entry.file_name == exported.name
    assert load_archived(db, archive_id) == form  # Decimal, dates and the header tree survive
    (tmp_path / "out").mkdir()
    again = archived_file(db, archive_id, tmp_path / "out")
    assert again.read_bytes() == exported.read_bytes()
    assert locked_periods(db) == ["2026-03"]
    current = copy.deepcopy(form)
    assert diff_since_submitted(db, archive_id, current) == []
    current.rows[1].values["out"] = 5
    current.rows[1].values["share"] = Decimal("40.0")  # same number, different scale: unchanged
    [change] = diff_since_submitted(db, archive_id, current)
    assert (change.row, change.column, change.submitted, change.now) == ("城关镇", "省外", 4, 5)


def test_audit_export_shows_old_and_new_and_masks_ids(db, factory, tmp_path):
    pid = factory.person(name="张三")
    row = db["persons"].get(pid)
    fields = {k: row[k] for k in ("household_id", "name", "id_number", "labour_skill", "student_status", "phone")}
    with audit_reason(db, "户籍核对"):
        registry.save_person(db, {**fields, "name": "张叁"}, pid)
    out = tmp_path / "修改记录.xlsx"
    assert export_audit(db, out, person_id=pid) == 2
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]][:8] == ["时间", "操作人", "类别", "记录", "操作", "字段", "原值", "新值"]
    lines = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    edit = next(line for line in lines if line[4] == "修改")
    assert edit[5:9] == ["姓名", "张三", "张叁", "户籍核对"]
    insert = next(line for line in lines if line[4] == "新增")
    assert row["id_number"] not in insert[7] and row["id_number"][:6] in insert[7]
    set_mask_preference(db, "audit", False)
    export_audit(db, out, person_id=pid)
    assert any(row["id_number"] in str(c.value) for r in load_workbook(out).active.iter_rows() for c in r)


def test_import_audit_shows_old_and_new_values(db, factory, tmp_path):
    from openpyxl import Workbook

    from wengang.services import importing

    pid = factory.person(name="李四")
    person = db["persons"].get(pid)
    hh = db["households"].get(person["household_id"])
    wb = Workbook()
    ws = wb.active
    ws.append(["乡镇（街道）", "行政村（社区）", "户编号", "户类型", "姓名", "证件号码", "与户主关系",
               "劳动技能", "在校生状况", "联系电话"])
    ws.append(["城关镇", "城关村", hh["hh_no"], "脱贫户", "李四", person["id_number"], "户主", "普通劳动力",
               "非在校生", "13912345678"])
    wb.save(tmp_path / "更新.xlsx")
    result = importing.import_file(db, None, tmp_path / "更新.xlsx")
    assert result.ok, result.errors
    entries = [e for e in person_history(db, pid) if e.batch_id == result.batch_id]
    phone = [c for e in entries for c in e.changes if c[0] == "联系电话"]
    assert phone == [("联系电话", person["phone"], "13912345678")]


# --- CLI -------------------------------------------------------------------------------------
def _make(path, n=2):
    from conftest import Factory

    db = open_database(path)
    f = Factory(db)
    ids = [f.person(name=f"人员{i}") for i in range(n)]
    db.close()
    return ids


def test_cli_backup_restore_audit_archive(tmp_path, capsys):
    path = tmp_path / "county.db"
    _make(path)
    assert main(["--db", str(path), "backup"]) == 0
    assert "已备份到" in capsys.readouterr().out
    assert any("手动" in p.name for p in list_backups(path))
    out = tmp_path / "copy.db"
    assert main(["--db", str(path), "backup", "--out", str(out)]) == 0
    db = open_database(path)
    db.execute("DELETE FROM employment_spells")
    db.execute("UPDATE persons SET name = '改名' WHERE id = 1")
    db.close()
    assert main(["--db", str(path), "audit", "--out", str(tmp_path / "a.xlsx")]) == 0
    assert "修改记录" in capsys.readouterr().out
    assert main(["--db", str(path), "audit", "--person", "1"]) == 0
    assert "改名" in capsys.readouterr().out
    assert main(["--db", str(path), "restore", str(tmp_path / "nope.db")]) == 2
    assert "不能用于恢复" in capsys.readouterr().err
    assert main(["--db", str(path), "restore", str(out)]) == 0
    db = open_database(path)
    assert db["persons"].get(1)["name"] == "人员0"
    db.close()
    assert main(["--db", str(path), "archive", "--lock", "2026-03"]) == 0
    assert "2026-03" in capsys.readouterr().out


def test_cli_undo_batch_and_trash(tmp_path, capsys):
    path = tmp_path / "county.db"
    ids = _make(path, 1)
    db = open_database(path)
    batch = db.execute("INSERT INTO import_batches(kind) VALUES ('persons')").lastrowid
    from conftest import Factory

    with db.atomic(), audit_batch(db, batch):
        Factory(db).person(1, name="导入的人", id_number=make_id("620702", dt.date(1990, 1, 1), 77, True))
    registry.delete_person(db, ids[0])
    db.close()
    assert main(["--db", str(path), "audit", "--undo-batch", str(batch)]) == 0
    assert main(["--db", str(path), "audit", "--trash"]) == 0
    listing = capsys.readouterr().out
    assert "已撤销导入批次" in listing and "人员0" in listing
    assert main(["--db", str(path), "audit", "--restore-deleted", "1"]) == 0
    db = open_database(path)
    assert [r["name"] for r in db.query("SELECT name FROM persons")] == ["人员0"]
    db.close()


@pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 not installed")
def test_cli_password_set_and_change(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("WENGANG_PASSWORD", raising=False)
    path = tmp_path / "county.db"
    _make(path)
    monkeypatch.setenv("WENGANG_NEW_PASSWORD", "一二三")
    assert main(["--db", str(path), "password", "set"]) == 0
    with pytest.raises(SystemExit):
        main(["--db", str(path), "info"])
    assert "已加密" in capsys.readouterr().err
    monkeypatch.setenv("WENGANG_PASSWORD", "一二三")
    monkeypatch.setenv("WENGANG_NEW_PASSWORD", "四五六")
    assert main(["--db", str(path), "password", "change"]) == 0
    monkeypatch.setenv("WENGANG_PASSWORD", "四五六")
    assert main(["--db", str(path), "info"]) == 0
    assert main(["--db", str(path), "backup", "--out", str(tmp_path / "enc-copy.db")]) == 0
    assert b"SQLite format 3" not in (tmp_path / "enc-copy.db").read_bytes()[:16]


def test_undo_of_a_real_import_restores_the_database(db, factory, tmp_path):
    from openpyxl import Workbook

    from wengang.services import importing

    pid = factory.person(name="王五")
    before = {r["id"]: dict(r) for r in db.query("SELECT * FROM persons")}
    person = before[pid]
    hh = db["households"].get(person["household_id"])
    wb = Workbook()
    ws = wb.active
    ws.append(["乡镇（街道）", "行政村（社区）", "户编号", "户类型", "姓名", "证件号码", "与户主关系",
               "劳动技能", "在校生状况", "联系电话"])
    ws.append(["城关镇", "城关村", hh["hh_no"], "脱贫户", "王五", person["id_number"], "户主", "普通劳动力",
               "非在校生", "13911110000"])
    ws.append(["城关镇", "城关村", "620702999999", "脱贫户", "新人", make_id("620702", dt.date(1990, 2, 2), 5, True),
               "户主", "普通劳动力", "非在校生", ""])
    wb.save(tmp_path / "导入.xlsx")
    result = importing.import_file(db, None, tmp_path / "导入.xlsx")
    assert result.ok and result.added == 1 and result.changed == 1, result.summary()
    from wengang.store.undo import undo_batch

    undo_batch(db, result.batch_id)
    after = {r["id"]: dict(r) for r in db.query("SELECT * FROM persons")}
    assert after == before
    assert db.execute("SELECT count(*) FROM quality_findings WHERE batch_id = ?", [result.batch_id]).fetchone()[0] == 0


def test_every_real_form_survives_the_archive_exactly():
    from wengang.services import reports
    from wengang.services.demo import builder as demo
    db = open_database(":memory:")
    demo.build_demo(db, households=30)
    as_of = dt.date(2026, 10, 31)
    for spec in reports.list_forms():
        result = reports.compute_form(db, spec.id, as_of,
                                      ref_date=dt.date(2025, 12, 31) if spec.needs_ref_date else None,
                                      period_from=dt.date(2026, 1, 1) if spec.needs_period else None)
        archive_id = archive_report(db, result)
        assert load_archived(db, archive_id) == result, spec.number
        assert diff_since_submitted(db, archive_id, result) == []
    db.close()


def test_changes_since_submitted_recomputes_the_real_form(tmp_path, capsys):
    from wengang.services import reports
    from wengang.services.archive import changes_since_submitted
    from wengang.services.demo import builder as demo

    path = tmp_path / "county.db"
    db = open_database(path)
    demo.build_demo(db, households=30)
    result = reports.compute_form(db, "employment", dt.date(2026, 10, 31))
    archive_id = archive_report(db, result, lock=True)
    assert changes_since_submitted(db, archive_id) == []
    with audit_reason(db, "核查后删除"):
        db.execute("DELETE FROM welfare_posts")
        db.execute("DELETE FROM employment_spells")
    changes = changes_since_submitted(db, archive_id)
    assert any(c.row == "合计" and c.submitted and not c.now for c in changes)
    flagged = db.execute("SELECT count(*) FROM audit_log WHERE flag LIKE '已报送月份%2026-10%'").fetchone()[0]
    assert flagged > 0  # the deletes touched the locked month and are flagged
    db.close()
    assert main(["--db", str(path), "archive", "--diff", str(archive_id)]) == 0
    assert "处与报送时不同" in capsys.readouterr().out


def test_a_township_submission_is_compared_with_the_same_township(tmp_path):
    from wengang.services import reports
    from wengang.services.archive import changes_since_submitted, recompute
    from wengang.services.demo import builder as demo

    db = open_database(tmp_path / "county.db")
    demo.build_demo(db, households=60)
    township = db.execute("SELECT id FROM areas WHERE level = 'township' ORDER BY id LIMIT 1").fetchone()[0]
    result = reports.compute_form(db, "employment", dt.date(2026, 10, 31), by="village", area_id=township)
    archive_id = archive_report(db, result)
    again = recompute(db, archive_id)
    assert [r.label for r in again.rows] == [r.label for r in result.rows]  # villages of that township
    assert again.total().values == result.total().values
    assert changes_since_submitted(db, archive_id) == []
    db.close()
