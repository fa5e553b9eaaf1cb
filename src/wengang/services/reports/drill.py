"""Drill-down: the persons behind one number of a form.

Uses the same declaration, sources and predicates as :mod:`.engine`, so a cell and its
list can never disagree: a count column lists the persons it counts, a ratio column its
numerator's persons, a household column (F5) the cohort members of the counted households.
"""

from __future__ import annotations

import sqlite_utils

from wengang.services.reports.engine import (
    _from_where,
    _map_areas,
    _needs,
    _request,
    _row_key,
    prepare,
)
from wengang.services.reports.forms import FormError, predicate
from wengang.services.reports.sources import source


def cell_persons(db: sqlite_utils.Database, form_id: str, as_of, row_area_id: int | None,
                 column_key: str, *, by: str = "township", period_from=None, ref_date=None,
                 area_id: int | None = None, **_ignored) -> list[int]:
    """Person ids behind one cell (``row_area_id`` None = the 合计 row); sorted.

    A ratio column gives its numerator's persons; a household column (F5) the cohort members
    of the counted households (``drill_where`` in the declaration narrows it further).
    """
    req = _request(form_id, as_of, by, period_from, ref_date, area_id)
    decls = {c["key"]: c for c in req.decl["columns"]}
    col = decls.get(column_key)
    if col is None:
        raise FormError(f"{req.spec.number} 没有列“{column_key}”")
    while "formula" in col:
        col = decls[col["of"][0]]
    if "source" not in col:
        return []
    src = source(col["source"])
    tables = prepare(db, req.as_of, _needs(req, [col], cube=False))  # persons, not the cube's sums
    _map_areas(db, "township" if by == "site" else by, area_id)
    extra = [c for c in (predicate(col.get("where")), predicate(col.get("drill_where"))) if c]
    if src.drill_from:
        from_sql, person = src.sql(tables, drill=True), "p.id"
    elif src.person:
        from_sql, person = src.sql(tables), src.person
    else:
        return []
    from_sql, conds = _from_where(req, src, from_sql, extra)
    params = req.params()
    if row_area_id is not None:
        conds.append(f"{_row_key(src, req.by)} = :row_id")
        params["row_id"] = row_area_id
    where = " AND ".join(f"({c})" for c in conds) or "1"
    sql = f"SELECT DISTINCT {person} FROM {from_sql} WHERE {where} AND {person} IS NOT NULL ORDER BY 1"
    return [r[0] for r in db.execute(sql, params).fetchall()]



