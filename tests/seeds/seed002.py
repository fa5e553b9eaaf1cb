"""Seed 002 (甘人社明电〔2020〕88号) 附件: the six counties of 张掖市 as townships of a test county.

As of 2020-08-25; the cohort is 2019's employed. The 张掖市 row is the 合计.
"""

from __future__ import annotations

from .builder import SeedCounty, Spell

AS_OF = "2020-08-25"
COLUMNS = ["ly", "not_yet", "zero_hh", "zero_persons", "fell_hh", "fell_last", "fell_this", "planned"]
# Blank 计划外出人数 cells in the seed are 0.
ROWS = [
    ("山丹县", 6062, 740, 233, 276, 413, 1055, 591, 0),
    ("高台县", 2196, 263, 126, 135, 120, 286, 158, 1),
    ("民乐县", 9187, 830, 217, 265, 501, 1396, 831, 0),
    ("肃南县", 84, 16, 13, 13, 3, 6, 3, 0),
    ("甘州区", 984, 121, 34, 39, 75, 187, 105, 0),
    ("临泽县", 2243, 425, 244, 273, 143, 315, 163, 0),
]
TOTAL = (20756, 2395, 867, 1001, 1255, 3245, 1851, 1)  # 张掖市

WORKED_2019 = Spell("2019-03-01", "2019-11-30", "省外")


def _spread(total: int, bins: int, base: int) -> list[int]:
    """``bins`` sizes of at least ``base`` adding up to ``total``, extras dealt round-robin."""
    sizes = [base] * bins
    for i in range(total - base * bins):
        sizes[i % bins] += 1
    return sizes


def _row(county: SeedCounty, township: str, row: tuple) -> None:
    _, n, not_yet, h0, p0, h1, l1, t1, planned = row
    not_yet_people = []
    # 户内务工人员减少为0: no 2019 worker of the household works in 2020. A non-cohort member
    # who starts work in 2020 does not change that (the cohort is 2019's workers).
    for i, size in enumerate(_spread(p0, h0, 1)):
        hh = county.household(township, f"{township}{i % 3 + 1}村")
        not_yet_people += [county.person(hh, spells=[WORKED_2019]) for _ in range(size)]
        if i == 0:
            county.person(hh, spells=[Spell("2020-04-01", None, "县内")])
    # 户内务工人员减少但不为0: l_i ≥ 2 workers in 2019, 1 ≤ t_i < l_i of them in 2020.
    lasts = _spread(l1, h1, 2)
    extra_this = t1 - h1
    for i, last in enumerate(lasts):
        this = 1 + min(extra_this, last - 2)
        extra_this -= this - 1
        hh = county.household(township, f"{township}{i % 3 + 1}村")
        for k in range(last):
            if k < this:
                # one spell across the year boundary, or a 2019 spell and a new 2020 one
                spells = ([Spell("2019-06-01", None, "省内县外")] if k % 2 == 0
                          else [WORKED_2019, Spell("2020-03-15", "2020-07-31", "县内")])
                county.person(hh, spells=spells)
            else:
                not_yet_people.append(county.person(hh, spells=[WORKED_2019]))
    assert extra_this == 0, "seed row cannot be laid out in households"
    # The rest of the cohort: households whose 2019 workers all work in 2020.
    rest = n - p0 - l1
    for i in range(0, rest, 2):
        hh = county.household(township, f"{township}{i % 3 + 1}村")
        for _ in range(min(2, rest - i)):
            county.person(hh, spells=[Spell("2019-09-01", "2020-02-29", "县内")])
    assert len(not_yet_people) == not_yet
    # 计划外出: the latest survey on or before D says willing. Others were willing once and
    # changed their minds, or answer only after D — neither counts.
    for k, person in enumerate(not_yet_people):
        if k < planned:
            person.surveys = [("2020-05-01", False), ("2020-08-01", True)]
        elif k % 7 == 0:
            person.surveys = [("2020-05-01", True), ("2020-08-01", False)]
        elif k % 7 == 1:
            person.surveys = [("2020-09-01", True)]
    # Not in the cohort at all: a 同步搬迁户 whose 2019 worker is idle in 2020.
    outsider = county.household(township, hh_type="同步搬迁户")
    county.person(outsider, spells=[WORKED_2019])


def build() -> SeedCounty:
    county = SeedCounty("测试县", "620702")
    for row in ROWS:
        _row(county, row[0], row)
    return county
