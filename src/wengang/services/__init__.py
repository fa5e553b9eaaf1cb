"""Services: import, reports, ledgers, exports and rules. No Qt: usable from the CLI and tests."""

import sys as _sys
from importlib.machinery import PathFinder as _PathFinder

import wengang.store  # noqa: F401 - first, so sqlite-utils loads without pandas/numpy (see there)
from wengang.store import hiding


class _NumpyHidden:
    """A module's loader that runs the module with numpy hidden (unless numpy is already loaded)."""

    def __init__(self, loader) -> None:
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        with hiding("numpy"):
            self.loader.exec_module(module)


class _OpenpyxlWithoutNumpy:
    """Finds ``openpyxl.compat.numbers`` with numpy hidden from it.

    When numpy is installed, openpyxl imports it there only to accept numpy scalars as cell
    values (0.09 s of CPU of every process that writes a workbook; 0.24 s → 0.15 s for
    openpyxl); Wengang never hands it numpy values, and the frozen build has no numpy at all, so
    this makes every run behave as the shipped program does. numpy stays importable for whoever
    else asks.
    """

    NAME = "openpyxl.compat.numbers"

    def find_spec(self, name, path=None, target=None):
        if name != self.NAME:
            return None
        spec = _PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _NumpyHidden(spec.loader)
        return spec


if not any(isinstance(finder, _OpenpyxlWithoutNumpy) for finder in _sys.meta_path):
    _sys.meta_path.insert(0, _OpenpyxlWithoutNumpy())
