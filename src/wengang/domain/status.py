"""Derived statuses at an as-of date — the one definition every report and ledger uses.

DOMAIN.md, "Derived statuses at an as-of date D in year Y". Statuses are never entered: they
follow from a person's employment spells. The spell conditions are declared once, in the
population registry (resources/model/populations.json), and read here as SQL predicates over an
``employment_spells`` row aliased ``s`` (and a ``persons`` row ``p``), with named parameters
from :meth:`AsOf.params`, so that reports aggregate in SQL instead of looping over people in
Python. ``wengang.store.status`` assembles them into per-person columns, and
``wengang.store.status_store`` keeps the result for a few dates as a cache that schema triggers
invalidate person by person (derived data: never exchanged, never edited).

- employed in Y as of D: a spell overlapping [Y-01-01, D];
- employed last year: a spell overlapping [Y-1-01-01, Y-1-12-31];
- currently employed at D: start ≤ D and (no end or end > D);
- returned this year (返乡回流): a spell outside the county (省外 or 省内县外) whose end falls in
  [Y-01-01, D] — people who went out to work and came home (seed 001 §十四); the end of a 县内
  job (公益岗, 车间) is not a return;
- re-placed: returned, and a later spell started after the (latest) return, on or before D;
- region/channel in a period: those of the latest-starting spell in the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wengang.domain.codes import labour_skills, not_student_values
from wengang.domain.populations import Dialect, compile_expr
from wengang.domain.sqltext import sql_texts


@dataclass(frozen=True)
class AsOf:
    """An as-of date D and the periods that follow from it."""

    date: dt.date

    @classmethod
    def parse(cls, text: str) -> AsOf:
        return cls(dt.date.fromisoformat(text))

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last_year_start(self) -> dt.date:
        return dt.date(self.year - 1, 1, 1)

    @property
    def last_year_end(self) -> dt.date:
        return dt.date(self.year - 1, 12, 31)

    def params(self) -> dict[str, str]:
        """Named SQL parameters used by the predicates below."""
        return {
            "as_of": self.date.isoformat(),
            "year_start": self.year_start.isoformat(),
            "ly_start": self.last_year_start.isoformat(),
            "ly_end": self.last_year_end.isoformat(),
        }


# --- spell predicates (alias ``s`` = employment_spells) -------------------------------------
# Declared once, in the population registry (resources/model/populations.json), and read here
# with the spells named ``s``: the statuses, the forms, the ledgers and the rules say "current",
# "this year" and "returned" in the same words.
_SPELLS_AS_S = Dialect("务工记录（s）", {"spell": "s"})


def _spell(name: str) -> str:
    return compile_expr(name, _SPELLS_AS_S, source="domain/status.py").sql


SPELL_KNOWN = _spell("spell_known")
"""A spell that has started by D (later spells do not exist yet as far as D is concerned)."""

SPELL_IN_YEAR = _spell("spell_in_year")
SPELL_LAST_YEAR = _spell("spell_last_year")
SPELL_CURRENT = _spell("spell_current_at_as_of")
SPELL_RETURNED = _spell("spell_returned")
"""Only the end of a spell outside the county (省外, 省内县外) is a return (返乡)."""


def labour_sql(alias: str = "p") -> str:
    """Labour force: 劳动技能 in the first three and not a student (code lists are data)."""
    return (
        f"({alias}.labour_skill IN ({sql_texts(labour_skills())}) "
        f"AND coalesce({alias}.student_status, '') IN ({sql_texts(not_student_values())}))"
    )


def age_sql(alias: str = "p") -> str:
    """Full years of age at ``:as_of`` from the stored birth date (ledgers, rules, registry)."""
    return (f"(CAST(strftime('%Y', :as_of) AS INTEGER) - CAST(strftime('%Y', {alias}.birth_date) AS INTEGER)"
            f" - (strftime('%m-%d', :as_of) < strftime('%m-%d', {alias}.birth_date)))")


def is_labour(labour_skill: str | None, student_status: str | None) -> bool:
    """The same rule as :func:`labour_sql`, for a single record in Python (forms, dialogs)."""
    return (labour_skill in labour_skills()) and ((student_status or "") in not_student_values())
