"""The registry's 仅劳动力 filter does not take the first page off its order's index (issue 20).

Seven in ten persons are labour: when SQLite used the 劳动技能 index (migration 0100) for the
filter, it read every labour person and sorted them for a page (监测户 labour at 200,000
households, by 姓名: 0.39 s per page, now 0.01 s). The filter still selects exactly the labour
force, and the first page is still the full order's first rows.
"""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.domain.status import is_labour
from wengang.services.demo import build_demo
from wengang.services.read.tables import PERSON_TABLE, RegistryFilter, TableReader
from wengang.store.db import open_database

AS_OF = dt.date(2025, 6, 30)
FILTERS = {"劳动力": RegistryFilter(as_of=AS_OF, labour_only=True),
           "监测户的劳动力": RegistryFilter(as_of=AS_OF, labour_only=True, hh_type="监测户")}


@pytest.fixture(scope="module")
def county():
    db = open_database()
    build_demo(db, households=40)
    yield db
    db.close()


def test_the_labour_filter_selects_the_labour_force(county):
    reader = TableReader(county, PERSON_TABLE)
    want = sorted(pid for pid, skill, student in county.execute(
        "SELECT id, labour_skill, student_status FROM persons") if is_labour(skill, student))
    assert sorted(reader.ids(reader.id_query(FILTERS["劳动力"], 0, False))) == want


@pytest.mark.parametrize("name", FILTERS)
def test_a_labour_page_by_name_id_phone_or_age_walks_its_index_and_sorts_no_one(county, name):
    reader = TableReader(county, PERSON_TABLE)
    flt = FILTERS[name]
    for column, spec in enumerate(PERSON_TABLE.columns):
        if spec.title not in ("姓名", "证件号码", "联系电话", "年龄"):
            continue
        for descending in (False, True):
            sql, params = reader.id_query(flt, column, descending)
            plan = " | ".join(r[-1] for r in county.execute(f"EXPLAIN QUERY PLAN {sql} LIMIT 5", params))
            assert "idx_persons_labour_skill" not in plan and "TEMP B-TREE FOR ORDER BY" not in plan, (sql, plan)
            assert reader.first_ids(flt, column, descending, 5) == reader.ids((sql, params))[:5]
