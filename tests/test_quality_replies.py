"""数据质量问题按村导出, filled in by the villages and read back (``services.rules.replies``)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from wengang.cli.main import main
from wengang.services.demo.builder import build_demo
from wengang.services.rules.export import write_findings_by_village
from wengang.services.rules.quality import findings, run_quality
from wengang.services.rules.replies import ReplyError, accept_replies, read_village_replies
from wengang.store.db import open_database

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def county(tmp_path):
    path = tmp_path / "county.db"
    db = open_database(path)
    build_demo(db, 60, seed=4, as_of=AS_OF)
    run_quality(db, AS_OF)
    yield path, db
    db.close()


def _answered(path, answers: dict[tuple[int, int], str]) -> None:
    """Write ``answers`` ((sheet number, Excel row): text) into the 核实情况 column, as a village does."""
    book = load_workbook(path)
    for (sheet, row), text in answers.items():
        ws = book.worksheets[sheet]
        column = [c.value for c in ws[1]].index("核实情况（村里填写）") + 1
        ws.cell(row=row, column=column, value=text)
    book.save(path)


def _row(path, sheet: int, row: int) -> dict:
    ws = load_workbook(path).worksheets[sheet]
    return dict(zip([c.value for c in ws[1]], [c.value for c in ws[row]], strict=True))


def _open_ids(db) -> set[int]:
    return {f["id"] for f in findings(db, open_only=True)}


def test_replies_are_matched_to_the_findings_and_sorted_by_what_the_village_says(county, tmp_path):
    _, db = county
    book, villages, total = write_findings_by_village(db, tmp_path / "按村.xlsx")  # 证件号码 masked
    assert villages >= 3 and total == len(_open_ids(db))
    first, second = _row(book, 1, 2), _row(book, 1, 3)
    _answered(book, {(1, 2): "电话属实，是外地的号码", (1, 3): "已补录企业名称", (2, 2): " 本人无手机 ",
                     (3, 2): "已经改正了"})
    reviews_before = db.execute("SELECT count(*) FROM quality_reviews").fetchone()[0]

    replies = read_village_replies(db, book)

    assert replies.sheets == villages
    assert [(r.sheet, r.row, r.answer) for r in replies.to_review] == [
        (load_workbook(book).sheetnames[1], 2, "电话属实，是外地的号码"), (load_workbook(book).sheetnames[2], 2, "本人无手机")]
    assert [r.answer for r in replies.said_corrected] == ["已补录企业名称", "已经改正了"]
    assert replies.to_review[0].person_name == first["姓名"] and replies.to_review[0].title == first["问题"]
    assert replies.said_corrected[0].person_name == second["姓名"]
    assert all(len(r.finding_ids) == 1 and set(r.finding_ids) <= _open_ids(db)
               for r in replies.to_review + replies.said_corrected)
    assert replies.blank == total - 4 and not replies.gone and not replies.already_reviewed
    assert "4条写了核实情况" in replies.summary() and "2条可记为已核实" in replies.summary()
    assert "2条村里写了已改正，但数据还是这样" in replies.summary()
    # reading writes nothing
    assert db.execute("SELECT count(*) FROM quality_reviews").fetchone()[0] == reviews_before

    # the rules run again in the background meanwhile (their rows replaced: new ids)
    run_quality(db, AS_OF)
    assert not set(replies.to_review[0].finding_ids) & _open_ids(db)
    reviewed = accept_replies(db, replies.to_review)
    assert reviewed == 2
    notes = dict(db.execute("SELECT f.id, r.note FROM quality_findings f JOIN quality_reviews r ON r.id = f.review_id"))
    assert sorted(notes.values()) == ["村里核实：本人无手机", "村里核实：电话属实，是外地的号码"]
    # the rules run again: checked findings stay off 待处理; a village's 已改正 is not a correction
    run_quality(db, AS_OF)
    still_open = {(f["person_name"], f["title"], f["message"]) for f in findings(db, open_only=True)}
    assert (first["姓名"], first["问题"], first["说明"]) not in still_open
    assert (second["姓名"], second["问题"], second["说明"]) in still_open

    # read again: the reviewed ones are said so, the rest as before
    again = read_village_replies(db, book)
    assert len(again.already_reviewed) == 2 and len(again.said_corrected) == 2 and not again.to_review


def test_a_finding_corrected_since_the_sheet_went_out_is_no_longer_open(county, tmp_path):
    _, db = county
    book, _, _ = write_findings_by_village(db, tmp_path / "按村.xlsx", mask=False)
    phones = [f for f in findings(db, open_only=True) if f["field"] == "phone" and f["person_id"]]
    assert phones, "the demo has a phone to correct"
    target = phones[0]
    sheets = load_workbook(book).worksheets
    where = next((k, r) for k, ws in enumerate(sheets[1:], 1) for r, row in enumerate(ws.iter_rows(values_only=True), 1)
                 if row[1] == target["person_name"] and row[5] == target["message"])
    _answered(book, {where: "电话属实"})
    with db.atomic():
        db.execute("UPDATE persons SET phone = '13912345678' WHERE id = ?", [target["person_id"]])
    run_quality(db, AS_OF)

    replies = read_village_replies(db, book)
    assert [(r.person_name, r.answer, r.finding_ids) for r in replies.gone] == [(target["person_name"], "电话属实", ())]
    assert not replies.to_review and "1条已不是待处理的问题" in replies.summary()
    assert accept_replies(db, replies.gone) == 0


def test_a_long_answer_is_kept_to_what_a_review_holds(county, tmp_path):
    _, db = county
    book, _, _ = write_findings_by_village(db, tmp_path / "按村.xlsx")
    _answered(book, {(1, 2): "核实" * 150})
    replies = read_village_replies(db, book)
    assert len(replies.to_review[0].note) == 200 and replies.to_review[0].note.endswith("…")
    assert accept_replies(db, replies.to_review) == 1


def test_a_file_that_is_not_a_village_sheet_is_refused_in_words(county, tmp_path):
    _, db = county
    other = tmp_path / "别的表.xlsx"
    from openpyxl import Workbook  # noqa: PLC0415
    book = Workbook()
    book.active.append(["户编号", "姓名", "问题"])
    book.save(other)
    with pytest.raises(ReplyError, match="不是“数据质量问题按村导出”的表"):
        read_village_replies(db, other)
    junk = tmp_path / "坏文件.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ReplyError, match="坏文件.xlsx"):
        read_village_replies(db, junk)
    with pytest.raises(ReplyError, match="找不到文件"):
        read_village_replies(db, tmp_path / "没有.xlsx")


def test_cli_reads_the_replies_and_records_them_when_asked(county, tmp_path, capsys):
    path, db = county
    book, _, _ = write_findings_by_village(db, tmp_path / "按村.xlsx")
    _answered(book, {(1, 2): "电话属实", (1, 3): "已改正"})
    db.close()
    args = ["--db", str(path), "quality", "--as-of", AS_OF.isoformat(), "--replies", str(book)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2条写了核实情况" in out and "1条可记为已核实" in out and "已改正" in out
    assert "村里核实属实，可记为已核实：" in out and "电话属实" in out
    assert "加 --accept-replies" in out
    again = open_database(path)
    assert again.execute("SELECT count(*) FROM quality_reviews").fetchone()[0] == 0
    again.close()
    assert main([*args, "--accept-replies"]) == 0
    assert "已记为已核实：1条" in capsys.readouterr().out
    again = open_database(path)
    assert [r[0] for r in again.execute("SELECT note FROM quality_reviews")] == ["村里核实：电话属实"]
    again.close()
    assert main(["--db", str(path), "quality", "--replies", str(tmp_path / "没有.xlsx")]) == 1
    assert "找不到文件" in capsys.readouterr().err


def test_findings_about_a_household_or_about_a_person_without_one_are_found_too(county, tmp_path):
    """A row with no 姓名 (a finding about a household) and one with no 户编号 (an import's hint
    about a person, kept without the household) are matched as the others."""
    _, db = county
    household, hh_no = db.execute("SELECT id, hh_no FROM households ORDER BY id LIMIT 1").fetchone()
    person, name = db.execute("SELECT id, name FROM persons ORDER BY id DESC LIMIT 1").fetchone()
    with db.atomic():
        db.execute("INSERT INTO quality_findings(rule, household_id, field, message) VALUES "
                   "('import.persons', ?, 'phone', '户联系电话为空')", [household])
        db.execute("INSERT INTO quality_findings(rule, person_id, field, message) VALUES "
                   "('import.persons', ?, 'phone', '联系电话为空')", [person])
    book, _, _ = write_findings_by_village(db, tmp_path / "按村.xlsx")
    sheets = load_workbook(book).worksheets
    wanted = {(hh_no, None, "户联系电话为空"), (None, name, "联系电话为空")}
    where = {(k, r) for k, ws in enumerate(sheets[1:], 1) for r, row in enumerate(ws.iter_rows(values_only=True), 1)
             if (row[0] or None, row[1] or None, row[5]) in wanted}
    assert len(where) == 2
    _answered(book, dict.fromkeys(where, "核实无误"))
    replies = read_village_replies(db, book)
    assert sorted(r.person_name for r in replies.to_review) == sorted(["", name])
    assert accept_replies(db, replies.to_review) == 2
