"""The 三一致 check (seed 004): a fresh national-system export against the database.

Person by person (keyed by 证件号码; for a work file by 证件号码 and 开始时间): who is only in
the file, who only in the database, and which fields differ. Only columns the file has are
compared; values are compared after the same parsing and code-list folding an import
applies, so 全角/半角 or alias spellings do not count.

"Only in the database" lists only what the file could have held — an export covers part of
a county and, for work, part of the time:

- a roster covers the townships (乡镇) it names: persons living elsewhere are not listed;
- a work-monitoring file covers the townships its 乡 column names (national exports have
  one; a file without it covers the townships of the people it names) and the period from
  its earliest 开始时间 to its latest 开始时间 or 结束时间: a spell is expected in it when its
  person lives there and the spell was under way at some time in that period (a spell that
  ended before the file's first stint began, or began after its last date, is not).

As on import, a start given by month only ("2023年04月") is the person's spell starting in that
month when the database has exactly one, though it was typed to the day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import ClassVar

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from wengang.domain.masking import mask_personal
from wengang.services.importing.export import EXPORTS, area_names, display, export_tuples
from wengang.services.importing.model import Issue
from wengang.services.importing.parse import Parsed, parse_table
from wengang.services.importing.parsers import parser_for
from wengang.services.importing.reader import Progress, read_table
from wengang.services.importing.scope import township_column, within_township
from wengang.services.importing.spec import FieldSpec, detect_kind, kind_spec
from wengang.services.importing.writers.employment import month_texts
from wengang.services.xlsx_stream import fast_sheet, save_workbook

KEYS = {"persons": ("id_number",), "employment": ("id_number", "start_date")}
# Household-level columns some exports repeat per member with per-member values: not a
# person's field, and the household keeps one value, so they are not compared.
NOT_COMPARED = {"hh_phone", "head_name"}


@dataclass
class Difference:
    id_number: str
    name: str | None
    row: int
    fields: list[tuple[str, object, object]]  # (column label, in the file, in the database)


@dataclass
class ConsistencyReport:
    kind: str
    file_rows: int
    db_rows: int  # the database's records the file covers (see the module docstring)
    only_in_file: list[dict] = field(default_factory=list)   # {row, id_number, name, key}
    only_in_db: list[dict] = field(default_factory=list)     # {id_number, name, key}
    differing: list[Difference] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    outside: str = ""  # at a township: the other townships' rows, not compared (importing.scope)

    @property
    def consistent(self) -> bool:
        return not (self.only_in_file or self.only_in_db or self.differing)

    def summary(self) -> str:
        return (f"文件{self.file_rows}条，数据库中文件所涉范围{self.db_rows}条：仅在文件中{len(self.only_in_file)}条，"
                f"仅在数据库中{len(self.only_in_db)}条，信息不一致{len(self.differing)}条"
                + (f"。{self.outside}" if self.outside else ""))


COMPARED_EVERY = 5000  # records between two progress reports of the comparison


def check_consistency(db: sqlite_utils.Database, path: str | Path,
                      progress: Progress | None = None) -> ConsistencyReport:
    """Compare the export at ``path`` (a person roster or a work-monitoring file) with the
    database. ``progress(done, total, text)`` as the import's: the file read and checked,
    the database's records read, the comparison (27 s in all at 200,000 households)."""
    parsed, outside = _read_export(db, path, progress)
    kind = parsed.spec.name
    # Column by column, as the file was parsed: no dict per row. The file's texts go before
    # the database's records come (50,000 households: 15–20 MiB of the check's peak).
    columns = parsed.values_by_key()
    # kept: the texts of the starts (which were given by month only) and of the 乡 a work file names
    parsed.table.forget_text(keep=[parsed.column_of("start_date"), _township_column(parsed)])
    if progress:
        progress(0, 0, "正在读取台账中的记录…")
    stored = _stored_records(db, parsed)
    expected = stored if kind == "persons" else _covered_spells(db, parsed, stored)
    report = ConsistencyReport(kind, len(parsed.records), len(expected), errors=list(parsed.errors), outside=outside)
    same_month = _month_matcher(parsed, stored) if kind == "employment" else None
    keys = zip(*(columns[k] for k in KEYS[kind]))  # a tuple at a time, not a list of them all
    names = columns.get("name") or repeat(None)
    compared = _compared_fields(parsed, columns)
    # The records the file has, by identity: the file's key tuples, kept in a set, were 244,303
    # new tuples alive to the end (50,000 households: about 14 MiB of the peak).
    seen: set[int] = set()
    for n, (record, key, name) in enumerate(zip(parsed.records, keys, names)):
        if progress and n % COMPARED_EVERY == 0:
            progress(n, len(parsed.records), "正在比对")
        if None in key:
            continue
        if same_month is not None and key not in stored:
            key = same_month(record, key)
        mine = stored.get(key)
        if mine is None:
            report.only_in_file.append({"row": record.row, "id_number": key[0], "name": name, "key": key})
            continue
        seen.add(id(mine))
        diffs = _differences(n, mine, compared)
        if diffs:
            report.differing.append(Difference(key[0], name or mine.get("name"), record.row, diffs))
    for key, row in expected.items():
        if id(row) not in seen:
            report.only_in_db.append({"id_number": key[0], "name": row.get("name"), "key": key})
    if progress:
        progress(len(parsed.records), len(parsed.records), "正在比对")
    return report


