"""Audit trail: who changed which record, when, from what to what, and why.

Every entity table (a table with a ``guid`` column, minus ``skip`` in ``resources/audit.json``)
gets AFTER INSERT/UPDATE/DELETE triggers that write ``audit_log``. They are TEMP triggers,
generated from the live schema each time :func:`install_audit_triggers` runs (on every
:func:`wengang.store.db.open_database`), so GUI, CLI and importers are captured without their
cooperation and columns added by later migrations are covered at once.

Who/why/which batch come from a per-connection TEMP table: :func:`set_audit_context`, or the
context managers :func:`audit_reason` and :func:`audit_batch`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlite_utils

from wengang.domain.dates import month_end
from wengang.domain.sqltext import sql_text
from wengang.paths import resource_path
from wengang.store.errors import LockedPeriodError, StoreError  # noqa: F401 - re-exported

CONTEXT_TABLE = "wengang_audit_context"
# The trail's own tables carry a guid column too; auditing them would recurse forever.
OWN_TABLES = {"audit_log", "trash", "report_archive", "locked_periods"}


@functools.cache
def audit_config() -> dict:
    return json.loads(resource_path("audit.json").read_text(encoding="utf-8"))


def table_label(table: str) -> str:
    return audit_config()["tables"].get(table, table)


def field_label(column: str) -> str:
    return audit_config()["fields"].get(column, column)


def audited_tables(db: sqlite_utils.Database) -> list[str]:
    """Tables holding entities: those with a ``guid`` column (every entity row carries one)."""
    return list(_audited_columns(db))


def _audited_columns(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """The audited tables (:func:`audited_tables`), each with its columns in order: read in one
    statement, where asking sqlite-utils table by table took 227 (15 ms of every open)."""
    skip = set(audit_config()["skip"]) | OWN_TABLES
    columns: dict[str, list[str]] = {}
    for table, column in db.execute(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c "
            "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.rowid, c.cid"):
        columns.setdefault(table, []).append(column)
    return {table: names for table, names in columns.items() if "guid" in names and table not in skip}


# --- who / why -------------------------------------------------------------------------------
def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some Windows set-ups
        return "未知"


def default_user(db: sqlite_utils.Database) -> str:
    """The configured caseworker (settings ``reporter``), else the OS account."""
    row = db.execute("SELECT value FROM settings WHERE key = 'reporter'").fetchone() \
        if db["settings"].exists() else None
    return row[0] if row and row[0] else _os_user()


def _ensure_context(db: sqlite_utils.Database) -> None:
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {CONTEXT_TABLE} "
               "(user TEXT, reason TEXT, batch_id INTEGER)")


def set_audit_context(db: sqlite_utils.Database, user: str | None = None, reason: str | None = None,
                      *, batch_id: int | None = None) -> None:
    """Who is writing, why, and for which import batch. ``user=None`` means the configured
    caseworker at the moment of each write (settings ``reporter``, else the OS account)."""
    _ensure_context(db)
    db.execute(f"DELETE FROM temp.{CONTEXT_TABLE}")
    db.execute(f"INSERT INTO temp.{CONTEXT_TABLE}(user, reason, batch_id) VALUES (?, ?, ?)",
               [user, reason, batch_id])


def _raw_context(db: sqlite_utils.Database) -> dict:
    _ensure_context(db)
    row = db.execute(f"SELECT user, reason, batch_id FROM temp.{CONTEXT_TABLE}").fetchone()
    return {"user": row[0], "reason": row[1], "batch_id": row[2]} if row else \
        {"user": None, "reason": None, "batch_id": None}


def audit_context(db: sqlite_utils.Database) -> dict:
    """The current ``user`` (resolved), ``reason`` and ``batch_id`` of this connection."""
    context = _raw_context(db)
    return {**context, "user": context["user"] or default_user(db)}


@contextlib.contextmanager
def _context(db: sqlite_utils.Database, **changes) -> Iterator[None]:
    before = _raw_context(db)
    set_audit_context(db, **{**before, **changes})
    try:
        yield
    finally:
        set_audit_context(db, **before)


def audit_reason(db: sqlite_utils.Database, reason: str | None):
    """``with audit_reason(db, "补录返乡时间"): ...`` — the reason recorded for these writes."""
    return _context(db, reason=reason)


def audit_batch(db: sqlite_utils.Database, batch_id: int):
    """``with audit_batch(db, batch_id): ...`` — importers' writes belong to this batch."""
    return _context(db, batch_id=batch_id)


# --- triggers --------------------------------------------------------------------------------
def _json(cols: list[str], ref: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {ref}.\"{c}\"" for c in cols) + ")"


