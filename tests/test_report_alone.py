"""One form asked alone right after an import: its cube counted from statuses derived on the spot.

``wengang report F1`` as a new process right after an import (every person marked in the
status store) used to derive everyone's statuses into the store, then count F1's cube from
them. Asked alone (``compute_form(..., alone=True)``, the CLI's one-form report), a form that
reads the statuses through the cube only now counts it straight from a derivation
(``store.status.count_derived``) and writes nothing: the same numbers, the store and its
marks left for the next reader.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from test_status_store import AS_OF, random_edits

from wengang.cli.main import main
from wengang.domain.status import AsOf
from wengang.services.reports import compute_form, engine, list_forms
from wengang.services.reports.cube import DIMENSIONS, columns_read, counts_the_employed_only, cube_sql
from wengang.store import status as store_status
from wengang.store.db import open_database
from wengang.store.household_type import (
    change_household_type,
    household_places_at,
    household_places_view,
    households_at,
)
from wengang.store.status import PLACE_COLUMNS, STATUS_COLUMNS, SURVEY_COLUMNS, count_derived, materialize_status

DAYS = (AS_OF, dt.date(2024, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 11, 30))


@pytest.fixture
def county(demo_file):
    path, db = demo_file(11, AS_OF)
    random_edits(db, random.Random(3), 12)
    return path, db


def _mark_everyone(db) -> None:
    """What an import leaves the status store: every person marked (the triggers' doing)."""
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO status_store_marks SELECT id FROM persons")


def _store_state(db) -> tuple:
    return (db.execute("SELECT count(*) FROM status_store").fetchone()[0],
            db.execute("SELECT day, definition, built_at, base FROM status_store_dates ORDER BY day").fetchall(),
            db.execute("SELECT count(*) FROM status_store_marks").fetchone()[0],
            db.execute("SELECT day, kind FROM status_store_summaries ORDER BY day, kind").fetchall())


def _values(result) -> list:
    return [row.values for row in result.rows]


def _cube_only(spec) -> bool:
    req = engine._request(spec.id, AS_OF, "township", None, None, None)  # noqa: SLF001
    return engine._statuses_on_cube_only(req) and "cube" in engine._needs(req, req.decl["columns"])  # noqa: SLF001


def test_each_form_alone_after_an_import_gives_the_stored_paths_numbers(county):
    """Every form, asked alone as a new process's only form right after an import, at dates on
    and beside the as-of date and in another year, by township and by village: the numbers of
    the usual path. The forms that read statuses through the cube only leave the store as it
    was (F1 among them); the others derive and store the date as before."""
    path, db = county
    forms = list_forms()
    assert any(_cube_only(spec) for spec in forms) and _cube_only(next(s for s in forms if s.id == "employment"))
    groupings = {spec.id: [by for by in ("township", "village") if by == "township" or by in spec.groupings]
                 for spec in forms}
    want = {(spec.id, day, by): _values(compute_form(db, spec.id, day, by=by))
            for spec in forms for day in DAYS for by in groupings[spec.id]}
    for spec in forms:
        for day in DAYS:
            for by in groupings[spec.id]:
                _mark_everyone(db)
                before = _store_state(db)
                again = open_database(path)
                try:
                    got = _values(compute_form(again, spec.id, day, by=by, alone=True))
                    after = _store_state(again)
                finally:
                    again.close()
                assert got == want[(spec.id, day, by)], (spec.id, day, by)
                if _cube_only(spec):
                    assert after == before, (spec.id, day)
                else:
                    assert after[2] == 0, spec.id  # derived and stored: every mark answered


def test_asked_alone_at_a_date_stored_without_a_cube_it_reads_the_store(county):
    """Alone, a few persons marked, the date stored without a cube kept beside it (read by a
    list, not a form): the form takes the usual way — the store brought up to date (the marks
    answered), the same numbers as a fresh reader."""
    path, db = county
    store_status.status_table(db, AsOf(AS_OF))  # the date stored, no summary counted
    assert not db.execute("SELECT count(*) FROM status_store_summaries").fetchone()[0]
    random_edits(db, random.Random(10), 3)
    assert 0 < db.execute("SELECT count(*) FROM status_store_marks").fetchone()[0]
    again = open_database(path)
    try:
        assert not store_status.derived_whole_on_reading(again, AsOf(AS_OF))
        got = _values(compute_form(again, "F1", AS_OF, alone=True))
        assert again.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] == 0
    finally:
        again.close()
    check = open_database(path)
    try:
        assert got == _values(compute_form(check, "F1", AS_OF))
    finally:
        check.close()


