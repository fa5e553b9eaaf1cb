"""Soft delete: a deleted record and everything hanging off it go to the 回收站 (``trash``).

Queries stay as they are — the rows really leave their tables — while ``trash`` keeps them
as JSON until :func:`restore_deleted` puts them back or :func:`purge` removes them on
purpose. Dependants are found from the schema's foreign keys: rows that must go with their
parent (``ON DELETE CASCADE`` or a NOT NULL reference) are moved along; optional references
(a spell's 帮扶车间) are cleared and remembered, and set again on restore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from wengang.store import audit, crypto
from wengang.store.errors import StoreError, TrashError  # noqa: F401 - re-exported

_NOT_MOVED = audit.OWN_TABLES | {"import_batches", "settings", "areas"}
_LABEL_COLUMNS = ("name", "head_name", "hh_no", "post_name", "start_date", "survey_date",
                  "service_date", "paid_date", "check_date")


@dataclass(frozen=True)
class _Ref:
    table: str
    column: str
    parent_column: str
    must_follow: bool   # ON DELETE CASCADE or NOT NULL: the row goes with its parent


def _refs_to(db: sqlite_utils.Database, parent: str) -> list[_Ref]:
    refs = []
    for child in db.table_names():
        if child in _NOT_MOVED or child.startswith("sqlite_"):
            continue
        notnull = {c[1]: bool(c[3]) for c in db.execute(f'PRAGMA table_info("{child}")').fetchall()}
        for fk in db.execute(f'PRAGMA foreign_key_list("{child}")').fetchall():
            _id, _seq, table, col, to, _upd, on_delete, _match = fk
            if table == parent:
                refs.append(_Ref(child, col, to or "rowid",
                                 on_delete.upper() == "CASCADE" or notnull.get(col, False)))
    return refs


def _gather(db, table: str, rowids: list[int], rows: list, unlinked: list) -> None:
    """Rows of ``table`` with these rowids, then (recursively) their dependants."""
    if not rowids:
        return
    # The ids as one JSON array: a township's persons and spells are more than the 32,766
    # parameters SQLite takes.
    found = [dict(r) for r in db.query(f'SELECT rowid AS "__rowid__", * FROM "{table}" '
                                       "WHERE rowid IN (SELECT value FROM json_each(?))", [json.dumps(rowids)])]
    rows.extend([table, r] for r in found)
    for ref in _refs_to(db, table):
        keys = [r["__rowid__"] if ref.parent_column == "rowid" else r[ref.parent_column] for r in found]
        children = db.execute(f'SELECT rowid, "{ref.column}" FROM "{ref.table}" '
                              f'WHERE "{ref.column}" IN (SELECT value FROM json_each(?))', [json.dumps(keys)]).fetchall()
        already = {(t, r["__rowid__"]) for t, r in rows}
        children = [c for c in children if (ref.table, c[0]) not in already]
        if ref.must_follow:
            _gather(db, ref.table, [c[0] for c in children], rows, unlinked)
        else:
            unlinked.extend([ref.table, ref.column, c[0], c[1]] for c in children)


def _label(table: str, row: dict) -> str:
    parts = [str(row[c]) for c in _LABEL_COLUMNS if row.get(c)]
    return f"{audit.table_label(table)} {' '.join(parts[:2])}".strip()


def soft_delete(db: sqlite_utils.Database, table: str, row_id: int, reason: str | None = None) -> int:
    """Move the row and its dependants to the trash; returns the trash id."""
    rows: list = []
    unlinked: list = []
    _gather(db, table, [row_id], rows, unlinked)
    if not rows:
        raise TrashError(f"要删除的{audit.table_label(table)}记录（编号{row_id}）不存在，可能已被删除。")
    top = rows[0][1]
    payload = {"rows": rows, "unlinked": unlinked}
    with db.atomic(), audit.audit_reason(db, reason or audit.audit_context(db)["reason"]):
        for child, column, rowid, _value in unlinked:
            db.execute(f'UPDATE "{child}" SET "{column}" = NULL WHERE rowid = ?', [rowid])
        for t, r in reversed(rows):  # dependants first
            db.execute(f'DELETE FROM "{t}" WHERE rowid = ?', [r["__rowid__"]])
        cur = db.execute(
            "INSERT INTO trash(user, table_name, row_id, guid, label, payload_json, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [audit.audit_context(db)["user"], table, row_id, top.get("guid"), _label(table, top),
             json.dumps(payload, ensure_ascii=False), reason])
        return cur.lastrowid


def restore_deleted(db: sqlite_utils.Database, trash_id: int) -> int:
    """Put a trashed record and its dependants back; returns how many rows came back."""
    entry = db.execute("SELECT payload_json, label FROM trash WHERE id = ?", [trash_id]).fetchone()
    if entry is None:
        raise TrashError(f"回收站中没有编号为{trash_id}的记录。")
    payload = json.loads(entry[0])
    try:
        with db.atomic(), audit.audit_reason(db, f"从回收站恢复（{entry[1]}）"):
            # The references are checked once everything is back (at the commit): the rows come
            # back in the order they were gathered, parents first along the references the
            # gathering followed, but a row may also point at another dependant gathered later
            # (a finding at the review that closed it, both the deleted person's).
            db.execute("PRAGMA defer_foreign_keys = ON")
            for table, row in payload["rows"]:
                columns = set(db[table].columns_dict)
                values = {k: v for k, v in row.items() if k in columns}
                names = ", ".join(f'"{k}"' for k in values)
                db.execute(f'INSERT INTO "{table}"(rowid, {names}) VALUES (?, {",".join("?" * len(values))})',
                           [row["__rowid__"], *values.values()])
            for child, column, rowid, value in payload["unlinked"]:
                db.execute(f'UPDATE "{child}" SET "{column}" = ? WHERE rowid = ? AND "{column}" IS NULL',
                           [value, rowid])
            db.execute("DELETE FROM trash WHERE id = ?", [trash_id])
    except crypto.database_errors() as exc:
        raise TrashError(f"无法恢复“{entry[1]}”：{_why(exc)}。回收站中的记录保持不变。") from exc
    return len(payload["rows"])


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "UNIQUE" in text:
        return "相同的编号或证件号码已重新登记"
    if "FOREIGN KEY" in text:
        return "所属的户或人员已不存在，请先恢复它"
    return text


def list_trash(db: sqlite_utils.Database) -> list[dict]:
    """The recycle bin, newest first (without the payloads)."""
    return list(db.query("SELECT id, deleted_at, user, table_name, row_id, label, reason "
                         "FROM trash ORDER BY id DESC"))


def purge(db: sqlite_utils.Database, trash_ids: list[int] | None = None, *,
          before: str | None = None) -> int:
    """Remove trashed records for good — named ids, or everything deleted before a day."""
    if not trash_ids and not before:
        raise TrashError("请指定要彻底删除的回收站记录或日期。")
    from wengang.store import audit  # noqa: PLC0415
    from wengang.store.backup import auto_backup, verify_file  # noqa: PLC0415

    saved = auto_backup(db, "彻底删除前")  # a verified backup first: purging cannot be undone
    if saved is not None and verify_file(saved):
        raise TrashError(f"彻底删除前的备份 {saved} 未通过检查，回收站未改动。")
    with db.atomic():
        if trash_ids:
            removed = db.execute("DELETE FROM trash WHERE id IN (SELECT value FROM json_each(?))",
                                 [json.dumps(list(trash_ids))]).rowcount
        else:
            removed = db.execute("DELETE FROM trash WHERE deleted_at < ?", [before]).rowcount
        if removed:
            audit.record_event(db, "trash", "delete",
                               {"彻底删除条数": removed, "删除前备份": str(saved) if saved else None},
                               "清空回收站（彻底删除）")
        return removed
