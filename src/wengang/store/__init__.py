"""Store layer: the SQLite schema, its migrations and the queries everything else shares."""

import sys as _sys


def _import_sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils with pandas and numpy hidden from it.

    When they are installed, ``sqlite_utils.db`` imports both only to map their scalar types to
    column types (0.15 s for numpy, 0.45 s with pandas, at every start); Wengang never hands it
    their values. They stay importable for whoever else asks later.
    """
    if "sqlite_utils.db" in _sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in _sys.modules]
    for name in hidden:
        _sys.modules[name] = None  # type: ignore[assignment]  # makes ``import name`` fail
    try:
        import sqlite_utils.db  # noqa: F401, PLC0415
    finally:
        for name in hidden:
            if _sys.modules.get(name, False) is None:
                del _sys.modules[name]


_import_sqlite_utils_without_pandas()
