"""Loading generated workbooks through the importer (``wengang.services.importing.import_file``).

The seed tests go through the real import path: workbooks with the canonical headers
(``resources/import/kinds.json``), read and parsed exactly like a caseworker's file, all or
nothing. A rejected file fails the test with the importer's own messages.
"""

from __future__ import annotations

from pathlib import Path

from wengang.services.importing import import_file


def load(db, kind: str, path: Path) -> None:
    """Import ``path`` as ``kind``; raise with the first errors when the importer rejects it."""
    result = import_file(db, kind, path)
    if not result.ok:
        shown = "; ".join(str(e) for e in list(result.errors)[:5])
        raise AssertionError(f"import of {kind} {path.name} rejected: {shown}")
