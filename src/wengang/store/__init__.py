"""Store layer: the SQLite schema, its migrations and the queries everything else shares."""

import sys as _sys
from collections.abc import Iterator as _Iterator
from contextlib import contextmanager as _contextmanager


@_contextmanager
def hiding(*names: str) -> _Iterator[None]:
    """Inside: ``import name`` fails for each of ``names`` not loaded yet (an optional
    dependency a library would import for nothing of ours); after: importable again."""
    hidden = [name for name in names if name not in _sys.modules]
    for name in hidden:
        _sys.modules[name] = None  # type: ignore[assignment]  # makes ``import name`` fail
    try:
        yield
    finally:
        for name in hidden:
            if _sys.modules.get(name, False) is None:
                del _sys.modules[name]


def _import_sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils with pandas and numpy hidden from it.

    When they are installed, ``sqlite_utils.db`` imports both only to map their scalar types to
    column types (0.15 s for numpy, 0.45 s with pandas, at every start); Wengang never hands it
    their values. They stay importable for whoever else asks later.
    """
    if "sqlite_utils.db" in _sys.modules:
        return
    with hiding("pandas", "numpy"):
        import sqlite_utils.db  # noqa: F401, PLC0415


_import_sqlite_utils_without_pandas()