def _read_export(db: sqlite_utils.Database, path: str | Path, progress: Progress | None = None) -> tuple[Parsed, str]:
    """The export parsed as its kind's import would (at a township, its own rows: the rest
    said, as :func:`.scope.within_township` says them); only a roster or a work file is checked."""
    table = read_table(path, progress=progress)
    kind = detect_kind(table.headers)
    if kind not in KEYS:
        raise ValueError("三一致核对需要人员信息或务工信息导出文件，无法识别此文件的表头")
    table, outside = within_township(db, kind, table, verb="核对")
    # By column, and compared so: a 50,000-household county's 165,479 dicts of a row each
    # took about 130 MiB.
    return parse_table(kind_spec(kind), table, progress, lazy=True), outside


class _Stored(tuple):
    """A database record as the export reads it, its values read by field key (``get``): a
    tuple, not a dict. At 50,000 households the 165,479 persons held as dicts took 270 MiB,
    the check's largest part."""

    __slots__ = ()
    index: ClassVar[dict[str, int]] = {}  # field key → position, set on each kind's own subclass

    def get(self, key: str, default: object = None) -> object:
        at = self.index.get(key)
        return default if at is None else self[at]


def _stored_records(db: sqlite_utils.Database, parsed: Parsed) -> dict[tuple, _Stored]:
    """The database's records of the file's kind by key; for a roster naming its 乡镇, only
    the persons of those townships."""
    kind = parsed.spec.name
    keys, rows = export_tuples(db, kind)
    stored = type(f"_Stored_{kind}", (_Stored,), {"__slots__": (), "index": {k: n for n, k in enumerate(keys)}})
    at = [keys.index(k) for k in KEYS[kind]]
    records = ((tuple(row[n] for n in at), stored(row)) for row in _shared(rows, keys))
    if kind == "persons" and "township" in parsed.present:
        townships = set(parsed.values_by_key()["township"])
        return {key: row for key, row in records if row.get("township") in townships}
    return dict(records)


# A person's own values; every other column repeats (codes, dates, a household's 户编号 for each
# member, places): one object per distinct value instead of one per row.
_OWN_VALUES = frozenset({"name", "id_number", "phone", "person_no"})


def _shared(rows: Iterator[tuple], keys: list[str]) -> Iterator[list]:
    """``rows`` with the repeating columns' equal values one object (165,479 persons: the
    stored side 220 → 100 MiB)."""
    repeating = [n for n, key in enumerate(keys) if key not in _OWN_VALUES]
    share = {}.setdefault
    for row in rows:
        values = list(row)
        for n in repeating:
            value = values[n]
            values[n] = share(value, value)
        yield values


def _compared_fields(parsed: Parsed, columns: dict[str, list]) -> list[tuple[FieldSpec, list]]:
    """The file's columns that have a stored counterpart, other than the key: (field, its
    parsed values, one per row)."""
    kind = parsed.spec.name
    exprs = EXPORTS[kind][1]
    return [(f, columns[f.key]) for f in parsed.spec.fields
            if f.key in parsed.present and f.key in exprs and f.key not in (*KEYS[kind], *NOT_COMPARED)]


def _differences(n: int, mine: _Stored, compared: list[tuple[FieldSpec, list]]) -> list[tuple[str, object, object]]:
    """(column label, in the file, in the database) of each compared field of the file's row
    ``n`` that differs; a blank 县 in the file is the installation's and differs from nothing."""
    diffs = []
    for f, values in compared:
        ours, theirs = values[n], mine.get(f.key)
        if f.key == "county" and ours is None:
            continue
        if (ours or None) != (theirs if theirs not in ("",) else None) and not _numbers_equal(ours, theirs):
            diffs.append((f.label, display(ours, f.parse), display(theirs, f.parse)))
    return diffs


def _township_column(parsed: Parsed) -> int | None:
    return township_column(parsed.table.headers)


