"""Masking wherever personal data is written (issue 19): ``quality --out --mask``,
``check-consistency --mask``, ``report --cell --mask`` leak no full 证件号码 or mobile number."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from wengang.cli.main import main
from wengang.domain.masking import mask_personal

FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _cells(path) -> str:
    book = load_workbook(path, read_only=True)
    return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county")
    path = folder / "c.db"
    assert main(["--db", str(path), "demo", "--households", "60", "--as-of", "2026-03-31"]) == 0
    return path


def test_mask_personal_masks_ids_and_mobiles_inside_text():
    assert mask_personal("证件号码620702198505011234重复，电话13812345678") == \
        "证件号码620702********1234重复，电话138****5678"
    assert mask_personal("2026-03-31") == "2026-03-31" and mask_personal(3500) == 3500


def test_quality_out_mask(county, tmp_path, capsys):
    plain, masked = tmp_path / "q.xlsx", tmp_path / "qm.xlsx"
    assert main(["--db", str(county), "quality", "--as-of", "2026-03-31", "--out", str(plain)]) == 0
    assert main(["--db", str(county), "quality", "--as-of", "2026-03-31", "--out", str(masked), "--mask"]) == 0
    assert FULL_ID.search(_cells(plain))  # the check below means something
    text = _cells(masked)
    assert not FULL_ID.search(text) and not MOBILE.search(text)
    assert "********" in text


def test_check_consistency_mask(county, tmp_path, capsys):
    from wengang.services.importing.export import export_kind
    from wengang.store.db import open_database
    exported = tmp_path / "人员.xlsx"
    db = open_database(county)
    export_kind(db, "persons", exported, limit=30)
    db.execute("UPDATE persons SET phone = '13900000000' WHERE id IN (SELECT id FROM persons LIMIT 3)")
    db.close()
    out = tmp_path / "核对.xlsx"
    main(["--db", str(county), "check-consistency", str(exported), "--out", str(out), "--mask"])
    printed = capsys.readouterr().out
    text = _cells(out)
    assert "不一致" in printed or "仅在" in printed
    assert not FULL_ID.search(text) and not MOBILE.search(text)
    assert not FULL_ID.search(printed) and not MOBILE.search(printed)


def test_report_cell_mask(county, capsys):
    from wengang.services.reports import compute_form
    from wengang.store.db import open_database
    db = open_database(county, lock=False)
    result = compute_form(db, "F1", "2026-03-31")
    db.close()
    total = result.rows[0]
    column = next(c for c in result.columns if c.kind == "int" and (total.values.get(c.key) or 0) > 0)
    assert main(["--db", str(county), "report", "F1", "--as-of", "2026-03-31", "--cell",
                 f"合计,{column.key}", "--mask"]) == 0
    out = capsys.readouterr().out
    assert "*" in out and not FULL_ID.search(out)


def test_setup_is_audited(tmp_path, capsys):
    from wengang.store.db import open_database
    path = tmp_path / "s.db"
    assert main(["--db", str(path), "setup", "--province", "甘肃省", "--county", "测试县"]) == 0
    db = open_database(path, lock=False)
    row = db.execute("SELECT action, new_json, reason FROM audit_log WHERE table_name = 'settings'").fetchone()
    db.close()
    assert row and row[0] == "update" and "测试县" in row[1] and "setup" in row[2]
