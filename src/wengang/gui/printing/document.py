"""What gets printed, independent of paper: a titled table with a merged header.

:func:`form_document` turns a report ``FormResult`` into one, :func:`ledger_document` a ledger
query; :mod:`.painter` lays either out on pages. Cell texts are formatted here, once, the way
the seeds print them (percentages with the form's decimals, 合计 spaced out).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from wengang.services.reports.model import Column, FormResult, HeaderCell, Row, header_grid

TEXT_KINDS = ("area", "text", "date", "id", "phone")


@dataclass
class PrintRow:
    cells: list[str]
    bold: bool = False          # 合计 and subtotal rows
    centre_first: bool = False  # 合计 is centred under the area header, as in the seeds
    number: str | None = None   # 序号/rank printed in a narrow slot before the first cell
    span: int = 1               # columns the first cell covers (合计 across 县 | 乡镇)


@dataclass
class TableDocument:
    title: str
    info: list[str]                      # the line under the title: 填报单位 / 数据截止日期 / 数据来源 / 单位
    header_rows: int
    header_cells: list[HeaderCell]
    column_count: int
    text_columns: set[int]               # left-aligned; the others are centred numbers
    rows: Iterable[PrintRow]
    row_count: int
    notes: list[str] = field(default_factory=list)
    footer: str = ""                     # 填报人 / 审核人 / 填报日期
    widths: list[float] | None = None    # in characters; None = measure the rows (small tables)
    merge_first_column: bool = False     # two-level tables: a group's name once, its cell merged down


def _date_text(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def cell_text(column: Column, value) -> str:
    """One value as the seeds print it: integers plain, percentages with fixed decimals."""
    if value is None or value == "":
        return ""
    if column.kind in ("percent", "money", "number") and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)):.{column.decimals}f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _area_text(row: Row) -> str:
    return "合　计" if row.kind == "total" else row.label


def _two_level(result: FormResult) -> bool:
    return len(result.columns) > 1 and result.columns[0].key == "group"


def form_rows(result: FormResult) -> Iterator[PrintRow]:
    two_level = _two_level(result)
    for row in result.rows:
        if two_level and row.kind == "total":
            # Seed 004: the grand total spans the 县 and 乡镇 columns.
            cells = ["合　计", ""] + [cell_text(c, row.values.get(c.key)) for c in result.columns[2:]]
            yield PrintRow(cells, bold=True, centre_first=True, span=2)
            continue
        cells = []
        for column in result.columns:
            if column.kind == "area":
                cells.append(_area_text(row))
            else:
                cells.append(cell_text(column, row.values.get(column.key)))
        yield PrintRow(cells, bold=row.kind in ("total", "subtotal"), centre_first=row.kind == "total",
                       number=None if row.number is None else str(row.number))


def form_document(result: FormResult) -> TableDocument:
    depth, cells = header_grid(result.header)
    period = (f"统计期：{_date_text(result.period_from)}至{_date_text(result.as_of)}"
              if result.period_from else f"数据截止日期：{_date_text(result.as_of)}")
    footer_keys = ("填报人", "审核人", "填报日期")
    footer = "　　　　".join(f"{key}：{result.footer.get(key, '')}" for key in footer_keys)
    return TableDocument(
        title=result.title,
        info=[f"填报单位：{result.unit_name}", period, f"数据来源：{result.data_source}", f"单位：{result.unit}"],
        header_rows=depth, header_cells=cells, column_count=len(result.columns),
        text_columns={i for i, c in enumerate(result.columns) if c.kind in TEXT_KINDS},
        rows=list(form_rows(result)), row_count=len(result.rows),
        notes=list(result.notes), footer=footer,
        widths=None, merge_first_column=_two_level(result),
    )


def ledger_document(query, limit: int | None = None) -> TableDocument:
    """A ledger query (``services.ledgers.LedgerQuery``) as a document; rows are streamed."""
    from wengang.services.ledgers.export import ledger_caption  # noqa: PLC0415 - keep import light

    total = query.count()
    shown = total if limit is None else min(total, limit)
    rows = (PrintRow(["" if v is None else str(v) for v in row])
            for row in itertools.islice(query.iter_rows(), shown))
    notes = [f"注：共{total}人，本表只列出前{shown}人；完整台账请导出 Excel。"] if shown < total else []
    return TableDocument(
        title=query.ledger.title,
        info=[ledger_caption(query.db, query, total)],
        header_rows=1,
        header_cells=[HeaderCell(0, i, 1, 1, label) for i, label in enumerate(query.columns)],
        column_count=len(query.columns),
        text_columns={i for i, kind in enumerate(query.kinds) if kind in TEXT_KINDS},
        rows=rows, row_count=shown, notes=notes,
        footer="填报人：　　　　　　　　审核人：　　　　　　　　填报日期：",
        widths=list(query.widths),
    )