def _trigger_sql(table: str, cols: list[str]) -> list[str]:
    cfg = audit_config()
    ctx = f"(SELECT {{}} FROM temp.{CONTEXT_TABLE})"
    os_user = sql_text(_os_user())
    # Who: the context's user, else the caseworker configured now, else the OS account.
    user = (f"coalesce({ctx.format('user')}, (SELECT value FROM main.settings WHERE key = 'reporter' "
            f"AND value <> ''), {os_user})")
    compared = [c for c in cols if c not in cfg["ignore_fields"]]
    person = cfg["person_link"].get(table)
    dates = cfg["lock_dates"].get(table, [])
    has_batch = "batch_id" in cols
    statements = []
    for action, ref in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
        refs = ["NEW", "OLD"] if action == "update" else [ref]
        if dates:
            # min() needs two or more arguments to be the scalar min, hence the sentinel.
            touched = ", ".join(f"coalesce({r}.\"{d}\", '9999-12-31')" for r in refs for d in dates)
            flag = ("(SELECT '已报送月份' || group_concat(period, '、') FROM main.locked_periods "
                    f"WHERE period_end >= min({touched}, '9999-12-31'))")
        else:
            flag = "NULL"
        if action == "insert":
            batch = f"coalesce({ctx.format('batch_id')}, NEW.batch_id)" if has_batch else ctx.format("batch_id")
        elif action == "update":
            batch = (f"coalesce({ctx.format('batch_id')}, CASE WHEN NEW.batch_id IS NOT OLD.batch_id "
                     "THEN NEW.batch_id END)") if has_batch else ctx.format("batch_id")
        else:
            batch = ctx.format("batch_id")
        old = _json(cols, "OLD") if action != "insert" else "NULL"
        new = _json(cols, "NEW") if action != "delete" else "NULL"
        guid = f"{ref}.guid"
        pid = person.replace("NEW.", f"{ref}.") if person else "NULL"
        when = (f" WHEN {_json(compared, 'OLD')} IS NOT {_json(compared, 'NEW')}"
                if action == "update" else "")
        statements.append(
            f"CREATE TEMP TRIGGER IF NOT EXISTS audit_{table}_{action} AFTER {action.upper()} "
            f"ON main.\"{table}\"{when} BEGIN INSERT INTO audit_log(user, table_name, row_id, "
            f"guid, action, old_json, new_json, reason, batch_id, person_id, flag) VALUES ("
            f"{user}, '{table}', {ref}.rowid, {guid}, '{action}', {old}, {new}, "
            f"{ctx.format('reason')}, {batch}, {pid}, {flag}); END"
        )
    return statements


def _trigger(table: str, cols: list[str], action: str) -> str:
    return next(s for s in _trigger_sql(table, cols) if f"audit_{table}_{action} " in s)


def install_audit_triggers(db: sqlite_utils.Database) -> int:
    """(Re)create the TEMP audit triggers for this connection; returns how many tables."""
    if not db["audit_log"].exists():
        return 0  # a database opened without migrating: nothing to write to
    if not db.execute(f"SELECT 1 FROM sqlite_temp_master WHERE name = '{CONTEXT_TABLE}'").fetchone():
        set_audit_context(db)
    for (name,) in db.execute("SELECT name FROM sqlite_temp_master WHERE type = 'trigger' "
                              "AND name LIKE 'audit\\_%' ESCAPE '\\'").fetchall():
        db.execute(f'DROP TRIGGER temp."{name}"')
    tables = _audited_columns(db)
    for table, cols in tables.items():
        for statement in _trigger_sql(table, cols):
            db.execute(statement)
    return len(tables)


# --- imports: one entry per batch and table for the rows a batch adds ------------------------
# A 150,000-person import fired 150,000 insert triggers (json_object of every column plus the
# context subqueries), ten times the cost of the inserts themselves. Rows an import adds carry
# its batch_id and the batch row says who and when, so the trail keeps one entry per table
# naming the added rows' id ranges; undo deletes those ranges. Updates and deletes stay
# trigger-audited row by row (undo restores old values from them).
BULK_KEY = "bulk_rows"


def _batch_tables(db: sqlite_utils.Database) -> list[str]:
    """Audited tables with a batch_id, parents before children (undo deletes children first)."""
    tables = [t for t in audited_tables(db) if "batch_id" in db[t].columns_dict]
    ordered: list[str] = []

    def visit(table: str, path: tuple[str, ...]) -> None:
        if table in ordered or table in path:
            return
        for fk in db[table].foreign_keys:
            if fk.other_table in tables and fk.other_table != table:
                visit(fk.other_table, (*path, table))
        ordered.append(table)

    for table in tables:
        visit(table, ())
    return ordered


