"""Helpers for the import tests: writing small workbooks the way real files look."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from wengang.domain.ids import make_id

PERSON_HEADERS = ["县（市、区）", "乡镇（街道）", "行政村（社区）", "户编号", "户主姓名", "户类型", "监测对象类别",
                  "脱贫年度", "是否易地扶贫搬迁", "安置点名称", "姓名", "证件号码", "与户主关系", "劳动技能",
                  "在校生状况", "联系电话"]
WORK_HEADERS = ["证件号码", "姓名", "就业地域", "就业渠道", "务工地点（省）", "务工地点（市）", "务工地点（县）",
                "务工企业名称", "务工所属行业", "开始时间", "结束时间", "返乡原因", "月收入（元）"]


def write_xlsx(path: Path, headers: list, rows: list[list], title_rows: list[list] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    for title in title_rows or []:
        ws.append(title)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def pid(n: int, male: bool = True, birth: dt.date | None = None) -> str:
    """A distinct valid ID for every ``n`` (make_id keeps 3 sequence digits and fixes parity)."""
    if birth is None:
        birth = dt.date(1985, 5, 1) + dt.timedelta(days=n // 400)
    return make_id("620702", birth, 2 * (n % 400) + (1 if male else 0), male)


def person_rows(count: int, start: int = 1, township: str = "城关镇") -> list[list]:
    """``count`` persons in households of three; IDs from ``pid(n)``."""
    rows = []
    for n in range(start, start + count):
        hh = (n - 1) // 3 + 1
        head = (n - 1) % 3 == 0
        rows.append(["测试县", township, f"{township}{hh % 5}村", f"620702{hh:08d}", None, "脱贫户", None, 2019, "否",
                     None, f"人{n}", pid(n), "户主" if head else "之子", "普通劳动力", "非在校生", f"136{n:08d}"])
    return rows
