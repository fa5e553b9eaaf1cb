"""Township ⇄ county exchange: export, import (verify, order, ownership, conflicts), review.

Per partner this installation keeps ``known``: the partner's slice as the partner holds it,
to our knowledge (``exchange_partners.known_image``). Exporting sends
``diff(known → our projection)`` and sets ``known`` to our projection; importing applies the
partner's changeset to our projection with a conflict handler, writes the difference it made
back into the ledger by guid (one transaction, under an import batch, audited row by row), and
applies the changeset to ``known``. The county is the authority: at the county a field changed
on both sides keeps the county's value and is recorded for review (the decision travels back
with the next package); at a township the county's value is taken and the township's own is
recorded. Nothing is overwritten without a row in ``exchange_conflicts``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import apsw
import sqlite_utils

from wengang.services import signing
from wengang.services.exchange import package as pkgfile
from wengang.services.exchange.projection import AREAS, EXCHANGED, AreaTree, Projection, schema_sql, township_names
from wengang.store import audit, crypto
from wengang.store.areas import township_unit_name
from wengang.store.atomic import atomic_open
from wengang.store.city import COUNTY_SETTING, LEVEL_SETTING, TOWNSHIP_SETTING
from wengang.store.db import applied_migrations, get_setting, set_setting
from wengang.store.migrations import known_migration_names

INBOX_SETTING = "exchange_inbox"
OVERDUE_DAYS = 35

OMIT, REPLACE = apsw.SQLITE_CHANGESET_OMIT, apsw.SQLITE_CHANGESET_REPLACE

# ``progress(step, steps, words)``: called between the steps of an export or an import (the
# window's progress dialog); it may raise to stop (an import's transaction then rolls back).
Progress = Callable[[int, int, str], object]
EXPORT_STEPS = 3
IMPORT_STEPS = 5


def _step(progress: Progress | None, step: int, steps: int, words: str) -> None:
    if progress is not None:
        progress(step, steps, words)


class ExchangeRefused(ValueError):
    """A package that is not applied, or an export that cannot be made; nothing was changed."""


# --- who am I -------------------------------------------------------------------------------------
def level(db: sqlite_utils.Database) -> str:
    """This installation's level: setting ``level`` (``wengang setup --level``), else township
    when it was started from a county's package, else county."""
    value = get_setting(db, LEVEL_SETTING)
    if value:
        return value
    return "township" if get_setting(db, TOWNSHIP_SETTING) else "county"


def county_name(db: sqlite_utils.Database) -> str:
    if level(db) == "township":
        return get_setting(db, COUNTY_SETTING) or ""
    rows = [r[0] for r in db.execute("SELECT name FROM areas WHERE level = 'county'").fetchall()]
    if len(rows) == 1:
        return rows[0]
    return get_setting(db, "county") or (rows[0] if rows else "")


def my_area(db: sqlite_utils.Database) -> str:
    return (get_setting(db, TOWNSHIP_SETTING) or "") if level(db) == "township" else county_name(db)


def _is_empty(db: sqlite_utils.Database) -> bool:
    return not db.execute("SELECT 1 FROM households LIMIT 1").fetchone() and \
        not db.execute("SELECT 1 FROM exchange_partners LIMIT 1").fetchone()


def _now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


def _partner(db: sqlite_utils.Database, name: str) -> dict | None:
    rows = list(db.query("SELECT * FROM exchange_partners WHERE partner = ?", [name]))
    return rows[0] if rows else None


def _known_image(row: dict | None) -> bytes | None:
    return zlib.decompress(row["known_image"]) if row and row["known_image"] else None


# --- export ---------------------------------------------------------------------------------------
@dataclass
class ExportResult:
    partner: str
    kind: str
    seq: int
    changes: int
    size: int
    path: Path


def _count(changeset: bytes) -> int:
    return sum(1 for _ in apsw.Changeset.iter(changeset)) if changeset else 0