def _monthly_changes(db) -> None:
    """What a monthly import changes for a few persons: a household with someone at work moved
    to a village of another township, a person at work gone, a spell's 地域 changed, a new
    person (in a new household) at work since this year."""
    at_work = db.execute("SELECT p.id, p.household_id FROM persons p JOIN employment_spells s ON s.person_id = p.id "
                         "WHERE s.end_date IS NULL ORDER BY p.id").fetchall()
    (moved, household), (gone, _) = at_work[0], at_work[-1]
    assert moved != gone
    with db.atomic():
        db.execute("UPDATE households SET area_id = (SELECT v.id FROM areas v WHERE v.level = 'village' "
                   "AND v.parent_id <> (SELECT parent_id FROM areas WHERE id = households.area_id) "
                   "ORDER BY v.id LIMIT 1) WHERE id = ?", [household])
        db.execute("DELETE FROM employment_spells WHERE person_id = ?", [gone])
        db.execute("DELETE FROM persons WHERE id = ?", [gone])
        db.execute("UPDATE employment_spells SET region = CASE region WHEN '省外' THEN '县内' ELSE '省外' END "
                   "WHERE id = (SELECT max(id) FROM employment_spells WHERE end_date IS NULL)")
        area = db.execute("SELECT area_id FROM households ORDER BY id LIMIT 1").fetchone()[0]
        new_household = db.execute("INSERT INTO households (hh_no, area_id, hh_type) VALUES ('新户0001', ?, '脱贫户')",
                                   [area]).lastrowid
        db.execute("UPDATE household_type_history SET valid_from = NULL WHERE household_id = ?", [new_household])
        person = db.execute("INSERT INTO persons (household_id, name, id_number, labour_skill) "
                            "VALUES (?, '新人', '620102199001011236', '普通劳动力')", [new_household]).lastrowid
        db.execute("INSERT INTO employment_spells (person_id, start_date, region, channel) "
                   "VALUES (?, '2024-03-01', '省外', '自主')", [person])


def _groupings(spec) -> list[str]:
    return [by for by in ("township", "village") if by == "township" or by in spec.groupings]


def _asked_alone(path, db, forms, day: dt.date) -> dict:
    """(form, grouping) → its rows, each form asked alone (a process's one form) on a new
    connection, by township and by village; each wrote nothing to the store."""
    got = {}
    for spec in forms:
        for by in _groupings(spec):
            before = _store_state(db)
            again = open_database(path)
            try:
                got[spec.id, by] = _values(compute_form(again, spec.id, day, by=by, alone=True))
                after = _store_state(again)
            finally:
                again.close()
            assert after == before, (spec.id, day, by)
    return got


def _as_the_usual_way(usual, got: dict, day: dt.date) -> None:
    """Each of ``got`` (:func:`_asked_alone`) equals its form computed the usual way on ``usual``."""
    for (form, by), values in got.items():
        assert values == _values(compute_form(usual, form, day, by=by)), (form, day, by)


@pytest.mark.parametrize("kept", ["first", "full", "replaced", "built from a neighbour"])
def test_a_form_alone_at_a_stored_date_with_persons_marked_corrects_its_kept_cube(county, kept, monkeypatch):
    """A stored date with a few persons marked since (an edit, a monthly import): the form
    alone takes the date's kept cube (the first form's, the full one, one with persons
    replaced since it was counted, or that of a date stored as a neighbour's rows and its own)
    corrected by the marked persons — their stored rows out, their statuses now in, no one
    else derived — and writes nothing, the marks left standing; by township and by village
    its numbers are those of the usual way, which refreshes the marked persons' rows first."""
    path, db = county
    day = dt.date(2024, 6, 29) if kept == "built from a neighbour" else AS_OF
    if kept == "first":
        compute_form(db, "F1", AS_OF)
    else:
        engine.prepare(db, AsOf(AS_OF), ("cube",))
    if kept == "built from a neighbour":
        engine.prepare(db, AsOf(day), ("cube",))
        assert db.execute("SELECT base FROM status_store_dates WHERE day = 20240629").fetchone() == (20240630,)
    earlier = _values(compute_form(db, "F1", day))
    if kept == "replaced":
        random_edits(db, random.Random(21), 10)
        store_status.status_table(db, AsOf(AS_OF))  # the edited persons' rows replaced, the cube not recounted
    _monthly_changes(db)
    random_edits(db, random.Random(5), 8)
    assert (kept == "replaced") == bool(db.execute("SELECT count(*) FROM status_store_replaced").fetchone()[0])
    marked, persons = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("status_store_marks", "persons"))
    assert 0 < marked * store_status.status_store.WHOLESALE_SHARE < persons
    real = store_status.materialize_status

    def for_the_marked_only(*args, **kwargs):
        assert kwargs.get("persons"), "derived for everyone"
        return real(*args, **kwargs)

    forms = [spec for spec in _cube_forms() if kept != "first" or spec.id == "employment"]  # F1's cube kept
    with monkeypatch.context() as patched:
        patched.setattr(store_status, "materialize_status", for_the_marked_only)
        patched.setattr(engine, "count_derived", lambda *a: pytest.fail("counted afresh"))
        got = _asked_alone(path, db, forms, day)  # the marks left standing
    assert got["employment", "township"] != earlier  # the changes show in F1
    usual = open_database(path)
    try:
        _as_the_usual_way(usual, got, day)
        assert usual.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] == 0
    finally:
        usual.close()


