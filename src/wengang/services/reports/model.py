"""What a computed form is, independent of how it is shown: the contract between the
engine (which fills it) and every renderer (screen, Excel, CSV, PDF, printer).

A form has a header *tree* (multi-row, merged, exactly as the seed tables), leaf
:class:`Column` s in order, and :class:`Row` s (合计 first). :func:`header_grid` turns the tree
into merged cells once, so no renderer re-derives the layout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

ColumnKind = Literal["area", "text", "int", "percent", "money", "number", "date"]
RowKind = Literal["total", "subtotal", "area", "own", "detail"]
"""``own``: facts recorded at an area above the rows (县本级, 城关镇本级), not ranked or numbered."""
Value = int | float | Decimal | str | None


@dataclass
class Column:
    """A leaf column: ``key`` names the value in each row; ``label`` is the leaf header text."""

    key: str
    label: str
    kind: ColumnKind = "int"
    decimals: int = 0
    width: float | None = None  # in characters; renderers choose a default when None
    drillable: bool = False     # the engine can list the persons behind a cell of this column


@dataclass
class HeaderNode:
    """A header cell. Leaves carry a column ``key``; inner nodes span their children.

    A leaf under a shallower branch spans down to the bottom header row (rowspan), as the
    seeds' "市地 | 2020年就业人数 | … | 其中 → 2020年省外就业 …" headers do.
    """

    label: str
    key: str | None = None
    children: list[HeaderNode] = field(default_factory=list)

    def leaves(self) -> list[HeaderNode]:
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.children), default=0)


@dataclass
class Row:
    """One table row. ``values`` is keyed by column key; ``area_id`` links drill-down."""

    label: str
    values: dict[str, Value]
    kind: RowKind = "area"
    area_id: int | None = None
    level: int = 0          # indentation: 0 for 合计, 1 for a township, 2 for its villages …
    number: int | None = None  # 序号 / rank shown before the label, as the seeds do
    group: str | None = None   # a parent label for two-level tables (seed 004: 县 → 乡镇)


@dataclass
class FormResult:
    """A computed form, ready to render."""

    form_id: str
    title: str
    header: list[HeaderNode]
    columns: list[Column]
    rows: list[Row]
    as_of: dt.date
    period_from: dt.date | None = None
    unit_name: str = ""           # 填报单位
    data_source: str = "稳岗台账"   # 数据来源
    unit: str = "人"               # 单位
    notes: list[str] = field(default_factory=list)          # 注： lines under the table
    footer: dict[str, str] = field(default_factory=dict)    # 填报人 / 审核人 / 填报日期
    params: dict[str, str] = field(default_factory=dict)    # how it was asked for (by=…)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def total(self) -> Row | None:
        return next((r for r in self.rows if r.kind == "total"), None)

    def row(self, label: str) -> Row:
        return next(r for r in self.rows if r.label == label)


@dataclass(frozen=True)
class HeaderCell:
    """A merged header cell in grid coordinates (0-based; row 0 is the top header row)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    label: str


def header_grid(header: list[HeaderNode]) -> tuple[int, list[HeaderCell]]:
    """Lay the header tree out as merged cells: ``(header row count, cells)``.

    Leaves sit in column order; a node spans its leaves; a leaf that is shallower than the
    tree's depth spans the remaining rows downwards.
    """
    depth = max((n.depth() for n in header), default=0)
    cells: list[HeaderCell] = []

    def place(node: HeaderNode, row: int, col: int) -> int:
        width = len(node.leaves())
        if node.children:
            cells.append(HeaderCell(row, col, 1, width, node.label))
            c = col
            for child in node.children:
                c += place(child, row + 1, c)
        else:
            cells.append(HeaderCell(row, col, depth - row, 1, node.label))
        return width

    col = 0
    for node in header:
        col += place(node, 0, col)
    return depth, cells


def flat_header_labels(header: list[HeaderNode], sep: str = "/") -> list[str]:
    """One label per leaf with its ancestors joined by ``sep`` (CSV's single header row)."""
    labels: list[str] = []

    def walk(node: HeaderNode, trail: list[str]) -> None:
        path = trail + [node.label]
        if node.children:
            for child in node.children:
                walk(child, path)
        else:
            labels.append(sep.join(path))

    for node in header:
        walk(node, [])
    return labels
