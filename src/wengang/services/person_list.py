"""A list of persons to Excel: the people behind a number of a form (drill-down), so the
caseworker can hand the names to a village or check them against the national system.

No Qt: the window only calls :func:`write_person_list`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from wengang.domain.masking import mask_id, mask_phone
from wengang.store.areas import village_and_township

COLUMNS = (("序号", 6), ("乡镇", 12), ("行政村", 12), ("户编号", 20), ("姓名", 10), ("性别", 6),
           ("证件号码", 21), ("与户主关系", 10), ("户类型", 10), ("劳动技能", 16), ("联系电话", 14))
_SQL = f"""SELECT t.name, v.name, h.hh_no, p.name, p.gender, p.id_number, p.relation, h.hh_type,
                 p.labour_skill, p.phone
          FROM persons p JOIN households h ON h.id = p.household_id
          {village_and_township("h.area_id")}
          WHERE p.id IN (SELECT value FROM json_each(?))
          ORDER BY t.sort_order, t.name, v.sort_order, v.name, h.hh_no, p.id"""
_COUNT_SQL = "SELECT count(*) FROM persons WHERE id IN (SELECT value FROM json_each(?))"
PROGRESS_EVERY = 2000  # rows between two progress reports


def write_person_list(db: sqlite_utils.Database, person_ids: list[int], path: str | Path, *, title: str,
                      as_of: dt.date | None = None, mask: bool = True,
                      progress: Callable[[int, int, str], object] | None = None) -> tuple[Path, int]:
    """``person_ids`` as one sheet under ``title`` (IDs and phones masked unless ``mask`` is
    False; 证件号码 always text), printed A4 landscape. Returns (path, persons written).

    ``progress(done, total, words)`` is called every few thousand rows; it may raise to stop
    (nothing is written: the file appears whole at the end or not at all). Streamed into the
    file (``xlsx_stream.StreamedWorkbook``): F1's 74,303 employed persons of a 50,000-household
    county took 17 CPU s as a whole openpyxl sheet."""
    import json  # noqa: PLC0415

    from wengang.services.xlsx_stream import StreamedWorkbook, listing_head  # noqa: PLC0415 - atomic, no formulas

    path = Path(path)
    listed = json.dumps([int(i) for i in person_ids])
    # counted first and then read row by row: a whole registry of 660,519 persons held as
    # tuples took about 700 MiB (217 MiB at 165,479)
    total = db.execute(_COUNT_SQL, [listed]).fetchone()[0]
    heading = title + (f"（数据截止 {as_of.isoformat()}）" if as_of else "")
    book = StreamedWorkbook(path, "人员名单")
    n = 0
    try:
        listing_head(book.sheet, f"{heading}：共 {total:,} 人", COLUMNS)
        for n, row in enumerate(db.execute(_SQL, [listed]), start=1):
            if progress is not None and n % PROGRESS_EVERY == 1:
                progress(n - 1, total, f"正在写入第 {n:,} 人（共 {total:,} 人）")
            values = list(row)
            if mask:
                values[5], values[9] = mask_id(values[5]), mask_phone(values[9])
            book.sheet.append_values([n, *("" if v is None else str(v) for v in values)])
        if progress is not None:
            progress(n, total, f"正在保存 {path.name}")
        book.save()
    except BaseException:
        book.abandon()  # no file, and any earlier one of that name as it was
        raise
    return path, n
