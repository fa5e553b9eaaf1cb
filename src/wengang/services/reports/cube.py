"""Person counts from a pre-grouped table: the "cube" of everything person predicates test.

Most form columns count persons under a predicate over their statuses and household
(``st.*``, ``h.*``, ``sv.willing``). Those columns take only a few values each, so the
persons of a county fall into a few thousand groups. :func:`cube_sql` stores those groups
with their head count once per as-of date; a count column is then
``SUM(CASE WHEN predicate THEN n END)`` over the groups instead of a scan of every person
joined to their household — the same numbers (the predicate sees the same values) in a
fraction of the time. Columns whose predicates use anything else stay on the person rows.
"""

from __future__ import annotations

import re

from wengang.services.reports.sources import STATUS_TABLE, SURVEY_TABLE, Source

CUBE_TABLE = "report_person_cube"
CUBE_COLUMNS: dict[str, tuple[str, ...]] = {
    "st": ("is_labour", "employed_last_year", "last_year_region", "last_year_channel",
           "employed_this_year", "this_year_region", "this_year_channel", "employed_now",
           "now_region", "now_channel", "returned", "replaced"),
    "h": ("area_id", "site_id", "hh_type", "relocated"),
    "sv": ("willing",),
}
_REFERENCE = re.compile(r"\b([A-Za-z_]+)\.([A-Za-z_]+)\b")
_ALIAS = re.compile(r"\b(st|h|sv)\.")

CUBE_SOURCE = Source("person", f"temp.{CUBE_TABLE} c", area="c.area_id", site="c.site_id",
                     person=None, needs=("status", "survey", "cube"))


def cube_sql() -> str:
    """``CREATE TEMP TABLE report_person_cube``: one row per distinct combination, with ``n``."""
    columns = [f"{alias}.{name}" for alias, names in CUBE_COLUMNS.items() for name in names]
    listed = ", ".join(columns)
    return f"""CREATE TEMP TABLE {CUBE_TABLE} AS
        SELECT {listed}, COUNT(*) AS n
        FROM temp.{STATUS_TABLE} st JOIN persons p ON p.id = st.person_id
        JOIN households h ON h.id = p.household_id
        LEFT JOIN temp.{SURVEY_TABLE} sv ON sv.person_id = p.id
        GROUP BY {listed}"""


def answers(texts: list[str]) -> bool:
    """Whether every column these predicates read is in the cube."""
    return all(name in CUBE_COLUMNS.get(alias, ()) for text in texts
               for alias, name in _REFERENCE.findall(text or ""))


def on_cube(text: str | None) -> str | None:
    """A person predicate rewritten to read the cube's columns (``st.x`` → ``c.x``)."""
    return _ALIAS.sub("c.", text) if text else text
