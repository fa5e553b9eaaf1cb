"""The employment writer finds the spells worth a warning column by column (issue 20) and says
the warnings only for those rows: it must find exactly the rows :func:`_spell_warnings` speaks
about, or a warning would be lost (or a row looked at for nothing)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from wengang.domain.codes import labour_skills, not_student_values
from wengang.services.importing.writers import employment


def test_the_spells_found_column_by_column_are_those_warned_about():
    checks = employment._SpellChecks(True, (("industry", "务工所属行业"),),  # noqa: SLF001
                                     labour_skills(), not_student_values())
    incomes = (None, 50.0, 100, 4500.0, 30000, 30000.5)
    missing = ((), (("industry", "务工所属行业"),))
    regions = (None, "县内", "省内县外", "省外")
    counties = (None, "北仑区")
    channels = (None, "公益性岗位", "帮扶车间", "有组织劳务输出")
    persons = [(7, "人7", skill, student) for skill in (None, labour_skills()[0], "丧失劳动力")
               for student in (None, "", "非在校生", "在校生")]
    combos = list(itertools.product(incomes, missing, regions, counties, channels, persons))
    spells = object.__new__(employment._SpellFile)  # noqa: SLF001 - only its columns and checks
    spells.checks = checks
    spells.missing = [c[1] for c in combos]
    spells.columns = {"monthly_income": [c[0] for c in combos], "region": [c[2] for c in combos],
                      "place_county": [c[3] for c in combos], "channel": [c[4] for c in combos]}
    rows, people = list(range(len(combos))), [c[5] for c in combos]
    for has_income in (True, False):  # a file without 月收入 is not warned about its incomes
        spells.checks = employment._SpellChecks(has_income, checks.described, checks.labour,  # noqa: SLF001
                                                checks.not_student)
        warned: set[int] = set()
        for i, (income, blanks, region, county, channel, person) in enumerate(combos):
            ctx = SimpleNamespace(warn=lambda *_args, i=i, said=warned: said.add(i),
                                  parsed=SimpleNamespace(present={"place_county"}))
            employment._spell_warnings(ctx, None, person[0], person, spells.checks, income, blanks,  # noqa: SLF001
                                       region, county, channel)
        assert 0 < len(warned) < len(combos)  # both kinds of rows are there
        assert spells._flagged(rows, people) == warned  # noqa: SLF001


def test_the_overlaps_found_column_by_column_are_those_of_each_pair_of_rows():
    """Row → the same person's previous row it overlaps: that one is open (no 结束时间) or
    ends after this one starts; as comparing each pair of neighbouring rows says."""
    days = (None, "2024-01-01", "2024-03-01", "2024-03-02", "2025-12-31")
    combos = [(pid, start, end) for pid in (1, 2) for start in days[1:] for end in days]
    rows = list(range(len(combos)))
    spells = object.__new__(employment._SpellFile)  # noqa: SLF001 - only its columns
    spells.columns = {"end_date": [end for _pid, _start, end in combos]}
    for shuffle in range(3):
        walked = rows[shuffle:] + rows[:shuffle]  # the rows' order is not their index's
        keys = [combos[i][:2] for i in walked]
        ends = spells.columns["end_date"]
        expected = {i: previous for previous, i, before, key in zip(walked, walked[1:], keys, keys[1:])
                    if before[0] == key[0] and (ends[previous] is None or ends[previous] > key[1])}
        assert 0 < len(expected) < len(walked) - 1
        held = employment._SpellKeys([key[0] for key in keys], [key[1] for key in keys])  # noqa: SLF001
        assert spells._overlaps(walked, held) == expected  # noqa: SLF001
    assert spells._overlaps(rows[:1], employment._SpellKeys([1], [days[1]])) == {}  # noqa: SLF001
