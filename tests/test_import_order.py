"""New spells are stored by person (issue 20): the employment writer walks a file's rows by the
person's stored id and 开始时间, so a person's spells get consecutive ids in the order the
persons have theirs — the status derivation then reads the table in order. Everything a
caseworker sees is as it was with the former order (by 证件号码): the stored rows, the errors
and warnings with the file's row numbers, the findings, the previews, the statuses."""

from __future__ import annotations

import datetime as dt

from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.domain.status import AsOf
from wengang.services.importing import import_file, preview_file
from wengang.services.importing.writers import employment
from wengang.store.areas import set_installation
from wengang.store.db import open_database
from wengang.store.status import person_statuses

_SPELL = "person_id, start_date, end_date, region, channel, place_province, place_city, place_county, " \
         "employer_name, industry, monthly_income, return_reason, org_id, point_to_point, transport_subsidy"


def _by_number(people: dict, ids: list, starts: list, _indexes: list[int] | None = None) -> list[int]:
    """The former order: by 证件号码, then 开始时间, then the file's."""
    return sorted(range(len(ids)), key=lambda i: (ids[i] or "", starts[i] or ""))


def _spell(n: int, start: str, end: str | None = None, *, income: float | None = 4500, name: str | None = None,
           county: str | None = "北仑区", reason: str | None = None, number: str | None = None) -> list:
    return [number or pid(n), name, "省外", "有组织劳务输出", "浙江省", "宁波市", county, "某厂", "制造业", start, end,
            reason, income]


def _files(tmp_path) -> list:
    # Interleaved: persons in turn, each person's spells out of date order, overlapping spells,
    # two returns ending the same day (the later id wins), a 姓名 not the registered one, low
    # and missing incomes, a place short of its county.
    first = [
        _spell(20, "2024-03-15", "2024-12-31", reason="家庭原因"), _spell(3, "2025-02-01"),
        _spell(20, "2023-01-01", income=50), _spell(16, "2025-01-10", "2025-06-30", reason="企业裁员"),
        _spell(7, "2024-05-01", "2024-10-31", name="错名", county=None), _spell(16, "2025-03-01", "2025-06-30"),
        _spell(3, "2024-01-01", "2025-03-01", income=None), _spell(29, "2026-01-01"),
        _spell(16, "2024-01-01", "2024-02-01", income=40000), _spell(7, "2025-07-01"), _spell(1, "2026-02-01"),
    ]
    # Again with changes: national exports give months; a spell stored typed to the day is the
    # same spell; new persons' spells interleaved with known ones.
    second = [
        _spell(20, "2024年03月", "2024-12-31", reason="家庭原因", income=5200), _spell(25, "2026-03-01"),
        _spell(3, "2025-02-01", income=4800), _spell(2, "2026-04-01"), _spell(20, "2026-05-01"),
        _spell(25, "2025-04-01", "2025-12-31"), _spell(16, "2024-01-01", "2024-02-01", income=40000),
    ]
    # Rejected: a second row of one spell (the first row named), a nobody, an end before its start.
    third = [
        _spell(5, "2026-01-01"), _spell(12, "2026-02-01"), _spell(5, "2026-01-01", income=3000),
        _spell(0, "2026-01-01", number=pid(999)), _spell(12, "2026-03-01", "2026-01-01"), _spell(5, "2026-01-01"),
    ]
    return [write_xlsx(tmp_path / f"务工{n}.xlsx", WORK_HEADERS, rows) for n, rows in enumerate((first, second, third))]


def _issues(issues) -> list[tuple]:
    return [(i.row, i.field, i.message) for i in issues]


def _run(tmp_path, name: str) -> tuple[list, list[list[tuple]]]:
    """Import the roster (persons 16–30 first: their ids are not in 证件号码 order), then the
    three spell files, each previewed first; what a caseworker sees, and the spells in id order."""
    db = open_database(":memory:")
    try:
        set_installation(db, "甘肃省", "张掖市", "测试县")
        roster = write_xlsx(tmp_path / f"{name}-人员.xlsx", PERSON_HEADERS, person_rows(15, 16) + person_rows(15, 1))
        assert import_file(db, "persons", roster).ok
        seen: list = []
        added: list = []  # each import's new spells in id order
        for work in _files(tmp_path):
            last = db.execute("SELECT coalesce(max(id), 0) FROM employment_spells").fetchone()[0]
            preview = preview_file(db, work)
            result = import_file(db, "employment", work)
            added.append(db.execute("SELECT person_id, start_date FROM employment_spells WHERE id > ? ORDER BY id",
                                    [last]).fetchall())
            seen.append((preview.to_add, preview.to_change, preview.unchanged, _issues(preview.errors),
                         _issues(preview.warnings), result.ok, result.added, result.changed, result.unchanged,
                         _issues(result.errors), _issues(result.warnings)))
        seen.append(db.execute(f"SELECT {_SPELL} FROM employment_spells ORDER BY person_id, start_date").fetchall())
        seen.append(db.execute("SELECT rule, person_id, household_id, field, message FROM quality_findings "
                               "ORDER BY 1, 2, 3, 4, 5").fetchall())
        spell = dict(db.execute("SELECT id, person_id || ' ' || start_date FROM employment_spells").fetchall())
        for day in (dt.date(2025, 6, 30), dt.date(2026, 11, 30)):
            statuses = person_statuses(db, AsOf(day))
            seen.append({p: {k: spell.get(v) if k.endswith("spell_id") else v for k, v in s.items()}
                         for p, s in statuses.items()})
        return seen, added
    finally:
        db.close()