def _write_file(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:  # a killed or failed write keeps the previous file
        fh.write(data)


def export_base(db: sqlite_utils.Database, township: str, out: Path,
                progress: Progress | None = None) -> ExportResult:
    """The county's starting package (or fresh slice) for ``township``: its villages, people and records."""
    if level(db) != "county":
        raise ExchangeRefused("只有县级台账可以为乡镇生成起始包（本机是乡镇台账）")
    if not db.execute("SELECT 1 FROM areas WHERE level = 'township' AND name = ?", [township]).fetchone():
        raise ExchangeRefused(f"本县没有名为“{township}”的乡镇")
    return _export(db, township, "township", township, "base", out, progress)


def export_changes(db: sqlite_utils.Database, out: Path, township: str | None = None,
                   progress: Progress | None = None) -> ExportResult:
    """Changes since the last package to the partner: a township's to its county, or the
    county's (its corrections, decisions and the other side's changes it applied) to ``township``."""
    if level(db) == "township":
        county = get_setting(db, COUNTY_SETTING)
        if not county:
            raise ExchangeRefused("本乡镇台账还没有导入县里的起始包，无法导出（请先导入起始包）")
        return _export(db, county, "county", get_setting(db, TOWNSHIP_SETTING), "changes", out, progress)
    if not township:
        raise ExchangeRefused("县级台账导出时请用 --township 指明发给哪个乡镇")
    if _partner(db, township) is None:
        raise ExchangeRefused(f"还没有给“{township}”生成过起始包（数据交换 → 给所选乡镇生成起始包…，"
                              f"或 wengang exchange base --township {township}）")
    return _export(db, township, "township", township, "changes", out, progress)


def _header(db: sqlite_utils.Database, kind: str, to: str, township: str, seq: int) -> dict:
    return {
        "format": 1, "kind": kind, "sender": my_area(db), "role": level(db), "to": to,
        "township": township, "county": county_name(db), "seq": seq, "schema": applied_migrations(db),
        "public_key": base64.b64encode(signing.public_key(db)).decode("ascii"), "created_at": _now(),
        "settings": {k: get_setting(db, k) for k in ("province", "city", "county")},
    }


def _export(db, partner: str, role: str, township: str, kind: str, out: Path,
            progress: Progress | None = None) -> ExportResult:
    _step(progress, 0, EXPORT_STEPS, f"正在读取“{township}”的数据")
    proj = Projection(db, township)
    row = _partner(db, partner)
    _step(progress, 1, EXPORT_STEPS, "正在比较上次交换以来的修改")
    proj.attach("known", None if kind == "base" else _known_image(row))
    changeset = proj.diff_from("known")
    proj.detach("known")
    # The last moment to stop: once the file is written it may be sent, so the number it
    # carries is recorded with it, whatever happens.
    _step(progress, 2, EXPORT_STEPS, "正在写入交换包")
    seq = (row["sent_seq"] if row else 0) + 1
    header = _header(db, kind, partner, township, seq)
    # A township takes the county's value on a clash; the clash goes to the county for review.
    forwarded = [] if role == "township" else list(db.query(
        "SELECT id, kind, table_name, guid, field, base_value, local_value, remote_value, label "
        "FROM exchange_conflicts WHERE partner = ? AND status = 'open' AND kept = 'remote'", [partner]))
    header["conflicts"] = [{k: v for k, v in c.items() if k != "id"} for c in forwarded]
    data = pkgfile.build(header, changeset, lambda b: signing.sign(db, b))
    _write_file(out, data)
    image = zlib.compress(proj.image(), 6)
    changes = _count(changeset)
    with db.atomic():
        db.execute("INSERT INTO exchange_partners(partner, role) VALUES (?, ?) ON CONFLICT(partner) DO NOTHING",
                   [partner, role])
        db.execute("UPDATE exchange_partners SET sent_seq = ?, known_image = ?, last_sent_at = ? WHERE partner = ?",
                   [seq, image, _now(), partner])
        db.execute("INSERT INTO exchange_packages(direction, partner, kind, seq, sha256, file_name, changes, "
                   "package) VALUES ('out', ?, ?, ?, ?, ?, ?, ?)",
                   [partner, kind, seq, pkgfile.parse(data).sha256, Path(out).name, changes, data])
        for c in forwarded:
            db.execute("UPDATE exchange_conflicts SET status = 'decided', decision = 'remote', forwarded_in = ?, "
                       "reason = ?, decided_at = ? WHERE id = ?",
                       [seq, f"以县里的值为准，已随第{seq}号包报县里复核", _now(), c["id"]])
    return ExportResult(partner, kind, seq, changes, len(data), Path(out))


def resend(db: sqlite_utils.Database, seq: int, out: Path, township: str | None = None) -> ExportResult:
    """Write package number ``seq`` sent earlier (lost on the way) to ``out`` again, unchanged."""
    partner = township if level(db) == "county" else get_setting(db, COUNTY_SETTING)
    row = db.execute("SELECT kind, changes, package FROM exchange_packages WHERE direction = 'out' AND partner = ? "
                     "AND seq = ? ORDER BY id DESC LIMIT 1", [partner, seq]).fetchone()
    if row is None or row[2] is None:
        raise ExchangeRefused(f"没有发给“{partner}”的第{seq}号包")
    _write_file(out, row[2])
    return ExportResult(partner, row[0], seq, row[1], len(row[2]), Path(out))


# --- import ---------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    partner: str
    kind: str
    seq: int
    changes: int = 0          # changes in the package
    applied: int = 0          # rows written into the ledger
    refused: int = 0
    conflicts: int = 0
    batch_id: int | None = None
    started: bool = False     # this package started the township installation
    package_id: int | None = None


def _guid(change) -> str:
    return (change.new if change.op == "INSERT" else change.old)[0]


def _plain(value):
    return None if value is apsw.no_change else value


class _Merger:
    """The conflict handler and ownership filter for one package applied to our projection."""

    def __init__(self, db, proj: Projection, remote_wins: bool, township: str | None):
        self.db, self.proj = db, proj
        self.remote_wins = remote_wins
        self.township = township          # at the county: the sending township (ownership guard)
        self.conflicts: list[dict] = []
        self.partials: list[tuple[str, str, dict]] = []
        self.skip: set[tuple[str, str]] = set()   # kept out of ``known`` (insert clashes)
        self.refused = 0

    def _record(self, kind: str, table: str, guid: str, field_name=None, base=None, local=None, remote=None,
                status: str = "open") -> None:
        self.conflicts.append({
            "kind": kind, "table_name": table, "guid": guid, "field": field_name,
            "base_value": json.dumps(_plain(base), ensure_ascii=False),
            "local_value": json.dumps(_plain(local), ensure_ascii=False),
            "remote_value": json.dumps(_plain(remote), ensure_ascii=False),
            "kept": "remote" if self.remote_wins and status == "open" else "local", "status": status})

    def _row_json(self, table: str, values) -> dict | None:
        if values is None:
            return None
        return {c: _plain(v) for c, v in zip(self.proj.columns(table), values, strict=False)
                if c not in ("guid", "owner") and _plain(v) is not None}

    # ownership (county side)
    def filter(self, change) -> bool:
        if self.township is None:
            return True
        table, op, guid = change.name, change.op, _guid(change)
        if op == "INSERT":
            ok = change.new[1] == self.township
        else:
            owner = self.proj.owner_of(table, guid)
            if owner is None:  # not in this township's slice: another township's row, or gone here
                ok = table != AREAS and not self.db.execute(
                    f'SELECT 1 FROM "{table}" WHERE guid = ?', [guid]).fetchone()
            else:
                ok = owner == self.township and (op != "UPDATE" or _plain(change.new[1]) in (None, self.township))
        if table == AREAS and op != "INSERT":
            ok = False
        if not ok:
            self.refused += 1
            self._record("refused", table, guid, None, None, None,
                         json.dumps(self._row_json(table, change.new if op != "DELETE" else None) or {"删除": True},
                                    ensure_ascii=False), status="refused")
        return ok

    def conflict(self, reason: int, change) -> int:
        table, op, guid = change.name, change.op, _guid(change)
        if reason == apsw.SQLITE_CHANGESET_NOTFOUND:
            if op == "UPDATE":  # deleted here, changed there
                self._record("delete", table, guid, None, None, None, self._row_json(table, change.new))
                self.conflicts[-1]["kept"] = "local"
            return OMIT
        if reason == apsw.SQLITE_CHANGESET_CONSTRAINT:
            self.skip.add((table, guid))
            self._record("insert", table, guid, None, None, None, self._row_json(table, change.new))
            self.conflicts[-1]["kept"] = "local"
            return OMIT
        if reason not in (apsw.SQLITE_CHANGESET_DATA, apsw.SQLITE_CHANGESET_CONFLICT):
            return OMIT
        if op == "DELETE":  # changed here, deleted there
            self._record("delete", table, guid, None, self._row_json(table, change.old),
                         self._row_json(table, change.conflict), None)
            return REPLACE if self.remote_wins else OMIT
        return self._field_conflict(table, op, guid, change)

    def _field_conflict(self, table: str, op: str, guid: str, change) -> int:
        """Both sides have the row: fields only they changed are taken, fields both changed clash."""
        clashes, take = self._compare(table, op, change)
        if not clashes:
            return REPLACE if (take or op == "UPDATE") else OMIT
        for col, old, mine, new in clashes:
            self._record("update", table, guid, col, old, mine, new)
        if self.remote_wins:
            return REPLACE
        if take:
            self.partials.append((table, guid, take))
        return OMIT

    def _compare(self, table: str, op: str, change) -> tuple[list[tuple], dict]:
        """Field by field against the row here: the clashes (column, base, mine, theirs), and the
        values to take (changed there, unchanged here since the base)."""
        current, theirs = change.conflict, change.new
        base = change.old if op == "UPDATE" else None
        clashes, take = [], {}
        for i, col in enumerate(self.proj.columns(table)):
            if col in ("guid", "owner"):
                continue
            new = theirs[i]
            if new is apsw.no_change or current[i] == new:
                continue
            old = base[i] if base is not None else apsw.no_change
            if old is not apsw.no_change and current[i] == old:
                take[col] = new
            elif base is None and current[i] is None:
                # Both sides made the row (a township set up before the county's starting
                # package: its county area without a code); a blank here is filled, not
                # overwritten, and waits for no one's review.
                take[col] = new
            else:
                clashes.append((col, old, current[i], new))
        return clashes, take

    def finish(self) -> None:
        for table, guid, values in self.partials:
            sets = ", ".join(f'"{c}" = ?' for c in values)
            self.proj.conn.execute(f'UPDATE "{table}" SET {sets} WHERE guid = ?', (*values.values(), guid))


class _Writer:
    """Writes a changeset of projection rows into the ledger by guid."""

    def __init__(self, db, proj: Projection, merger: _Merger):
        self.db, self.proj, self.merger = db, proj, merger
        tree = AreaTree.load(db)
        self.area_ids = {path: area_id for area_id, path in tree.path.items()}
        self.ids: dict[str, dict[str, int]] = {}
        self.written = 0

    def area_id(self, path: str | None) -> int | None:
        if path is None:
            return None
        if path not in self.area_ids:
            row = self.proj.conn.execute("SELECT name, level, parent_id, code, sort_order FROM areas WHERE guid = ?",
                                         (path,)).fetchone()
            if row is None:
                return None
            name, lvl, parent, code, order = row
            parent_id = self.area_id(parent)
            self.area_ids[path] = self.db.execute(
                "INSERT INTO areas(name, level, parent_id, code, sort_order) VALUES (?, ?, ?, ?, ?)",
                [name, lvl, parent_id, code, order]).lastrowid
        return self.area_ids[path]

    def ref_id(self, table: str, guid: str | None) -> int | None:
        if guid is None:
            return None
        if table == AREAS:
            return self.area_id(guid)
        cache = self.ids.setdefault(table, {})
        if guid not in cache:
            row = self.db.execute(f'SELECT rowid FROM "{table}" WHERE guid = ?', [guid]).fetchone()
            if row is None:
                return None
            cache[guid] = row[0]
        return cache[guid]

    def _values(self, table: str, pairs: dict) -> dict:
        spec = self.proj.by_name[table]
        return {c: (self.ref_id(spec.refs[c], v) if c in spec.refs else v) for c, v in pairs.items()}

    def apply(self, changeset: bytes) -> None:
        """Write ``changeset`` (:meth:`Projection.diff_from`): inserts and updates parents before
        children, deletes children before parents. The changeset holds its tables in the
        projection's order, areas first, then parents before children (``EXCHANGED``), so each
        table is written as its changes end and only one table's rows are held at a time: all
        of a 5,240-household township's starting package held at once took 100 MiB."""
        order = [AREAS, *(t for t in EXCHANGED if t in self.proj.by_name)]
        deletes: dict[str, list] = {}
        table, changes = None, {}
        for change in apsw.Changeset.iter(changeset):
            if change.name != table:
                self._write_table(table, changes)
                if table is not None and order.index(change.name) <= order.index(table):
                    raise RuntimeError(f"交换变更的表顺序不对：{table} 之后是 {change.name}")  # rolled back whole
                table, changes = change.name, {}
            old = tuple(change.old) if change.old is not None else None
            if change.op == "DELETE":
                deletes.setdefault(table, []).append(old)
            else:
                changes.setdefault(change.op, []).append((old, tuple(change.new)))
        self._write_table(table, changes)
        for table in reversed(EXCHANGED):
            for old in deletes.get(table, []):
                self._run(table, old[0], "delete", f'DELETE FROM "{table}" WHERE guid = ?', [old[0]], None)

    def _write_table(self, table: str | None, changes: dict[str, list]) -> None:
        """One table's inserts, then its updates (``changes`` by operation)."""
        if table == AREAS:
            self._apply_areas(changes)
        elif table is not None and table in self.proj.by_name:
            self._insert(table, changes.get("INSERT", []))
            self._update(table, changes.get("UPDATE", []))

    def _apply_areas(self, changes: dict) -> None:
        """New areas are made (with their parents); of a changed one only code and order follow."""
        for _old, new in changes.get("INSERT", []):
            self.area_id(new[0])
        for old, new in changes.get("UPDATE", []):
            cols = dict(zip(self.proj.columns(AREAS), new, strict=True))
            area_id = self.area_id(old[0])
            for col in ("code", "sort_order"):
                if cols[col] is not apsw.no_change and area_id is not None:
                    self.db.execute(f"UPDATE areas SET {col} = ? WHERE id = ?", [cols[col], area_id])

    def _insert(self, table: str, inserts: list) -> None:
        names = self.proj.columns(table)
        for _old, new in inserts:
            row = dict(zip(names, new, strict=True))
            values = self._values(table, {c: row[c] for c in names[2:]})
            cols = ", ".join(f'"{c}"' for c in ["guid", *values])
            self._run(table, row["guid"], "insert", f'INSERT INTO "{table}"({cols}) VALUES '
                      f'({", ".join("?" * (len(values) + 1))})', [row["guid"], *values.values()], new)

    def _update(self, table: str, updates: list) -> None:
        names = self.proj.columns(table)
        for old, new in updates:
            pairs = {c: v for c, v in zip(names, new, strict=True)
                     if v is not apsw.no_change and c not in ("guid", "owner")}
            if not pairs:
                continue
            values = self._values(table, pairs)
            sets = ", ".join(f'"{c}" = ?' for c in values)
            self._run(table, old[0], "update", f'UPDATE "{table}" SET {sets}, '
                      "updated_at = strftime('%Y-%m-%dT%H:%M:%S','now','localtime') WHERE guid = ?",
                      [*values.values(), old[0]], new)

    def _run(self, table: str, guid: str, what: str, sql: str, params: list, values) -> None:
        try:
            cursor = self.db.execute(sql, params)
            self.written += cursor.rowcount
            if what == "insert":  # its children look it up next
                self.ids.setdefault(table, {})[guid] = cursor.lastrowid
        except crypto.database_errors() as exc:  # a clash with a row outside the slice, a missing parent
            self.merger.skip.add((table, guid))
            self.merger._record("insert" if what == "insert" else "update", table, guid, None, None, str(exc),  # noqa: SLF001
                                self.merger._row_json(table, values))  # noqa: SLF001
            self.merger.conflicts[-1]["kept"] = "local"


def _apply_known(proj: Projection, image: bytes | None, changeset: bytes, skip: set) -> bytes:
    conn = apsw.Connection(":memory:")
    if image is None:
        for statement in schema_sql(proj.specs):
            conn.execute(statement)
    else:
        conn.deserialize("main", image)
    apsw.Changeset.apply(
        changeset, conn, filter_change=lambda c: (c.name, _guid(c)) not in skip,
        conflict=lambda reason, _c: REPLACE if reason in (apsw.SQLITE_CHANGESET_DATA,
                                                          apsw.SQLITE_CHANGESET_CONFLICT) else OMIT)
    return conn.serialize("main")


def _check_schema(header: dict) -> None:
    known = known_migration_names()
    newer = [m for m in header.get("schema", []) if m not in known]
    if newer:
        raise ExchangeRefused(f"此交换包由更新版本的稳岗台账生成（数据结构 {'、'.join(newer)}），本机程序较旧，"
                              "无法导入。请先升级本机的稳岗台账再导入；数据未作任何改动")
    older = [m for m in known if m not in header.get("schema", [])]
    if older:
        raise ExchangeRefused(f"此交换包由较旧版本的稳岗台账生成（缺少数据结构 {'、'.join(older)}），"
                              f"请“{header.get('sender')}”升级稳岗台账后重新导出；数据未作任何改动")


def read_package(path: Path) -> pkgfile.Package:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ExchangeRefused(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    try:
        return pkgfile.parse(data)
    except pkgfile.PackageError as exc:
        raise ExchangeRefused(str(exc)) from exc


def import_package(db: sqlite_utils.Database, path: Path, progress: Progress | None = None) -> ImportResult:
    """Verify and apply a package, or raise :class:`ExchangeRefused` having changed nothing.

    ``progress`` may raise to stop: the one transaction rolls back and nothing is changed."""
    _step(progress, 0, IMPORT_STEPS, f"正在核对 {Path(path).name}")
    package = read_package(path)
    header = package.header
    _check_schema(header)
    kind, seq, sender, role = header["kind"], int(header["seq"]), header["sender"], header["role"]
    started = False
    if role == "county":
        mine = get_setting(db, TOWNSHIP_SETTING)
        if not mine:
            # A new township: an empty database, or one set up as a township (wengang setup
            # --level township) whose caseworker typed data before the first exchange.
            fresh = _is_empty(db) or get_setting(db, LEVEL_SETTING) == "township"
            if not fresh:
                raise ExchangeRefused(f"这是“{sender}”发给乡镇的包，本机是县级台账，不能导入")
            if kind != "base":
                raise ExchangeRefused("本机还不是乡镇台账：只能先导入县里生成的起始包（县里在“数据交换”中点"
                                      "“给所选乡镇生成起始包…”，或用 wengang exchange base）")
            started = True
        elif header["township"] != mine:
            raise ExchangeRefused(f"此包是发给“{header['township']}”的，本机是“{mine}”，不能导入")
        elif sender != get_setting(db, COUNTY_SETTING):
            raise ExchangeRefused(f"此包来自“{sender}”，本乡镇交换的县是“{get_setting(db, COUNTY_SETTING)}”")
        township = header["township"]
    else:
        if level(db) != "county":
            raise ExchangeRefused(f"这是“{sender}”发给县里的包，本机是乡镇台账，不能导入")
        if header.get("to") != county_name(db):
            raise ExchangeRefused(f"此包是发给“{header.get('to')}”的，本机是“{county_name(db)}”，不能导入")
        if not db.execute("SELECT 1 FROM areas WHERE level = 'township' AND name = ?", [sender]).fetchone():
            raise ExchangeRefused(f"本县没有名为“{sender}”的乡镇，不能导入它的包")
        if _partner(db, sender) is None:
            raise ExchangeRefused(f"还没有给“{sender}”生成过起始包，不能导入它的包"
                                  f"（先在“数据交换”中给它生成起始包，或 wengang exchange base --township {sender}）")
        township = sender
    try:
        signing.verify_from(db, sender, package.public_key, package.header_bytes, package.signature)
    except signing.SignatureError as exc:
        raise ExchangeRefused(f"{exc}；数据未作任何改动") from exc
    row = _partner(db, sender)
    received = row["received_seq"] if row else 0
    if seq <= received:
        done = db.execute("SELECT at FROM exchange_packages WHERE direction = 'in' AND partner = ? AND sha256 = ?",
                          [sender, package.sha256]).fetchone()
        if done:
            raise ExchangeRefused(f"“{sender}”第{seq}号包已于{done[0][:16].replace('T', ' ')}导入过，本次未作任何改动")
        raise ExchangeRefused(f"“{sender}”第{seq}号包早于已导入的第{received}号包，已拒收，数据未作任何改动")
    if kind != "base" and seq > received + 1:
        missing = f"第{received + 1}号" if seq == received + 2 else f"第{received + 1}至{seq - 1}号"
        raise ExchangeRefused(f"缺少“{sender}”的{missing}包：请先导入{missing}包，再导入第{seq}号包；数据未作任何改动")
    return _apply(db, package, township, started, Path(path).name, progress)


def _apply(db, package: pkgfile.Package, township: str, started: bool, file_name: str,
           progress: Progress | None = None) -> ImportResult:
    header = package.header
    sender, kind, seq = header["sender"], header["kind"], int(header["seq"])
    changeset = package.changeset
    result = ImportResult(sender, kind, seq, changes=_count(changeset), started=started)
    # One transaction from here to the end: the projection is read inside it (the same
    # connection sees its own re-keyed rows), and a kill anywhere leaves the database as it was.
    with db.atomic():
        return _apply_in_transaction(db, package, township, started, file_name, result, progress)


def _apply_in_transaction(db, package, township: str, started: bool, file_name: str,
                          result: ImportResult, progress: Progress | None = None) -> ImportResult:
    header = package.header
    sender, kind, seq = header["sender"], header["kind"], int(header["seq"])
    changeset = package.changeset
    from_county = header["role"] == "county"
    if started:
        _start_township(db, header)
    if kind == "base":
        with audit.audit_reason(db, f"数据交换：按“{sender}”的起始包统一记录编号"):
            _rekey(db, changeset)
    _step(progress, 1, IMPORT_STEPS, f"正在读取本机“{township}”的数据")
    proj = Projection(db, township)
    before = proj.image()
    _step(progress, 2, IMPORT_STEPS, f"正在合并“{sender}”的{result.changes:,}处修改")
    merger = _Merger(db, proj, remote_wins=from_county, township=None if from_county else township)
    apsw.Changeset.apply(changeset, proj.conn, filter_change=merger.filter, conflict=merger.conflict)
    merger.finish()
    proj.attach("before", before)
    effective = proj.diff_from("before")
    proj.detach("before")
    row = _partner(db, sender)
    label = f"{sender}第{seq}号交换包"
    _step(progress, 3, IMPORT_STEPS, "正在写入台账")
    with db.atomic():
        batch_id = db.execute("INSERT INTO import_batches(kind, file_name, user) VALUES ('数据交换', ?, ?)",
                              [file_name, audit.audit_context(db)["user"]]).lastrowid
        writer = _Writer(db, proj, merger)
        with audit.audit_batch(db, batch_id), audit.audit_reason(db, f"数据交换：导入{label}"):
            writer.apply(effective)
        _step(progress, 4, IMPORT_STEPS, "正在记录交换情况")
        known = _apply_known(proj, None if kind == "base" else _known_image(row), changeset, merger.skip)
        db.execute("INSERT INTO exchange_partners(partner, role) VALUES (?, ?) ON CONFLICT(partner) DO NOTHING",
                   [sender, header["role"]])
        db.execute("UPDATE exchange_partners SET received_seq = ?, known_image = ?, last_received_at = ? "
                   "WHERE partner = ?", [seq, zlib.compress(known, 6), _now(), sender])
        for c in header.get("conflicts") or []:  # clashes the township met, for the county to review
            merger.conflicts.append({**c, "local_value": c["remote_value"], "remote_value": c["local_value"],
                                     "kept": "local", "status": "open"})
        open_conflicts = sum(1 for c in merger.conflicts if c["status"] == "open")
        package_id = db.execute(
            "INSERT INTO exchange_packages(direction, partner, kind, seq, sha256, file_name, changes, applied, "
            "refused, conflicts, batch_id) VALUES ('in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sender, kind, seq, package.sha256, file_name, result.changes, writer.written, merger.refused,
             open_conflicts, batch_id]).lastrowid
        for conflict in merger.conflicts:
            conflict_label = conflict.get("label") or _label(db, proj, conflict["table_name"], conflict["guid"])
            db.execute("INSERT INTO exchange_conflicts(package_id, partner, kind, table_name, guid, field, base_value, "
                       "local_value, remote_value, kept, label, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [package_id, sender, conflict["kind"], conflict["table_name"], conflict["guid"],
                        conflict["field"], conflict["base_value"], conflict["local_value"], conflict["remote_value"],
                        conflict["kept"], conflict_label, conflict["status"]])
        db.execute("UPDATE import_batches SET finished_at = ?, rows = ?, changed = ?, status = 'done' WHERE id = ?",
                   [_now(), result.changes, writer.written, batch_id])
    result.applied, result.refused, result.conflicts = writer.written, merger.refused, open_conflicts
    result.batch_id, result.package_id = batch_id, package_id
    return result


