"""Migration 0100: indexes the registry's person table sorts by (issue 20).

The window shows the first page of a sorted table from ``ORDER BY … LIMIT`` (the rest of the
order is read later, off the GUI thread); an index in the sort's order makes that an index
walk of a few thousand entries instead of sorting all persons (性别 at 660,519 persons:
136 ms → 2 ms). One ascending index a column serves both directions: ties are broken by
the person id ascending both ways, which 年龄's index walked backwards gives after sorting
each birth date's few ties, and 性别, 与户主关系 and 劳动技能 (a few values each) are walked
value by value (``services/read/tables.py``, ``TableReader.first_ids``). 姓名, 证件号码 and
联系电话 already had one; 年龄's is on the very expression it sorts by
(``0 - julianday(p.birth_date)``). Cost: 46 MB at 660,519 persons (1.28 GB file, +3.6 %),
≈ 70 bytes a person; inserting 165,479 persons in id order, in memory, takes 3.4–3.5 s CPU with
the former indexes and 5.0 s with these four (bench/README.md, issue 20's sort section).
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = """
CREATE INDEX IF NOT EXISTS idx_persons_gender ON persons(gender);
CREATE INDEX IF NOT EXISTS idx_persons_relation ON persons(relation);
CREATE INDEX IF NOT EXISTS idx_persons_labour_skill ON persons(labour_skill);
CREATE INDEX IF NOT EXISTS idx_persons_age ON persons(0 - julianday(birth_date));
"""


@migrations(name="0100_sort_indexes")
def m0100_sort_indexes(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
