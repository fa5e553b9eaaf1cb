"""1-3-1 就业服务: who needs work, what each lacks this year, recording for many (issue 16)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from wengang.cli.main import main
from wengang.services.duties.services131 import gaps_by_village, person_services, record_services, short_of
from wengang.services.ledgers import ledger_query

D = dt.date


@pytest.fixture
def village(factory):
    f = factory
    people = {
        "idle": f.person(),                                     # labour, never worked: needs work
        "working": f.person(),                                  # at work: does not
        "returned": f.person(),                                 # came back in March, not re-placed
        "replaced": f.person(),                                 # came back and went out again
        "student": f.person(student_status="普通高中一年级"),   # not labour
        "done": f.person(),                                     # idle with 1-3-1 complete
    }
    f.spell(people["working"], "2025-03-01")
    f.spell(people["returned"], "2025-03-01", "2026-03-31")
    f.spell(people["replaced"], "2025-03-01", "2026-03-31")
    f.spell(people["replaced"], "2026-05-01")
    for day, kind in [("2026-01-05", "职业指导"), ("2026-02-01", "岗位信息推送"), ("2026-03-01", "岗位信息推送"),
                      ("2026-04-01", "岗位信息推送"), ("2026-06-01", "免费培训")]:
        f.db["services"].insert({"person_id": people["done"], "service_date": day, "kind": kind})
    # last year's services do not count this year
    f.db["services"].insert({"person_id": people["idle"], "service_date": "2025-12-31", "kind": "职业指导"})
    return people


def test_who_needs_work_and_what_they_lack(db, village):
    query = ledger_query(db, "service-gaps", "2026-10-31")
    ids = set(query.person_ids(0, None))
    assert ids == {village["idle"], village["returned"]}
    rows = {pid: row for pid, row in zip(query.person_ids(0, None), query.rows(0, None))}
    reason, short = query.columns.index("需要就业的原因"), query.columns.index("还缺")
    assert rows[village["returned"]][reason] == "今年返乡未再输出"
    assert rows[village["idle"]][short] == "职业指导1次、岗位信息3次、免费培训1次"
    [gaps] = gaps_by_village(db, D(2026, 10, 31))
    assert (gaps.needing, gaps.complete, gaps.short, gaps.short_jobs) == (3, 1, 2, 2)


def test_a_list_paged_from_the_years_services_follows_a_service_recorded(db, village):
    """The list reads each person's services this year from a TEMP table of the connection
    (``catalogue.paged_sources``: a subquery was aggregated again for every page, 1.5 s at
    200,000 households): a service recorded after it was made is in the next list."""
    assert set(ledger_query(db, "service-gaps", "2026-10-31").person_ids(0, None)) == {village["idle"],
                                                                                     village["returned"]}
    for day, kind in [(7, "职业指导"), (8, "岗位信息推送"), (9, "岗位信息推送"), (10, "岗位信息推送"), (11, "免费培训")]:
        record_services(db, [village["idle"]], kind, D(2026, 7, day))
    query = ledger_query(db, "service-gaps", "2026-10-31")
    assert set(query.person_ids(0, None)) == {village["returned"]}
    assert "temp.services_year" in query._count_joins  # the kept table, not the subquery


def test_services_count_from_the_first_of_january(db, village):
    assert person_services(db, village["idle"], 2026) == {"职业指导": 0, "岗位信息推送": 0, "免费培训": 0}
    assert person_services(db, village["idle"], 2025)["职业指导"] == 1
    assert short_of({"职业指导": 1, "岗位信息推送": 1}) == {"岗位信息推送": 2, "免费培训": 1}
    assert short_of(person_services(db, village["done"], 2026)) == {}
    # as of a date before the training, the person is still short of it
    query = ledger_query(db, "service-gaps", "2026-05-31")
    assert village["done"] in query.person_ids(0, None)


def test_record_one_service_for_many_people(db, village):
    many = [village["idle"], village["returned"], village["idle"]]
    done = record_services(db, many, "免费培训", D(2026, 10, 8), provider="县职业技能培训中心", days=5)
    assert (done.added, done.already) == (2, 0)
    assert db.execute("SELECT DISTINCT days FROM services WHERE service_date = '2026-10-08'").fetchall() == [(5,)]
    again = record_services(db, many, "免费培训", D(2026, 10, 8))
    assert (again.added, again.already) == (0, 2)
    assert person_services(db, village["returned"], 2026)["免费培训"] == 1
    with pytest.raises(ValueError, match="服务类型"):
        record_services(db, many, "上门慰问", D(2026, 10, 8))


def test_cli_records_for_everyone_short_in_a_village_and_prints_the_sheet(tmp_path, capsys):
    from conftest import Factory

    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "甘肃省", "张掖市", "测试县")
    f = Factory(database)
    idle = f.person()
    other = f.person(f.household(township="沙河镇", village="城关村"))
    database.close()
    argv = ["--db", str(path), "services"]
    assert main([*argv, "record", "--kind", "职业指导", "--date", "2026-10-09", "--short-in", "城关镇/城关村"]) == 0
    assert "已为1人登记" in capsys.readouterr().out
    assert main([*argv, "gaps", "--as-of", "2026-10-31"]) == 0
    out = capsys.readouterr().out
    assert "需要就业2人，已达标0人" in out
    sheet = tmp_path / "城关村.xlsx"
    assert main([*argv, "sheet", "--village", "沙河镇/城关村", "--as-of", "2026-10-31", "--out", str(sheet)]) == 0
    rows = list(openpyxl.load_workbook(sheet).active.iter_rows(values_only=True))
    assert rows[0][0] == "1-3-1就业服务未达标人员清单"
    assert rows[3][-1] == "职业指导1次、岗位信息3次、免费培训1次"
    assert len(rows) == 4
    database = open_database(path)
    assert person_services(database, idle, 2026)["职业指导"] == 1
    assert person_services(database, other, 2026)["职业指导"] == 0
    assert main([*argv, "record", "--kind", "职业指导", "--date", "2026-10-09", "--ids", "110101199001011234"]) == 2
