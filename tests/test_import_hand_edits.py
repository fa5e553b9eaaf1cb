"""A re-imported file that changes what was changed here since the last import says so first
(``services.importing.hand_edits``): nothing is overwritten silently. The file still wins."""

from __future__ import annotations

import datetime as dt

from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.services import registry
from wengang.services.importing import import_file, preview_file
from wengang.services.rules import findings, run_quality
from wengang.services.rules.quality import IMPORT_OVERWRITTEN
from wengang.store.undo import undo_batch


def _work_row(n: int, end=None, reason=None, employer="甲公司") -> list:
    return [pid(n), f"人{n}", "省外", "自主外出务工", "浙江省", "宁波市", "鄞州区", employer, "制造业",
            "2026-03-01", end, reason, 4000]


def _county(db, tmp_path):
    import_file(db, "persons", write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(3)))
    work = write_xlsx(tmp_path / "w.xlsx", WORK_HEADERS, [_work_row(1), _work_row(2)])
    assert import_file(db, "employment", work).ok
    return work


def _person(db, n: int) -> int:
    return db.execute("SELECT id FROM persons WHERE id_number = ?", [pid(n)]).fetchone()[0]


def test_a_return_recorded_here_and_still_open_in_the_file_is_said_before_and_after(db, tmp_path):
    work = _county(db, tmp_path)
    registry.register_return(db, [_person(db, 1)], "2026-11-30", "合同到期")   # the caseworker, by hand
    preview = preview_file(db, work)
    assert (preview.to_change, preview.hand_edits) == (1, 2)
    said = {w.field: w.message for w in preview.warnings if w.row == 0}
    assert set(said) == {"返乡时间", "返乡原因"}
    assert said["返乡时间"].startswith(f"人1（证件号码 {pid(1)}）2026-03-01开始的务工记录：台账中")
    assert "改为“2026-11-30”" in said["返乡时间"] and "文件中为空，导入后以文件为准" in said["返乡时间"]
    assert db.execute("SELECT end_date FROM employment_spells WHERE person_id = ?",
                      [_person(db, 1)]).fetchone()[0] == "2026-11-30"   # a preview writes nothing
    result = import_file(db, "employment", work)
    assert result.ok and result.hand_edits == 2 and "其中2处是台账中修改过、文件中不同的内容，已以文件为准" in result.summary()
    assert db.execute("SELECT end_date FROM employment_spells WHERE person_id = ?",
                      [_person(db, 1)]).fetchone()[0] is None          # the file wins
    # in 数据质量 as findings of their own, on the person, not among the file's other 提示
    kept = findings(db, IMPORT_OVERWRITTEN)
    assert len(kept) == 2 and {f["person_id"] for f in kept} == {_person(db, 1)}
    assert {f["title"] for f in kept} == {"导入时以文件为准的台账修改"}
    assert not [f for f in findings(db, "import.employment") if "台账中" in f["message"]]
    again = import_file(db, "employment", work)
    assert (again.changed, again.hand_edits) == (0, 0)
    assert len(findings(db, IMPORT_OVERWRITTEN, open_only=True)) == 2   # an event: open until checked by hand
    run_quality(db, dt.date(2026, 11, 30))
    assert len(findings(db, IMPORT_OVERWRITTEN, open_only=True)) == 2   # a quality run keeps them
    undo_batch(db, result.batch_id)   # undone: the 返乡 recorded here is back, and what said it was overwritten goes
    assert db.execute("SELECT end_date FROM employment_spells WHERE person_id = ?",
                      [_person(db, 1)]).fetchone()[0] == "2026-11-30"
    assert findings(db, IMPORT_OVERWRITTEN) == []


def test_what_only_imports_changed_is_not_said(db, tmp_path):
    _county(db, tmp_path)
    second = write_xlsx(tmp_path / "w2.xlsx", WORK_HEADERS, [_work_row(1, employer="乙公司"), _work_row(2)])
    assert import_file(db, "employment", second).changed == 1
    third = write_xlsx(tmp_path / "w3.xlsx", WORK_HEADERS, [_work_row(1, employer="丙公司"), _work_row(2)])
    result = import_file(db, "employment", third)
    assert (result.changed, result.hand_edits) == (1, 0)


def test_a_hand_edit_the_file_agrees_with_or_does_not_touch_is_not_said(db, tmp_path):
    _county(db, tmp_path)
    spell = db.execute("SELECT id FROM employment_spells WHERE person_id = ?", [_person(db, 2)]).fetchone()[0]
    registry.save_spell(db, {"person_id": _person(db, 2), "start_date": "2026-03-01", "region": "省外",
                             "channel": "自主外出务工", "place_province": "浙江省", "place_city": "宁波市",
                             "place_county": "鄞州区", "employer_name": "甲公司", "industry": "制造业",
                             "monthly_income": 5200}, spell)   # an income corrected here, as the file will say
    agreeing = write_xlsx(tmp_path / "w2.xlsx", WORK_HEADERS, [_work_row(1), _work_row(2)[:-1] + [5200]])
    result = import_file(db, "employment", agreeing)
    assert result.ok and result.hand_edits == 0


def test_a_phone_corrected_here_and_old_in_the_roster_is_said(db, tmp_path):
    rows = person_rows(3)
    roster = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, rows)
    import_file(db, "persons", roster)
    person = _person(db, 2)
    values = next(db.query("SELECT * FROM persons WHERE id = ?", [person]))
    registry.save_person(db, {**values, "phone": "13912345678"}, person)
    preview = preview_file(db, roster)
    said = [w for w in preview.warnings if w.row == 0]
    assert preview.hand_edits == 1 and said[0].field == "联系电话"
    assert said[0].message.startswith(f"人2（证件号码 {pid(2)}）：台账中{dt.date.today()}改为“13912345678”")
    assert f"文件中为“{rows[1][15]}”" in said[0].message
