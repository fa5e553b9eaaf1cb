"""Importing national-system exports and caseworkers' own spreadsheets (issue 3).

One generic engine for every kind of file, driven by the declarations in
``resources/import/kinds.json``: read (calamine/CSV, all text), map headers through aliases,
parse cells, write in one transaction — all rows or none — with an error workbook for the
caseworker and warnings kept for the quality panel. Templates, the ledger export in the same
layout, and the 三一致 consistency check live here too.
"""

from __future__ import annotations

import importlib

from wengang.services.importing.engine import import_file, preview_file
from wengang.services.importing.model import ImportResult, Issue, Preview
from wengang.services.importing.reader import ReadError, Table, read_table
from wengang.services.importing.spec import KINDS, detect_kind, kind_spec

# Excel writers, loaded when first asked for: they import openpyxl (0.06 s CPU, 11 MiB), which
# an import that succeeds never uses (issue 20: ``wengang import`` starts without it).
_WRITING = {"ConsistencyReport": "consistency", "check_consistency": "consistency",
            "write_consistency": "consistency", "export_kind": "export", "write_template": "template"}


def __getattr__(name: str):
    if name in _WRITING:
        return getattr(importlib.import_module(f"{__name__}.{_WRITING[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KINDS", "ConsistencyReport", "ImportResult", "Issue", "Preview", "ReadError", "Table",
    "check_consistency", "detect_kind", "export_kind", "import_file", "kind_spec", "preview_file",
    "read_table", "write_consistency", "write_template",
]
