"""An import's 提示 kept for the 数据质量 panel go when a later roster shows them corrected.

Nothing resolved them before: the 50k demo's roster left 23,631 "联系电话为空/是10位" hints open
for good, whatever the next month's file said."""

from __future__ import annotations

from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.services.importing import import_file
from wengang.store.undo import undo_batch

PHONE = 15  # 联系电话 in PERSON_HEADERS


def _open_hints(db, rule: str = "import.persons") -> set[tuple[str, str]]:
    return set(db.execute(
        "SELECT p.id_number, f.message FROM quality_findings f JOIN persons p ON p.id = f.person_id "
        "WHERE f.rule = ? AND f.resolved_at IS NULL", [rule]).fetchall())


def test_a_roster_resolves_the_hints_it_shows_corrected_and_no_others(db, tmp_path):
    rows = person_rows(6)
    rows[0][PHONE] = rows[1][PHONE] = rows[4][PHONE] = None  # persons 1, 2, 5: no phone
    first = import_file(db, "persons", write_xlsx(tmp_path / "一月.xlsx", PERSON_HEADERS, rows))
    assert first.ok
    assert {n for n, _ in _open_hints(db)} == {pid(1), pid(2), pid(5)}

    # Next month: person 1's phone given; person 2 still without; person 5 not in the file
    # (another township's export, say): only person 1's hint is resolved.
    later = [row[:] for row in rows[:4]]
    later[0][PHONE] = "13900000001"
    second = import_file(db, "persons", write_xlsx(tmp_path / "二月.xlsx", PERSON_HEADERS, later))
    assert second.ok
    assert {n for n, _ in _open_hints(db)} == {pid(2), pid(5)}
    resolved = db.execute("SELECT p.id_number, f.resolved_batch_id, f.resolved_at IS NOT NULL FROM quality_findings f "
                          "JOIN persons p ON p.id = f.person_id WHERE f.resolved_at IS NOT NULL").fetchall()
    assert resolved == [(pid(1), second.batch_id, 1)]
    assert (first.hints_resolved, second.hints_resolved) == (0, 1)
    assert second.summary().endswith("；以前导入的提醒中有1条已在本文件中改正，记为已处理")
    # person 2's hint is the first import's, not added twice
    assert db.execute("SELECT count(*) FROM quality_findings").fetchone()[0] == 3

    # Undoing the second import opens person 1's hint again, as it was.
    undo_batch(db, second.batch_id)
    assert {n for n, _ in _open_hints(db)} == {pid(1), pid(2), pid(5)}
    assert db.execute("SELECT count(*) FROM quality_findings WHERE resolved_batch_id IS NOT NULL").fetchone()[0] == 0


def test_a_household_hint_goes_when_the_roster_gives_the_household_its_head(db, tmp_path):
    rows = person_rows(2)  # one household of two
    head = next(i for i, row in enumerate(rows) if row[12] == "户主")
    rows[head][12] = "之子"
    assert import_file(db, "persons", write_xlsx(tmp_path / "一月.xlsx", PERSON_HEADERS, rows)).ok
    open_household = ("SELECT count(*) FROM quality_findings WHERE person_id IS NULL AND household_id IS NOT NULL "
                      "AND resolved_at IS NULL")
    assert db.execute(open_household).fetchone()[0] == 1
    rows[head][12] = "户主"
    assert import_file(db, "persons", write_xlsx(tmp_path / "二月.xlsx", PERSON_HEADERS, rows)).ok
    assert db.execute(open_household).fetchone()[0] == 0


def test_an_employment_file_resolves_nothing(db, tmp_path):
    """A person's 务工 row says nothing of their other spells: the hint about an earlier one stays."""
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(2))).ok

    def spell(start: str, end: str, employer: str | None) -> list:
        return [pid(1), "人1", "省外", "自主外出务工", "广东省", "东莞市", "长安镇", employer, "制造业",
                start, end, None, 4000]

    assert import_file(db, "employment", write_xlsx(tmp_path / "一月.xlsx", WORK_HEADERS,
                                                    [spell("2024-01-01", "2024-03-31", None)])).ok
    before = _open_hints(db, "import.employment")
    assert before
    assert import_file(db, "employment", write_xlsx(tmp_path / "二月.xlsx", WORK_HEADERS,
                                                    [spell("2024-06-01", "2024-09-30", "某厂")])).ok
    assert _open_hints(db, "import.employment") == before
