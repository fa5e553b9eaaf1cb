"""Versioned schema migrations, applied on open (sqlite-utils ``Migrations``).

One module per migration, ``mNNNN_name.py``, registered with ``@migrations(name="NNNN_name")``
and imported here in file-name order. Add a new file; never edit one that has shipped. A
database that has applied a migration this program does not know came from a newer version
and is refused (:func:`wengang.store.db.check_not_newer`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3

import sqlite_utils
from sqlite_utils import Migrations

MIGRATION_SET = "wengang"
migrations = Migrations(MIGRATION_SET)


def split_sql(script: str) -> list[str]:
    """Split a script into complete statements (triggers with inner ``;`` stay whole)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run several statements inside the migration's transaction (executescript would commit)."""
    for statement in split_sql(script):
        db.execute(statement)


def known_migration_names() -> list[str]:
    return [m.name for m in migrations._migrations]  # noqa: SLF001 - sqlite-utils has no public list


for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("m") and _info.name[1:5].isdigit():
        importlib.import_module(f"{__name__}.{_info.name}")
