"""Text written into SQL as a literal, where a statement cannot take a parameter: the code
lists' values in generated CASE and IN expressions (populations, the status store), trigger
bodies, ``PRAGMA key``. One quoting rule for all of them."""

from __future__ import annotations

from collections.abc import Iterable


def sql_text(value: str) -> str:
    """``value`` as an SQL string literal: ``O'Neil`` → ``'O''Neil'``."""
    return "'" + value.replace("'", "''") + "'"


def sql_texts(values: Iterable[str]) -> str:
    """``values`` as a comma-separated list of SQL string literals (the inside of ``IN (…)``)."""
    return ", ".join(map(sql_text, values))


def stamp_shown(column: str) -> str:
    """SQL of a stored stamp (``2026-12-08T02:34:39``, the columns' default) as a caseworker
    reads it: ``2026-12-08 02:34``."""
    return f"replace(substr({column}, 1, 16), 'T', ' ')"
