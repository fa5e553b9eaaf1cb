"""Lists and forms read the same populations: for every list/cell pair DOMAIN.md says must agree,
the list's count equals the form's cell — in the 合计 row and in every township's row, at the
demo county's date and at a mid-year date (the 三一致 a county office checks by hand)."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.services import ledgers
from wengang.services.demo import build_demo
from wengang.services.reports import compute_form
from wengang.store.db import open_database

# (list, form, column): 去年务工 = F1 上年; 今年已务工 = F1 本年 = F3 实际; 去年务工而今年未务工 =
# F5 尚未; the 公益性岗位 and 帮扶车间 ledgers = F3's persons now; 易地搬迁劳动力 = F6 搬迁劳动力数.
PAIRS = [
    ("last-year", "F1", "ly"),
    ("last-year", "F5", "ly"),
    ("this-year", "F1", "ty"),
    ("this-year", "F3", "actual"),
    ("not-yet", "F5", "not_yet"),
    ("posts", "F3", "posts_now"),
    ("workshops", "F3", "ws_persons_now"),
    ("relocated", "F6", "labour"),
]


@pytest.fixture(scope="module")
def county():
    db = open_database(":memory:")
    as_of = dt.date.fromisoformat(build_demo(db, households=400, seed=3)["as_of"])
    yield db, as_of
    db.close()


@pytest.mark.parametrize("when", ["as_of", "mid_year"])
@pytest.mark.parametrize(("ledger_id", "form_id", "column"), PAIRS)
def test_a_list_counts_what_its_form_cell_counts(county, ledger_id, form_id, column, when):
    db, as_of = county
    day = as_of if when == "as_of" else dt.date(as_of.year, 6, 30)
    extra = {"ref_date": day} if form_id == "F3" else {}
    result = compute_form(db, form_id, day, **extra)
    rows = [r for r in result.rows if r.kind in ("total", "area")]
    assert rows and any(r.values.get(column) for r in rows), f"{form_id}.{column} is empty: the test proves nothing"
    for row in rows:
        area_id = None if row.kind == "total" else row.area_id
        listed = ledgers.ledger_query(db, ledger_id, day, area_id=area_id).count()
        assert listed == (row.values.get(column) or 0), \
            f"{ledger_id} lists {listed} in {row.label}, {form_id} {column} says {row.values.get(column)}"