@pytest.mark.parametrize("day", [dt.date(2023, 12, 31), dt.date(2025, 1, 31)])
def test_a_form_alone_at_a_date_with_no_stored_date_of_its_year_counts_without_storing(county, day):
    """Another year than every stored date (last year's end, next January): reading the date
    would derive every person's statuses (no neighbour of its year to build it from), so a
    form asked alone counts from a derivation of its own, as right after an import, and
    stores nothing; by township and by village, the usual way's numbers (which then stores
    the date). A date of a stored date's year is still built from it."""
    path, db = county
    engine.prepare(db, AsOf(AS_OF), ("cube",))  # AS_OF stored, the full cube kept
    assert store_status.derived_whole_on_reading(db, AsOf(day))
    assert not store_status.derived_whole_on_reading(db, AsOf(dt.date(2024, 3, 31)))
    got = _asked_alone(path, db, _cube_forms(), day)
    usual = open_database(path)
    try:
        _as_the_usual_way(usual, got, day)
        assert day.year * 10000 + day.month * 100 + day.day in {
            r[0] for r in usual.execute("SELECT day FROM status_store_dates").fetchall()}
    finally:
        usual.close()


def test_statuses_already_derived_in_the_connection_are_counted_not_derived_again(county):
    path, db = county
    _mark_everyone(db)
    again = open_database(path)
    try:
        store_status.status_table(again, AsOf(AS_OF))  # derived whole and stored here
        assert again.execute("SELECT count(*) FROM status_store_marks").fetchone()[0] == 0
        _mark_everyone(again)
        assert store_status.derived_whole_on_reading(again, AsOf(AS_OF))
        assert store_status.derived_whole_on_reading(again, AsOf(dt.date(2024, 1, 1)))
    finally:
        again.close()


def _every_column_counted() -> tuple[list[str], list[str]]:
    """One count per status column (not NULL, and truthy), so a column a derivation read for a
    few columns left out (or took from the wrong spell) shows."""
    columns = [c for c in STATUS_COLUMNS + PLACE_COLUMNS + SURVEY_COLUMNS if c not in DIMENSIONS and c != "person_id"]
    return columns, [f"st.{c} IS NOT NULL" for c in columns] + [f"coalesce(st.{c}, 0) <> 0" for c in columns]


@pytest.mark.parametrize("day", DAYS)
def test_a_derivation_read_for_some_columns_counts_each_as_the_whole_one(county, day):
    """``count_derived`` looks for the latest spells of a kind, and the surveys, only when the
    columns the counting reads (``columns_read``, declared by the caller) include one they give,
    and carries the latest spells' presence and 地域 when those and the places are all it reads:
    each column counted alone (and all together, and with a plain COUNT(*) only) equals the
    count over the whole derivation."""
    _, db = county
    columns, predicates = _every_column_counted()
    whole = materialize_status(db, AsOf(day), "whole_statuses")
    hh_at = households_at(db, day)

    def both(chosen: list[str]) -> tuple[list, list]:
        db.execute(cube_sql("want_cube", whole, chosen))
        count_derived(db, AsOf(day), lambda name, status: cube_sql(name, status, chosen), "got_cube", hh_at,
                      columns_read(chosen))
        out = [sorted(db.execute(f"SELECT * FROM temp.{t}").fetchall(), key=repr) for t in ("want_cube", "got_cube")]
        db.execute("DROP TABLE temp.want_cube")
        db.execute("DROP TABLE temp.got_cube")
        return out[0], out[1]

    for k, column in enumerate(columns):
        for predicate in (predicates[k], predicates[len(columns) + k]):
            want, got = both([predicate])
            assert got == want, (day, column, predicate)
            if day == AS_OF and column in ("employed_last_year", "employed_now", "returned", "survey_date"):
                assert any(row[len(DIMENSIONS) + 1] for row in want), column  # the data has some
    want, got = both(predicates)
    assert got == want
    want, got = both(["1"])
    assert got == want
    assert db.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'got_cube%'").fetchall() == []


