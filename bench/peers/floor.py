"""The floors Wengang's import is measured against (issue 20), as a separate process each:

    python bench/peers/floor.py read FILE [FILE …]   # python-calamine reads each sheet, nothing else
    python bench/peers/floor.py insert KIND FILE DB  # the read, then one executemany of the same rows

``insert`` is what any importer must at least do: calamine's rows (as it gives them) into a
table with the file's columns, the same unique key as Wengang's (证件号码 for persons,
证件号码 + 开始时间 for employment) and the household index, in one transaction on a fresh
file database.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

# kind → (unique key columns, other indexed columns)
KEYS = {"persons": (("证件号码",), ("户编号",)), "employment": (("证件号码", "开始时间"), ())}


def read_rows(path: str) -> list[list]:
    workbook = CalamineWorkbook.from_path(path)
    return workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()


def insert(kind: str, path: str, db_path: str) -> int:
    rows = read_rows(path)
    header, data = rows[0], rows[1:]
    Path(db_path).unlink(missing_ok=True)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = WAL")
    columns = ", ".join(f'"{h}"' for h in header)
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
    unique, others = KEYS[kind]
    conn.execute(f"CREATE UNIQUE INDEX t_key ON t ({', '.join(unique)})")
    for n, column in enumerate(others):
        conn.execute(f"CREATE INDEX t_i{n} ON t ({column})")
    with conn:
        conn.executemany(f"INSERT INTO t ({columns}) VALUES ({', '.join('?' * len(header))})", data)
    conn.close()
    return len(data)


if __name__ == "__main__":
    if sys.argv[1] == "read":
        print(sum(len(read_rows(p)) for p in sys.argv[2:]))
    else:
        print(insert(*sys.argv[2:5]))
