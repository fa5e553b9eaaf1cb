"""The fact tables a form's columns count over, as SQL ``FROM`` clauses with fixed aliases.

Each source says which village-level area a fact belongs to (``area``), which relocation
site (``site``, for rows by 安置点), which person stands behind it (``person``, for
drill-down) and a base condition (e.g. "in the reporting period"). The populations
(``resources/model/populations.json``) are written with these aliases, the registry's own;
a form naming a population that reads an alias its source lacks is refused when it loads:

=========  ===========================================================================
source     aliases
=========  ===========================================================================
person     st (statuses at D, with the latest survey ≤ D: ``store.status.status_table``),
           p (persons), h (households)
household  hh (cohort, cohort_this_year per household), h
spell      spell (employment_spells), p, h
service    svc (services in period), p, h
subsidy    sub (subsidies in period), p, h (NULL for payments to organisations), o
check      chk (spot_checks in period), p, h
org        o (organisations)
target     t (targets of the as-of year)
=========  ===========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from wengang.domain.populations import compile_expr, same_aliases

# FROM clauses name the per-date TEMP tables by placeholder, filled in by :meth:`Source.sql`
# with the names ``engine.prepare`` returns: {status} (statuses at D), {household} (F5 cohorts).
# ``h`` is the households table as at D ({hh_at}: 户类型 at D, ``store.household_type``).
_PERSON_JOIN = "JOIN temp.{hh_at} h ON h.id = p.household_id"


@dataclass(frozen=True)
class Source:
    name: str
    from_sql: str
    area: str
    site: str | None
    person: str | None
    base: str | None = None
    # For household facts: how to reach the persons behind a household (drill-down).
    drill_from: str | None = None
    # Temp tables (see engine.prepare) this source reads: "status", "household", "cube",
    # "hh_at" (households with their type at D).
    needs: tuple[str, ...] = ()
    # The registry aliases its FROM clause has (and its drill-down's, for ``drill_where``).
    aliases: tuple[str, ...] = ()
    drill_aliases: tuple[str, ...] = ()

    def sql(self, tables: dict[str, str], *, drill: bool = False) -> str:
        """The FROM clause (the drill-down's for ``drill``) with the TEMP tables' names."""
        text = self.drill_from if drill and self.drill_from else self.from_sql
        return text.format(**tables)


SOURCES: dict[str, Source] = {
    "person": Source(
        "person",
        f"temp.{{status}} st JOIN persons p ON p.id = st.person_id {_PERSON_JOIN}",
        area="h.area_id", site="h.site_id", person="p.id", needs=("status", "hh_at"),
        aliases=("st", "p", "h"),
    ),
    "household": Source(
        "household",
        "temp.{household} hh JOIN temp.{hh_at} h ON h.id = hh.household_id",
        area="h.area_id", site="h.site_id", person=None,
        drill_from=("temp.{household} hh JOIN temp.{hh_at} h ON h.id = hh.household_id "
                    "JOIN persons p ON p.household_id = h.id "
                    "JOIN temp.{status} st ON st.person_id = p.id"),
        needs=("status", "household", "hh_at"), aliases=("hh", "h"), drill_aliases=("hh", "h", "p", "st"),
    ),
    "spell": Source(
        "spell",
        f"employment_spells spell JOIN persons p ON p.id = spell.person_id {_PERSON_JOIN}",
        area="h.area_id", site="h.site_id", person="p.id", needs=("hh_at",), aliases=("spell", "p", "h"),
    ),
    "service": Source(
        "service",
        # NOT INDEXED: a period covers most rows, and reading them through the date index
        # (random access) measured 7x slower than one sequential scan at county scale.
        f"services svc NOT INDEXED JOIN persons p ON p.id = svc.person_id {_PERSON_JOIN}",
        area="h.area_id", site="h.site_id", person="p.id",
        base="svc.service_date >= :period_from AND svc.service_date <= :as_of", needs=("hh_at",),
        aliases=("svc", "p", "h"),
    ),
    "subsidy": Source(
        "subsidy",
        "subsidies sub NOT INDEXED LEFT JOIN persons p ON p.id = sub.person_id "
        "LEFT JOIN temp.{hh_at} h ON h.id = p.household_id "
        "LEFT JOIN organisations o ON o.id = sub.org_id",
        area="coalesce(h.area_id, o.area_id)", site="h.site_id", person="p.id",
        base="sub.paid_date >= :period_from AND sub.paid_date <= :as_of", needs=("hh_at",),
        aliases=("sub", "p", "h", "o"),
    ),
    "check": Source(
        "check",
        f"spot_checks chk JOIN persons p ON p.id = chk.person_id {_PERSON_JOIN}",
        area="h.area_id", site="h.site_id", person="p.id",
        base="chk.check_date >= :period_from AND chk.check_date <= :as_of", needs=("hh_at",),
        aliases=("chk", "p", "h"),
    ),
    "org": Source("org", "organisations o", area="o.area_id", site=None, person=None, aliases=("o",)),
    "target": Source("target", "targets t", area="t.area_id", site=None, person=None,
                     base="t.year = :year", aliases=("t",)),
}


def household_select(status: str, place: bool = False) -> str:
    """Per household: its last-year employed (the F5 cohort) and how many of them work this year
    (and, with ``place``, its village, site, 户类型 and 搬迁 as its persons' statuses have them).

    Built from the person status table and the registry's populations, so the cohort follows
    the same definitions as every other count.
    """
    persons = same_aliases("户的上年务工人数（st）", ("st",))
    cohort = compile_expr("employed_last_year", persons, source="reports/sources.py").sql
    still = compile_expr("employed_last_year & employed_this_year", persons, source="reports/sources.py").sql
    # The household as the statuses have it (the same as the person's now; a stored table is
    # corrected with rows as they were, store.status), and how many persons: ``persons``.
    # Every person of a household has its place: the columns are the household's.
    columns = ", st.area_id, st.site_id, st.hh_type, st.relocated" if place else ""
    return f"""SELECT st.household_id{columns}, COUNT(*) AS persons,
               SUM({cohort}) AS cohort,
               SUM({still}) AS cohort_this_year
        FROM temp.{status} st
        GROUP BY st.household_id"""


def household_sql(name: str, status: str) -> str:
    """``CREATE TEMP TABLE name``: :func:`household_select` (F5's drill-down reads it)."""
    return f"CREATE TEMP TABLE {name} AS\n        {household_select(status)}"


def source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown report source {name!r}; known: {', '.join(SOURCES)}") from None