def test_columns_read_name_the_spells_and_surveys_looked_for():
    read_in = store_status._read_in  # noqa: SLF001
    assert read_in(None) == (None, True, True)
    assert read_in(["employed_last_year", "area_id"]) == (frozenset({"ly_id"}), False, False)
    assert read_in({"this_year_region", "replaced_date", "willing"}) == (
        frozenset({"ty_id", "return_id"}), True, False)
    assert read_in(("area_id", "is_labour")) == (frozenset(), False, False)
    assert read_in(["now_spell_id", "survey_id"]) == (frozenset({"cur_id"}), True, False)
    # the survey's particulars are copied only for a reader of one of them (the store looks
    # them up by the survey's id)
    assert read_in(["planned_month"]) == (frozenset(), True, True)
    assert read_in(["survey_measure", "employed_now"]) == (frozenset({"cur_id"}), True, True)



def test_a_cubes_columns_read_are_its_groups_and_every_status_column_its_predicates_name():
    groups = {"household_id", *DIMENSIONS}
    assert columns_read([]) == groups == columns_read(["1"])
    assert columns_read(["(st.employed_last_year) AND (st.last_year_region = '省外')"]) == groups | {
        "employed_last_year", "last_year_region"}
    # a name without its alias, or a column named in passing, is read too: one too many costs a
    # look-up, one too few a wrong count
    assert columns_read(["returned AND coalesce(st.willing, 'now_region') <> ''", "st.is_labour"]) == groups | {
        "returned", "willing", "now_region", "is_labour"}


def _regions_off_the_list(db) -> None:
    """Spells whose 地域 is none of the code list's first three (another text, or none)."""
    with db.atomic():
        db.execute("UPDATE employment_spells SET region = '境外' WHERE id % 7 = 0")
        db.execute("UPDATE employment_spells SET region = NULL WHERE id % 11 = 0")


@pytest.mark.parametrize("day", DAYS)
def test_a_derivation_carrying_the_latest_spells_counts_each_region_as_the_whole_one(county, monkeypatch, day):
    """Read for the places and whether and where persons worked last year, this year and now,
    ``count_derived`` carries each latest spell's 地域 with it (no derivation through every
    spell: ``materialize_status`` is not called): each 地域 of each kind, those off the code
    list (looked up by the spell) and none, counts as over the whole derivation."""
    _, db = county
    _regions_off_the_list(db)
    whole = materialize_status(db, AsOf(day), "whole_statuses")
    hh_at = households_at(db, day)
    monkeypatch.setattr(store_status, "materialize_status", lambda *a, **k: pytest.fail("derived through spells"))
    regions = ("省外", "省内县外", "县内", "境外")
    predicates = [p for employed, region in (("employed_last_year", "last_year_region"),
                                             ("employed_this_year", "this_year_region"),
                                             ("employed_now", "now_region"))
                  for p in [f"st.{employed}", f"st.{employed} AND st.{region} IS NULL"]
                  + [f"st.{region} = '{r}'" for r in regions]]
    for chosen in [predicates, *([p] for p in predicates)]:
        db.execute(cube_sql("want_cube", whole, chosen))
        count_derived(db, AsOf(day), lambda name, status, chosen=chosen: cube_sql(name, status, chosen),
                      "got_cube", hh_at, columns_read(chosen))
        want, got = (db.execute(f"SELECT * FROM temp.{t}").fetchall() for t in ("want_cube", "got_cube"))
        assert got == want, (day, chosen)
        if day == AS_OF and len(chosen) > 1:  # the data has each kind in each region, and off the list
            assert all(sum(row[len(DIMENSIONS) + 1 + k] for row in want) for k in range(len(chosen))), want
        db.execute("DROP TABLE temp.want_cube")
        db.execute("DROP TABLE temp.got_cube")
    assert db.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'got_cube%'").fetchall() == []