def _file_townships(parsed: Parsed) -> set[str] | None:
    """The townships a file's 乡/乡镇 column names (folded as a roster's are), None without one."""
    col = _township_column(parsed)
    if col is None:
        return None
    parse = parser_for(kind_spec("persons").field("township"))
    return {parse(text) for text in set(parsed.table.column(col)) if text}


def _covered_spells(db: sqlite_utils.Database, parsed: Parsed, stored: dict[tuple, _Stored]) -> dict[tuple, _Stored]:
    """The database's spells a work file covers (see the module docstring): its people's
    townships and the period of its stints."""
    columns = parsed.values_by_key()
    ends = columns.get("end_date") or repeat(None)
    # Over the columns as they are: a list of (证件号码, start, end) was 244,303 new tuples at
    # the check's peak (50,000 households).
    first = min((start for start in columns["start_date"] if start), default=None)
    if first is None:
        return {}
    last = max(max(start, end or "") for start, end in zip(columns["start_date"], ends) if start)
    names = area_names(db)
    township_of = {number: names.get(area_id, (None, None, None))[1] for number, area_id in db.execute(
        "SELECT p.id_number, h.area_id FROM persons p JOIN households h ON h.id = p.household_id")}
    townships = _file_townships(parsed)
    if townships is None:  # no area column: the townships of the people it names
        townships = {township_of.get(number) for number, start in zip(columns["id_number"], columns["start_date"])
                     if start} - {None}
    return {key: row for key, row in stored.items()
            if township_of.get(row.get("id_number")) in townships
            and row.get("start_date") <= last and (row.get("end_date") is None or row.get("end_date") >= first)}


def _month_matcher(parsed: Parsed, stored: dict[tuple, _Stored]):
    """For a start given by month only: the person's one spell starting in that month."""
    col = parsed.column_of("start_date")
    months = month_texts(parsed, col)
    by_month: dict[tuple[str, str], list[tuple]] = {}
    if months:
        # Only the people a month-only start names are ever looked up: by month, every stored
        # spell took 40 MiB at 50,000 households for 3,000 such rows.
        asked = {number for number, text in zip(parsed.values_by_key()["id_number"], parsed.table.column(col))
                 if text in months}
        for key in stored:
            if key[0] in asked:
                by_month.setdefault((key[0], key[1][:7]), []).append(key)

    def match(record, key: tuple) -> tuple:
        if parsed.table.cell(record.index, col) not in months:
            return key
        hits = by_month.get((key[0], key[1][:7]), [])
        return hits[0] if len(hits) == 1 else key

    return match


def _numbers_equal(a: object, b: object) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) < 1e-9


def masked(report: ConsistencyReport) -> ConsistencyReport:
    """A copy with every 证件号码 and mobile number masked (``check-consistency --mask``)."""
    def row(d: dict) -> dict:
        return {k: mask_personal(v) for k, v in d.items()}

    return dataclasses.replace(
        report, only_in_file=[row(d) for d in report.only_in_file], only_in_db=[row(d) for d in report.only_in_db],
        differing=[Difference(mask_personal(d.id_number), d.name, d.row,
                              [(label, mask_personal(a), mask_personal(b)) for label, a, b in d.fields])
                   for d in report.differing])


def write_consistency(report: ConsistencyReport, path: str | Path) -> Path:
    """The report as a workbook: 汇总, 仅在文件中, 仅在数据库中, 信息不一致. Streamed
    (``services.xlsx_stream``): a first comparison of a county with the national system may
    differ for tens of thousands of persons (a phone number each)."""
    wb = Workbook(write_only=True)
    ws = fast_sheet(wb, "汇总")
    heading = WriteOnlyCell(ws, "三一致核对结果")
    heading.font = Font(bold=True, size=14)
    ws.append([heading])
    ws.append_values([report.summary()])
    sheets = [
        ("仅在文件中", ["原表行号", "证件号码", "姓名"],
         ([d["row"], d["id_number"], d["name"]] for d in report.only_in_file)),
        ("仅在数据库中", ["证件号码", "姓名"], ([d["id_number"], d["name"]] for d in report.only_in_db)),
        ("信息不一致", ["原表行号", "证件号码", "姓名", "字段", "文件中", "数据库中"],
         ([d.row, d.id_number, d.name, label, mine, theirs] for d in report.differing
          for label, mine, theirs in d.fields)),
    ]
    for title, header, rows in sheets:
        sheet = fast_sheet(wb, title)
        sheet.column_dimensions["B"].width = 22  # before any row: the sheet streams out
        sheet.append([_bold(sheet, label) for label in header])
        for row in rows:
            sheet.append_values(row)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


def _bold(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.font = Font(bold=True)
    return cell