def _ranges(ids: list[int]) -> list[list[int]]:
    """[3, 4, 5, 9] → [[3, 5], [9, 9]]: new ids are consecutive, so usually one range."""
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _locked_flag(db: sqlite_utils.Database, table: str, ids_sql: str, params: list) -> str | None:
    """The flag the per-row triggers would have set: locked months the added rows' dates touch."""
    dates = audit_config()["lock_dates"].get(table, [])
    if not dates or not db.execute("SELECT 1 FROM locked_periods LIMIT 1").fetchone():
        return None
    parts = " UNION ALL ".join(f'SELECT min("{d}") AS m FROM "{table}" WHERE rowid IN ({ids_sql})'
                               for d in dates)
    earliest = db.execute(f"SELECT min(m) FROM ({parts})", params * len(dates)).fetchone()[0]
    periods = periods_touched(db, earliest) if earliest else []
    return "已报送月份" + "、".join(periods) if periods else None


def _largest_rowids(db: sqlite_utils.Database, tables: list[str]) -> dict[str, int]:
    """Each table's largest rowid now (one step down its b-tree), 0 when empty."""
    return {table: db.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0] for table in tables}


def _write_bulk_entries(db: sqlite_utils.Database, batch_id: int, tables: list[str], before: dict[str, int]) -> None:
    """One insert entry per table for the rows the batch added. They are above the table's
    largest rowid ``before`` the batch (new rows take the next ids: SQLite's and the
    upserter's alike), so only those are read: the batch's rows were found by reading every
    row of the table for its batch_id (a month's import adding 5,000 spells to a 200,000-household
    county's 978,033: 0.17 s, now 0.001 s)."""
    context = audit_context(db)
    for table in tables:
        # The batch's rows that no update entry of this batch names: the ones it added.
        updates = ("SELECT row_id FROM audit_log WHERE batch_id = ? AND table_name = ? "
                   "AND action = 'update'")
        if db.execute(f"SELECT EXISTS ({updates})", [batch_id, table]).fetchone()[0]:
            ids_sql = f'SELECT rowid FROM "{table}" WHERE rowid > ? AND batch_id = ? AND rowid NOT IN ({updates})'
            params = [before[table], batch_id, batch_id, table]
        else:  # a batch that only added rows here: no lookup per row (165,000 persons 0.03 → 0.02 s)
            ids_sql, params = f'SELECT rowid FROM "{table}" WHERE rowid > ? AND batch_id = ?', [before[table], batch_id]
        added, ranges = _added_ranges(db, ids_sql, params)
        if not added:
            continue
        db.execute("INSERT INTO audit_log(user, table_name, action, new_json, reason, batch_id, flag) "
                   "VALUES (?, ?, 'insert', ?, ?, ?, ?)",
                   [context["user"], table, json.dumps({BULK_KEY: added, "ranges": ranges}),
                    context["reason"], batch_id, _locked_flag(db, table, ids_sql, params)])


def _added_ranges(db: sqlite_utils.Database, ids_sql: str, params: list) -> tuple[int, list[list[int]]]:
    """How many rows ``ids_sql`` names, and their id ranges. Counted in SQLite first: new ids
    are usually one unbroken run, then no id comes into Python (165,000 persons: 0.07 → 0.03 s)."""
    count, low, high = db.execute(f"SELECT count(*), min(rowid), max(rowid) FROM ({ids_sql})", params).fetchone()
    if not count or high - low + 1 == count:
        return count, [[low, high]] if count else []
    return count, _ranges([r[0] for r in db.execute(ids_sql, params)])


@contextlib.contextmanager
def bulk_import_audit(db: sqlite_utils.Database, batch_id: int) -> Iterator[None]:
    """``with bulk_import_audit(db, batch_id): ...`` — an import's writes belong to the batch, and
    the rows it adds are recorded as one entry per table (written when the block ends without
    an exception). Call it inside the import's ``db.atomic()``."""
    tables = _batch_tables(db) if db["audit_log"].exists() else []
    before = _largest_rowids(db, tables)
    with audit_batch(db, batch_id):
        for table in tables:
            db.execute(f'DROP TRIGGER IF EXISTS temp."audit_{table}_insert"')
        try:
            yield
            _write_bulk_entries(db, batch_id, tables, before)
        finally:
            for table in tables:
                db.execute(_trigger(table, [c.name for c in db[table].columns], "insert"))


def bulk_ranges(entry: dict) -> list[list[int]] | None:
    """The id ranges of a batch-level insert entry (an ``audit_log`` row), else ``None``."""
    if entry["action"] != "insert" or entry["row_id"] is not None or not entry["new_json"]:
        return None
    return json.loads(entry["new_json"]).get("ranges")


