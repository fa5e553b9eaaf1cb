"""Per-person derived statuses at an as-of date, in SQL, from ``wengang.domain.status``.

:func:`status_sql` returns a ``WITH`` clause whose last table, ``person_status``, has one row
per person::

    person_id, is_labour,
    employed_last_year, last_year_region, last_year_channel, last_year_org_id,
    employed_this_year, this_year_region, this_year_channel, this_year_org_id,
    employed_now, now_region, now_channel, now_org_id, now_spell_id,
    returned, return_date, return_reason, replaced, replaced_date

Reports put their own ``SELECT … FROM person_status JOIN …`` after it and pass
``AsOf.params()``. :func:`materialize_status` stores it in a temporary table once, for a
batch of forms at the same date.
"""

from __future__ import annotations

import sqlite_utils

from wengang.domain.status import (
    SPELL_CURRENT,
    SPELL_IN_YEAR,
    SPELL_KNOWN,
    SPELL_LAST_YEAR,
    SPELL_RETURNED,
    AsOf,
    labour_sql,
)


def _latest(name: str, predicate: str) -> str:
    """The latest-starting spell per person among those matching ``predicate``."""
    return f"""{name} AS (
    SELECT person_id, id AS spell_id, region, channel, org_id FROM (
        SELECT s.person_id, s.id, s.region, s.channel, s.org_id,
               ROW_NUMBER() OVER (PARTITION BY s.person_id
                                  ORDER BY s.start_date DESC, s.id DESC) AS rn
        FROM employment_spells s WHERE {predicate}
    ) WHERE rn = 1
)"""


def status_sql() -> str:
    """The ``WITH …`` clause defining ``person_status`` (needs ``AsOf.params()``)."""
    return f"""WITH
{_latest("last_year_spell", SPELL_LAST_YEAR)},
{_latest("this_year_spell", SPELL_IN_YEAR)},
{_latest("current_spell", SPELL_CURRENT)},
last_return AS (
    SELECT person_id, end_date AS return_date, return_reason FROM (
        SELECT s.person_id, s.end_date, s.return_reason,
               ROW_NUMBER() OVER (PARTITION BY s.person_id
                                  ORDER BY s.end_date DESC, s.id DESC) AS rn
        FROM employment_spells s WHERE {SPELL_RETURNED}
    ) WHERE rn = 1
),
replacement AS (
    SELECT r.person_id, MIN(s.start_date) AS replaced_date
    FROM last_return r
    JOIN employment_spells s ON s.person_id = r.person_id
    WHERE s.start_date > r.return_date AND {SPELL_KNOWN}
    GROUP BY r.person_id
),
person_status AS (
    SELECT p.id AS person_id,
        {labour_sql("p")} AS is_labour,
        ly.person_id IS NOT NULL AS employed_last_year,
        ly.region AS last_year_region, ly.channel AS last_year_channel, ly.org_id AS last_year_org_id,
        ty.person_id IS NOT NULL AS employed_this_year,
        ty.region AS this_year_region, ty.channel AS this_year_channel, ty.org_id AS this_year_org_id,
        cur.person_id IS NOT NULL AS employed_now,
        cur.region AS now_region, cur.channel AS now_channel, cur.org_id AS now_org_id,
        cur.spell_id AS now_spell_id,
        lr.person_id IS NOT NULL AS returned,
        lr.return_date, lr.return_reason,
        rp.person_id IS NOT NULL AS replaced,
        rp.replaced_date
    FROM persons p
    LEFT JOIN last_year_spell ly ON ly.person_id = p.id
    LEFT JOIN this_year_spell ty ON ty.person_id = p.id
    LEFT JOIN current_spell cur ON cur.person_id = p.id
    LEFT JOIN last_return lr ON lr.person_id = p.id
    LEFT JOIN replacement rp ON rp.person_id = p.id
)
"""


def latest_survey_sql() -> str:
    """A CTE fragment ``latest_survey(person_id, survey_date, willing, planned_month, reason,
    measure)``: each person's latest survey on or before D. Append to :func:`status_sql` with
    a comma: ``status_sql() + ", " + latest_survey_sql()``."""
    return """latest_survey AS (
    SELECT person_id, survey_date, willing, planned_month, reason, measure FROM (
        SELECT v.*, ROW_NUMBER() OVER (PARTITION BY v.person_id
                                       ORDER BY v.survey_date DESC, v.id DESC) AS rn
        FROM surveys v WHERE v.survey_date <= :as_of
    ) WHERE rn = 1
)
"""


def person_statuses(
    db: sqlite_utils.Database, as_of: AsOf, person_ids: list[int] | None = None
) -> dict[int, dict]:
    """Statuses for some (or all) persons, keyed by person id: for tests and the person page."""
    sql = status_sql() + "SELECT * FROM person_status"
    params: dict = dict(as_of.params())
    if person_ids is not None:
        marks = ", ".join(f":p{i}" for i in range(len(person_ids)))
        sql += f" WHERE person_id IN ({marks})"
        params.update({f"p{i}": pid for i, pid in enumerate(person_ids)})
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}


def materialize_status(db: sqlite_utils.Database, as_of: AsOf, table: str = "person_status_at") -> str:
    """Compute ``person_status`` once into a TEMP table (indexed on person_id); returns its name.

    Several forms at the same date then read a plain table instead of re-deriving.
    """
    db.execute(f"DROP TABLE IF EXISTS temp.{table}")
    db.execute(f"CREATE TEMP TABLE {table} AS " + status_sql() + "SELECT * FROM person_status", as_of.params())
    db.execute(f"CREATE UNIQUE INDEX temp.idx_{table}_person ON {table}(person_id)")
    return table
