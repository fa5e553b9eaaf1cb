"""Warnings for rows that are valid but likely wrong or unsafe (issue 19), checked against the
database as it was before the import:

* a township the county does not have yet (a typo would silently become a new township in
  every form): the new name is named, with the known ones;
* a name or place beginning with ``= + - @`` (it would run as a formula in a spreadsheet; the
  program's own exports store it as text, others might not);
* two 户主 in one household;
* a work spell that starts in the future, or overlaps a spell already registered for the
  person (:func:`registered_overlap_hints`, said by the employment writer, which also warns of
  overlaps within the file).

All are 提示 (warnings): the import goes ahead, the caseworker sees them in the preview, the
summary and the error workbook.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable

import sqlite_utils

from wengang.domain.cells import looks_like_formula
from wengang.services.importing.parse import Parsed
from wengang.services.importing.upsert import insert_grouped
from wengang.store.areas import areas_at_level

_TEXT_KEYS = ("name", "head_name", "township", "village", "employer_name", "org_name", "site_name", "area_name")
_SHOW_KNOWN = 8


def add_warnings(db: sqlite_utils.Database, parsed: Parsed) -> None:
    """Add the warnings above to ``parsed`` (before the writers change the database)."""
    values = _Columns(parsed)
    records = parsed.records
    _formula_cells(parsed, values)
    if "township" in values:
        _new_townships(db, parsed, values["township"])
    if "relation" in values and "hh_no" in values:
        _two_heads(parsed, values["hh_no"], values["relation"])
    if parsed.spec.table == "employment_spells" and "start_date" in values and records:
        _spell_dates(parsed, values)


class _Columns:
    """A field's values, one per row, made only for the fields asked (no copy of the table)."""

    def __init__(self, parsed: Parsed):
        self.parsed, self.made = parsed, {}

    def __contains__(self, key: str) -> bool:
        return key in self.parsed.present or key in self.parsed.column_values

    def get(self, key: str):
        if key not in self:
            return None
        if key not in self.made:
            lazy = self.parsed.column_values
            self.made[key] = lazy[key] if key in lazy else [r.values.get(key) for r in self.parsed.records]
        return self.made[key]

    def __getitem__(self, key: str):
        return self.get(key)


def _formula_cells(parsed: Parsed, values: _Columns) -> None:
    for key in _TEXT_KEYS:
        column = values.get(key)
        if not column:
            continue
        # Each distinct text is looked at once (a 150,000-row roster: 750,000 cells, 0.3 s);
        # the rows are walked only for a column that has such a text.
        flagged = {text for text in set(column) if looks_like_formula(text)}
        if not flagged:
            continue
        for record, text in zip(parsed.records, column):
            if text in flagged:
                parsed.warn(record, key, f"“{text[:30]}”以“{text[0] if text[0].isprintable() else '制表符'}”开头，"
                            "在Excel/WPS中可能被当成公式；本程序导出时按文字处理，请核实是否录入有误")


def _new_townships(db: sqlite_utils.Database, parsed: Parsed, townships: list) -> None:
    known = sorted({area["name"] for area in areas_at_level(db, "township")})
    if not known:
        return  # the first roster brings every township
    first: dict[str, object] = {}
    for record, name in zip(parsed.records, townships):
        if name and name not in known and name not in first:
            first[name] = record
    shown = "、".join(known[:_SHOW_KNOWN]) + ("等" if len(known) > _SHOW_KNOWN else "")
    for name, record in first.items():
        parsed.warn(record, "township", f"乡镇“{name}”是新的（已有：{shown}），导入时将新建；如是笔误请改正后再导入")


def _two_heads(parsed: Parsed, households: list, relations: list) -> None:
    heads: dict[str, list] = defaultdict(list)
    for record, hh_no, relation in zip(parsed.records, households, relations):
        if hh_no and relation == "户主":
            heads[hh_no].append(record)
    for hh_no, records in heads.items():
        if len(records) > 1:
            rows = "、".join(f"第{r.row}行" for r in records)
            parsed.warn(records[1], "relation", f"户编号{hh_no}有{len(records)}个户主（{rows}），请核实")


