"""An import's 提示 kept for the 数据质量 panel go when a later file shows them corrected: a
roster, about the persons it holds; a 务工 file, about the persons all of whose spells it holds.

Nothing resolved them before: the 50k demo's roster left 23,631 "联系电话为空/是10位" hints open
for good, whatever the next month's file said, and a 200k county's 务工 export 133,356."""

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
    assert second.summary().endswith("；以前导入的提示中有1条已在本文件中改正，记为已处理")
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


def spell(start: str, end: str, employer: str | None, person: int = 1) -> list:
    """A 务工 row (WORK_HEADERS) of person ``person``."""
    return [pid(person), f"人{person}", "省外", "自主外出务工", "广东省", "东莞市", "长安镇", employer, "制造业",
            start, end, None, 4000]


def test_an_employment_file_resolves_nothing_of_spells_it_does_not_hold(db, tmp_path):
    """A person's 务工 row says nothing of their other spells: the hint about an earlier one stays."""
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(2))).ok

    assert import_file(db, "employment", write_xlsx(tmp_path / "一月.xlsx", WORK_HEADERS,
                                                    [spell("2024-01-01", "2024-03-31", None)])).ok
    before = _open_hints(db, "import.employment")
    assert before
    assert import_file(db, "employment", write_xlsx(tmp_path / "二月.xlsx", WORK_HEADERS,
                                                    [spell("2024-06-01", "2024-09-30", "某厂")])).ok
    assert _open_hints(db, "import.employment") == before


def test_an_employment_file_holding_all_of_a_persons_spells_resolves_their_corrected_hints(db, tmp_path):
    """Next month's whole export: person 1's employer now given for both spells, person 2's
    still missing; only person 1's hint goes, and undoing the import opens it again."""
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(3))).ok
    january = [spell("2024-01-01", "2024-03-31", None), spell("2024-06-01", None, "某厂"),
               spell("2024-02-01", None, None, person=2)]
    first = import_file(db, "employment", write_xlsx(tmp_path / "一月.xlsx", WORK_HEADERS, january))
    assert first.ok
    missing = "务工信息缺少务工企业名称"
    assert _open_hints(db, "import.employment") == {(pid(1), missing), (pid(2), missing)}

    february = [spell("2024-01-01", "2024-03-31", "某厂"), spell("2024-06-01", None, "某厂"),
                spell("2024-02-01", None, None, person=2)]
    second = import_file(db, "employment", write_xlsx(tmp_path / "二月.xlsx", WORK_HEADERS, february))
    assert second.ok
    assert _open_hints(db, "import.employment") == {(pid(2), missing)}
    assert second.hints_resolved == 1
    assert second.summary().endswith("；以前导入的提示中有1条已在本文件中改正，记为已处理")

    undo_batch(db, second.batch_id)
    assert _open_hints(db, "import.employment") == {(pid(1), missing), (pid(2), missing)}


def test_a_hint_naming_another_row_next_month_replaces_the_old_one(db, tmp_path):
    """The same overlap, its rows moved by a row added above them: one open hint naming this
    file's row, the old one closed and not counted as corrected."""
    assert import_file(db, "persons", write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(3))).ok
    overlapping = [spell("2024-01-01", "2024-06-30", "某厂"), spell("2024-03-01", "2024-09-30", "某厂")]
    assert import_file(db, "employment", write_xlsx(tmp_path / "一月.xlsx", WORK_HEADERS, overlapping)).ok
    overlap = {message for _, message in _open_hints(db, "import.employment") if message.startswith("开始时间早于")}
    assert overlap == {"开始时间早于第2行那段务工的结束时间（时间重叠）"}

    moved = import_file(db, "employment", write_xlsx(tmp_path / "二月.xlsx", WORK_HEADERS,
                                                     [spell("2024-02-01", None, "某厂", person=2), *overlapping]))
    assert moved.ok
    overlap = {message for _, message in _open_hints(db, "import.employment") if message.startswith("开始时间早于")}
    assert overlap == {"开始时间早于第3行那段务工的结束时间（时间重叠）"}
    assert moved.hints_resolved == 0


def test_a_table_reaching_its_person_through_another_resolves_nothing(db, factory):
    """公益性岗位 rows hold their spell, not a person_id or start date of their own: nothing to
    count a person's records by (an SQL error before this guard, had such a hint been gone)."""
    from types import SimpleNamespace

    from wengang.services.importing.findings import _records_all_in_file
    person = factory.person()
    number = db.execute("SELECT id_number FROM persons WHERE id = ?", [person]).fetchone()[0]
    ctx = SimpleNamespace(db=db, parsed=SimpleNamespace(
        values_by_key=lambda: {"id_number": [number], "start_date": ["2024-01-01"]}))
    gone = [(1, person, None, "start_date", "某提示")]
    assert _records_all_in_file(ctx, gone, "welfare_posts", ("start_date",)) == []
