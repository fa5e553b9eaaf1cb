"""Person counts per group of persons, for every count column of every form at once.

Most form columns count persons under a predicate over their statuses and household
(``st.*``; ``h.area_id``/``site_id``/``hh_type``/``relocated``) — all columns of the status
table. :func:`cube_sql` groups the persons by :data:`DIMENSIONS` (village, site, 户类型,
搬迁) — about a thousand groups — and counts, per group, the persons meeting each distinct
status predicate of all declared forms (``m<k>``), in one pass. A column's parts on the
dimensions (F1's 脱贫户/监测户, F6's 搬迁) become a condition on the groups, so forms that
differ only by those share a count. A count column is then ``SUM(c.m<k>)`` over the groups
by township, village or site. One pass for every form (0.3–0.4 s at 165,000 persons) costs
less than one scan per form (0.15–0.2 s each), and the numbers are the same: the predicates
see the same values. Columns whose predicates read anything else (``p.*``, other sources,
other measures) stay on the person rows. The lists whose populations read only statuses
(the six lists, 搬迁劳动力) add theirs, so a list's count is a sum over the same groups.
The first form asked at a date counts its own predicates only (``engine._cube``: a new
process's ``wengang report F1`` after an import, 8 of 33), named as in the full cube.
"""

from __future__ import annotations

import re

from wengang.services.reports.sources import Source
from wengang.store.status import EMPLOYED_COLUMNS, PLACE_COLUMNS, STATUS_COLUMNS, SURVEY_COLUMNS
from wengang.store.status_store import code_number

DIMENSIONS = ("area_id", "site_id", "hh_type", "relocated")  # household columns, also in st
_ST_COLUMNS = frozenset(STATUS_COLUMNS + PLACE_COLUMNS + SURVEY_COLUMNS)
_REFERENCE = re.compile(r"\b([A-Za-z_]+)\.([A-Za-z_]+)\b")
_H_ALIAS = re.compile(r"\bh\.")

CUBE_SOURCE = Source("person", "temp.{cube} c", area="c.area_id", site="c.site_id",
                     person=None, needs=("status", "cube"))


def split(parts: list[str]) -> tuple[str | None, str] | None:
    """The AND of person predicate ``parts`` as (condition on the cube's groups, or None;
    the status predicate to count, ``"1"`` for everyone) — None when the status table cannot
    answer them."""
    on_groups, counted = [], []
    for part in parts:
        refs = _REFERENCE.findall(part)
        if not all((a == "st" and n in _ST_COLUMNS) or (a == "h" and n in DIMENSIONS) for a, n in refs):
            return None
        if refs and all(a == "h" for a, _ in refs):
            on_groups.append(_H_ALIAS.sub("c.", part))
        else:
            counted.append(_H_ALIAS.sub("st.", part))
    return (" AND ".join(f"({p})" for p in on_groups) or None,
            " AND ".join(f"({p})" for p in counted) or "1")


_WORD = re.compile(r"\w+")


def columns_read(predicates: tuple[str, ...] | list[str]) -> frozenset[str]:
    """The status table's columns a cube of ``predicates`` reads, per person: the household and
    its groups (:data:`DIMENSIONS`) and every status column a predicate names (any word that is
    one: reading one too many costs a look-up, one too few a wrong count)."""
    named = {word for predicate in predicates for word in _WORD.findall(predicate)}
    return frozenset(("household_id",) + DIMENSIONS) | (_ST_COLUMNS & named)


_EMPLOYED_PARTS = frozenset(f"st.{column}" for column in EMPLOYED_COLUMNS)
_TOKENS = re.compile(r"'(?:[^']|'')*'|[()]| AND ", re.IGNORECASE)


def _and_parts(predicate: str) -> list[str]:
    """The parts of ``predicate`` ANDed at its top level (outside brackets and quoted text),
    each without the brackets around the whole of it."""
    parts, depth, start = [], 0, 0
    for match in _TOKENS.finditer(predicate):
        token = match.group()
        if token in "()":
            depth += 1 if token == "(" else -1
        elif not token.startswith("'") and depth == 0:
            parts.append(predicate[start:match.start()])
            start = match.end()
    parts.append(predicate[start:])
    return [_unbracketed(part.strip()) for part in parts]


def _unbracketed(part: str) -> str:
    """``part`` without brackets enclosing the whole of it (``(a)`` → ``a``; ``(a) OR (b)`` stays)."""
    while part.startswith("(") and part.endswith(")"):
        depth = 0
        for match in _TOKENS.finditer(part):
            depth += {"(": 1, ")": -1}.get(match.group(), 0)
            if depth == 0 and match.end() < len(part):
                return part  # the first bracket closes before the end
        part = part[1:-1].strip()
    return part