def _rekey(db, changeset: bytes) -> int:
    """Before a starting package: rows typed here that are the same records as the package's
    (same 户编号, 证件号码, person and date …) take the package's guid, once, so they merge
    instead of clashing. Their dependants stay attached (they refer by row id)."""
    specs = {s.name: s for s in Projection.specs_of(db)}
    inserts = _inserts_into_typed(db, changeset, specs)
    if not inserts:
        return 0
    areas = {p: i for i, p in AreaTree.load(db).path.items()}
    count = 0
    for table in EXCHANGED:
        spec = specs.get(table)
        for new in inserts.get(table, []):
            row = dict(zip(spec.all_columns, new, strict=True))
            if db.execute(f'SELECT 1 FROM "{table}" WHERE guid = ?', [row["guid"]]).fetchone():
                continue
            # A table without a natural key (subsidies) matches on every column.
            for unique in spec.uniques or [tuple(spec.columns)]:
                values = [areas.get(row[c]) if spec.refs.get(c) == AREAS else _to_local(db, spec.refs, c, row[c])
                          for c in unique]
                if spec.uniques and any(v is None for v in values):
                    continue
                where = " AND ".join(f'"{c}" IS ?' for c in unique)
                hit = db.execute(f'SELECT guid FROM "{table}" WHERE {where}', values).fetchone()
                if hit:
                    db.execute(f'UPDATE "{table}" SET guid = ? WHERE guid = ?', [row["guid"], hit[0]])
                    count += 1
                    break
    return count


