"""The cube's one-value group key (issue 20) puts rows together exactly as ``GROUP BY`` of the
four group columns does: the usual rows packed into an integer, odd ones (NULLs, texts, reals,
ids past the packed bits, a 户类型 outside its code list) spelled out."""

from __future__ import annotations

import itertools
import sqlite3

from wengang.services.reports.cube import DIMENSIONS, group_key
from wengang.store.status_store import code_number

# Per column, values an exact grouping must tell apart or hold together: 3, 3.0 and "3"; ids
# just within and past the packed bits; a 户类型 outside the code list; NULLs. Every row of
# their product is grouped at once, so each pair of values meets in every column.
_IDS = [0, 1, 3, 3.0, "3", 3.5, None, -1, 2**20 - 1, 2**20, 2**30 - 1, 2**30, 2**48 + 3]
_VALUES = {
    "area_id": _IDS,
    "site_id": _IDS,
    "hh_type": ["脱贫户", "监测户", "一般户", "其他户", "", 0, None],
    "relocated": [0, 1, 1.0, None, 2, "1", 0.5],
}


def _groups(conn: sqlite3.Connection, by: str) -> set[frozenset[int]]:
    rows = conn.execute(f"SELECT group_concat(n) FROM rows st GROUP BY {by}").fetchall()
    return {frozenset(map(int, members.split(","))) for (members,) in rows}


def _table(rows) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE rows (n, {', '.join(DIMENSIONS)})")
    conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", [(n, *row) for n, row in enumerate(rows)])
    return conn


def test_the_key_groups_the_rows_as_the_four_columns_do():
    rows = list(itertools.product(*(_VALUES[d] for d in DIMENSIONS)))
    conn = _table(rows + rows[::7])  # some rows twice: a group of more than one
    by_columns = _groups(conn, ", ".join(f"st.{d}" for d in DIMENSIONS))
    assert len(by_columns) < len(rows)  # 3 and 3.0, 1 and 1.0 held together
    assert _groups(conn, group_key("st")) == by_columns


def test_the_usual_rows_are_one_integer_each_and_the_others_a_text():
    conn = _table([(5, None, "脱贫户", 0), (5, 7, None, 1), (5, 7, "其他户", 1), (None, None, "监测户", 0)])
    types = [t for (t,) in conn.execute(f"SELECT typeof({group_key('st')}) FROM rows st")]
    assert types == ["integer", "integer", "text", "text"]
    known, unknown = code_number("hh_type", "'监测户'"), code_number("hh_type", "'x'")
    assert conn.execute(f"SELECT {known}, {unknown}").fetchone() == (1, None)
