"""Findings checked by hand (标记为已核实): closed with their 核实情况, kept closed while the rules
find the same thing again, open again when the data changes or the review is taken back."""

from __future__ import annotations

import datetime as dt

import pytest
from importing_helpers import PERSON_HEADERS, person_rows, pid, write_xlsx

from wengang.services.importing import import_file
from wengang.services.read import lookups
from wengang.services.read.person_card import person_list_rows
from wengang.services.rules import findings, run_quality
from wengang.services.rules.reviews import ReviewError, review_findings, take_back_reviews

AS_OF = dt.date(2026, 10, 31)
PHONE = 15  # 联系电话 in PERSON_HEADERS


def _open(db, rule: str) -> list[tuple[int, str]]:
    return db.execute("SELECT person_id, message FROM quality_findings WHERE rule = ? AND resolved_at IS NULL "
                      "ORDER BY person_id", [rule]).fetchall()


def _finding(db, rule: str, person_id: int) -> int:
    return db.execute("SELECT id FROM quality_findings WHERE rule = ? AND person_id = ?", [rule, person_id]).fetchone()[0]


def test_a_reviewed_finding_stays_closed_through_every_check_until_its_data_changes(db, factory):
    # Two labourers without a phone: one checked by hand (he has none), one not.
    checked, other = factory.person(phone=None), factory.person(phone=None)
    run_quality(db, AS_OF)
    assert [p for p, _ in _open(db, "phone_missing")] == [checked, other]

    assert review_findings(db, [_finding(db, "phone_missing", checked)], "  已入户核实，\n本人无手机 ", user="张三") == 1
    assert [p for p, _ in _open(db, "phone_missing")] == [other]
    assert db.execute("SELECT note, reviewed_by FROM quality_reviews").fetchall() == [("已入户核实， 本人无手机", "张三")]

    summary = run_quality(db, AS_OF)  # the rules replace their rows: the review stays
    assert [p for p, _ in _open(db, "phone_missing")] == [other]
    assert summary.by_rule["phone_missing"] == 1 and summary.reviewed == 1  # 待处理, and apart
    assert lookups.open_findings(db) == sum(summary.by_rule.values())
    closed = db.execute("SELECT f.resolved_at IS NOT NULL, r.note FROM quality_findings f JOIN quality_reviews r "
                        "ON r.id = f.review_id WHERE f.person_id = ?", [checked]).fetchall()
    assert closed == [(1, "已入户核实， 本人无手机")]
    # The person's page says so; so does the findings list the exports read.
    assert [row[-1] for row in person_list_rows(db, checked)["数据质量"]] == ["已核实：已入户核实， 本人无手机"]
    assert [row[-1] for row in person_list_rows(db, other)["数据质量"]] == ["未处理"]
    assert {(f["person_id"], f["answer"]) for f in findings(db, "phone_missing")} == {
        (checked, "已入户核实， 本人无手机"), (other, None)}

    # A wrong phone entered later is another finding (another rule, another message): 待处理.
    db["persons"].update(checked, {"phone": "1361234"})
    run_quality(db, AS_OF)
    assert checked in [p for p, _ in _open(db, "phone_invalid")]


def test_a_changed_message_is_open_again_and_a_review_taken_back_opens_its_findings(db, factory):
    person = factory.person()
    factory.spell(person, "2026-03-01", monthly_income=1)
    run_quality(db, AS_OF)
    [(_, message)] = _open(db, "income_tiny")
    review_findings(db, [_finding(db, "income_tiny", person)], "本人确认：试用期")
    assert _open(db, "income_tiny") == []

    db.execute("UPDATE employment_spells SET monthly_income = 50")
    run_quality(db, AS_OF)
    [(_, changed)] = _open(db, "income_tiny")
    assert changed != message  # the amount is in the message: checked again

    db.execute("UPDATE employment_spells SET monthly_income = 1")
    run_quality(db, AS_OF)
    assert _open(db, "income_tiny") == []  # as it was when checked
    assert take_back_reviews(db, [_finding(db, "income_tiny", person)]) == 1
    assert _open(db, "income_tiny") == [(person, message)]
    assert db.execute("SELECT count(*) FROM quality_reviews").fetchone()[0] == 0
    run_quality(db, AS_OF)
    assert _open(db, "income_tiny") == [(person, message)]


def test_reviewing_again_replaces_the_note_and_the_audit_trail_keeps_who_did_what(db, factory):
    person = factory.person(phone=None)
    run_quality(db, AS_OF)
    finding = _finding(db, "phone_missing", person)
    review_findings(db, [finding], "无手机", user="张三")
    review_findings(db, [finding], "无手机，已留家属电话", user="李四")
    assert db.execute("SELECT note, reviewed_by FROM quality_reviews").fetchall() == [("无手机，已留家属电话", "李四")]
    trail = db.execute("SELECT action FROM audit_log WHERE table_name = 'quality_reviews' ORDER BY id").fetchall()
    assert [a for (a,) in trail] == ["insert", "update"]


@pytest.mark.parametrize("note", ["", "   ", "字" * 201])
def test_a_review_needs_a_note_of_a_sentence(db, factory, note):
    factory.person(phone=None)
    run_quality(db, AS_OF)
    with pytest.raises(ReviewError):
        review_findings(db, [db.execute("SELECT id FROM quality_findings").fetchone()[0]], note)
    assert db.execute("SELECT count(*) FROM quality_reviews").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM quality_findings WHERE resolved_at IS NOT NULL").fetchone()[0] == 0