def _inserts_into_typed(db, changeset: bytes, specs: dict) -> dict[str, list[tuple]]:
    """The package's new rows (by table) of the tables holding rows typed here: only they can
    match. A township set up and started from the package at once (the usual start) has none,
    and its 115,663 rows (a 5,240-household township) were held and each looked up twice for
    nothing (0.8 s, 90 MiB)."""
    typed = {name for name in specs if db.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()}
    inserts: dict[str, list[tuple]] = {}
    if typed:
        for change in apsw.Changeset.iter(changeset):
            if change.op == "INSERT" and change.name in typed:
                inserts.setdefault(change.name, []).append(tuple(change.new))
    return inserts


def _start_township(db, header: dict) -> None:
    set_setting(db, LEVEL_SETTING, "township")
    set_setting(db, TOWNSHIP_SETTING, header["township"])
    set_setting(db, COUNTY_SETTING, header["sender"])
    for key, value in (header.get("settings") or {}).items():
        if value and not get_setting(db, key):
            set_setting(db, key, value)
    if not get_setting(db, "unit_name"):
        set_setting(db, "unit_name", township_unit_name(header["township"]))  # its forms' 填报单位


def _label(db, proj: Projection, table: str, guid: str) -> str:
    """The person (or household, or record) a conflict is about, in words."""
    label = audit.table_label(table)
    for source in (proj.conn, None):
        try:
            if table == "persons":
                row = _one(db, source, "SELECT name, id_number FROM persons WHERE guid = ?", guid)
                return f"{row[0]}（{row[1]}）" if row else label
            if table == "households":
                row = _one(db, source, "SELECT hh_no, head_name FROM households WHERE guid = ?", guid)
                return f"户{row[0]}（户主{row[1] or ''}）" if row else label
            spec = proj.by_name.get(table)
            if spec and "person_id" in spec.refs:
                ref = _one(db, source, f'SELECT person_id FROM "{table}" WHERE guid = ?', guid)
                if ref and source is proj.conn:
                    person = _one(db, source, "SELECT name FROM persons WHERE guid = ?", ref[0])
                    return f"{person[0]}的{label}" if person else label
                if ref:
                    person = db.execute("SELECT name FROM persons WHERE id = ?", [ref[0]]).fetchone()
                    return f"{person[0]}的{label}" if person else label
        except apsw.Error:
            continue
    return label


