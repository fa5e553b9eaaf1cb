"""The window and the command line hold no SQL: they read through ``services.read`` (and the
other services), so a query is written, indexed and tested in one place (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import wengang

PACKAGE = Path(wengang.__file__).parent
SQL = re.compile(r"\b(SELECT|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\[?\w+\]?\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+(TEMP\s+|UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)|PRAGMA)\b")


def sql_lines(folder: Path) -> list[str]:
    return [f"{path}:{number}: {line.strip()}"
            for path in sorted(folder.rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if SQL.search(line)]


def test_no_sql_in_the_window_or_the_command_line():
    found = sql_lines(PACKAGE / "gui") + sql_lines(PACKAGE / "cli")
    assert not found, "SQL belongs in store/ or services/ (services.read for reads):\n" + "\n".join(found)


def test_the_check_sees_sql(tmp_path):
    (tmp_path / "tab.py").write_text('rows = db.execute("SELECT id FROM persons")\n'
                                     'db.execute("UPDATE persons SET phone = ?")\nlabel = "选择"\n',
                                     encoding="utf-8")
    found = sql_lines(tmp_path)
    assert len(found) == 2 and found[0].endswith('rows = db.execute("SELECT id FROM persons")')
