"""The 三一致 check (seed 004): a fresh national-system export against the database.

Person by person (keyed by 证件号码; for a work file by 证件号码 and 开始时间): who is only in
the file, who only in the database (within the townships the file covers), and which fields
differ. Only columns the file has are compared; values are compared after the same parsing
and code-list folding an import applies, so 全角/半角 or alias spellings do not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook
from openpyxl.styles import Font

from wengang.services.importing.export import EXPORTS, display, export_rows
from wengang.services.importing.model import Issue
from wengang.services.importing.parse import parse_table
from wengang.services.importing.reader import read_table
from wengang.services.importing.spec import detect_kind, kind_spec

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
    db_rows: int
    only_in_file: list[dict] = field(default_factory=list)   # {row, id_number, name, key}
    only_in_db: list[dict] = field(default_factory=list)     # {id_number, name, key}
    differing: list[Difference] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not (self.only_in_file or self.only_in_db or self.differing)

    def summary(self) -> str:
        return (f"文件{self.file_rows}条，数据库{self.db_rows}条：仅在文件中{len(self.only_in_file)}条，"
                f"仅在数据库中{len(self.only_in_db)}条，信息不一致{len(self.differing)}条")


def check_consistency(db: sqlite_utils.Database, path: str | Path) -> ConsistencyReport:
    """Compare the export at ``path`` (a person roster or a work-monitoring file) with the database."""
    table = read_table(path)
    kind = detect_kind(table.headers)
    if kind not in KEYS:
        raise ValueError("三一致核对需要人员信息或务工信息导出文件，无法识别此文件的表头")
    spec = kind_spec(kind)
    parsed = parse_table(spec, table)
    key_fields = KEYS[kind]
    _, db_rows = export_rows(db, kind)
    exprs = EXPORTS[kind][1]
    compared = [f for f in spec.fields
                if f.key in parsed.present and f.key in exprs and f.key not in (*key_fields, *NOT_COMPARED)]
    if kind == "persons" and "township" in parsed.present:
        townships = {r.values.get("township") for r in parsed.records}
        db_rows = [r for r in db_rows if r.get("township") in townships]
    stored = {tuple(r[k] for k in key_fields): r for r in db_rows}
    report = ConsistencyReport(kind, len(parsed.records), len(db_rows), errors=list(parsed.errors))
    seen = set()
    for record in parsed.records:
        key = tuple(record.values.get(k) for k in key_fields)
        if any(k is None for k in key):
            continue
        seen.add(key)
        mine = stored.get(key)
        name = record.values.get("name")
        if mine is None:
            report.only_in_file.append({"row": record.row, "id_number": key[0], "name": name, "key": key})
            continue
        diffs = []
        for f in compared:
            ours, theirs = record.values.get(f.key), mine.get(f.key)
            if f.key == "county" and ours is None:
                continue
            if (ours or None) != (theirs if theirs not in ("",) else None) and not _numbers_equal(ours, theirs):
                diffs.append((f.label, display(ours, f.parse), display(theirs, f.parse)))
        if diffs:
            report.differing.append(Difference(key[0], name or mine.get("name"), record.row, diffs))
    for key, row in stored.items():
        if key not in seen:
            report.only_in_db.append({"id_number": key[0], "name": row.get("name"), "key": key})
    return report


def _numbers_equal(a: object, b: object) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) < 1e-9


def write_consistency(report: ConsistencyReport, path: str | Path) -> Path:
    """The report as a workbook: 汇总, 仅在文件中, 仅在数据库中, 信息不一致."""
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["三一致核对结果"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([report.summary()])
    sheets = [
        ("仅在文件中", ["原表行号", "证件号码", "姓名"],
         [[d["row"], d["id_number"], d["name"]] for d in report.only_in_file]),
        ("仅在数据库中", ["证件号码", "姓名"], [[d["id_number"], d["name"]] for d in report.only_in_db]),
        ("信息不一致", ["原表行号", "证件号码", "姓名", "字段", "文件中", "数据库中"],
         [[d.row, d.id_number, d.name, label, mine, theirs] for d in report.differing
          for label, mine, theirs in d.fields]),
    ]
    for title, header, rows in sheets:
        sheet = wb.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["B"].width = 22
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
