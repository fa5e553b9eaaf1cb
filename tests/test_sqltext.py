"""The one quoting rule for text written into SQL (code lists, trigger bodies, PRAGMA key)."""

from __future__ import annotations

import sqlite3

from wengang.domain.sqltext import sql_text, sql_texts


def test_quotes_are_doubled_and_the_text_reads_back_unchanged():
    conn = sqlite3.connect(":memory:")
    for value in ("", "普通劳动力", "O'Neil", "''", "a'b'c", "1' OR '1'='1"):
        assert sql_text(value).startswith("'")
        assert conn.execute(f"SELECT {sql_text(value)}").fetchone()[0] == value


def test_a_list_is_the_inside_of_an_in():
    conn = sqlite3.connect(":memory:")
    values = ["在校生", "O'Neil", "技能劳动力"]
    found = conn.execute(f"SELECT 'O''Neil' IN ({sql_texts(values)}), 'x' IN ({sql_texts(values)})").fetchone()
    assert found == (1, 0)
    assert sql_texts([]) == ""
