"""The county's monthly cycle as a pandas script would do it (issue 20's peers):

    python bench/peers/cycle_pandas.py calamine|openpyxl PERSONS.xlsx EMPLOYMENT.xlsx AS_OF OUT_FOLDER

Read both national exports (证件号码 as text), derive each person's statuses at AS_OF from the
spells (DOMAIN.md: employed last year / this year, the region of the latest-starting spell in
each, returned and re-placed this year), compute F1 by 乡镇 and write the six lists as .xlsx
(xlsxwriter with ``calamine``, as a fast script would; openpyxl with ``openpyxl``, what most
scripts use). Prints F1's 合计 and each list's count, to compare with Wengang's on the same
files. Needs pandas (and xlsxwriter): bench-only, not Wengang's dependencies.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

LABOUR = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力")
AWAY = ("省外", "省内县外")
REGIONS = ("省外", "省内县外", "县内")


def read(path: str, engine: str) -> pd.DataFrame:
    return pd.read_excel(path, engine=engine, dtype=str).fillna("")


def statuses(persons: pd.DataFrame, spells: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """One row per person: last_year/this_year region ('' when not employed), returned, replaced."""
    year = int(as_of[:4])
    spells = spells[spells["证件号码"] != ""]
    start, end = spells["开始时间"], spells["结束时间"]
    out = persons[["证件号码"]].copy()

    def employed(lo: str, hi: str) -> pd.Series:
        hit = spells[(start <= hi) & ((end == "") | (end >= lo))]
        latest = hit.sort_values("开始时间").groupby("证件号码")["就业地域"].last()
        return out["证件号码"].map(latest).fillna("")

    out["last_year"] = employed(f"{year - 1}-01-01", f"{year - 1}-12-31")
    out["this_year"] = employed(f"{year}-01-01", as_of)
    back = spells[spells["就业地域"].isin(AWAY) & (end >= f"{year}-01-01") & (end <= as_of) & (end != "")]
    returned = back.groupby("证件号码")["结束时间"].max()
    out["returned"] = out["证件号码"].map(returned).fillna("")
    later = spells.merge(returned.rename("back"), left_on="证件号码", right_index=True)
    later = later[(later["开始时间"] > later["back"]) & (later["开始时间"] <= as_of)]
    out["replaced"] = out["证件号码"].map(later.groupby("证件号码")["开始时间"].min()).fillna("")
    return out


def f1(persons: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    frame = persons[["乡镇（街道）"]].join(status[["last_year", "this_year"]])
    rows = {}
    for column, label in (("last_year", "上年"), ("this_year", "本年")):
        rows[f"{label}就业人数"] = frame[column] != ""
        for region in REGIONS:
            rows[f"{label}{region}"] = frame[column] == region
    table = pd.DataFrame(rows).groupby(frame["乡镇（街道）"]).sum()
    table.loc["合计"] = table.sum()
    table["本年占上年比例(%)"] = (table["本年就业人数"] * 100 / table["上年就业人数"]).round(2)
    return table.sort_values("本年占上年比例(%)", ascending=False)


def six_lists(persons: pd.DataFrame, status: pd.DataFrame) -> dict[str, pd.DataFrame]:
    frame = persons.join(status[["last_year", "this_year", "returned", "replaced"]])
    labour = frame["劳动技能"].isin(LABOUR) & frame["在校生状况"].isin(("", "非在校生"))
    last, this = frame["last_year"] != "", frame["this_year"] != ""
    return {
        "劳动力底数清单": frame[labour],
        "去年务工底数清单": frame[last],
        "今年已务工底数清单": frame[this],
        "去年务工而今年未务工底数清单": frame[last & ~this],
        "有意愿外出务工底数清单": frame[labour & False],  # the exports carry no 意愿摸排
        "今年返乡回流和实现再输出底数清单": frame[frame["returned"] != ""],
    }


def main(engine: str, persons_path: str, spells_path: str, as_of: str, out: str) -> None:
    persons = read(persons_path, engine)
    persons = persons[persons["户类型"] != "同步搬迁户"].reset_index(drop=True)  # not 脱贫人口 nor 监测对象
    spells = read(spells_path, engine)
    status = statuses(persons, spells, as_of)
    table = f1(persons, status)
    print("F1 合计", dict(table.loc["合计"]))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    writer = "xlsxwriter" if engine == "calamine" else "openpyxl"
    for title, rows in six_lists(persons, status).items():
        rows.to_excel(folder / f"{title}.xlsx", index=False, engine=writer)
        print(title, len(rows))


if __name__ == "__main__":
    main(*sys.argv[1:6])