def _one(db, source, sql: str, value):
    if source is None:
        return db.execute(sql, [value]).fetchone()
    return source.execute(sql, (value,)).fetchone()


# --- review ---------------------------------------------------------------------------------------
@dataclass
class Conflict:
    id: int
    partner: str
    kind: str
    table_name: str
    guid: str
    field: str | None
    base: object
    local: object
    remote: object
    kept: str
    label: str
    status: str
    decision: str | None = None
    reason: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def table_label(self) -> str:
        return audit.table_label(self.table_name)

    @property
    def field_label(self) -> str:
        return audit.field_label(self.field) if self.field else "整条记录"

    @property
    def kind_label(self) -> str:
        return {"update": "双方都改了同一项", "delete": "一方删除、一方修改", "insert": "新增记录重复",
                "refused": "无权修改（非本乡镇记录），已拒收"}[self.kind]


def conflicts(db: sqlite_utils.Database, *, status: str | None = "open") -> list[Conflict]:
    sql = "SELECT * FROM exchange_conflicts" + (" WHERE status = ?" if status else "") + " ORDER BY id"
    out = []
    for r in db.query(sql, [status] if status else []):
        out.append(Conflict(r["id"], r["partner"], r["kind"], r["table_name"], r["guid"], r["field"],
                            json.loads(r["base_value"] or "null"), json.loads(r["local_value"] or "null"),
                            json.loads(r["remote_value"] or "null"), r["kept"], r["label"] or "", r["status"],
                            r["decision"], r["reason"]))
    return out


