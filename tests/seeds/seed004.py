"""Seed 004 (黄石市委农办 2023-04-10 通报) 附件: spot checks of six townships in four counties.

100 workers were called per township (the text: "电话抽查 100 人中"; 600 in all). The table's
务工时间 准确率 column was lost in the published text; the values below are the ones the
text names (木港镇 59%, 海口湖管理区 47.5%, 大冶市 72.9%, 开发区·铁山区 68.8%) and the half-up
results of the published counts for the others.
"""

from __future__ import annotations

from .builder import SeedCounty, Spell

AS_OF = "2023-03-31"
PERIOD_FROM = "2023-03-01"
SAMPLED = 100
COLUMNS = ["connected", "connected_rate", "place_ok", "place_rate", "time_ok", "time_rate",
           "aware", "aware_rate"]
# (county, township, connected, rate, place_ok, rate, time_ok, rate, aware, rate)
ROWS = [
    ("大冶市", "灵乡镇", 68, "68.0", 51, "75.0", 52, "76.5", 40, "58.8"),
    ("大冶市", "茗山乡", 65, "65.0", 39, "60.0", 45, "69.2", 28, "43.1"),
    ("阳新县", "陶港镇", 58, "58.0", 44, "75.9", 45, "77.6", 16, "27.6"),
    ("阳新县", "木港镇", 61, "61.0", 34, "55.7", 36, "59.0", 8, "13.1"),
    ("开发区·铁山区", "太子镇", 48, "48.0", 34, "70.8", 33, "68.8", 22, "45.8"),
    ("新港园区", "海口湖管理区", 40, "40.0", 16, "40.0", 19, "47.5", 6, "15.0"),
]
SUBTOTALS = {  # county → 合计 row as published
    "大冶市": (133, "66.5", 90, "67.7", 97, "72.9", 68, "51.1"),
    "阳新县": (119, "59.5", 78, "65.5", 81, "68.1", 24, "20.2"),
}


def build() -> SeedCounty:
    county = SeedCounty("大冶市", "420281")
    for cty, township, connected, _, place, _, time, _, aware, _ in ROWS:
        hh = None
        for i in range(SAMPLED):
            if i % 4 == 0:
                hh = county.household(township, f"{township}{i % 2 + 1}村", county=cty)
            ok = i < connected
            check = ("2023-03-20", ok, (i < place) if ok else None, (i < time) if ok else None,
                     (i < aware) if ok else None)
            person = county.person(hh, spells=[Spell("2023-01-05", None, "省外")], checks=[check])
            if i == 0:  # a call before the period does not count
                person.checks.insert(0, ("2023-02-15", True, True, True, True))
    return county