@pytest.mark.parametrize("day", DAYS)
def test_counts_of_the_employed_read_the_persons_with_a_spell_alone(county, day):
    """Counts that are all of persons who worked last year, this year or now (F1's), carried
    with ``employed_only``: each group's counts as over the whole derivation (a group with
    none of them employed is left out: a form sums it as 0), from the rows of the persons with
    a latest spell of a kind read alone."""
    _, db = county
    _regions_off_the_list(db)
    whole = materialize_status(db, AsOf(day), "whole_statuses")
    hh_at = households_at(db, day)
    regions = ("省外", "省内县外", "县内", "境外")
    predicates = [f"(st.{employed})" + (f" AND (st.{region} = '{r}')" if r else "")
                  for employed, region in (("employed_last_year", "last_year_region"),
                                           ("employed_this_year", "this_year_region"),
                                           ("employed_now", "now_region"))
                  for r in (None, *regions)] + ["(st.hh_type = '脱贫户') AND (st.employed_this_year)"]
    assert counts_the_employed_only(predicates)
    db.execute(cube_sql("want_cube", whole, predicates))
    count_derived(db, AsOf(day), lambda name, status: cube_sql(name, status, predicates), "got_cube", hh_at,
                  columns_read(predicates), employed_only=True)
    groups = len(DIMENSIONS)
    want, got = ({tuple(row[:groups]): row[groups:] for row in db.execute(f"SELECT * FROM temp.{t}")}
                 for t in ("want_cube", "got_cube"))
    assert {k: v[1:] for k, v in got.items()} == {k: v[1:] for k, v in want.items() if any(v[1:])}
    read = sum(v[0] for v in got.values())  # the cube's COUNT(*): the rows it was given
    with_a_spell = db.execute(
        "SELECT count(DISTINCT person_id) FROM employment_spells WHERE start_date <= ? "
        "AND (end_date IS NULL OR end_date >= ?)", [day.isoformat(), f"{day.year - 1}-01-01"]).fetchone()[0]
    everyone = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert read == with_a_spell < everyone
    if day == AS_OF:
        assert sum(v[1] for v in want.values()) > 0


def test_counts_of_the_employed_only_are_those_with_whether_they_worked_as_an_anded_part():
    engine._form_predicates([engine.get_form("F1").decl], out := {})  # noqa: SLF001
    f1 = list(out)
    assert len(f1) == 8 and counts_the_employed_only(f1)
    for form in ("F2", "F6", "F7"):
        engine._form_predicates([engine.get_form(form).decl], out := {})  # noqa: SLF001
        assert counts_the_employed_only(list(out)) == (form == "F2"), form
    assert counts_the_employed_only(["(st.is_labour) AND (st.employed_now)", "st.employed_last_year"])
    assert counts_the_employed_only(["(st.x = 'a AND (b') AND (st.employed_now)"])
    # anything a person without a spell could meet is counted over everyone
    for predicate in ("1", "(st.is_labour)", "NOT st.employed_now", "(NOT st.employed_now)",
                      "(st.employed_now) OR (st.is_labour)", "(st.employed_now OR st.is_labour)",
                      "st.employed_nowhere", "(st.x = 'st.employed_now')", "coalesce(st.employed_now, 1)"):
        assert not counts_the_employed_only([predicate]), predicate
        assert not counts_the_employed_only(f1 + [predicate]), predicate
    assert not counts_the_employed_only([])


def test_dates_are_written_into_a_view_as_literals_and_nothing_else():
    literals = store_status._with_literals  # noqa: SLF001
    params = AsOf(AS_OF).params()
    sql = "SELECT :as_of, :ly_start, :ly_end, :year_start, ':as_of_not' FROM t WHERE d <= :as_of"
    assert literals(sql, params) == ("SELECT '2024-06-30', '2023-01-01', '2023-12-31', '2024-01-01', "
                                     "':as_of_not' FROM t WHERE d <= '2024-06-30'")
    with pytest.raises(ValueError):
        literals("SELECT :x", {"x": "1'; DROP TABLE persons; --"})