def decide(db: sqlite_utils.Database, conflict_id: int, choice: str, reason: str) -> None:
    """Settle a field conflict: ``choice`` 'local' or 'remote'. The value chosen is written (if it is
    not the one standing), the decision and reason go into the audit trail, and the next package
    carries the outcome to the other side."""
    if choice not in ("local", "remote"):
        raise ExchangeRefused("请选择保留本机的值或对方的值")
    if not (reason or "").strip():
        raise ExchangeRefused("请填写裁决理由")
    rows = list(db.query("SELECT * FROM exchange_conflicts WHERE id = ?", [conflict_id]))
    if not rows or rows[0]["status"] != "open":
        raise ExchangeRefused(f"没有待处理的第{conflict_id}号冲突")
    row = rows[0]
    with db.atomic(), audit.audit_reason(db, f"数据交换冲突裁决（{row['partner']}）：{reason.strip()}"):
        if row["kind"] == "insert":
            _settle_clash(db, row, choice)
        if row["kind"] == "update" and row["field"] and choice != row["kept"]:
            _write_chosen_value(db, row, choice)
        db.execute("UPDATE exchange_conflicts SET status = 'decided', decision = ?, reason = ?, decided_at = ?, "
                   "user = ? WHERE id = ?", [choice, reason.strip(), _now(), audit.audit_context(db)["user"],
                                             conflict_id])
        _audit_decision(db, row, choice, reason)


