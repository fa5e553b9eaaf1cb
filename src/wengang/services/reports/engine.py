"""The form engine: any declaration in ``resources/forms`` → SQL ``GROUP BY`` queries → a
:class:`~wengang.services.reports.model.FormResult`.

Per-person statuses at D come from ``store.status.status_table`` (shared with the lists and
the overview: derived once per connection and date, reused while nothing changes). From it
the engine derives, when a form needs them, a per-household cohort table (F5) and the person
cube of :mod:`.cube`: every plain person count of every declared form, per village, site,
户类型 and 搬迁, in one pass; the cube and the cohorts are kept per date beside the stored
statuses (``store.status.summary_table``), so a new process reads them instead of counting
again. F5's household counts come from households grouped the same way (:mod:`.household_cube`)
and the fact counts of F3, F4 and F9 (spells, services, subsidies, spot checks in the period)
from fact rows summed per village and site once per date and period (:mod:`.facts`), both kept
beside the statuses too. Any other column is one aggregate query per source grouped by the row
area (township, village or relocation site); ratios and differences are computed per row from
those sums, never by looping over persons.

:mod:`.drill` answers "who is behind this number" with the same predicates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from wengang.domain.dates import DateError, parse_date
from wengang.domain.numbers import percent
from wengang.domain.status import AsOf
from wengang.services.reports import ahead, facts
from wengang.services.reports import household_cube as households
from wengang.services.reports.cube import (
    CUBE_SOURCE,
    DIMENSIONS,
    columns_read,
    counts_the_employed_only,
    cube_sql,
    group_key,
    list_predicate,
    split,
)
from wengang.services.reports.forms import (
    FormError,
    FormSpec,
    get_form,
    list_forms,
    predicate,
    predicate_parts,
)
from wengang.services.reports.model import Column, FormResult, HeaderNode, Row
from wengang.services.reports.periods import default_period_from
from wengang.services.reports.sources import Source, household_sql, source
from wengang.store.areas import AREA_ANCESTRY, AREA_SUBTREE, area_path, heading, installation
from wengang.store.db import get_setting
from wengang.store.derived import cached, fresh_keys, temp_write
from wengang.store.household_type import households_at
from wengang.store.status import (
    count_derived,
    count_from_neighbour,
    count_past_marks,
    derived_whole_on_reading,
    is_stored,
    marked_summary,
    neighbour_summary,
    status_table,
    summary_stored,
    summary_table,
)

AREA_MAP = "report_area_map"
GROUPINGS = {"township": ("乡镇", "乡镇（街道）"), "village": ("行政村", "行政村（社区）"),
             "site": ("安置点", "安置点")}
TOTAL_LABEL = "合计"


# --- preparing the per-person tables -----------------------------------------------------

TEMP_TABLES = ("status", "household", "cube", "household_cube")
# Not derived from the statuses: the households with their 户类型 at D (every fact source joins it).
HH_AT = "hh_at"


def _on_cube(decl: dict, col: dict) -> tuple[str | None, str] | None:
    """A plain person count the cube answers, as (condition on its groups, counted status
    predicate) from the source's filter and the column's ``where``; else None."""
    if col.get("source") != "person" or col.get("measure", "count") != "count":
        return None
    return split(predicate_parts(decl.get("filters", {}).get("person")) + predicate_parts(col.get("where")))


def _form_predicates(decls, out: dict[str, None]) -> None:
    for decl in decls:
        for col in decl["columns"]:
            cube = _on_cube(decl, col)
            if cube is not None:
                out.setdefault(cube[1])


_DECLARED: list = [(), (), ()]  # (forms, lists, predicates): the last declarations seen


def _declared_predicates() -> tuple[str, ...]:
    """The declared forms' counted predicates, then the lists' that the cube answers; worked
    out again only when the declarations were loaded again (tests reload them)."""
    from wengang.services.ledgers.declarations import list_ledgers  # noqa: PLC0415 - ledgers import us

    forms, lists = tuple(list_forms()), tuple(list_ledgers())
    seen_forms, seen_lists, predicates = _DECLARED
    if len(forms) == len(seen_forms) and all(a is b for a, b in zip(forms, seen_forms)) and lists == seen_lists:
        return predicates
    out: dict[str, None] = {}
    _form_predicates([spec.decl for spec in forms], out)
    for ledger in lists:
        counted = list_predicate(ledger.where, ledger.sources)
        if counted is not None:
            out.setdefault(counted)
    _DECLARED[:] = [forms, lists, tuple(out)]
    return tuple(out)


def cube_predicates(extra: tuple[dict, ...] = ()) -> tuple[str, ...]:
    """Every distinct counted predicate of the declared forms and lists (and of ``extra``
    declarations, after them: the declared ones keep their places)."""
    out = dict.fromkeys(_declared_predicates())
    _form_predicates(extra, out)
    return tuple(out)


FULL_CUBE, FIRST_CUBE = "report_cube", "report_cube_first"  # their summary kinds (and TEMP tables')


def _cube_of(predicates: tuple[str, ...], chosen: tuple[str, ...], everyone: bool = True) -> Callable[[str, str], str]:
    """``create_sql(table, status)`` of a cube counting ``chosen``, named by their places in
    ``predicates``; ``everyone``: as :func:`cube.cube_sql` has it."""
    if chosen == predicates and everyone:
        return lambda table, status: cube_sql(table, status, list(chosen))
    numbers = [predicates.index(p) for p in chosen]
    return lambda table, status: cube_sql(table, status, list(chosen), numbers, everyone=everyone)


def _cube_by_household(predicates: tuple[str, ...], chosen: tuple[str, ...]) -> Callable[[str, str], str]:
    """``create_sql(table, status)`` making the same table as :func:`_cube_of` (same columns,
    groups, numbers and row order), counted per household first, then the households summed
    by group. For statuses derived here and now (``count_derived``): their persons come in
    household order (the persons' household index), so the first GROUP BY streams with no
    sort, and the groups' sort takes 200,000 households instead of 660,000 persons (≈ 0.25 s
    CPU at 200,000 households). Every group column is the household's (:data:`DIMENSIONS`),
    the same on each of its persons' rows, so a household's rows fall in one group. A
    household's counts are ``COUNT(*) FILTER``: the same numbers as SUM(CASE …) over its
    (one or more) rows, without a step per row not counted (≈ 0.1 s CPU at 200,000 households)."""
    numbers = [predicates.index(p) for p in chosen]
    dims = ", ".join(f"st.{d}" for d in DIMENSIONS)

    def create_sql(table: str, status: str) -> str:
        counted = "".join(f",\n            COUNT(*) FILTER (WHERE {p}) AS m{k}"
                          for k, p in zip(numbers, chosen, strict=True))
        summed = "".join(f", SUM(st.m{k}) AS m{k}" for k in numbers)
        return f"""CREATE TEMP TABLE {table} AS
        SELECT {dims}, SUM(st.persons) AS persons{summed}
        FROM (SELECT st.household_id, {dims}, COUNT(*) AS persons{counted}
              FROM temp.{status} st
              GROUP BY st.household_id) st
        GROUP BY {group_key("st")}
        ORDER BY {dims}"""

    return create_sql


def _cube(db: sqlite_utils.Database, as_of: AsOf, status: str, decl: dict | None) -> str:
    """The cube at D: every counted predicate (:func:`cube_predicates`), its ``m<k>`` named by
    their places there. The first form asked at a date (the full cube neither built nor kept)
    gets a cube of its own predicates only, kept as :data:`FIRST_CUBE` — ``wengang report F1``
    after an import counts 8 predicates, not 33 (0.4 → 0.2 s CPU at 50,000 households); any
    other form or a list then counts the full cube (kept as :data:`FULL_CUBE`), so the forms
    and lists of a date count persons at most twice."""
    day, predicates = as_of.date, cube_predicates((decl,) if decl else ())

    def count(kind: str, create_sql: Callable[[str, str], str]) -> Callable[[str], None]:
        # a couple of thousand groups, cheap to hand over: a big county's counted in halves
        return lambda name: summary_table(db, day, status, kind, create_sql, name, in_halves=True)

    full = _cube_of(predicates, predicates)
    if decl is not None and not _full_cube_kept(db, day, status, predicates):
        out: dict[str, None] = {}
        _form_predicates([decl], out)
        own = _cube_of(predicates, tuple(out))
        first_here = [key for key in fresh_keys(db, FIRST_CUBE) if key[0] == day and key[1] != tuple(out)]
        first_kept = (summary_stored(db, day, status, FIRST_CUBE)
                      and not summary_stored(db, day, status, FIRST_CUBE, own))
        if not first_here and not first_kept:  # the first form asked at D (or the same again)
            return cached(db, FIRST_CUBE, (day, tuple(out)), count(FIRST_CUBE, own))
    return cached(db, FULL_CUBE, (day, predicates), count(FULL_CUBE, full))


def full_cube_at_hand(db: sqlite_utils.Database, as_of: AsOf) -> bool:
    """Whether the full cube at D (every form's and list's counts) is built in this connection
    or kept in the status store, so that summing its thousand rows is the cheapest count of a
    list. Else counting the list's persons once is: right after an import at 200,000
    households, 0.15 s against 2.6 s to count the cube's every predicate first, which the 台账's
    first list waited for. The cube is then counted by the first form or 概览 that needs it."""
    return _full_cube_kept(db, as_of.date, status_table(db, as_of), cube_predicates())


def _full_cube_kept(db: sqlite_utils.Database, day: dt.date, status: str, predicates: tuple[str, ...]) -> bool:
    """Whether the full cube of ``predicates`` at ``day`` is built in this connection (fresh)
    or kept beside the statuses ``status`` in the store."""
    return ((day, predicates) in fresh_keys(db, FULL_CUBE)
            or summary_stored(db, day, status, FULL_CUBE, _cube_of(predicates, predicates)))


def _cube_alone(db: sqlite_utils.Database, as_of: AsOf, decl: dict) -> str | None:
    """The cube of the one form ``decl`` at D made without the statuses at D stored, where
    storing them is what reading would cost most: right after an import, or at a date with
    no stored date of its year (everyone's to derive), counted straight from a derivation
    (``store.status.count_derived``); at a date stored with a few persons marked since (an
    edit, a monthly import), its kept cube corrected by them (``store.status.count_past_marks``);
    at a date not stored, next to a stored one, the neighbour's kept cube corrected by the
    persons changed between (``store.status.count_from_neighbour``). None otherwise (the usual
    way, :func:`_cube`). Kept in the connection under the name the usual way gives, same numbers."""
    day, predicates = as_of.date, cube_predicates((decl,))
    if (day, predicates) in fresh_keys(db, FULL_CUBE) or day in fresh_keys(db, "status_at"):
        return None
    out: dict[str, None] = {}
    _form_predicates([decl], out)
    full, own = _cube_of(predicates, predicates), _cube_of(predicates, tuple(out))
    if derived_whole_on_reading(db, as_of):
        # The derivation reads the households' places only (the form nothing else of them);
        # counts of the employed alone (F1's) read the persons with a spell alone, in person
        # order (``store.status._carried_rows``): grouped straight, not by household first.
        # The places (None) are made by each half of the count as it begins.
        employed_only = counts_the_employed_only(tuple(out))
        counted = (_cube_of(predicates, tuple(out), everyone=False) if employed_only
                   else _cube_by_household(predicates, tuple(out)))
        return cached(db, FIRST_CUBE, (day, tuple(out)),
                      lambda name: count_derived(db, as_of, counted, name, None, columns_read(tuple(out)),
                                                 employed_only=employed_only))
    kinds = [(FULL_CUBE, full), (FIRST_CUBE, own)]
    chosen = tuple(out)

    def count_afresh(name: str) -> None:
        count_derived(db, as_of, _cube_by_household(predicates, chosen), name, None, columns_read(chosen))

    marked = marked_summary(db, as_of, kinds)
    if marked is not None:
        # D stored, a few persons marked since (an edit, a monthly import): D's kept cube
        # corrected by them, the store left for the next reader of the rows.
        return cached(db, FIRST_CUBE, (day, chosen), lambda name: count_past_marks(
            db, as_of, kinds[marked], own, name, columns_read(chosen)) or count_afresh(name))
    found = neighbour_summary(db, as_of, kinds)
    if found is None:
        return None
    neighbour, k = found

    # The form's own counts only, whichever cube the neighbour keeps: a full cube's other 25
    # counts would read every status column of the changed persons (F1 at 200,000
    # households two months from a stored date: 1.3 → 0.5 s CPU).
    def corrected(name: str) -> None:
        if not count_from_neighbour(db, as_of, neighbour, kinds[k], own, name, columns_read(chosen)):
            count_afresh(name)  # too many changed

    return cached(db, FIRST_CUBE, (day, chosen), corrected)


def prepare(db: sqlite_utils.Database, as_of: AsOf, needs=TEMP_TABLES, *,
            decl: dict | None = None, alone: bool = False) -> dict[str, str]:
    """The TEMP tables forms at D read, by kind (``status``, ``household``, ``cube``): built
    once and reused until the data changes (``store.derived``); only the ``needs`` are built,
    so F4/F9 never pay for the statuses. ``decl`` is the form being computed, in case it is
    not among the declared ones. The GUI may call this ahead, in the background. ``alone``:
    ``decl`` is all this connection will compute (a process writing one form) and reads
    statuses through the cube alone (:func:`_statuses_on_cube_only`), so they may be counted
    without being stored (:func:`_cube_alone`)."""
    needs = set(needs)
    tables: dict[str, str] = {}
    if HH_AT in needs:  # the sources reading households; the cubes and groups read statuses only
        tables[HH_AT] = households_at(db, as_of.date)
    if alone and decl is not None and "cube" in needs:
        cube = _cube_alone(db, as_of, decl)
        if cube is not None:
            tables["cube"] = cube
            return tables
    if needs & set(TEMP_TABLES):
        tables["status"] = status_table(db, as_of)
    if "household" in needs:
        tables["household"] = cached(db, "report_household", as_of.date, lambda name: summary_table(
            db, as_of.date, tables["status"], "report_household", household_sql, name))
    if "cube" in needs:
        tables["cube"] = _cube(db, as_of, tables["status"], decl)
    if "household_cube" in needs:
        tables["household_cube"] = households.household_cube(
            db, as_of.date, tables["status"], households.declared_measures((decl,) if decl else ()))
    return tables


def _map_areas(db: sqlite_utils.Database, level: str, scope: int | None) -> None:
    """``report_area_map(area_id, row_id)``: every area under a row area (itself included)."""
    db.execute(f"DROP TABLE IF EXISTS temp.{AREA_MAP}")
    params = {"level": level, "area_id": scope}
    in_scope = f"AND u.area_id IN {AREA_SUBTREE}" if scope else ""
    db.execute(f"""CREATE TEMP TABLE {AREA_MAP} AS
        WITH RECURSIVE {AREA_ANCESTRY}
        SELECT u.area_id, u.ancestor_id AS row_id FROM area_ancestry u JOIN areas r ON r.id = u.ancestor_id
        WHERE r.level = :level {in_scope}""", params)
    # Areas above the rows (the county; a township when rows are villages), within the scope:
    # facts recorded there (an organisation, a subsidy to it, a target) are that area's own
    # (本级), on a row keyed by minus its id, so no fact in scope falls outside the table.
    above_in_scope = f"AND a.id IN {AREA_SUBTREE}" if scope else ""
    # temp_write: filling our own TEMP table is not a data change (the cached tables stay valid)
    temp_write(db, f"""INSERT INTO temp.{AREA_MAP} (area_id, row_id)
        WITH RECURSIVE {AREA_ANCESTRY}
        SELECT a.id, -a.id FROM areas a
        WHERE a.id IN (SELECT u.ancestor_id FROM area_ancestry u JOIN temp.{AREA_MAP} m ON m.area_id = u.area_id
                       AND m.row_id = u.area_id WHERE u.ancestor_id <> u.area_id)
          AND a.id NOT IN (SELECT area_id FROM temp.{AREA_MAP}) {above_in_scope}""", params)
    db.execute(f"CREATE INDEX temp.idx_{AREA_MAP} ON {AREA_MAP}(area_id)")


OWN_SUFFIX = "本级"


def _own_areas(db) -> dict[int, dict]:
    """The areas above the rows (本级, see :func:`_map_areas`) by their negative row key:
    name as a row label (县本级, 城关镇本级) and the row areas under each."""
    out: dict[int, dict] = {}
    for area_id, name, level in db.execute(
            f"SELECT a.id, a.name, a.level FROM areas a WHERE -a.id IN (SELECT row_id FROM temp.{AREA_MAP}) "
            "ORDER BY a.sort_order, a.id").fetchall():
        label = ("县" if level == "county" else name) + OWN_SUFFIX
        under = {r[0] for r in db.execute(
            f"SELECT DISTINCT row_id FROM temp.{AREA_MAP} WHERE row_id > 0 AND area_id IN {AREA_SUBTREE}",
            {"area_id": area_id}).fetchall()}
        out[-area_id] = {"id": -area_id, "area_id": area_id, "name": label, "area_name": name, "under": under}
    return out


# --- the request ---------------------------------------------------------------------------

@dataclass
class Request:
    spec: FormSpec
    as_of: AsOf
    by: str
    period_from: dt.date
    ref_date: dt.date | None
    area_id: int | None

    @property
    def decl(self) -> dict:
        return self.spec.decl

    def params(self) -> dict:
        out: dict = dict(self.as_of.params())
        out.update(year=self.as_of.year, period_from=self.period_from.isoformat(),
                   ref_date=(self.ref_date or self.as_of.date).isoformat())
        return out


def _as_date(value) -> dt.date | None:
    """A date from a ``date``, ISO text or a caseworker's way of writing it (2023年6月30日)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return parse_date(value, "day")
    except DateError as exc:
        raise FormError(str(exc)) from exc


def _request(form_id: str, as_of, by: str, period_from, ref_date, area_id) -> Request:
    spec = get_form(form_id)
    if by == "township" and by not in spec.groupings:  # the default, for a form of sites only (F8)
        by = spec.groupings[0]
    if by not in spec.groupings:
        allowed = "、".join(GROUPINGS[g][0] for g in spec.groupings)
        raise FormError(f"{spec.number}《{spec.title}》不能按{GROUPINGS.get(by, (by,))[0]}分组，可选：{allowed}")
    as_of_date = _as_date(as_of)
    if as_of_date is None:
        raise FormError("请填写数据截止日期")
    start = _as_date(period_from) or default_period_from(spec.decl, as_of_date)
    if start > as_of_date:
        raise FormError(f"统计期起始日 {start} 晚于截止日 {as_of_date}")
    return Request(spec, AsOf(as_of_date), by, start, _as_date(ref_date), area_id)


# --- SQL per source ---------------------------------------------------------------------------

def _measure_sql(measure: str, where: str | None) -> str:
    cond = where or "1"
    if measure == "count":
        return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"
    kind, _, expr = measure.partition(":")
    if kind == "distinct":
        return f"COUNT(DISTINCT CASE WHEN {cond} THEN {expr} END)"
    if kind == "sum":
        return f"SUM(CASE WHEN {cond} THEN {expr} ELSE 0 END)"
    if kind == "concat":  # text cells such as F4's 政策内容
        return f"GROUP_CONCAT(DISTINCT CASE WHEN {cond} THEN {expr} END)"
    raise FormError(f"报表声明中的统计方式 {measure!r} 无法识别（应为 count、distinct:表达式、sum:表达式 或 concat:表达式）")


def _row_key(src: Source, by: str) -> str | None:
    return src.site if by == "site" else "am.row_id"


def _from_where(req: Request, src: Source, from_sql: str, extra: list[str],
                filter_sql: str | None = None) -> tuple[str, list[str]]:
    """The FROM clause joined to the row areas, and the conditions every query of it shares."""
    if filter_sql is None:
        filter_sql = predicate(req.decl.get("filters", {}).get(src.name))
    conds = [c for c in (src.base, filter_sql) if c]
    if req.by == "site":
        sql = from_sql
        conds.append(f"{src.site} IS NOT NULL")
        if req.area_id:
            sql += f" JOIN temp.{AREA_MAP} am ON am.area_id = {src.area}"
    else:
        sql = f"{from_sql} JOIN temp.{AREA_MAP} am ON am.area_id = {src.area}"
    return sql, conds + extra


def _needs(req: Request, columns: list[dict], *, cube: bool = True) -> set[str]:
    """The TEMP tables these columns read (the cube's for plain person counts when ``cube``)."""
    needs: set[str] = set()
    for col in columns:
        if "source" not in col:
            continue
        if cube and _on_cube(req.decl, col) is not None:
            needs |= set(CUBE_SOURCE.needs)
        elif cube and households.split(req.decl, col) is not None:
            needs |= set(households.HOUSEHOLD_CUBE_SOURCE.needs)
        elif cube and facts.measure(req.decl, col) is not None:
            needs |= set(facts.facts_source(col["source"]).needs)
        else:
            needs |= set(source(col["source"]).needs)
    return needs


def _statuses_on_cube_only(req: Request) -> bool:
    """Whether the form reads persons' statuses through the cube alone (F1, F2, …: every
    column a plain person count, or from a source that reads no statuses)."""
    return all("status" not in _needs(req, [col]) for col in req.decl["columns"]
               if "source" in col and _on_cube(req.decl, col) is None)


def _cube_aggregate(db, req: Request, tables: dict, columns: list[dict]) -> dict:
    """Plain person counts from the cube: ``{row key: {column key: value}}``."""
    key = _row_key(CUBE_SOURCE, req.by)
    index = {p: k for k, p in enumerate(cube_predicates((req.decl,)))}
    sums = []
    for i, col in enumerate(columns):
        on_groups, counted = _on_cube(req.decl, col)
        m = f"c.m{index[counted]}"
        sums.append(f"SUM(CASE WHEN {on_groups} THEN {m} ELSE 0 END) AS c{i}" if on_groups else f"SUM({m}) AS c{i}")
    measures = ", ".join(sums)
    from_sql, conds = _from_where(req, CUBE_SOURCE, CUBE_SOURCE.sql(tables), [], "")
    where = " AND ".join(f"({c})" for c in conds) or "1"
    sql = f"SELECT {key} AS row_key, {measures} FROM {from_sql} WHERE {where} GROUP BY {key}"
    return {row[0]: {c["key"]: row[i + 1] or 0 for i, c in enumerate(columns)}
            for row in db.execute(sql, req.params()).fetchall()}


def _household_cube_aggregate(db, req: Request, tables: dict, columns: list[dict]) -> dict:
    """F5's household counts from the household groups (:mod:`.household_cube`)."""
    src = households.HOUSEHOLD_CUBE_SOURCE
    key = _row_key(src, req.by)
    index = {m: k for k, m in enumerate(households.declared_measures((req.decl,)))}
    sums = []
    for i, col in enumerate(columns):
        on_groups, measure = households.split(req.decl, col)
        m = f"c.m{index[measure]}"
        sums.append(f"SUM(CASE WHEN {on_groups} THEN {m} ELSE 0 END) AS c{i}" if on_groups else f"SUM({m}) AS c{i}")
    from_sql, conds = _from_where(req, src, src.sql(tables), [], "")
    where = " AND ".join(f"({c})" for c in conds) or "1"
    sql = f"SELECT {key} AS row_key, {', '.join(sums)} FROM {from_sql} WHERE {where} GROUP BY {key}"
    return {row[0]: {c["key"]: row[i + 1] or 0 for i, c in enumerate(columns)}
            for row in db.execute(sql, req.params()).fetchall()}


def _facts_aggregate(db, req: Request, tables: dict, src_name: str, columns: list[dict]) -> dict:
    """Fact counts (F3's posts, F4's services and subsidies, F9's checks) from the source's
    groups at D for the period (:mod:`.facts`): ``{row key: {column key: value}}``."""
    measures = facts.declared_measures(src_name, (req.decl,))
    index = {m: k for k, m in enumerate(measures)}
    params = req.params()
    table = facts.fact_table(db, src_name, measures, tables["status"], is_stored(db, tables["status"]), params)
    src = facts.facts_source(src_name)
    key = _row_key(src, req.by)
    from_sql, conds = _from_where(req, src, f"temp.{table} c", [], "")
    where = " AND ".join(f"({c})" for c in conds) or "1"
    found = [(c["key"], m, index[m]) for c in columns for m in (facts.measure(req.decl, c),)]
    sums = [(k, m, i) for k, m, i in found if m.kind == "sum"]
    joined = [(k, m, i) for k, m, i in found if m.kind != "sum"]
    out: dict = {}
    if sums:
        measures_sql = ", ".join(f"SUM(c.m{i})" for _, _, i in sums)
        for row in db.execute(f"SELECT {key}, {measures_sql} FROM {from_sql} WHERE {where} GROUP BY {key}",
                              params).fetchall():
            out[row[0]] = {k: row[n + 1] for n, (k, _, _) in enumerate(sums)}
    if joined:
        values_sql = ", ".join(f"c.m{i}" for _, _, i in joined)
        for row_key, values in facts.group_values(db, f"SELECT {key}, {values_sql} FROM {from_sql} WHERE {where}",
                                                  params, joined).items():
            out.setdefault(row_key, {}).update(values)
    return out


def _aggregate(db, req: Request, tables: dict, src_name: str, columns: list[dict]) -> dict:
    """One ``GROUP BY`` query: ``{row key: {column key: value}}`` for the columns of a source."""
    src = source(src_name)
    key = _row_key(src, req.by)
    if key is None:  # e.g. targets have no relocation site
        return {}
    measures = ", ".join(f"{_measure_sql(c.get('measure', 'count'), predicate(c.get('where')))} AS c{i}"
                         for i, c in enumerate(columns))
    from_sql, conds = _from_where(req, src, src.sql(tables), [])
    where = " AND ".join(f"({c})" for c in conds) or "1"
    sql = f"SELECT {key} AS row_key, {measures} FROM {from_sql} WHERE {where} GROUP BY {key}"
    out: dict = {}
    for row in db.execute(sql, req.params()).fetchall():
        out[row[0]] = {c["key"]: row[i + 1] for i, c in enumerate(columns)}
    return out


# --- rows ------------------------------------------------------------------------------------------

def _row_areas(db, req: Request) -> list[dict]:
    if req.by == "site":
        sql = "SELECT rs.id, rs.name, rs.county, rs.township, rs.site_type, rs.over_800, rs.area_id FROM relocation_sites rs"
        if req.area_id:
            sql += f" WHERE rs.area_id IN (SELECT area_id FROM temp.{AREA_MAP})"
        rows = db.execute(sql + " ORDER BY rs.id").fetchall()
        city = installation(db).city or ""
        return [{"id": r[0], "name": r[1], "city": city, "county": r[2], "township": r[3], "site_type": r[4],
                 "over_800": "是" if r[5] else "否", "area_id": r[6]} for r in rows]
    rows = db.execute(
        f"SELECT a.id, a.name, a.parent_id FROM areas a WHERE a.id IN (SELECT row_id FROM temp.{AREA_MAP}) "
        "ORDER BY a.sort_order, a.id").fetchall()
    return [{"id": r[0], "name": r[1], "parent_id": r[2], "area_id": r[0]} for r in rows]


def _formula(col: dict, values: dict):
    kind = col["formula"]
    a, b = (values.get(k) or 0 for k in col["of"])
    if kind == "percent":
        return percent(a, b, col.get("decimals", 2))
    if kind == "difference":
        return a - b
    if kind == "sum":
        return a + b
    if kind == "shortfall":  # how far from the target, never negative (seed 004: 还差862人)
        return max(a - b, 0)
    raise FormError(f"报表声明中的公式 {kind!r} 无法识别（percent、difference、sum、shortfall）")


def _finish_values(columns: list[dict], values: dict) -> dict:
    for col in columns:
        if "formula" in col:
            values[col["key"]] = _formula(col, values)
        elif col.get("kind") == "money" and values.get(col["key"]) is not None:
            values[col["key"]] = round(float(values[col["key"]]), 2)
    return values


def _sum_rows(columns: list[dict], rows: list[dict], extra: dict | None = None) -> dict:
    """The 合计 of ``rows``; ``extra`` adds facts only the total carries (a target above the
    rows). Formula columns declared ``"total": "sum"`` (F3's 还差) add up the rows' values,
    so the table adds up; with an ``extra`` they follow from the total's own figures."""
    total: dict = {}
    for col in columns:
        if "source" not in col:
            continue
        if col.get("kind") == "text":
            parts = [p for r in rows for p in (r.get(col["key"]) or "").split(",") if p]
            total[col["key"]] = ",".join(dict.fromkeys(parts)) or None
        else:
            total[col["key"]] = sum((r.get(col["key"]) or 0) for r in rows) + (extra or {}).get(col["key"], 0)
    total = _finish_values(columns, total)
    if not extra:
        for col in columns:
            if "formula" in col and col.get("total") == "sum":
                total[col["key"]] = sum((r.get(col["key"]) or 0) for r in rows)
    return total


# --- public API ------------------------------------------------------------------------------------

def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _context(db, req: Request, unit_name: str | None) -> dict:
    own = heading(db)  # the installation's place, or the one county its data names
    if req.area_id:
        area = area_path(db, req.area_id)[-1]["name"]
    else:
        area = own.area
    level, level_label = GROUPINGS[req.by]
    return {"year": req.as_of.year, "last_year": req.as_of.year - 1, "area": area, "level": level,
            "level_label": level_label, "as_of": _cn(req.as_of.date),
            "period_from": _cn(req.period_from), "ref_date": _cn(req.ref_date or req.as_of.date),
            "unit_name": unit_name or own.unit_name}


def _header(nodes: list[dict], ctx: dict) -> list[HeaderNode]:
    return [HeaderNode(n["label"].format(**ctx), n.get("key"), _header(n.get("children", []), ctx))
            for n in nodes]


def _columns(req: Request, header: list[HeaderNode]) -> list[Column]:
    decls = {c["key"]: c for c in req.decl["columns"]}
    columns = []
    for leaf in (leaf for node in header for leaf in node.leaves()):
        if leaf.key == "area":
            columns.append(Column("area", leaf.label, "area", width=16))
            continue
        d = decls.get(leaf.key, {})
        kind = d.get("kind", "percent" if d.get("formula") == "percent" else "int")
        drillable = "source" in d and source(d["source"]).person is not None or (
            d.get("formula") == "percent" and "source" in decls.get(d["of"][0], {}))
        columns.append(Column(leaf.key, leaf.label, kind, d.get("decimals", 0), d.get("width"),
                              drillable=bool(drillable) or bool(d.get("drill"))))
    return columns


def prepare_forms(db: sqlite_utils.Database, form_ids: list[str] | tuple[str, ...], as_of) -> None:
    """Several forms about to be computed at ``as_of`` (a batch): when more than one counts
    persons on the cube, the full cube now, so the first of them does not count its own first
    (:func:`_cube`)."""
    as_of_date = _as_date(as_of)
    decls = [get_form(form_id).decl for form_id in form_ids]
    on_cube = [d for d in decls if any(_on_cube(d, col) is not None for col in d["columns"])]
    if as_of_date is not None and len(on_cube) > 1:
        prepare(db, AsOf(as_of_date), ("cube",))


def compute_form(db: sqlite_utils.Database, form_id: str, as_of, *, by: str = "township",
                 period_from=None, ref_date=None, area_id: int | None = None,
                 unit_name: str | None = None, footer: dict | None = None,
                 row_filter: bool = False, alone: bool = False) -> FormResult:
    """Compute form ``form_id`` (id or F-number) at ``as_of`` grouped ``by`` township|village|site.

    ``period_from`` starts the period of F4/F9 (default: the form's declared period,
    :mod:`.periods`: F4 the quarter, seed 001; else the as-of month);
    ``ref_date`` is F3's comparison date; ``area_id`` limits the form to one area's subtree.
    ``row_filter`` keeps only the rows the declaration's ``row_filter`` names (F8: the seed's
    list of sites of 800 or more; 合计 then counts those), the rest named in a note.
    ``alone``: this form is all the connection computes (``wengang report`` of one form): where
    reading the statuses at D would derive them whole (after an import) or build D from a
    stored neighbour, a form counted on the cube alone is counted without storing D
    (:func:`_cube_alone`; same numbers).
    """
    req = _request(form_id, as_of, by, period_from, ref_date, area_id)
    tables = prepare(db, req.as_of, _needs(req, req.decl["columns"]), decl=req.decl,
                     alone=alone and _statuses_on_cube_only(req))
    _map_areas(db, "township" if by == "site" else by, area_id)
    decl = req.decl
    ctx = _context(db, req, unit_name)
    header = _header(decl["header"], ctx)
    columns = _columns(req, header)

    counted = [c for c in decl["columns"] if "source" in c]
    found = _counts(db, req, tables, counted)
    keep = decl.get("row_filter") if row_filter else None
    areas, kept_out = _kept_areas(_row_areas(db, req), keep)
    rows_values = [(area, _area_values(decl, counted, found.get(area["id"], {}), area)) for area in areas]

    own_rows, total_extra, own_notes = _own_rows(db, req, found, counted, rows_values, ctx)
    total_values = _sum_rows(decl["columns"], [v for _, v in rows_values + own_rows], total_extra)
    notes = _notes(decl, ctx, own_notes, bool(total_extra), keep, kept_out)
    rows_values, drop_note = _drop_zero_rows(decl, rows_values, ctx)
    if drop_note:
        notes.insert(0, drop_note)
    _order_rows(decl, rows_values)
    rows = _table_rows(decl, total_values, rows_values, own_rows)
    header, columns, rows = _subtotals(db, req, header, columns, rows, rows_values)
    return FormResult(
        form_id=req.spec.id,
        title=decl["title"].format(**ctx) + (keep or {}).get("title_suffix", ""),
        header=header,
        columns=columns,
        rows=rows,
        as_of=req.as_of.date,
        period_from=req.period_from if req.spec.needs_period else None,
        unit_name=ctx["unit_name"],
        data_source=decl.get("data_source", "稳岗台账"),
        unit=decl.get("unit", "人"),
        notes=notes,
        footer=footer if footer is not None else _default_footer(db),
        params=_result_params(db, req, by, ctx, bool(keep), areas),
    )


# --- the steps of compute_form -------------------------------------------------------------------

def _by_way(decl: dict, counted: list[dict]) -> tuple[list[dict], list[dict], dict[str, list[dict]],
                                                     dict[str, list[dict]]]:
    """The counted columns by how they are counted: on the cube, on the household cube, on a
    fact source's groups (by source), one ``GROUP BY`` per source (by source)."""
    on_cube = [c for c in counted if _on_cube(decl, c) is not None]
    on_households = [c for c in counted if c not in on_cube and households.split(decl, c) is not None]
    by_source: dict[str, list[dict]] = {}
    on_facts: dict[str, list[dict]] = {}
    for col in counted:
        if col in on_cube or col in on_households:
            continue
        group = on_facts if facts.measure(decl, col) is not None else by_source
        group.setdefault(col["source"], []).append(col)
    return on_cube, on_households, on_facts, by_source


def count_ahead(db: sqlite_utils.Database, forms: list[tuple[str, dict]], as_of) -> None:
    """The group tables a batch's forms read (``forms``: form id and ``compute_form``'s
    keyword arguments, in the batch's order) — their fact sources' (:mod:`.facts`) and the
    household groups (:mod:`.household_cube`) — counted but the first on a second
    connection (:mod:`.ahead`): F3's spells here while F4's services and subsidies, F5's
    household groups and F9's checks are counted beside. Call after :func:`prepare_forms`
    (whose person cube takes both cores); :func:`.ahead.stop` when the batch ends."""
    wanted: list[tuple] = []  # ("facts", source, measures, params) or ("households", measures), in order
    day = None
    for form_id, kwargs in forms:
        try:
            req = _request(form_id, as_of, kwargs.get("by", "township"), kwargs.get("period_from"),
                           kwargs.get("ref_date"), kwargs.get("area_id"))
        except FormError:
            continue  # said when the form is computed, after the forms before it are written
        _, on_households, on_facts, _ = _by_way(req.decl, [c for c in req.decl["columns"] if "source" in c])
        wanted += [("facts", name, facts.declared_measures(name, (req.decl,)), req.params()) for name in on_facts]
        if on_households:
            wanted.append(("households", households.declared_measures((req.decl,))))
        day = req.as_of
    if len(wanted) < 2:
        return  # nothing to count beside the first
    status = status_table(db, day)
    stored = is_stored(db, status)
    reads = []
    for kind, *what in wanted:  # those kept or counted already make none
        reads += (facts.read_ahead(db, status, stored, *what) if kind == "facts"
                  else households.read_ahead(db, day.date, status, what[0]))
    # Two forms reading the same table count it once (the first's place kept); the first
    # still to count is counted here, as the batch comes to it.
    ahead.begin(db, status, list(dict(reads).items())[1:])


def _counts(db, req: Request, tables: dict, counted: list[dict]) -> dict:
    """Every counted column's value per row key: plain person counts from the cube, the
    other columns one ``GROUP BY`` query per source."""
    on_cube, on_households, on_facts, by_source = _by_way(req.decl, counted)
    parts = [_cube_aggregate(db, req, tables, on_cube)] if on_cube else []
    parts += [_household_cube_aggregate(db, req, tables, on_households)] if on_households else []
    parts += [_facts_aggregate(db, req, tables, name, cols) for name, cols in on_facts.items()]
    parts += [_aggregate(db, req, tables, name, cols) for name, cols in by_source.items()]
    found: dict = {}
    for part in parts:
        for key, vals in part.items():
            found.setdefault(key, {}).update(vals)
    return found


def _kept_areas(areas: list[dict], keep: dict | None) -> tuple[list[dict], list[str]]:
    """The row areas the declaration's ``row_filter`` keeps, and the names of the others."""
    if not keep:
        return areas, []
    kept_out = [a["name"] for a in areas if a.get(keep["attribute"]) != keep["equals"]]
    return [a for a in areas if a.get(keep["attribute"]) == keep["equals"]], kept_out


def _blank_values(counted: list[dict]) -> dict:
    """A row before its counts: 0 per count column, nothing in a text column."""
    return {c["key"]: (None if c.get("kind") == "text" else 0) for c in counted}


def _area_values(decl: dict, counted: list[dict], found: dict, area: dict) -> dict:
    """One row area's values: its counts, the attributes it shows (F8's 安置类型), formulas."""
    values = _blank_values(counted) | found
    for attr in (c for c in decl["columns"] if "attribute" in c):
        values[attr["key"]] = area.get(attr["attribute"])
    return _finish_values(decl["columns"], values)


def _notes(decl: dict, ctx: dict, own_notes: list[str], total_has_extra: bool, keep: dict | None,
           kept_out: list[str]) -> list[str]:
    """The declared notes, then what the 本级 rows, a summed 合计 and a row filter need said."""
    notes = [n.format(**ctx) for n in decl.get("notes", [])] + own_notes
    if not total_has_extra and decl.get("total_sum_note"):  # the 合计 of a "total": "sum" column
        notes.append(decl["total_sum_note"].format(**ctx))
    if keep and kept_out and keep.get("note"):
        notes.append(keep["note"].format(count=len(kept_out), names="、".join(kept_out), **ctx))
    return notes


def _drop_zero_rows(decl: dict, rows_values: list, ctx: dict) -> tuple[list, str | None]:
    """Without the rows whose ``drop_when_zero`` column is empty, and the note naming them
    (with what of theirs the 合计 still counts: F1's 本年)."""
    drop = decl.get("drop_when_zero")
    if not drop:
        return rows_values, None
    dropped_rows = [(a, v) for a, v in rows_values if not v.get(drop)]
    kept = [(a, v) for a, v in rows_values if v.get(drop)]
    if not dropped_rows or not decl.get("drop_note"):
        return kept, None
    note = decl["drop_note"].format(count=len(kept), names="、".join(a["name"] for a, _ in dropped_rows),
                                    dropped=len(dropped_rows), **ctx)
    still = decl.get("drop_kept_note")
    if still:
        amount = sum((v.get(still["column"]) or 0) for _, v in dropped_rows)
        if amount:
            note += still["text"].format(amount=amount, **ctx)
    return kept, note


def _order_rows(decl: dict, rows_values: list) -> None:
    """Sort the rows by the declared ``order`` column (stable: ties keep the areas' order)."""
    order = decl.get("order")
    if not order:
        return

    def sort_key(item):
        value = item[1].get(order["column"])
        return (value is None, -(value or 0) if order.get("desc") else (value or 0))
    rows_values.sort(key=sort_key)


def _table_rows(decl: dict, total_values: dict, rows_values: list, own_rows: list) -> list[Row]:
    """合计 first, then the row areas (numbered when declared), then the 本级 rows."""
    rows = [Row(TOTAL_LABEL, {"area": TOTAL_LABEL, **total_values}, "total", None, 0)]
    for n, (area, values) in enumerate(rows_values, start=1):
        rows.append(Row(area["name"], {"area": area["name"], **values}, "area", area["id"], 1,
                        number=n if decl.get("numbered") else None))
    for area, values in own_rows:
        rows.append(Row(area["name"], {"area": area["name"], **values}, "own", area["id"], 1))
    return rows


def _default_footer(db) -> dict:
    return {"填报人": get_setting(db, "reporter") or "", "审核人": get_setting(db, "reviewer") or "",
            "填报日期": dt.date.today().isoformat()}


def _village_parents(db, areas: list[dict]) -> dict:
    """Each village row's township name (the bulletin names a repeated village with it)."""
    names = {r[0]: r[1] for r in db.execute(
        "SELECT id, name FROM areas WHERE id IN (SELECT parent_id FROM areas WHERE level = 'village')")}
    return {a["id"]: names.get(a.get("parent_id"), "") for a in areas}


def _result_params(db, req: Request, by: str, ctx: dict, row_filter: bool, areas: list[dict]) -> dict:
    """What the form was computed with (``by`` as asked), so an archive recomputes the same scope."""
    params = {"by": by, "number": req.spec.number}
    if row_filter:
        params["row_filter"] = True
    params.update(period_from=req.period_from.isoformat(), ref_date=(req.ref_date or req.as_of.date).isoformat(),
                  area=ctx["area"], county=installation(db).county or "")
    if req.area_id:
        params["area_id"] = req.area_id
    parents = _village_parents(db, areas) if by == "village" else {}
    if parents:
        params["parents"] = parents
    return params


def _own_rows(db, req: Request, found: dict, counted: list[dict], rows_values: list, ctx: dict):
    """Facts recorded above the rows (see :func:`_map_areas`): a 本级 row per such area with
    any, counted in 合计 and said in a note. Returns (rows, the 合计's extra figures, notes)."""
    if req.by == "site":
        return [], {}, []
    rows, extra, notes = [], {}, []
    counted_keys = [c["key"] for c in counted]
    for key, area in _own_areas(db).items():
        if key not in found:
            continue
        values = _blank_values(counted) | found[key]
        notes += _above_to_total(req, area, values, rows_values, extra, ctx)
        if any(values.get(k) for k in counted_keys):
            rows.append((area, _finish_values(req.decl["columns"], values)))
    if rows:
        names = "、".join(a["name"] for a, _ in rows)
        notes.append(req.decl.get("own_note", "注：{names}为登记在{level}以上、不属于任何{level}的数据（机构、补贴、目标任务等），已计入合计。").format(
            names=names, **ctx))
    return rows, extra, notes


def _above_to_total(req: Request, area: dict, values: dict, rows_values: list, extra: dict, ctx: dict) -> list[str]:
    """Columns declared ``"above": "total"`` (F3's target) leave the 本级 row ``values`` and go
    to the 合计 (``extra``) only, and only when no row under that area has its own (a
    township's target split over its villages is already in their rows). Returns the notes."""
    notes = []
    for col in (c for c in req.decl["columns"] if c.get("above") == "total"):
        key = col["key"]
        amount = values.get(key) or 0
        values[key] = 0
        if amount and not any(v.get(key) for a, v in rows_values if a["id"] in area["under"]):
            extra[key] = extra.get(key, 0) + amount
            notes.append(req.decl.get("above_note", "注：合计含{own}{amount}。").format(
                own=area["name"], amount=amount, **ctx))
    return notes


def _subtotals(db, req: Request, header, columns, rows, rows_values):
    """Two-level tables (seed 004: 县 → 乡镇): group rows by their parent area, add 合计 per group.

    Only when the rows span more than one parent; a group of one row gets no subtotal, as in
    the seed. The parent's name goes in an extra first column, labelled per row level
    (``subtotal_labels`` in the declaration).
    """
    labels = req.decl.get("subtotal_labels")
    if not labels or req.by not in labels or len(rows) < 2:
        return header, columns, rows
    parent = {}
    for area, _ in rows_values:
        path = area_path(db, area["id"])
        parent[area["id"]] = path[-2]["name"] if len(path) > 1 else ""
    groups: dict[str, list] = {}
    for area, values in rows_values:
        groups.setdefault(parent[area["id"]], []).append((area, values))
    if len(groups) < 2:
        return header, columns, rows
    label = labels[req.by]
    header = [HeaderNode(label, "group")] + header
    columns = [Column("group", label, "text", width=14)] + columns
    out = [rows[0]]
    out[0].values["group"] = TOTAL_LABEL
    by_id = {r.area_id: r for r in rows[1:]}
    for name, members in groups.items():
        for area, _ in members:
            row = by_id[area["id"]]
            row.group, row.level = name, 2
            row.values["group"] = name
            out.append(row)
        if len(members) > 1:
            sub = _sum_rows(req.decl["columns"], [v for _, v in members])
            out.append(Row(TOTAL_LABEL, {"group": name, "area": TOTAL_LABEL, **sub}, "subtotal",
                           None, 1, group=name))
    for row in rows[1:]:
        if row.kind == "own":  # 本级 rows stay last, under no group
            row.values["group"] = row.label
            out.append(row)
    return header, columns, out
