"""修改记录 to Excel: the audit trail, one line per changed field, in the caseworker's words.

Personal numbers (证件号码, 联系电话) are masked unless the caseworker chose otherwise for this
export kind (``services.privacy``: ``mask_audit``), since the file usually leaves the office.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlite_utils

from wengang.domain.masking import mask_id, mask_phone
from wengang.services.privacy import mask_preference
from wengang.store.audit import BULK_KEY, AuditEntry, audit_entries, field_label, person_history

HEADERS = ["时间", "操作人", "类别", "记录", "操作", "字段", "原值", "新值", "原因", "导入批次", "已报送月份"]
WIDTHS = [20, 10, 14, 22, 6, 14, 24, 24, 20, 9, 16]
_MASKERS = {field_label("id_number"): mask_id, field_label("phone"): mask_phone}
_SUMMARY = ("name", "id_number", "hh_no", "head_name", "start_date", "end_date", "region", "channel",
            "survey_date", "service_date", "kind", "paid_date", "amount", "check_date")


def _record_label(db: sqlite_utils.Database, entry: AuditEntry, names: dict[int, str]) -> str:
    data = entry.new or entry.old or {}
    if entry.row_id is None and entry.batch_id is not None and BULK_KEY in data:
        return f"第{entry.batch_id}批导入"  # the rows an import added, recorded as one entry
    pid = data.get("person_id") if entry.table_name != "persons" else entry.row_id
    if pid is not None:
        if pid not in names:
            hit = db.execute("SELECT name FROM persons WHERE id = ?", [pid]).fetchone()
            names[pid] = hit[0] if hit else data.get("name") or f"人员{pid}"
        return names[pid]
    return str(data.get("hh_no") or data.get("name") or entry.row_id)


def _show(label: str, value, masked: bool):
    if masked and label in _MASKERS and value:
        return _MASKERS[label](str(value))
    return value


def audit_rows(db: sqlite_utils.Database, entries: list[AuditEntry], *, masked: bool = True) -> list[list]:
    """Lines for the sheet: an update gives one line per field; an insert or delete one line."""
    names: dict[int, str] = {}
    lines = []
    for e in entries:
        head = [e.at.replace("T", " "), e.user, e.table_label, _record_label(db, e, names), e.action_label]
        tail = [e.reason, e.batch_id if (e.batch_id or 0) > 0 else None, e.flag]
        if e.action == "update":
            for label, old, new in e.changes:
                lines.append(head + [label, _show(label, old, masked), _show(label, new, masked)] + tail)
        else:
            data = e.new or e.old or {}
            summary = "；".join(f"{field_label(k)}={_show(field_label(k), data[k], masked)}"
                               for k in _SUMMARY if data.get(k) is not None)
            old, new = (summary, None) if e.action == "delete" else (None, summary)
            lines.append(head + ["（整条记录）", old, new] + tail)
    return lines


def export_audit(db: sqlite_utils.Database, out: Path | str, *, person_id: int | None = None,
                 since: dt.date | str | None = None, masked: bool | None = None) -> int:
    """Write the trail (optionally of one person / since a day) to ``out``; returns line count."""
    # openpyxl only here: the window imports audit_rows at start and never needs it for that
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    from wengang.services.xlsx_stream import HEADER_FILL, fast_sheet, print_a4_landscape, save_workbook  # noqa: PLC0415

    if masked is None:
        masked = mask_preference(db, "audit")
    if person_id is not None:  # with the imports that added the person's records
        entries = [e for e in person_history(db, person_id) if since is None or e.at >= str(since)]
    else:
        entries = audit_entries(db, since=since)
    lines = audit_rows(db, entries, masked=masked)
    wb = Workbook(write_only=True)  # streams: 50,000 lines in seconds, not tens of seconds
    ws = fast_sheet(wb, "修改记录")
    print_a4_landscape(ws, "1:1")  # printed for an inspection: one page wide, the header on every page
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for label in HEADERS:
        cell = WriteOnlyCell(ws, value=label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    ws.append(header)
    for line in lines:
        ws.append_values(line)
    save_workbook(wb, out)
    return len(lines)
