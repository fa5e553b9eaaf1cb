"""From a :class:`Table` to parsed records: header mapping and per-cell parsing.

Nothing here touches the database; the writers resolve people, areas and keys afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wengang.services.importing.model import Issue
from wengang.services.importing.parsers import CellError, parse_id, parser_for
from wengang.services.importing.reader import Table
from wengang.services.importing.spec import FieldSpec, KindSpec

Progress = Callable[[int, int, str], object]
PROGRESS_EVERY = 2000


@dataclass
class Record:
    """One data row: its sheet row number, its position in the table and the parsed values."""

    row: int
    index: int
    values: dict[str, object]
    bad: bool = False  # has an error: never written (the whole import is rolled back anyway)


@dataclass
class Parsed:
    spec: KindSpec
    table: Table
    columns: list[tuple[int, FieldSpec]]
    present: set[str]
    records: list[Record]
    unknown: list[str]
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    bad_cells: set[tuple[int, int]] = field(default_factory=set)  # (table index, column)
    missing_columns: bool = False

    def column_of(self, key: str) -> int | None:
        return next((c for c, f in self.columns if f.key == key), None)

    def error(self, record: Record, key: str, message: str) -> None:
        record.bad = True
        self.errors.append(Issue(record.row, self.spec.field(key).label, message))
        col = self.column_of(key)
        if col is not None:
            self.bad_cells.add((record.index, col))

    def warn(self, record: Record, key: str, message: str) -> None:
        self.warnings.append(Issue(record.row, self.spec.field(key).label, message))


def map_headers(spec: KindSpec, headers: list[str]) -> tuple[list[tuple[int, FieldSpec]], list[str]]:
    """Columns the kind knows (first occurrence wins) and the headers it does not."""
    columns: list[tuple[int, FieldSpec]] = []
    seen: set[str] = set()
    unknown: list[str] = []
    for i, header in enumerate(headers):
        f = spec.field_for(header)
        if f is not None and f.key not in seen:
            columns.append((i, f))
            seen.add(f.key)
        elif not spec.is_ignored(header):
            unknown.append(header if f is None else f"{header}（重复列）")
    return columns, unknown


def parse_table(spec: KindSpec, table: Table, progress: Progress | None = None) -> Parsed:
    columns, unknown = map_headers(spec, table.headers)
    present = {f.key for _, f in columns}
    parsed = Parsed(spec, table, columns, present, [], unknown)
    for f in spec.fields:
        if f.required and f.key not in present:
            parsed.errors.append(Issue(table.header_row, f.label, f"缺少必填列“{f.label}”，请检查表头"))
    if parsed.errors:
        parsed.missing_columns = True
        return parsed
    # Plain tuples: this loop runs once per cell of 150,000-row files.
    parsers = [(col, f.key, f.required, f.parse == "id", parser_for(f)) for col, f in columns]
    total = len(table.rows)
    said: set[str] = set()
    for index, (row_no, row) in enumerate(zip(table.row_numbers, table.rows)):
        values: dict[str, object] = {}
        record = Record(row_no, index, values)
        width = len(row)
        for col, key, required, is_id, parse in parsers:
            text = row[col] if col < width else ""
            if not text:
                values[key] = None
                if required:
                    parsed.error(record, key, f"{spec.field(key).label}不能为空")
                continue
            try:
                if is_id:
                    number, gender, birth, id_warnings = parse_id(text)
                    values.update(id_number=number, gender=gender, birth_date=birth)
                    for w in id_warnings:
                        # An unknown birthplace code repeats for a whole county: say it once.
                        if w not in said:
                            said.add(w)
                            parsed.warn(record, key, w)
                else:
                    values[key] = parse(text)
            except CellError as exc:
                values[key] = None
                parsed.error(record, key, str(exc))
        parsed.records.append(record)
        if progress and index % PROGRESS_EVERY == 0:
            progress(index, total, "正在检查")
    return parsed