def _spell_dates(parsed: Parsed, values: _Columns) -> None:
    """Starts in the future, said row by row. (The overlaps with registered spells are found by
    the employment writer, which walks the rows by person: :func:`registered_overlap_hints`.)"""
    starts = values["start_date"]
    iso = {value: _iso(value) for value in set(starts)}  # dates repeat: each converted once
    today = dt.date.today().isoformat()
    future = {value for value in iso if iso[value] and iso[value] > today}
    if future:
        for i in [i for i, start in enumerate(starts) if start in future]:
            parsed.warn(parsed.records[i], "start_date", f"开始时间{iso[starts[i]]}晚于今天，请核实")


def registered_overlap_hints(db: sqlite_utils.Database, rows: list[int], persons: list[int], starts: list[str],
                             ends: list, *, file_ends: bool) -> dict[int, str]:
    """Row → its hint about the first registered spell (by start) that the row's spell
    overlaps, with the spell's end as the same file leaves it; rows overlapping none have none.

    ``rows`` are the rows written, in the writer's walk (by person, then 开始时间), with their
    person ids and starts (the keys written: a month-only start already the stored spell's
    day); ``ends`` the 结束时间 column by row. A registered spell the file names again ends as
    the file says once imported (``file_ends``; without the 结束时间 column the registered end
    stays): the month's export ends last month's open spell and starts the next one, which then
    overlaps nothing. Reads the database as it was before the import: call it before any row
    is sent."""
    if not rows or db.execute("SELECT 1 FROM employment_spells LIMIT 1").fetchone() is None:
        return {}  # nothing registered to overlap (a county's first employment import)
    pairs = _registered_overlaps(db, zip(rows, persons, starts, map(ends.__getitem__, rows)))
    if not pairs:
        return {}
    wanted = {i for i, _start, _end in pairs}
    position = {i: n for n, i in enumerate(rows) if i in wanted}
    named = {persons[n] for n in position.values()}
    ended = {(person, start): ends[i] for i, person, start in zip(rows, persons, starts)
             if person in named} if file_ends else {}
    hints: dict[int, str] = {}
    for i, start, end in pairs:
        n = position[i]
        end = ended.get((persons[n], start), end)
        if i in hints or (end is not None and end <= starts[n]):
            continue
        hints[i] = f"与已登记的务工记录（{start}起{'至' + end if end else '，尚未结束'}）时间重叠，请核实"
    return hints


_STAGE_CHUNK = 16_384  # rows held at once while staging (about 2 MiB)


def _registered_overlaps(db: sqlite_utils.Database, rows: Iterable[tuple]) -> list[tuple]:
    """(row index, start, end) of every registered spell each incoming (index, person id, start,
    end) overlaps as registered, in row order, then by start.

    Staged in the order given, by person: the look-ups of one person's registered spells come
    together, and no 证件号码 is looked up (245,393 spells of a monthly re-import: the query
    0.42 → 0.15 s against staging 证件号码 in the file's order)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS wengang_incoming_spells (i INTEGER, person_id INTEGER, "
               "start_date TEXT, end_date TEXT)")
    try:
        # Many rows to a statement, a chunk at a time (the rows stay a generator): 245,393 spells
        # of a monthly re-import staged in 0.16 s CPU instead of 0.30 one row a statement.
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, _STAGE_CHUNK)):
            insert_grouped(db.conn, "temp.wengang_incoming_spells", 4, chunk)
        return db.execute("""
            SELECT n.i, s.start_date, s.end_date FROM temp.wengang_incoming_spells n
            JOIN employment_spells s ON s.person_id = n.person_id
            WHERE s.start_date <> n.start_date
              AND s.start_date < coalesce(n.end_date, '9999-12-31')
              AND coalesce(s.end_date, '9999-12-31') > n.start_date
            ORDER BY n.i, s.start_date""").fetchall()
    finally:
        db.execute("DROP TABLE IF EXISTS temp.wengang_incoming_spells")


def _iso(value) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]