def test_new_spells_are_stored_by_person_and_everything_seen_is_as_before(tmp_path, monkeypatch):
    for name in ("after", "before"):
        (tmp_path / name).mkdir()
    after, stored = _run(tmp_path / "after", "after")
    with monkeypatch.context() as patch:
        patch.setattr(employment, "_person_order", _by_number)
        before, stored_before = _run(tmp_path / "before", "before")
    assert after == before
    # Each import's new spells: by person id, a person's by 开始时间 (their ids in that order).
    assert [len(rows) for rows in stored] == [11, 4, 0]
    assert all(rows == sorted(rows) for rows in stored)
    assert stored_before[0] != sorted(stored_before[0])  # the file tests something: by 证件号码 they were not
    assert stored_before[1] != sorted(stored_before[1])
    results = before[:3]
    assert [r[5] for r in results] == [True, True, False]
    assert results[0][6:9] == (11, 0, 0) and results[1][6:9] == (4, 2, 1)
    first_warnings = results[0][10]
    # The file's row numbers (header is row 1): row 4 (20's 2023 spell, open) overlaps row 2.
    assert (2, "开始时间", "开始时间早于第4行那段务工的结束时间（时间重叠）") in first_warnings
    assert (7, "开始时间", "开始时间早于第5行那段务工的结束时间（时间重叠）") in first_warnings
    assert (6, "姓名", "姓名“错名”与登记的“人7”不一致，按证件号码导入") in first_warnings
    assert _issues_of(results[2][9]) == [
        (4, "与第2行是同一人同一开始时间的重复记录"), (5, f"证件号码{pid(999)}未登记，请先导入人员信息"),
        (6, "结束时间2026-01-01早于开始时间2026-03-01"), (7, "与第2行是同一人同一开始时间的重复记录")]
    assert results[2][3] == results[2][9]  # the preview names the same errors


def _issues_of(issues: list[tuple]) -> list[tuple]:
    return [(row, message) for row, _field, message in issues]


def test_rows_by_person_id_start_and_the_files_order_then_rows_of_nobody():
    people = {"a": (5,), "b": (2,)}  # 证件号码 → (person id, …)
    numbers = ["b", "a", None, "zz", "a"]
    starts = ["2025-01-01", "2024-01-01", "2023-01-01", "2022-01-01", "2024-01-01"]
    assert employment._person_order(people, numbers, starts) == [0, 1, 4, 3, 2]  # noqa: SLF001
    # Given the rows' index ints (the records'), the order is made of those same objects.
    many = 300  # past the ints Python keeps one object of
    indexes = [int(str(i)) for i in range(many * 5)]
    order = employment._person_order(people, numbers * many, starts * many, indexes)  # noqa: SLF001
    assert order == employment._person_order(people, numbers * many, starts * many)  # noqa: SLF001
    assert all(i is indexes[i] for i in order)


def test_the_order_is_by_person_id_then_start_then_file_order_for_any_ids_and_dates():
    """The one-key sort gives what sorting by (person id, 开始时间, row) gives: large ids, blank
    starts and numbers, ties kept in the file's order."""
    people = {"a": (7,), "b": (2**62,), "c": (1,)}
    numbers = ["a", "b", None, "c", "zz", "a", "b", "c", "a"] * 7
    starts = ["2025-01-01", None, "2024-01-01", "2025-01-01", "2023-01-01", "2024-06-30", "2025-01-01",
              None, "2024-06-30", "2026-01-01"] * 6 + ["2022-01-01", "2025-01-01", "2024-06-30"]
    nobody = 2**64
    expected = sorted(range(len(numbers)),
                      key=lambda i: (people.get(numbers[i], (nobody,))[0], starts[i] or "", i))
    assert employment._person_order(people, numbers, starts) == expected  # noqa: SLF001