def _write_chosen_value(db, row: dict, choice: str) -> None:
    """The field of a field conflict set to the chosen side's value (a reference as a row id here)."""
    value = json.loads(row["remote_value"] if choice == "remote" else row["local_value"])
    refs = {fk.column: fk.other_table for fk in db[row["table_name"]].foreign_keys}
    value = _to_local(db, refs, row["field"], value)
    db.execute(f'UPDATE "{row["table_name"]}" SET "{row["field"]}" = ?, '
               "updated_at = strftime('%Y-%m-%dT%H:%M:%S','now','localtime') WHERE guid = ?",
               [value, row["guid"]])


def _audit_decision(db, row: dict, choice: str, reason: str) -> None:
    """The decision itself in the trail, even when the standing value was kept."""
    field = row["field"] or "记录"
    kept = row["remote_value" if choice == "remote" else "local_value"]
    db.execute("INSERT INTO audit_log(user, table_name, guid, action, old_json, new_json, reason) "
               "VALUES (?, ?, ?, 'update', ?, ?, ?)",
               [audit.audit_context(db)["user"], row["table_name"], row["guid"],
                json.dumps({field: json.loads(row["local_value"] or "null")}, ensure_ascii=False),
                json.dumps({field: json.loads(kept or "null")}, ensure_ascii=False),
                f"数据交换冲突裁决：保留{'对方' if choice == 'remote' else '本机'}的值。{reason.strip()}"])


def _to_local(db, refs: dict, column: str, value):
    """A projection value (guid, area path) as the ledger's own (row id)."""
    if column not in refs or value is None:
        return value
    if refs[column] == AREAS:
        return next((i for i, p in AreaTree.load(db).path.items() if p == value), None)
    hit = db.execute(f'SELECT rowid FROM "{refs[column]}" WHERE guid = ?', [value]).fetchone()
    return hit[0] if hit else None