def test_an_import_hint_checked_by_hand_is_not_kept_again_next_month(db, tmp_path):
    rows = person_rows(3)
    rows[0][PHONE] = rows[1][PHONE] = None
    assert import_file(db, "persons", write_xlsx(tmp_path / "一月.xlsx", PERSON_HEADERS, rows)).ok
    hints = db.execute("SELECT f.id, p.id_number FROM quality_findings f JOIN persons p ON p.id = f.person_id "
                       "WHERE f.rule = 'import.persons' ORDER BY p.id_number").fetchall()
    assert [n for _, n in hints] == [pid(1), pid(2)]
    review_findings(db, [hints[0][0]], "老人，无电话")

    again = import_file(db, "persons", write_xlsx(tmp_path / "二月.xlsx", PERSON_HEADERS, rows))
    assert again.ok and again.hints_resolved == 0
    kept = db.execute("SELECT p.id_number, f.resolved_at IS NULL FROM quality_findings f JOIN persons p "
                      "ON p.id = f.person_id WHERE f.rule = 'import.persons' ORDER BY p.id_number").fetchall()
    assert kept == [(pid(1), 0), (pid(2), 1)]  # one finding each: the reviewed one stands, closed


def test_the_cli_counts_the_findings_checked_apart(tmp_path, capsys):
    from conftest import Factory

    from wengang.cli.main import main as cli_main
    from wengang.store.areas import set_installation
    from wengang.store.db import open_database
    path = tmp_path / "c.db"
    db = open_database(path)
    set_installation(db, "甘肃省", "张掖市", "测试县")
    factory = Factory(db)
    checked, _other = factory.person(phone=None), factory.person(phone=None)
    run_quality(db, AS_OF)
    review_findings(db, [_finding(db, "phone_missing", checked)], "本人无手机")
    db.close()
    out = tmp_path / "问题清单.xlsx"
    assert cli_main(["--db", str(path), "quality", "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "另有1个问题已核实" in printed
    assert any(line.startswith("劳动力未填联系电话") and line.split()[-1] == "1" for line in printed.splitlines())
    # The workbook lists the open ones, and those checked on a sheet of their own with the note.
    from openpyxl import load_workbook
    book = load_workbook(out)
    listing = list(book["问题清单"].iter_rows(values_only=True))
    reviewed = list(book["已核实"].iter_rows(values_only=True))
    assert [r[5] for r in listing[1:]].count("劳动力未填联系电话") == 1
    assert reviewed[0][-3:] == ("核实情况", "核实人", "核实时间")
    assert [(r[5], r[-3]) for r in reviewed[1:]] == [("劳动力未填联系电话", "本人无手机")]


def test_a_person_deleted_and_restored_comes_back_with_the_findings_checked(db, factory):
    """The 回收站 takes the person's findings and reviews along; restoring puts both back (a
    finding points at the review that closed it, gathered after it: checked at the commit)."""
    from wengang.services.registry import delete_person
    from wengang.store.trash import restore_deleted

    person = factory.person(phone=None)
    run_quality(db, AS_OF)
    finding = _finding(db, "phone_missing", person)
    review_findings(db, [finding], "本人无手机")
    trash_id = delete_person(db, person, "录错了")
    assert db.execute("SELECT count(*) FROM quality_reviews").fetchone()[0] == 0
    restore_deleted(db, trash_id)
    assert db.execute("SELECT f.resolved_at IS NOT NULL, r.note FROM quality_findings f "
                      "JOIN quality_reviews r ON r.id = f.review_id WHERE f.id = ?", [finding]).fetchall() == [(1, "本人无手机")]
    run_quality(db, AS_OF)
    assert _open(db, "phone_missing") == []


def test_a_hint_checked_by_hand_comes_back_checked_when_its_import_is_undone_and_done_again(db, tmp_path):
    """Undoing an import takes its findings away, not the reviews of them (the persons stay:
    the import only changed them); the same file again gives the hint, closed by its review."""
    from wengang.store.undo import undo_batch

    rows = person_rows(2)
    assert import_file(db, "persons", write_xlsx(tmp_path / "一月.xlsx", PERSON_HEADERS, rows)).ok
    rows[0][PHONE] = None
    second = import_file(db, "persons", write_xlsx(tmp_path / "二月.xlsx", PERSON_HEADERS, rows))
    [finding] = [f for (f,) in db.execute("SELECT id FROM quality_findings WHERE rule = 'import.persons'")]
    review_findings(db, [finding], "老人，无电话")
    undo_batch(db, second.batch_id)
    assert db.execute("SELECT count(*) FROM quality_findings").fetchone()[0] == 0

    assert import_file(db, "persons", write_xlsx(tmp_path / "二月.xlsx", PERSON_HEADERS, rows)).ok
    back = db.execute("SELECT f.resolved_at IS NOT NULL, r.note FROM quality_findings f "
                      "LEFT JOIN quality_reviews r ON r.id = f.review_id WHERE f.rule = 'import.persons'").fetchall()
    assert back == [(1, "老人，无电话")]
