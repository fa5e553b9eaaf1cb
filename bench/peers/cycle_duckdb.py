"""The monthly cycle as a DuckDB script (issue 20's peers):

    python bench/peers/cycle_duckdb.py PERSONS.xlsx EMPLOYMENT.xlsx AS_OF OUT_FOLDER

DuckDB reads no .xlsx without a downloaded extension (this machine is offline, as a township's
is), so python-calamine reads the sheets into Arrow-backed frames; DuckDB derives the statuses,
F1 and the six lists in SQL (the same definitions as cycle_pandas.py) and the lists are written
with xlsxwriter. Prints the same counts. Needs duckdb, pandas, xlsxwriter (bench-only).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd
import xlsxwriter
from python_calamine import CalamineWorkbook


def frame(path: str) -> pd.DataFrame:
    workbook = CalamineWorkbook.from_path(path)
    rows = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()
    text = [["" if c is None else c if isinstance(c, str) else str(int(c)) if isinstance(c, float) and c.is_integer()
             else str(c) for c in row] for row in rows[1:]]
    return pd.DataFrame(text, columns=rows[0])


def main(persons_path: str, spells_path: str, as_of: str, out: str) -> None:
    year = int(as_of[:4])
    con = duckdb.connect()
    con.register("persons_df", frame(persons_path))
    con.register("spells_df", frame(spells_path))
    con.execute("CREATE TABLE persons AS SELECT * FROM persons_df WHERE 户类型 <> '同步搬迁户'")
    con.execute("CREATE TABLE spells AS SELECT * FROM spells_df WHERE 证件号码 <> ''")
    ly0, ly1, ty0 = f"{year - 1}-01-01", f"{year - 1}-12-31", f"{year}-01-01"
    con.execute(f"""
        CREATE TABLE status AS
        WITH ly AS (SELECT 证件号码, arg_max(就业地域, 开始时间) AS region FROM spells
                    WHERE 开始时间 <= '{ly1}' AND (结束时间 = '' OR 结束时间 >= '{ly0}') GROUP BY 1),
             ty AS (SELECT 证件号码, arg_max(就业地域, 开始时间) AS region FROM spells
                    WHERE 开始时间 <= '{as_of}' AND (结束时间 = '' OR 结束时间 >= '{ty0}') GROUP BY 1),
             back AS (SELECT 证件号码, max(结束时间) AS returned FROM spells
                      WHERE 就业地域 IN ('省外', '省内县外') AND 结束时间 <> ''
                        AND 结束时间 BETWEEN '{ty0}' AND '{as_of}' GROUP BY 1),
             again AS (SELECT s.证件号码, min(s.开始时间) AS replaced FROM spells s JOIN back b USING (证件号码)
                       WHERE s.开始时间 > b.returned AND s.开始时间 <= '{as_of}' GROUP BY 1)
        SELECT p.*, coalesce(ly.region, '') AS last_year, coalesce(ty.region, '') AS this_year,
               coalesce(back.returned, '') AS returned, coalesce(again.replaced, '') AS replaced
        FROM persons p LEFT JOIN ly USING (证件号码) LEFT JOIN ty USING (证件号码)
             LEFT JOIN back USING (证件号码) LEFT JOIN again USING (证件号码)""")
    total = con.execute("""SELECT count(*) FILTER (last_year <> ''), count(*) FILTER (this_year <> '')
                           FROM status""").fetchone()
    con.execute("""SELECT "乡镇（街道）", count(*) FILTER (last_year <> '') AS ly,
                          count(*) FILTER (this_year <> '') AS ty,
                          count(*) FILTER (last_year = '省外'), count(*) FILTER (this_year = '省外'),
                          count(*) FILTER (last_year = '省内县外'), count(*) FILTER (this_year = '省内县外'),
                          count(*) FILTER (last_year = '县内'), count(*) FILTER (this_year = '县内')
                   FROM status GROUP BY 1 ORDER BY ty * 1.0 / nullif(ly, 0) DESC""").fetchall()
    print("F1 合计", {"上年就业人数": total[0], "本年就业人数": total[1]})
    labour = "劳动技能 IN ('技能劳动力', '普通劳动力', '弱劳动力或半劳动力') AND 在校生状况 IN ('', '非在校生')"
    lists = {
        "劳动力底数清单": labour, "去年务工底数清单": "last_year <> ''", "今年已务工底数清单": "this_year <> ''",
        "去年务工而今年未务工底数清单": "last_year <> '' AND this_year = ''",
        "有意愿外出务工底数清单": "false",  # the exports carry no 意愿摸排
        "今年返乡回流和实现再输出底数清单": "returned <> ''",
    }
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for title, where in lists.items():
        cursor = con.execute(f"SELECT * FROM status WHERE {where}")
        header = [d[0] for d in cursor.description]
        book = xlsxwriter.Workbook(str(folder / f"{title}.xlsx"), {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, header)
        n = 0
        while batch := cursor.fetchmany(10000):
            for row in batch:
                n += 1
                sheet.write_row(n, 0, row)
        book.close()
        print(title, n)


if __name__ == "__main__":
    main(*sys.argv[1:5])