def counts_the_employed_only(predicates: tuple[str, ...] | list[str]) -> bool:
    """Whether each of ``predicates`` (counted, as :func:`split` gives them) is false for a
    person who worked neither last year, this year nor now: one of its ANDed parts is whether
    they did (``st.employed_this_year``; F1's every count). Such a cube's counts need the
    persons with a spell alone (``store.status.count_derived``'s ``employed_only``)."""
    return bool(predicates) and all(_EMPLOYED_PARTS.intersection(_and_parts(p)) for p in predicates)


_LIST_ALIAS = re.compile(r"\bps\.")


def list_predicate(where: str, sources: tuple[str, ...] = ()) -> str | None:
    """A list's population (``ledger.where``, over the status table ``ps``) as a counted
    predicate of the cube, when it reads nothing but statuses (no optional joins, no
    parameters): its count is then a sum over the groups, as a form's column is."""
    if sources or ":" in where:
        return None
    parts = split([_LIST_ALIAS.sub("st.", where)])
    if parts is None or parts[0] is not None:
        return None
    return parts[1]


def group_key(alias: str) -> str:
    """SQL: one value per group of :data:`DIMENSIONS` of the row ``alias``, equal for two rows
    exactly when ``GROUP BY`` of the four columns puts them together. The usual rows (an
    integer village id below 2³⁰, a site id below 2²⁰ or none, a 户类型 of its code list or
    none, 搬迁 0, 1 or none) are one integer, the four packed; any other is the four quoted
    and joined, a text (never equal to an integer). Sorted by one integer instead of four
    columns (SQLite compares a leading integer key without decoding the record), the persons'
    full cube of a stored date at 200,000 households: 16.2 → 14.8 G instructions (callgrind),
    CPU 2.22 → 1.90 s (min of 8 interleaved; issue 20). The groups are then put in the order
    of the four columns (a few thousand rows), as they were."""
    area, site, hh_type, relocated = (f"{alias}.{d}" for d in DIMENSIONS)
    kind = f"iif({hh_type} IS NULL, 63, {code_number('hh_type', hh_type)})"
    usual = (f"{area} BETWEEN 0 AND {2**30 - 1} AND {area} = ({area} >> 0) "
             f"AND ({site} IS NULL OR ({site} BETWEEN 1 AND {2**20 - 1} AND {site} = ({site} >> 0))) "
             f"AND ({kind} < 63 OR {hh_type} IS NULL) "
             f"AND ({relocated} IS NULL OR {relocated} IN (0, 1))")
    packed = f"({area} << 28) | (coalesce({site}, 0) << 8) | ({kind} << 2) | coalesce({relocated}, 2)"
    # GROUP BY holds 3 and 3.0 equal: an integral real is spelled as the integer
    spelled = " || ',' || ".join(
        f"quote(iif(typeof({c}) = 'real' AND {c} = CAST({c} AS INTEGER), CAST({c} AS INTEGER), {c}))"
        for c in (area, site, hh_type, relocated))
    return f"CASE WHEN {usual} THEN {packed} ELSE {spelled} END"


def cube_sql(name: str, status: str, predicates: list[str], numbers: list[int] | None = None,
             everyone: bool = True) -> str:
    """``CREATE TEMP TABLE name``: per group of :data:`DIMENSIONS`, ``m<k>`` = persons
    meeting ``predicates[k]`` (status predicates, as :func:`split` gives them); ``numbers``:
    the ``k`` of each predicate instead (a cube of some of them keeps the full cube's names).
    ``everyone``: False where ``status`` may give some of the persons only (those with a
    spell, for counts of the employed): ``persons`` is then NULL, not a count of the group (a
    correction by group, ``store.status``, counts again on a NULL)."""
    dims = ", ".join(f"st.{d}" for d in DIMENSIONS)
    numbers = list(range(len(predicates))) if numbers is None else numbers
    # COUNT(*) FILTER, not SUM(CASE …): the same numbers (a group has rows), no step per row
    # not counted; the full cube over a stored date's 660,519 persons at 200,000 households
    # 1.75 → 1.43 s (issue 20). Comparing the stored codes instead of the decoded texts was
    # measured too: 1.38 s, not worth a second spelling of every predicate.
    measures = "".join(f",\n            COUNT(*) FILTER (WHERE {p}) AS m{k}"
                       for k, p in zip(numbers, predicates, strict=True))
    # persons: how many in the group (a stored cube is corrected by group, store.status)
    return f"""CREATE TEMP TABLE {name} AS
        SELECT {dims}, {"COUNT(*)" if everyone else "NULL"} AS persons{measures}
        FROM temp.{status} st
        GROUP BY {group_key("st")}
        ORDER BY {dims}"""
