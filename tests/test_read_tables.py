"""The registry tables' query builder: a query joins only the tables it refers to."""

from __future__ import annotations

from wengang.services.read.tables import FINDING_SOURCE, HOUSEHOLD_SOURCE, PERSON_SOURCE


def test_a_query_on_person_columns_alone_reads_the_person_table_alone():
    assert PERSON_SOURCE.sql(" WHERE p.name LIKE :q ORDER BY p.name, p.id") == "FROM persons p"


def test_a_township_column_brings_the_joins_it_hangs_off():
    assert PERSON_SOURCE.sql("ORDER BY t.name") == (
        "FROM persons p JOIN households h ON h.id = p.household_id "
        "LEFT JOIN areas v ON v.id = h.area_id LEFT JOIN areas t ON t.id = v.parent_id")
    assert HOUSEHOLD_SOURCE.sql("v.name") == "FROM households h LEFT JOIN areas v ON v.id = h.area_id"


def test_all_joins_when_nothing_is_named_and_cross_join_on_request():
    assert PERSON_SOURCE.sql() == PERSON_SOURCE.sql("t.name")
    assert PERSON_SOURCE.sql("h.hh_no", cross=("h",)) == \
        "FROM persons p CROSS JOIN households h ON h.id = p.household_id"


def test_a_finding_household_comes_through_its_person():
    assert FINDING_SOURCE.sql("h.head_name") == (
        "FROM quality_findings f LEFT JOIN persons p ON p.id = f.person_id "
        "LEFT JOIN households h ON h.id = coalesce(f.household_id, p.household_id)")


def test_every_column_of_every_table_sorts_both_ways():
    """Descending puts DESC after each term of the column's order, never inside one (当前状态's
    CASE names regions in a list: splitting at every comma broke it)."""
    from wengang.services.demo import build_demo
    from wengang.services.read.tables import (
        FINDING_TABLE,
        HOUSEHOLD_TABLE,
        PERSON_TABLE,
        RegistryFilter,
        TableReader,
        order_terms,
    )
    from wengang.store.db import open_database

    assert order_terms("t.name, CASE WHEN s.region IN ('省外', '省内县外') THEN 1 END, 'a,b'") == \
        ["t.name", "CASE WHEN s.region IN ('省外', '省内县外') THEN 1 END", "'a,b'"]
    db = open_database()
    try:
        build_demo(db, households=20)
        for table in (PERSON_TABLE, HOUSEHOLD_TABLE, FINDING_TABLE):
            reader = TableReader(db, table)
            everyone = sorted(reader.ids(reader.id_query(RegistryFilter(), -1, False)))
            for column, spec in enumerate(table.columns):
                up = reader.ids(reader.id_query(RegistryFilter(), column, False))
                down = reader.ids(reader.id_query(RegistryFilter(), column, True))
                assert sorted(up) == sorted(down) == everyone, spec.title
    finally:
        db.close()
