"""The quality findings as an Excel workbook: a summary sheet and the list to work through."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from wengang.services.rules.quality import QualitySummary

LIST_COLUMNS = (("乡镇", "township", 10), ("行政村", "village", 10), ("户编号", "hh_no", 20),
                ("姓名", "person_name", 10), ("证件号码", "id_number", 21), ("问题", "title", 30),
                ("级别", "severity_label", 6), ("说明", "message", 60))
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _header(sheet, titles: list[str], widths: list[int]) -> None:
    sheet.append(titles)
    for n, cell in enumerate(sheet[sheet.max_row], start=1):
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[cell.column_letter].width = widths[n - 1]


OWED_COLUMNS = (("乡镇", "township", 10), ("行政村", "village", 10), ("户编号", "hh_no", 20),
                ("姓名", "name", 10), ("证件号码", "id_number", 21), ("年度", "year", 6),
                ("补贴类型", "kind", 18), ("应享金额（元）", "amount", 12), ("已享金额（元）", "paid_amount", 12),
                ("资金渠道", "funding", 12), ("政策依据", "title", 44))


def write_quality_workbook(summary: QualitySummary, rows: list[dict], path: str | Path,
                           owed: list[dict] | None = None) -> Path:
    """Write 汇总 (per rule and township), 问题清单 (one row per finding) and, when given,
    应享未享 (entitlement_details rows); IDs as text."""
    path = Path(path)
    book = Workbook()
    overview = book.active
    overview.title = "汇总"
    overview.append([f"数据质量检查结果（数据截止 {summary.as_of}）"])
    overview["A1"].font = Font(bold=True, size=14)
    townships = list(summary.by_township)
    _header(overview, ["规则", "级别", "合计", *townships], [34, 6, 8, *[10] * len(townships)])
    overview.append(["合计", "", summary.total, *[summary.by_township[t] for t in townships]])
    for cell in overview[overview.max_row]:
        cell.font = _BOLD
    for rule in summary.rules:
        overview.append([rule.title, rule.severity_label, summary.by_rule[rule.id],
                         *[summary.by_rule_township.get((rule.id, t), 0) for t in townships]])
    overview.freeze_panes = "D3"
    sheet = book.create_sheet("问题清单")
    _header(sheet, [c[0] for c in LIST_COLUMNS], [c[2] for c in LIST_COLUMNS])
    for row in rows:
        sheet.append([row.get(key) or "" for _, key, _ in LIST_COLUMNS])
    for cell in sheet["E"][1:]:
        cell.number_format = "@"  # 18-digit IDs stay text
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    if owed is not None:
        sheet = book.create_sheet("应享未享")
        _header(sheet, [c[0] for c in OWED_COLUMNS], [c[2] for c in OWED_COLUMNS])
        for row in owed:
            sheet.append([row.get(key, "") for _, key, _ in OWED_COLUMNS])
        for cell in sheet["E"][1:]:
            cell.number_format = "@"
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
    return path
