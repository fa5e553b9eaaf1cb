"""The population registry: who is counted, declared once in ``resources/model/populations.json``,
and the one place where a population's name becomes SQL.

A population is a named SQL condition written with the registry's aliases (``st`` the statuses
at D, ``p`` persons, ``h`` households, ``spell`` employment spells …, listed in the file).
Forms (``where``, ``filters``), ledgers (``population``) and quality rules (``{name}`` in a
``where``) refer to populations by name; ``"poor & labour"`` is the AND of two. Each kind of
query names its tables its own way (the ledgers read the statuses as ``ps``, the rules read
spells as ``s``), so it gives a :class:`Dialect` that maps the registry's aliases to its own;
the declaration is never copied. A name nobody declared, or one that reads a table the query
does not have, is refused with a message naming the declaring file and the name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from wengang.domain.fields import BOOKKEEPING, UnknownFieldError, entity
from wengang.paths import resource_path

REGISTRY_FILE = "model/populations.json"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# ``alias.column`` outside string literals (the registry's literals are Chinese words).
_REFERENCE = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b")


class UnknownPopulationError(ValueError):
    """A declaration names a population the registry does not know, or one its query cannot
    read; the message names the declaring file and the name."""


@dataclass(frozen=True)
class Alias:
    name: str
    about: str
    table: str | None   # the stored table it reads (fields.json), None for derived tables


@dataclass(frozen=True)
class Population:
    name: str
    where: str                   # SQL in the registry's aliases


@dataclass(frozen=True)
class Registry:
    aliases: dict[str, Alias]
    populations: dict[str, Population]


@dataclass(frozen=True)
class Dialect:
    """How one kind of query names what the registry's aliases name: ``aliases`` maps each
    alias it has to its own name for it (an alias it lacks is not readable there);
    ``columns`` replaces single ``alias.column`` references first (the ledgers read the
    household's 户类型 at D off their status table: ``h.hh_type`` → ``ps.hh_type``)."""

    name: str
    aliases: Mapping[str, str]
    columns: Mapping[str, str] = field(default_factory=dict)


# Household columns the status table carries as at D (store.status.PLACE_COLUMNS).
_HOUSEHOLD_AT_D = ("hh_type", "relocated", "area_id", "site_id")


def status_rows(name: str, joins: Mapping[str, str] | None = None) -> Dialect:
    """A query over the statuses at D read as ``ps`` (``store.status.status_table``: the
    ledgers, the duties): ``st`` is ``ps``, and the household's place and 户类型 at D are its
    columns, not ``h``'s (the households table as it is now). ``joins`` adds the query's own
    aliases (the ledgers' ``post``, ``wk``, ``svc``)."""
    return Dialect(name, {"st": "ps", **(joins or {})}, {f"h.{c}": f"ps.{c}" for c in _HOUSEHOLD_AT_D})


STATUS_ROWS = status_rows("截止日状态（ps）")


def status_population(expr: str, *, source: str = "wengang") -> str:
    """A population expression (``"poor & returned"``) as a condition on the status table ``ps``."""
    return compile_expr(expr, STATUS_ROWS, source=source).sql or "1"


def same_aliases(name: str, aliases) -> Dialect:
    """A query that uses the registry's own aliases (the forms' sources)."""
    return Dialect(name, {a: a for a in aliases})


@dataclass(frozen=True)
class Compiled:
    """A population expression in one dialect: the SQL of each named part (``parts``, in
    order), their AND (``sql``, None when empty) and the dialect's aliases they read."""

    names: tuple[str, ...]
    parts: tuple[str, ...]
    aliases: frozenset[str]

    @property
    def sql(self) -> str | None:
        return " AND ".join(f"({part})" for part in self.parts) or None


def _parse(raw: dict, source: str) -> Registry:
    aliases = {name: Alias(name, spec.get("about", ""), spec.get("table"))
               for name, spec in raw["aliases"].items()}
    populations: dict[str, Population] = {}
    for name, where in raw["populations"].items():
        if name.startswith("_"):  # group headings and notes
            continue
        if not _NAME.match(name):
            raise UnknownPopulationError(f"{source}：人员范围名称“{name}”只能用小写字母、数字和下划线")
        for alias, column in _REFERENCE.findall(where):
            _check_reference(aliases, f"人员范围“{name}”", alias, column, source)
        populations[name] = Population(name, where)
    return Registry(aliases, populations)


def _check_reference(aliases: dict[str, Alias], what: str, alias: str, column: str, source: str) -> None:
    """Refuse an undeclared alias, or a column its stored table does not have (fields.json)."""
    known = aliases.get(alias)
    if known is None:
        raise UnknownPopulationError(f"{source}：{what}用了未声明的别名“{alias}”")
    stored = known.table is not None and column not in BOOKKEEPING
    if stored and column not in entity(known.table, source=source).fields:
        raise UnknownFieldError(
            f"{source}：{what}用了未知的字段“{alias}.{column}”（{known.table} 在 fields.json 中没有）")


def require_fields(sql: str, aliases, *, what: str, source: str) -> None:
    """Refuse an expression of a declaration (a form's measure ``sum:sub.amount``) that reads
    an alias outside ``aliases`` or a field the registry does not declare, naming ``source``."""
    declared = {name: alias for name, alias in registry().aliases.items() if name in set(aliases)}
    for alias, column in _REFERENCE.findall(sql):
        _check_reference(declared, what, alias, column, source)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every population and alias, as declared in ``resources/model/populations.json``."""
    raw = json.loads(resource_path(REGISTRY_FILE).read_text(encoding="utf-8"))
    return _parse(raw, REGISTRY_FILE)


def names(expr: str | None) -> tuple[str, ...]:
    """``"poor & employed_now"`` → ``("poor", "employed_now")``."""
    return tuple(part for part in (p.strip() for p in (expr or "").split("&")) if part)


def population(name: str, *, source: str) -> Population:
    """The declared population ``name``; refused naming ``source`` when there is none."""
    found = registry().populations.get(name)
    if found is None:
        raise UnknownPopulationError(f"{source}：未知的人员范围“{name}”（{REGISTRY_FILE} 中没有）")
    return found


def _in_dialect(pop: Population, dialect: Dialect, source: str) -> tuple[str, set[str]]:
    used: set[str] = set()

    def rename(match: re.Match) -> str:
        alias, column = match.group(1), match.group(2)
        replaced = dialect.columns.get(f"{alias}.{column}")
        if replaced is not None:
            used.update(a for a, _ in _REFERENCE.findall(replaced))
            return replaced
        own = dialect.aliases.get(alias)
        if own is None:
            about = registry().aliases[alias].about
            raise UnknownPopulationError(
                f"{source}：人员范围“{pop.name}”要读 {alias}.{column}（{about}），{dialect.name}中没有")
        used.add(own)
        return f"{own}.{column}"

    return _REFERENCE.sub(rename, pop.where), used


def compile_expr(expr: str | None, dialect: Dialect, *, source: str) -> Compiled:
    """The SQL of a population expression (``"poor & labour"``) in ``dialect``; an unknown
    name, or one reading an alias the dialect lacks, is refused naming ``source``."""
    parts, used = [], set()
    wanted = names(expr)
    for name in wanted:
        sql, aliases = _in_dialect(population(name, source=source), dialect, source)
        parts.append(sql)
        used |= aliases
    return Compiled(wanted, tuple(parts), frozenset(used))
