"""Store layer: the SQLite schema, its migrations and the queries everything else shares."""

import sys as _sys
from collections.abc import Callable as _Callable
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


class _CompiledWhenUsed:
    """A regular expression compiled at its first use instead of where it is defined."""

    __slots__ = ("_arguments", "_compile", "_pattern")

    def __init__(self, compile_: _Callable, *arguments: object) -> None:
        self._compile, self._arguments, self._pattern = compile_, arguments, None

    def __getattr__(self, name: str) -> object:
        if self._pattern is None:
            self._pattern = self._compile(*self._arguments)
        return getattr(self._pattern, name)


@_contextmanager
def _compiling_when_used(marker: str) -> _Iterator[None]:
    """Inside: ``re.compile`` of a pattern containing ``marker`` gives a :class:`_CompiledWhenUsed`."""
    import re  # noqa: PLC0415

    compile_ = re.compile

    def compile_when_used(pattern: object, flags: int = 0) -> object:
        if isinstance(pattern, str) and marker in pattern:
            return _CompiledWhenUsed(compile_, pattern, flags)
        return compile_(pattern, flags)

    re.compile = compile_when_used  # type: ignore[assignment]
    try:
        yield
    finally:
        re.compile = compile_


# sqlite-utils 4 compiles, at import, a case-insensitive pattern over \u0080-\uffff (22 ms of
# every new process, issue 20) that it uses only to tell a virtual table's module (FTS).
_VIRTUAL_TABLE_PATTERN = r"CREATE\s+VIRTUAL\s+TABLE"


def _import_sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils with pandas and numpy hidden from it.

    When they are installed, ``sqlite_utils.db`` imports both only to map their scalar types to
    column types (0.15 s for numpy, 0.45 s with pandas, at every start); Wengang never hands it
    their values. They stay importable for whoever else asks later. Its virtual tables' pattern
    is compiled when first used.
    """
    if "sqlite_utils.db" in _sys.modules:
        return
    with hiding("pandas", "numpy"), _compiling_when_used(_VIRTUAL_TABLE_PATTERN):
        import sqlite_utils.db  # noqa: F401, PLC0415


_import_sqlite_utils_without_pandas()