# --- events that are not row edits: restores, set-up, areas, month locks -----------------------
def record_event(db, table: str, action: str, detail: dict, reason: str | None = None, *,
                 row_id: int | None = None, user: str | None = None, old: dict | None = None) -> None:
    """One ``audit_log`` entry for an event the triggers do not see (``db`` may be a
    ``Database`` or a bare connection, e.g. on a restored file); ``detail`` is shown as the
    entry's new values. Does nothing on a database without the audit trail."""
    conn = getattr(db, "conn", db)
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_log'").fetchone():
        return
    context = {"user": None, "reason": None, "batch_id": None}
    if isinstance(db, sqlite_utils.Database):
        context = audit_context(db)
    conn.execute("INSERT INTO audit_log(user, table_name, row_id, action, old_json, new_json, reason, batch_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 [user or context["user"] or _os_user(), table, row_id, action,
                  json.dumps(old, ensure_ascii=False) if old is not None else None,
                  json.dumps(detail, ensure_ascii=False), reason or context["reason"], context["batch_id"]])


# --- reading the trail -----------------------------------------------------------------------
@dataclass
class AuditEntry:
    """One audit row with its field-level changes in the caseworker's words."""

    id: int
    at: str
    user: str | None
    table_name: str
    row_id: int | None
    action: str
    reason: str | None
    batch_id: int | None
    flag: str | None
    old: dict | None
    new: dict | None
    changes: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def table_label(self) -> str:
        return table_label(self.table_name)

    @property
    def action_label(self) -> str:
        return audit_config()["actions"][self.action]


def _entry(row: dict) -> AuditEntry:
    old = json.loads(row["old_json"]) if row["old_json"] else None
    new = json.loads(row["new_json"]) if row["new_json"] else None
    ignore = set(audit_config()["ignore_fields"])
    if row["row_id"] is None and new and BULK_KEY in new:  # an import's added rows, as one entry
        changes = [(field_label(BULK_KEY), None, new[BULK_KEY])]
        return AuditEntry(row["id"], row["at"], row["user"], row["table_name"], None, row["action"],
                          row["reason"], row["batch_id"], row["flag"], None, new, changes)
    keys = [k for k in (new or old or {}) if k not in ignore and k != "id"]
    changes = [(field_label(k), (old or {}).get(k), (new or {}).get(k)) for k in keys
               if (old or {}).get(k) != (new or {}).get(k)]
    return AuditEntry(row["id"], row["at"], row["user"], row["table_name"], row["row_id"],
                      row["action"], row["reason"], row["batch_id"], row["flag"], old, new, changes)


def audit_entries(db: sqlite_utils.Database, *, person_id: int | None = None,
                  since: dt.date | str | None = None, batch_id: int | None = None,
                  limit: int | None = None) -> list[AuditEntry]:
    """The trail, newest first, optionally for one person, since a day, or for one batch."""
    where, params = [], []
    if person_id is not None:
        where.append("person_id = ?")
        params.append(person_id)
    if since is not None:
        where.append("at >= ?")
        params.append(str(since))
    if batch_id is not None:
        where.append("batch_id = ?")
        params.append(batch_id)
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
    return [_entry(r) for r in db.query(sql, params)]


@dataclass(frozen=True)
class HandEdit:
    """The values a row was given here (by hand, a batch 登记 or an exchange: by no import)
    since an import last wrote it: column → the latest value, when and by whom."""

    row_id: int
    person_id: int | None
    values: dict
    at: str
    user: str | None


def hand_edits_since_import(db: sqlite_utils.Database, table: str, row_ids: list[int],
                            batch_id: int | None = None) -> dict[int, HandEdit]:
    """Of ``row_ids`` in ``table``, those changed other than by an import after the last
    import that wrote them (``batch_id``, the import under way, not counted), by row id. Read
    from the trail by row (its index): a monthly re-import changes a few hundred rows."""
    found: dict[int, HandEdit] = {}
    if not row_ids:
        return found
    ignore = set(audit_config()["ignore_fields"])
    rows = db.execute(
        """SELECT a.row_id, a.person_id, a.at, a.user, a.old_json, a.new_json FROM audit_log a
           WHERE a.table_name = :table AND a.row_id IN (SELECT value FROM json_each(:ids))
             AND a.action = 'update' AND a.batch_id IS NULL
             AND a.id > coalesce((SELECT max(b.id) FROM audit_log b WHERE b.table_name = a.table_name
                                  AND b.row_id = a.row_id AND b.batch_id IS NOT NULL
                                  AND b.batch_id IS NOT :batch), 0)
           ORDER BY a.id""",
        {"table": table, "ids": json.dumps([int(i) for i in row_ids]), "batch": batch_id}).fetchall()
    for row_id, person_id, at, user, old_json, new_json in rows:
        old, new = json.loads(old_json or "{}"), json.loads(new_json or "{}")
        changed = {k: v for k, v in new.items() if k not in ignore and k != "id" and old.get(k) != v}
        if changed:
            earlier = found.get(row_id)
            found[row_id] = HandEdit(row_id, person_id, {**(earlier.values if earlier else {}), **changed}, at, user)
    return found