def test_cli_report_of_one_form_after_an_import_leaves_the_store(county, tmp_path, capsys):
    """``wengang report F1 --out`` right after an import counts without storing (its numbers
    the usual ones); ``--cell`` reads persons' statuses, so the date is derived and stored."""
    path, db = county
    want = _values(compute_form(db, "F1", AS_OF))
    _mark_everyone(db)
    before = _store_state(db)
    db.close()
    out = tmp_path / "f1.csv"
    assert main(["--db", str(path), "report", "F1", "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 0
    again = open_database(path)
    try:
        assert _store_state(again) == before
        assert _values(compute_form(again, "F1", AS_OF)) == want
    finally:
        again.close()
    capsys.readouterr()


NEAR = (dt.date(2024, 6, 29), dt.date(2024, 7, 1), dt.date(2024, 5, 31), dt.date(2024, 3, 15),
        dt.date(2024, 12, 31))  # the same year as AS_OF, stored: each built from it


def _cube_forms() -> list:
    return [spec for spec in list_forms() if _cube_only(spec)]


def _changes_around(db, day: dt.date) -> None:
    """Spells starting and ending in the days around ``day``, in every region, for a few persons
    (fewer than 1/8: the dates near it are built from it)."""
    persons = [r[0] for r in db.execute("SELECT id FROM persons ORDER BY id")]
    regions = ("省外", "省内县外", "县内")
    with db.atomic():
        for k, person in enumerate(persons[::17][:24]):
            start = day + dt.timedelta(days=(k % 5) - 2)
            end = None if k % 3 else start + dt.timedelta(days=k % 4)
            db.execute("INSERT OR IGNORE INTO employment_spells (person_id, start_date, end_date, region, channel) "
                       "VALUES (?, ?, ?, ?, '自主')", [person, start.isoformat(), end and end.isoformat(), regions[k % 3]])
            db.execute("UPDATE employment_spells SET end_date = ? WHERE person_id = ? AND end_date IS NULL "
                       "AND start_date < ?", [(day - dt.timedelta(days=k % 3)).isoformat(), persons[k * 5 + 1],
                                               (day - dt.timedelta(days=30)).isoformat()])


@pytest.mark.parametrize("kept", ["first", "full", "replaced"])
def test_a_form_alone_at_a_date_next_to_a_stored_one_corrects_its_kept_cube(county, kept):
    """A date not stored, next to a stored one (nothing marked): the form alone takes the
    neighbour's kept cube (the first form's, the full one, or one with persons replaced since
    it was counted) corrected by the persons changed between, and stores nothing; its numbers
    are those of the usual way, which then builds and stores the date."""
    path, db = county
    _changes_around(db, AS_OF)
    if kept == "first":
        compute_form(db, "F1", AS_OF)
    else:
        engine.prepare(db, AsOf(AS_OF), ("cube",))
    if kept == "replaced":
        random_edits(db, random.Random(21), 10)
        store_status.status_table(db, AsOf(AS_OF))  # the edited persons' rows replaced, the cube not recounted
        assert db.execute("SELECT count(*) FROM status_store_replaced").fetchone()[0]
    forms = [spec for spec in _cube_forms() if kept != "first" or spec.id == "employment"]  # F1's cube kept
    for day in NEAR:
        for spec in forms:
            before = _store_state(db)
            again = open_database(path)
            try:
                got = _values(compute_form(again, spec.id, day, alone=True))
                after = _store_state(again)
            finally:
                again.close()
            assert after == before, (spec.id, day)  # not the usual way: it would build the date
            usual = open_database(path)
            try:
                want = _values(compute_form(usual, spec.id, day))
            finally:
                usual.close()
            assert got == want, (kept, spec.id, day)
            with db.atomic():  # back to the neighbour alone
                for (key,) in db.execute("SELECT day FROM status_store_dates WHERE day <> ?",
                                         [AS_OF.year * 10000 + AS_OF.month * 100 + AS_OF.day]).fetchall():
                    db.execute("DELETE FROM status_store WHERE day = ?", [key])
                    db.execute("DELETE FROM status_store_summaries WHERE day = ?", [key])
                    db.execute("DELETE FROM status_store_replaced WHERE day = ?", [key])
                    db.execute("DELETE FROM status_store_dates WHERE day = ?", [key])


def test_a_form_alone_next_to_a_stored_date_took_the_neighbours_cube(county, monkeypatch):
    """The neighbour's kept cube is what is corrected: counting from a derivation is not called."""
    path, db = county
    compute_form(db, "F1", AS_OF)
    calls: list = []
    monkeypatch.setattr(engine, "count_derived", lambda *a: calls.append(a))
    again = open_database(path)
    try:
        compute_form(again, "F1", dt.date(2024, 7, 1), alone=True)
    finally:
        again.close()
    assert calls == []


@pytest.mark.parametrize("day", DAYS)
def test_a_cube_counted_per_household_first_is_the_cube(county, day):
    """The cube counted from a derivation per household first, then by group
    (``engine._cube_by_household``, what ``count_derived`` is given): the very table the
    person-by-person cube gives — same columns, rows, numbers and row order — for every
    counted predicate together, a form's few (named by their places), and a plain count."""
    _, db = county
    predicates = engine.cube_predicates()
    whole = materialize_status(db, AsOf(day), "whole_statuses")
    hh_at = households_at(db, day)
    some = predicates[3:9:2]
    for chosen in (predicates, some, ()):
        db.execute(engine._cube_of(predicates, chosen)("want_cube", whole))  # noqa: SLF001
        by_household = engine._cube_by_household(predicates, chosen)  # noqa: SLF001
        assert "GROUP BY st.household_id" in by_household("got_cube", whole)
        count_derived(db, AsOf(day), by_household, "got_cube", hh_at, columns_read(chosen))
        want, got = (db.execute(f"SELECT * FROM temp.{t}") for t in ("want_cube", "got_cube"))
        assert [c[0] for c in got.description] == [c[0] for c in want.description]
        assert got.fetchall() == want.fetchall(), (day, len(chosen))
        db.execute("DROP TABLE temp.want_cube")
        db.execute("DROP TABLE temp.got_cube")
    assert len(some) == 3 and db.execute(f"SELECT count(*) FROM temp.{whole}").fetchone()[0] > 100


def test_a_form_alone_after_an_import_counts_the_employed_from_their_spells(county, monkeypatch):
    """Right after an import, F1 asked alone counts the persons with a spell alone, straight
    from their latest spells in person order (no TEMP table of them, no count per household
    first), joining the households' places alone."""
    _, db = county
    _mark_everyone(db)
    given: list = []
    real = engine.count_derived
    monkeypatch.setattr(engine, "count_derived", lambda d, a, create_sql, name, hh_at, reads, **kw: (
        given.append((create_sql("x", "y"), hh_at, reads, kw)), real(d, a, create_sql, name, hh_at, reads, **kw))[1])
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        alone = _values(compute_form(db, "F1", AS_OF, alone=True))
    finally:
        db.conn.set_trace_callback(None)
    assert len(given) == 1 and "GROUP BY st.household_id" not in given[0][0]
    # F1 counts the employed alone: the persons with a spell are read, no count of everyone
    assert given[0][3] == {"employed_only": True} and "NULL AS persons" in given[0][0]
    # F1 reads whether and where persons worked last year and this year, and the places
    assert given[0][2] == {"household_id", *DIMENSIONS, "employed_last_year", "last_year_region",
                           "employed_this_year", "this_year_region"}
    # the latest spells are read in the count's own statement, not written to a TEMP table first
    made = [s.split("(")[0] for s in statements if s.lstrip().upper().startswith("CREATE TEMP TABLE")]
    assert made and not [s for s in made if s.rstrip().endswith("_latest")], made
    assert any("CROSS JOIN" in s for s in statements if s.lstrip().upper().startswith("CREATE TEMP VIEW"))
    # the households' places alone: what the derivation reads of them, made by the count itself
    # (None: each half of a count in halves makes its own as it begins), a view: no table built
    assert given[0][1] is None
    places = household_places_view(db, AS_OF)
    assert any(s.lstrip().startswith(f"CREATE TEMP VIEW {places} ") for s in statements)
    assert not any(s.lstrip().startswith("CREATE TEMP TABLE household_places") for s in statements)
    columns = [row[1] for row in db.execute(f"PRAGMA temp.table_info({places})").fetchall()]
    assert columns == ["id", "area_id", "site_id", "hh_type", "relocated"]
    assert alone == _values(compute_form(db, "F1", AS_OF))


def _types_changed_around(db, day: dt.date) -> None:
    """户类型 changes of a few households in the days around ``day`` (the history says when; a
    household's row holds its type now, not at a date before the change)."""
    households = [r[0] for r in db.execute("SELECT id FROM households ORDER BY id")][3::13][:8]
    for k, household in enumerate(households):
        change_household_type(db, household, ("监测户", "一般户")[k % 2], None,
                              day + dt.timedelta(days=k % 4 - 1), "风险消除")


@pytest.mark.parametrize("kept", ["first", "full"])
def test_f1_alone_next_to_a_stored_date_counts_its_own_columns_carried(county, monkeypatch, kept):
    """F1 asked alone next to a stored date corrects its own eight counts, whichever cube the
    neighbour keeps (the full cube narrowed to them), with the changed persons' statuses
    carried with their latest spells (no ``materialize_status``) and their households' 户类型
    at D looked up: the usual way's numbers, with spells starting and ending and 户类型
    changing around the dates."""
    path, db = county
    _changes_around(db, AS_OF)
    _types_changed_around(db, AS_OF)
    if kept == "first":
        compute_form(db, "F1", AS_OF)
    else:
        engine.prepare(db, AsOf(AS_OF), ("cube",))
    derived: list = []
    real = store_status.materialize_status
    monkeypatch.setattr(store_status, "materialize_status", lambda *a, **k: (derived.append(a), real(*a, **k))[1])
    monkeypatch.setattr(engine, "count_derived", lambda *a: derived.append(a))  # not counted afresh
    for day in (NEAR[0], NEAR[1], NEAR[4]):  # fewer than 1/8 changed: the neighbour's cube corrected
        for by in ("township", "village"):
            derived.clear()
            again = open_database(path)
            try:
                got = _values(compute_form(again, "F1", day, by=by, alone=True))
                cube = again.execute(f"SELECT * FROM temp.{engine.FIRST_CUBE}_1")
                columns, corrected = [c[0] for c in cube.description], sorted(cube.fetchall(), key=repr)
            finally:
                again.close()
            assert derived == [], (kept, day)
            usual = open_database(path)
            try:
                assert got == _values(compute_form(usual, "F1", day, by=by)), (kept, day, by)
                # its own counts (and persons) by group, as counted from the statuses at D
                predicates, own = engine.cube_predicates(), {}
                engine._form_predicates([engine.get_form("F1").decl], own)  # noqa: SLF001
                usual.execute(engine._cube_of(predicates, tuple(own))("want", store_status.status_table(usual, AsOf(day))))  # noqa: SLF001
                want = usual.execute("SELECT * FROM temp.want")
                assert columns == [c[0] for c in want.description]
                assert corrected == sorted(want.fetchall(), key=repr), (kept, day)
            finally:
                usual.close()
            with db.atomic():  # back to the neighbour alone
                for (key,) in db.execute("SELECT day FROM status_store_dates WHERE day <> ?",
                                         [AS_OF.year * 10000 + AS_OF.month * 100 + AS_OF.day]).fetchall():
                    for table in ("status_store", "status_store_summaries", "status_store_replaced",
                                  "status_store_dates"):
                        db.execute(f"DELETE FROM {table} WHERE day = ?", [key])


def test_a_kept_summary_is_narrowed_to_the_counts_asked_for():
    """Rows of a summary counting more, as rows of some of its counts: the same groups and
    persons; anything not such a part of it cannot be narrowed."""
    columns = ["area_id", "site_id", "persons", "m0", "m1", "m2"]
    rows = [[1, None, 5, 1, 2, 3], [2, 7, 4, 0, 1, 1]]
    assert store_status._narrowed(columns, rows, columns) is rows  # noqa: SLF001
    assert store_status._narrowed(columns, rows, ["area_id", "site_id", "persons", "m2", "m0"]) == [  # noqa: SLF001
        [1, None, 5, 3, 1], [2, 7, 4, 1, 0]]
    assert store_status._narrowed(columns, rows, ["area_id", "persons", "m0"]) is None  # noqa: SLF001
    assert store_status._narrowed(columns, rows, ["area_id", "site_id", "persons", "m9"]) is None  # noqa: SLF001


def test_a_carried_derivation_is_corrected_for_the_dated_things_its_columns_compare_with_d(monkeypatch):
    """Next to a stored date, the persons corrected are those with a dated thing between the
    two dates that the columns read compare with D: F1's (last year's and this year's latest
    spells, the places) a spell's start and a 户类型 change, not a spell's end or a survey."""
    places = {"household_id", *DIMENSIONS}
    f1 = places | {"employed_last_year", "last_year_region", "employed_this_year", "this_year_region"}
    assert store_status._compared_with_d(f1) == {"start_date", "hh_type"}  # noqa: SLF001
    assert store_status._compared_with_d(places | {"now_region"}) == {"start_date", "end_date", "hh_type"}  # noqa: SLF001
    assert store_status._compared_with_d(places | {"survey_date"}) is None  # noqa: SLF001 - not carried
    assert store_status._compared_with_d(None) is None  # noqa: SLF001
    ly, *columns = store_status._CARRIED["ly_id"]  # noqa: SLF001
    monkeypatch.setitem(store_status._CARRIED, "ly_id", (f"({ly} AND s.end_date < date(:as_of))", *columns))  # noqa: SLF001
    assert store_status._compared_with_d(f1) is None  # noqa: SLF001 - D compared another way: every dated thing


def test_the_households_places_as_a_view_are_the_places_table_at_every_date(county):
    """``household_places_view`` (what F1 alone joins right after an import) gives the rows
    ``household_places_at`` stores, at dates before, on and after 户类型 changes."""
    _, db = county
    _types_changed_around(db, AS_OF)
    for day in (*DAYS, AS_OF - dt.timedelta(days=2), AS_OF - dt.timedelta(days=1), AS_OF + dt.timedelta(days=1),
                AS_OF + dt.timedelta(days=3)):
        table, view = household_places_at(db, day), household_places_view(db, day)
        want = db.execute(f"SELECT * FROM temp.{table} ORDER BY id").fetchall()
        assert db.execute(f"SELECT * FROM temp.{view} ORDER BY id").fetchall() == want, day
        assert len(want) == db.execute("SELECT count(*) FROM households").fetchone()[0]
    assert {row[3] for row in want} >= {"监测户", "一般户"}