def _settle_clash(db, row: dict, choice: str) -> None:
    """Two rows, one here and one there, that are the same record (same 证件号码, same person and
    date …): the local row takes the other side's guid (a one-time re-key, its own dependants
    stay attached) and the chosen side's values; the next package makes both sides one row."""
    table, remote_guid = row["table_name"], row["guid"]
    remote = json.loads(row["remote_value"] or "null") or {}
    if isinstance(remote, str):
        remote = json.loads(remote)
    spec = next((s for s in Projection.specs_of(db) if s.name == table), None)
    if spec is None:
        raise ExchangeRefused("这类记录不参与交换，无法裁决")
    local_guid = None
    for unique in spec.uniques:
        if all(c in remote for c in unique):
            where = " AND ".join(f'"{c}" IS ?' for c in unique)
            hit = db.execute(f'SELECT guid FROM "{table}" WHERE {where}',
                             [_to_local(db, spec.refs, c, remote[c]) for c in unique]).fetchone()
            if hit:
                local_guid = hit[0]
                break
    if local_guid is None:
        if choice == "remote":
            raise ExchangeRefused("本机已找不到与之重复的记录，可能已被修改或删除；请在对方的值基础上手工登记")
        return
    values = {c: _to_local(db, spec.refs, c, remote.get(c)) for c in spec.columns} if choice == "remote" else {}
    sets = ", ".join(["guid = ?", *(f'"{c}" = ?' for c in values)])
    db.execute(f'UPDATE "{table}" SET {sets} WHERE guid = ?', [remote_guid, *values.values(), local_guid])


# --- status ---------------------------------------------------------------------------------------
@dataclass
class PartnerStatus:
    partner: str
    role: str
    sent_seq: int
    received_seq: int
    last_sent_at: str | None
    last_received_at: str | None
    open_conflicts: int
    overdue: bool


def status(db: sqlite_utils.Database, today: dt.date | None = None) -> list[PartnerStatus]:
    """Partners with their sequence numbers; at the county every township, overdue when nothing came
    from it for more than a month."""
    today = today or dt.date.today()
    rows = {r["partner"]: r for r in db.query(
        "SELECT partner, role, sent_seq, received_seq, last_sent_at, last_received_at FROM exchange_partners")}
    if level(db) == "county":
        for name in township_names(db):
            rows.setdefault(name, {"partner": name, "role": "township", "sent_seq": 0, "received_seq": 0,
                                   "last_sent_at": None, "last_received_at": None})
    counts = dict(db.execute("SELECT partner, count(*) FROM exchange_conflicts WHERE status = 'open' "
                             "GROUP BY partner").fetchall())
    out = []
    for name, r in rows.items():
        last = r["last_received_at"]
        overdue = r["role"] == "township" and (
            last is None or (today - dt.date.fromisoformat(last[:10])).days > OVERDUE_DAYS)
        out.append(PartnerStatus(name, r["role"], r["sent_seq"], r["received_seq"], r["last_sent_at"], last,
                                 counts.get(name, 0), overdue))
    return out


def write_conflicts_xlsx(db: sqlite_utils.Database, out: Path, items: list[Conflict] | None = None) -> Path:
    """The conflicts for review, side by side, as an Excel sheet."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415

    items = conflicts(db) if items is None else items
    book = Workbook()
    sheet = book.active
    sheet.title = "交换冲突"
    headers = ["编号", "来自", "类型", "记录", "表", "项目", "原值（上次交换时）", "本机的值", "对方的值", "现在保留", "状态"]
    sheet.append(headers)
    for c in items:
        sheet.append([c.id, c.partner, c.kind_label, c.label, c.table_label, c.field_label, _show(c.base),
                      _show(c.local), _show(c.remote), "对方的值" if c.kept == "remote" else "本机的值",
                      {"open": "待裁决", "decided": "已裁决", "refused": "已拒收"}[c.status]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for col, width in zip("ABCDEFGHIJK", (6, 10, 18, 26, 12, 10, 16, 16, 16, 10, 8), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"
    from wengang.services.xlsx_stream import print_a4_landscape  # noqa: PLC0415 - openpyxl only when written

    print_a4_landscape(sheet, "1:1")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from wengang.services.xlsx_stream import save_workbook  # noqa: PLC0415 - atomic, no formulas

    save_workbook(book, out)
    return out


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "；".join(f"{audit.field_label(k)}：{v}" for k, v in value.items())
    if isinstance(value, str) and value.startswith("{"):
        try:
            return _show(json.loads(value))
        except ValueError:
            return value
    return str(value)




# --- inbox ----------------------------------------------------------------------------------------
def pending_inbox(db: sqlite_utils.Database, folder: Path) -> list[Path]:
    """Packages in ``folder`` (a shared network folder or a USB stick) addressed to this
    installation and not imported yet, in the order they must be imported (per sender, by number)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    me = my_area(db)
    done = {r[0] for r in db.execute("SELECT sha256 FROM exchange_packages WHERE direction = 'in'")}
    found = []
    for path in sorted(folder.glob("*.wgx")):
        try:
            package = pkgfile.parse(path.read_bytes())
        except (OSError, pkgfile.PackageError):
            continue
        header = package.header
        mine = header.get("to") == me or (header.get("role") == "county" and header.get("township") == me)
        if mine and package.sha256 not in done:
            found.append((header.get("sender", ""), int(header.get("seq", 0)), path))
    return [p for _s, _n, p in sorted(found)]
