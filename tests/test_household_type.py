"""Household type at D (DOMAIN.md, issue 17): a dated history, so a household that leaves the
groups (风险消除, a retype) keeps every past report as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.domain.codes import codes
from wengang.services.ledgers import ledger_query
from wengang.services.reports import compute_form
from wengang.store.household_type import (
    PLACES_AT,
    change_household_type,
    household_places_at,
    households_at,
    type_history,
)

PAST = "2025-12-31"


def _village_f1(db, as_of, village="河西村"):
    result = compute_form(db, "F1", as_of, by="village")
    row = next(r for r in result.rows if r.label == village)
    return row.values["ly"], row.values["ty"]


@pytest.fixture
def hexi(db, factory):
    """Two 河西村 households with a worker each in 2024 and 2025; one is a 监测户."""
    monitored = factory.household("城关镇", "河西村", hh_type="监测户", monitor_category="边缘易致贫户")
    poor = factory.household("城关镇", "河西村")
    for hh in (monitored, poor):
        factory.spell(factory.person(hh), "2024-03-01", None, region="省外")
    return monitored


def test_a_new_household_has_one_open_row(db, hexi):
    assert type_history(db, hexi) == [{"hh_type": "监测户", "monitor_category": "边缘易致贫户",
                                       "valid_from": None, "valid_to": None, "reason": "登记"}]


def test_a_retype_today_keeps_past_reports_unchanged(db, hexi):
    before = _village_f1(db, PAST)
    assert before == (2, 2)
    assert ledger_query(db, "this-year", PAST).count() == 2
    db["households"].update(hexi, {"hh_type": "一般户", "monitor_category": None})  # left the groups
    assert _village_f1(db, PAST) == before
    assert ledger_query(db, "this-year", PAST).count() == 2
    today = dt.date.today().isoformat()
    history = type_history(db, hexi)
    assert [(h["hh_type"], h["valid_from"], h["valid_to"]) for h in history] == \
        [("监测户", None, today), ("一般户", today, None)]
    # from today on, the household is outside the groups
    assert ledger_query(db, "this-year", today).count() == 1


def test_risk_eliminated_on_a_date_counts_until_that_day(db, hexi):
    change_household_type(db, hexi, "一般户", None, "2025-07-01", reason="风险消除")
    assert _village_f1(db, "2025-06-30")[1] == 2
    assert _village_f1(db, "2025-07-31")[1] == 1
    assert [h["reason"] for h in type_history(db, hexi)] == ["登记", "风险消除"]
    with pytest.raises(ValueError, match="须晚于"):
        change_household_type(db, hexi, "监测户", "突发严重困难户", "2025-06-01")


def test_changed_back_on_the_same_day_leaves_no_trace(db, hexi):
    db["households"].update(hexi, {"hh_type": "脱贫户", "monitor_category": None})
    db["households"].update(hexi, {"hh_type": "监测户", "monitor_category": "边缘易致贫户"})
    assert [(h["hh_type"], h["valid_to"]) for h in type_history(db, hexi)] == [("监测户", None)]


def test_deleting_a_household_drops_its_history(db, hexi):
    db.execute("DELETE FROM persons WHERE household_id = ?", [hexi])
    db.execute("DELETE FROM households WHERE id = ?", [hexi])
    assert type_history(db, hexi) == []


def test_non_poor_households_are_not_relocated_ones_by_name():
    """一般户/非贫困户 are households outside the groups; only relocation makes them 同步搬迁户
    (the importer decides from 是否易地扶贫搬迁)."""
    hh_type = codes("hh_type")
    assert hh_type.normalise("非贫困户") == "一般户" and hh_type.normalise("一般户") == "一般户"
    assert hh_type.normalise("同步搬迁非贫困户") == "同步搬迁户"


def test_import_files_non_poor_households_by_relocation_and_dates_a_retype(db, tmp_path):
    from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx  # noqa: PLC0415

    from wengang.services.importing import import_file  # noqa: PLC0415

    rows = person_rows(6)  # households of three: 620702…01 and …02
    for row in rows[:3]:
        row[5], row[8] = "非贫困户", "是"   # relocated with the poor: 同步搬迁户
    for row in rows[3:]:
        row[5] = "一般户"                   # not relocated: outside the groups
    import_file(db, "persons", write_xlsx(tmp_path / "a.xlsx", PERSON_HEADERS, rows))
    types = dict(db.execute("SELECT hh_no, hh_type FROM households").fetchall())
    assert types == {"62070200000001": "同步搬迁户", "62070200000002": "一般户"}
    for row in rows[3:]:
        row[5], row[6] = "监测户", "突发严重困难户"  # identified: a new dated row, not a rewrite
    import_file(db, "persons", write_xlsx(tmp_path / "b.xlsx", PERSON_HEADERS, rows))
    hh = db.execute("SELECT id FROM households WHERE hh_no = '62070200000002'").fetchone()[0]
    assert [(h["hh_type"], h["valid_to"] is None) for h in type_history(db, hh)] == \
        [("一般户", False), ("监测户", True)]


def test_registry_records_a_type_change_on_the_day_it_took_effect(db, hexi):
    from wengang.services.registry import RegistryError, save_household  # noqa: PLC0415

    fields = {"hh_no": db["households"].get(hexi)["hh_no"], "area_id": db["households"].get(hexi)["area_id"],
              "hh_type": "脱贫户", "type_from": "2025-09-01", "type_reason": "风险消除"}
    save_household(db, fields, hexi)
    assert [(h["hh_type"], h["valid_from"], h["valid_to"]) for h in type_history(db, hexi)] == \
        [("监测户", None, "2025-09-01"), ("脱贫户", "2025-09-01", None)]
    with pytest.raises(RegistryError):
        save_household(db, {**fields, "hh_type": "一般户", "type_from": "2025-01-01"}, hexi)


def test_overview_and_subsidies_read_the_type_at_d(db, hexi):
    """风险消除 on 1 July: at 30 June the household is still a 监测户 for the overview's
    population and for 应享未享 (not its type today)."""
    from wengang.services.overview import compute_overview
    from wengang.services.rules.subsidies import entitlement_details
    member = db.execute("SELECT id FROM persons WHERE household_id = ?", [hexi]).fetchone()[0]
    owed_before = {r["kind"] for r in entitlement_details(db, "heilongjiang_2022", dt.date(2025, 6, 30)) if r["person_id"] == member}
    assert owed_before  # a worker of a 监测户 out of the province is owed something
    change_household_type(db, hexi, "一般户", None, "2025-07-01", reason="风险消除")
    assert compute_overview(db, dt.date(2025, 6, 30)).persons == 2
    assert compute_overview(db, dt.date(2025, 7, 31)).persons == 1
    owed_at = {r["kind"] for r in entitlement_details(db, "heilongjiang_2022", dt.date(2025, 6, 30)) if r["person_id"] == member}
    assert owed_at == owed_before
    assert not [r for r in entitlement_details(db, "heilongjiang_2022", dt.date(2025, 7, 31)) if r["person_id"] == member]


def test_households_at_is_the_households_keyed_by_id_with_the_type_at_d(db, hexi):
    """``households_at``: every household, every column in the households' order and with
    their declared types (so the same affinity), the type as at D, keyed by id as the rowid
    (a join on it is one look-up, no index of its own)."""
    change_household_type(db, hexi, "脱贫户", None, "2026-01-01", "风险消除")
    table = households_at(db, PAST)
    columns = [(c.name, c.type) for c in db["households"].columns]
    info = db.execute(f"PRAGMA temp.table_info({table})").fetchall()
    assert [(row[1], row[2]) for row in info] == columns
    assert [row[1] for row in info if row[5]] == ["id"] and db.execute(f"SELECT count(*) FROM temp.{table} WHERE rowid <> id").fetchone()[0] == 0
    assert db.execute(f"SELECT name FROM sqlite_temp_master WHERE type = 'index' AND tbl_name = '{table}'").fetchall() == []
    names = ", ".join(name for name, _ in columns)
    want = db.execute(f"SELECT {names} FROM households ORDER BY id").fetchall()
    got = db.execute(f"SELECT {names} FROM temp.{table}").fetchall()
    types = dict(db.execute(f"SELECT id, typeof(relocated) || typeof(area_id) FROM temp.{table}").fetchall())
    assert types == dict(db.execute("SELECT id, typeof(relocated) || typeof(area_id) FROM households").fetchall())
    hh_type = [name for name, _ in columns].index("hh_type")
    assert [row[hh_type] for row in got] == ["监测户", "脱贫户"] and [row[hh_type] for row in want] == ["脱贫户", "脱贫户"]
    assert [row[:hh_type] for row in got] == [row[:hh_type] for row in want]


@pytest.mark.parametrize("day", [PAST, "2026-06-30"])
def test_household_places_at_are_households_at_on_the_places(db, hexi, factory, day):
    """``household_places_at``: households_at's id and places (type as at D), same values and
    types, and nothing else."""
    factory.household("城关镇", "河东村", relocated=1)
    change_household_type(db, hexi, "脱贫户", None, "2026-01-01", "风险消除")
    places, whole = household_places_at(db, day), households_at(db, day)
    names = ", ".join(("id", *PLACES_AT))
    typed = ", ".join(f"typeof({c})" for c in ("id", *PLACES_AT))
    got = db.execute(f"SELECT *, {typed} FROM temp.{places}").fetchall()
    assert got == db.execute(f"SELECT {names}, {typed} FROM temp.{whole} ORDER BY id").fetchall()
    assert [row[1] for row in db.execute(f"PRAGMA temp.table_info({places})").fetchall()] == ["id", *PLACES_AT]
    assert len(got) == 3 and {row[3] for row in got} == ({"监测户", "脱贫户"} if day == PAST else {"脱贫户"})