# Tables whose rows belong to one person through a ``person_id`` column (the person's own row
# is matched by id); an import records its added rows per table and batch, not per person.
_PERSON_ROWS = ("employment_spells", "surveys", "services", "subsidies", "spot_checks")


def _imports_adding(db: sqlite_utils.Database, person_id: int) -> list[AuditEntry]:
    """The batch-level insert entries whose id ranges hold this person's row or records."""
    owned = {"persons": {person_id}}
    for table in _PERSON_ROWS:
        if db[table].exists():
            owned[table] = {r[0] for r in db.execute(f"SELECT id FROM {table} WHERE person_id = ?", [person_id])}
    found = []
    for row in db.query("SELECT * FROM audit_log WHERE row_id IS NULL AND action = 'insert' "
                        "AND batch_id IS NOT NULL ORDER BY id DESC"):
        ids, ranges = owned.get(row["table_name"]), bulk_ranges(row)
        hits = sorted(i for i in ids or () if any(lo <= i <= hi for lo, hi in ranges or ()))
        if hits:
            entry = _entry(row)
            entry.row_id = hits[0]
            entry.changes = [(field_label(BULK_KEY), None, f"{len(hits)}条（第{row['batch_id']}批导入）")]
            found.append(entry)
    return found


def person_history(db: sqlite_utils.Database, person_id: int) -> list[AuditEntry]:
    """修改记录 of one person: their own row and their spells, surveys, services … newest first,
    including the imports that added them (recorded per batch, see :func:`bulk_import_audit`)."""
    entries = audit_entries(db, person_id=person_id) + _imports_adding(db, person_id)
    return sorted(entries, key=lambda e: e.id, reverse=True)


# --- locked (submitted) months ---------------------------------------------------------------
def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def lock_period(db: sqlite_utils.Database, as_of: dt.date | str) -> str:
    """Lock the month containing ``as_of`` (after it was submitted); returns ``YYYY-MM``."""
    day = _as_date(as_of)
    period = day.strftime("%Y-%m")
    with db.atomic():
        added = db.execute("INSERT OR IGNORE INTO locked_periods(period, period_end, user) VALUES (?, ?, ?)",
                           [period, month_end(day.year, day.month).isoformat(), audit_context(db)["user"]]).rowcount
        if added:
            record_event(db, "locked_periods", "insert", {"月份": period}, "报送后锁定月份")
    return period


def unlock_period(db: sqlite_utils.Database, period: str) -> None:
    with db.atomic():
        removed = db.execute("DELETE FROM locked_periods WHERE period = ?", [period[:7]]).rowcount
        if removed:
            record_event(db, "locked_periods", "delete", {"月份": period[:7]},
                         audit_context(db)["reason"] or "解除月份锁定")


def locked_periods(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT period FROM locked_periods ORDER BY period").fetchall()]


def periods_touched(db: sqlite_utils.Database, *dates: dt.date | str | None) -> list[str]:
    """Locked months whose numbers a record dated ``dates`` can change: every locked month
    ending on or after the earliest date (a spell that starts in March counts in April too)."""
    days = [_as_date(d).isoformat() for d in dates if d]
    if not days:
        return []
    return [r[0] for r in db.execute("SELECT period FROM locked_periods WHERE period_end >= ? "
                                     "ORDER BY period", [min(days)]).fetchall()]


def check_period_lock(db: sqlite_utils.Database, *dates: dt.date | str | None) -> list[str]:
    """For services before a write dated ``dates`` (old and new values): raise
    :class:`LockedPeriodError` if it changes a locked month and no reason is set
    (``with audit_reason(db, …)``). Returns the locked months touched; the audit trail flags
    those writes by itself."""
    touched = periods_touched(db, *dates)
    if touched and not (audit_context(db)["reason"] or "").strip():
        raise LockedPeriodError(
            f"{'、'.join(touched)}的报表已报送并锁定，此修改会改变已报送的数字。请填写修改原因后再保存。")
    return touched
