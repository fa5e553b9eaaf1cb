"""Undo an import: roll a whole batch back from the audit trail, while nothing depends on it.

Every row an importer wrote carries the batch in the audit trail (``audit_batch`` or the
row's own ``batch_id``; rows an import added in bulk are one entry per table naming their id
ranges, see ``audit.bulk_import_audit``). :func:`undo_batch` replays that batch's audit
entries backwards: inserted rows are deleted, changed rows get their old values, deleted rows
come back. It refuses, changing nothing, when a later edit or import touched the same rows, or
when undoing would take rows written later with it (a spell added by hand to an imported person).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import sqlite_utils

from wengang.store import audit, crypto
from wengang.store.errors import StoreError, UndoError  # noqa: F401 - re-exported


@dataclass
class UndoResult:
    batch_id: int
    deleted: int = 0     # rows the import had added
    restored: int = 0    # rows the import had changed, back to their old values
    reinserted: int = 0  # rows the import had deleted


def _undone_batches(db: sqlite_utils.Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM import_batches WHERE status = 'undone'").fetchall()]


def _record_name(db: sqlite_utils.Database, table: str, row_id: int) -> str:
    """A record as the caseworker knows it: "张三（620702********1234）的务工就业记录", not
    "务工就业记录16"; the row number only when the person cannot be found."""
    from wengang.domain.masking import mask_id  # noqa: PLC0415

    label = audit.table_label(table)
    try:
        if table == "persons":
            hit = db.execute("SELECT name, id_number FROM persons WHERE id = ?", [row_id]).fetchone()
        elif table == "households":
            hit = db.execute("SELECT head_name, hh_no FROM households WHERE id = ?", [row_id]).fetchone()
            return f"户{hit[1]}（户主{hit[0] or '—'}）" if hit else f"{label}{row_id}"
        elif "person_id" in {c[1] for c in db.execute(f"PRAGMA table_info([{table}])").fetchall()}:
            hit = db.execute(f"SELECT p.name, p.id_number FROM [{table}] x JOIN persons p ON p.id = x.person_id "
                             "WHERE x.id = ?", [row_id]).fetchone()
        else:
            hit = None
    except sqlite3.Error:
        hit = None
    if not hit:
        return f"{label}{row_id}"
    who = f"{hit[0] or '—'}（{mask_id(hit[1])}）" if hit[1] else (hit[0] or "—")
    return who if table == "persons" else f"{who}的{label}"


def _describe(db: sqlite_utils.Database, rows: list) -> str:
    shown = []
    for table, row_id, user, at, batch in rows[:3]:
        who = f"导入批次{batch}" if batch and batch > 0 else (user or "")
        shown.append(f"{_record_name(db, table, row_id)}（{at[:16].replace('T', ' ')} {who}）")
    return "、".join(shown) + (f"等{len(rows)}条" if len(rows) > 3 else "")


def undo_batch(db: sqlite_utils.Database, batch_id: int) -> UndoResult:
    """Undo import batch ``batch_id`` as a whole, or raise :class:`UndoError`."""
    batch = db.execute("SELECT status, file_name FROM import_batches WHERE id = ?", [batch_id]).fetchone()
    if batch is None:
        raise UndoError(f"没有编号为{batch_id}的导入批次。")
    if batch[0] == "undone":
        raise UndoError(f"导入批次{batch_id}（{batch[1] or ''}）已经撤销过了。")
    entries = list(db.query("SELECT * FROM audit_log WHERE batch_id = ? ORDER BY id", [batch_id]))
    if not entries:
        raise UndoError(f"导入批次{batch_id}没有留下可撤销的修改记录。")
    first = entries[0]["id"]
    # Later writes to the same rows — by hand or by another batch still in force — block the undo.
    ignore = [b for u in _undone_batches(db) for b in (u, -u)]
    later_sql = f"""SELECT a.table_name, a.row_id, a.user, a.at, a.batch_id FROM audit_log a
            WHERE a.id > ? AND a.batch_id IS NOT ?
              AND (a.batch_id IS NULL OR a.batch_id NOT IN ({",".join("?" * len(ignore)) or "NULL"}))"""
    later = db.execute(
        later_sql + """ AND EXISTS (SELECT 1 FROM audit_log b WHERE b.batch_id = ?
                          AND b.table_name = a.table_name AND b.row_id = a.row_id) ORDER BY a.id""",
        [first, batch_id, *ignore, batch_id]).fetchall()
    bulk = _bulk(entries)
    for table, lo, hi in bulk:  # rows the batch added, named by id range (store.audit)
        later += db.execute(later_sql + " AND a.table_name = ? AND a.row_id BETWEEN ? AND ? ORDER BY a.id",
                            [first, batch_id, *ignore, table, lo, hi]).fetchall()
    if later:
        raise UndoError(f"无法撤销导入批次{batch_id}：其中的记录后来又被修改过（{_describe(db, later)}）。"
                        "请先撤销后来的导入或修改，数据未作任何改动。")
    planned = {(e["table_name"], e["row_id"]) for e in entries}
    result = UndoResult(batch_id)
    before = db.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
    try:
        with db.atomic(), audit._context(db, reason=f"撤销导入批次{batch_id}", batch_id=-batch_id):  # noqa: SLF001
            # Foreign keys are checked once, at the end: a household the batch added and a
            # person it moved into it are undone in either order (the bulk entry comes last).
            db.execute("PRAGMA defer_foreign_keys = ON")
            for e in reversed(entries):
                _invert(db, e, result)
            _drop_areas(db, batch_id)
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise UndoError(f"无法撤销导入批次{batch_id}：后来登记的记录依赖本批次导入的数据"
                                f"（{audit.table_label(broken[0][0])}等{len(broken)}条）。数据未作任何改动。")
            extra = db.execute("SELECT table_name, row_id, user, at, batch_id FROM audit_log WHERE id > ?",
                               [before]).fetchall()
            dragged = [r for r in extra if (r[0], r[1]) not in planned
                       and not any(t == r[0] and lo <= r[1] <= hi for t, lo, hi in bulk)]
            if dragged:
                raise UndoError(f"无法撤销导入批次{batch_id}：后来登记的记录依赖本批次导入的数据"
                                f"（{_describe(db, dragged)}）。数据未作任何改动。")
            _drop_unaudited(db, batch_id)
            _reopen_findings(db, batch_id)
            db.execute("UPDATE import_batches SET status = 'undone' WHERE id = ?", [batch_id])
    except crypto.database_errors() as exc:
        raise UndoError(f"无法撤销导入批次{batch_id}：后来登记的记录依赖本批次导入的数据（{exc}）。"
                        "数据未作任何改动。") from exc
    return result


def _drop_areas(db: sqlite_utils.Database, batch_id: int) -> None:
    """The areas the batch created (a mistyped township and its villages), children first;
    one that something else now uses stays (and is no longer the batch's)."""
    if "batch_id" not in db["areas"].columns_dict:
        return
    uses = [(table, fk.column) for table in db.table_names()
            for fk in db[table].foreign_keys if fk.other_table == "areas"]
    for (area_id,) in db.execute("SELECT id FROM areas WHERE batch_id = ? ORDER BY id DESC", [batch_id]).fetchall():
        used = any(db.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = ? LIMIT 1', [area_id]).fetchone()
                   for table, column in uses)
        if used:
            db.execute("UPDATE areas SET batch_id = NULL WHERE id = ?", [area_id])
        else:
            db.execute("DELETE FROM areas WHERE id = ?", [area_id])


def _bulk(entries: list[dict]) -> list[tuple[str, int, int]]:
    """(table, first id, last id) of the rows the batch added, from its batch-level entries."""
    return [(e["table_name"], lo, hi) for e in entries for lo, hi in (audit.bulk_ranges(e) or [])]


def _drop_unaudited(db: sqlite_utils.Database, batch_id: int) -> None:
    """Rows of the batch in tables the trail does not cover (the import's quality findings)."""
    audited = set(audit.audited_tables(db)) | audit.OWN_TABLES | {"import_batches"}
    for table in db.table_names():
        if table not in audited and "batch_id" in db[table].columns_dict:
            db.execute(f'DELETE FROM "{table}" WHERE batch_id = ?', [batch_id])


def _reopen_findings(db: sqlite_utils.Database, batch_id: int) -> None:
    """The earlier imports' hints this batch resolved (its file no longer gave them) open again."""
    db.execute("UPDATE quality_findings SET resolved_at = NULL, resolved_batch_id = NULL WHERE resolved_batch_id = ?",
               [batch_id])


def _invert(db: sqlite_utils.Database, entry: dict, result: UndoResult) -> None:
    table, row_id = entry["table_name"], entry["row_id"]
    ranges = audit.bulk_ranges(entry)
    if ranges is not None:
        for lo, hi in ranges:
            result.deleted += db.execute(f'DELETE FROM "{table}" WHERE rowid BETWEEN ? AND ? AND batch_id = ?',
                                         [lo, hi, entry["batch_id"]]).rowcount
        return
    if entry["action"] == "insert":
        result.deleted += db.execute(f'DELETE FROM "{table}" WHERE rowid = ?', [row_id]).rowcount
        return
    old = json.loads(entry["old_json"])
    columns = set(db[table].columns_dict)
    old = {k: v for k, v in old.items() if k in columns}
    if entry["action"] == "update":
        sets = ", ".join(f'"{k}" = ?' for k in old)
        db.execute(f'UPDATE "{table}" SET {sets} WHERE rowid = ?', [*old.values(), row_id])
        result.restored += 1
    else:
        names = ", ".join(f'"{k}"' for k in old)
        db.execute(f'INSERT INTO "{table}"({names}) VALUES ({",".join("?" * len(old))})', list(old.values()))
        result.reinserted += 1
