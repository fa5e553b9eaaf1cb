"""报送存档: what was submitted for a month, kept exactly — numbers, parameters and file.

``archive_report`` stores a computed :class:`FormResult` (as JSON) and the exported file
(as a blob) when a form is exported or printed "as submitted"; the caseworker can reprint
it any time (:func:`archived_file`) and ask what changed since (:func:`diff_since_submitted`,
the "三一致" question). ``lock=True`` also locks the month (``store.audit.lock_period``):
later edits that change it need a reason and are flagged in the audit trail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlite_utils

from wengang.services.reports.model import Column, FormResult, HeaderNode, Row
from wengang.store.atomic import atomic_open
from wengang.store.audit import audit_context, lock_period


# --- FormResult <-> JSON ---------------------------------------------------------------------
def _plain(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _value(value):
    return Decimal(value["$decimal"]) if isinstance(value, dict) and "$decimal" in value else value


def result_to_json(result: FormResult) -> str:
    return json.dumps(_plain(dataclasses.asdict(result)), ensure_ascii=False)


def _node(data: dict) -> HeaderNode:
    return HeaderNode(data["label"], data.get("key"), [_node(c) for c in data.get("children", [])])


def result_from_json(text: str) -> FormResult:
    data = json.loads(text)
    date = lambda v: dt.date.fromisoformat(v) if v else None  # noqa: E731
    return FormResult(
        form_id=data["form_id"], title=data["title"],
        header=[_node(n) for n in data["header"]],
        columns=[Column(**c) for c in data["columns"]],
        rows=[Row(**{**r, "values": {k: _value(v) for k, v in r["values"].items()}}) for r in data["rows"]],
        as_of=date(data["as_of"]), period_from=date(data.get("period_from")),
        unit_name=data.get("unit_name", ""), data_source=data.get("data_source", ""),
        unit=data.get("unit", ""), notes=data.get("notes", []), footer=data.get("footer", {}),
        params=data.get("params", {}),
    )


# --- the archive -----------------------------------------------------------------------------
@dataclass
class ArchivedReport:
    id: int
    form_id: str
    as_of: str
    submitted_at: str
    user: str | None
    file_name: str | None
    locked: bool


def archive_report(db: sqlite_utils.Database, result: FormResult, file_path: Path | str | None = None,
                   *, lock: bool = False) -> int:
    """Keep ``result`` (and the file it was exported to) as submitted; returns the archive id."""
    path = Path(file_path) if file_path else None
    blob = path.read_bytes() if path else None
    with db.atomic():
        cur = db.execute(
            "INSERT INTO report_archive(form_id, as_of, params_json, result_json, file_name, file_blob, "
            "user, locked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [result.form_id, result.as_of.isoformat(), json.dumps(result.params, ensure_ascii=False),
             result_to_json(result), path.name if path else None, blob, audit_context(db)["user"], int(lock)])
        if lock:
            lock_period(db, result.as_of)
        return cur.lastrowid


def archived(db: sqlite_utils.Database, form_id: str | None = None,
             as_of: dt.date | str | None = None) -> list[ArchivedReport]:
    """Submitted reports, newest first, optionally of one form and one reporting date."""
    where, params = [], []
    if form_id:
        where.append("form_id = ?")
        params.append(form_id)
    if as_of:
        where.append("as_of = ?")
        params.append(str(as_of)[:10])
    sql = ("SELECT id, form_id, as_of, submitted_at, user, file_name, locked FROM report_archive"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY submitted_at DESC, id DESC")
    return [ArchivedReport(*r[:6], bool(r[6])) for r in db.execute(sql, params).fetchall()]


def load_archived(db: sqlite_utils.Database, archive_id: int) -> FormResult:
    row = db.execute("SELECT result_json FROM report_archive WHERE id = ?", [archive_id]).fetchone()
    if row is None:
        raise KeyError(f"没有编号为{archive_id}的报送存档")
    return result_from_json(row[0])


def archived_file(db: sqlite_utils.Database, archive_id: int, dest_dir: Path | str) -> Path | None:
    """Write the submitted file out again (to reprint exactly what was reported)."""
    row = db.execute("SELECT file_name, file_blob FROM report_archive WHERE id = ?", [archive_id]).fetchone()
    if row is None or row[1] is None:
        return None
    dest = Path(dest_dir) / row[0]
    with atomic_open(dest, "wb") as fh:
        fh.write(row[1])
    return dest


@dataclass(frozen=True)
class CellChange:
    """One cell whose number differs from what was submitted."""

    row: str
    column_key: str
    column: str
    submitted: object
    now: object


def _row_key(row: Row) -> tuple:
    return (row.group, row.label)


def diff_since_submitted(db: sqlite_utils.Database, archive_id: int, current: FormResult) -> list[CellChange]:
    """Cells of ``current`` that differ from the submitted version, in table order.

    Rows are matched by (group, label) and columns by key; a row or column present on one
    side only shows as changed from/to ``None``.
    """
    old = load_archived(db, archive_id)
    old_rows = {_row_key(r): r for r in old.rows}
    labels = {c.key: c.label for c in old.columns} | {c.key: c.label for c in current.columns}
    keys = [c.key for c in current.columns] + [c.key for c in old.columns
                                               if c.key not in {k.key for k in current.columns}]
    changes = []
    seen = set()
    for row in current.rows:
        seen.add(_row_key(row))
        before = old_rows.get(_row_key(row))
        for key in keys:
            a = before.values.get(key) if before else None
            b = row.values.get(key)
            if _num(a) != _num(b):
                changes.append(CellChange(row.label, key, labels[key], a, b))
    for key_, row in old_rows.items():
        if key_ not in seen:
            changes.extend(CellChange(row.label, k, labels[k], row.values.get(k), None)
                           for k in keys if row.values.get(k) not in (None, 0, ""))
    return changes


def _num(value):
    # 3 and 3.0 and Decimal("3") are the same number on paper.
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value


def recompute(db: sqlite_utils.Database, archive_id: int) -> FormResult:
    """The same form, same date and parameters as the submitted one, from today's data."""
    from wengang.services.reports import compute_form  # noqa: PLC0415 - heavy, only when asked

    row = db.execute("SELECT form_id, as_of, params_json FROM report_archive WHERE id = ?",
                     [archive_id]).fetchone()
    if row is None:
        raise KeyError(f"没有编号为{archive_id}的报送存档")
    params = json.loads(row[2] or "{}")
    day = lambda key: dt.date.fromisoformat(params[key]) if params.get(key) else None  # noqa: E731
    return compute_form(db, row[0], dt.date.fromisoformat(row[1]), by=params.get("by", "township"),
                        period_from=day("period_from"), ref_date=day("ref_date"),
                        area_id=params.get("area_id"), row_filter=bool(params.get("row_filter")))


def changes_since_submitted(db: sqlite_utils.Database, archive_id: int) -> list[CellChange]:
    """三一致: which cells of a submitted form would now come out differently."""
    return diff_since_submitted(db, archive_id, recompute(db, archive_id))
