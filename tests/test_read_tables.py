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
