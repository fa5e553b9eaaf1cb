"""The exchange view: a guid-keyed copy of a slice of the ledger, in memory, for SQLite's session extension.

Changesets are keyed by PRIMARY KEY, and integer ids of two installations collide. So the
exchange never diffs the ledger itself: it builds a *projection* — one table per exchanged
table, keyed by ``guid``, every foreign key written as the referenced row's guid (areas as
their path ``省/市/县/乡镇/村``), with an ``owner`` column naming the township the row belongs
to ('' for county-level rows such as a county's own workshops). Who/when columns (``id``,
``created_at``, ``updated_at``, ``batch_id``) are left out, so they are never compared.

The projection is read through the program's own connection (``sqlite3`` or ``sqlcipher3``)
and written into an in-memory apsw database: apsw never opens the ledger file, so two SQLite
libraries never hold the same file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import apsw
import sqlite_utils

from wengang.store.areas import areas_at_level

# Parents before children: inserts and updates run in this order, deletes in reverse.
EXCHANGED = ("relocation_sites", "organisations", "households", "persons", "employment_spells",
             "welfare_posts", "surveys", "services", "subsidies", "targets", "spot_checks")
AREAS = "areas"
SHARED = ("relocation_sites", "organisations")
SKIPPED_COLUMNS = {"id", "created_at", "updated_at", "batch_id"}
# Which reference gives a row its owner, first one set wins.
OWNER_FROM = ("area_id", "household_id", "person_id", "spell_id", "org_id", "site_id")
AREA_COLUMNS = ("name", "level", "parent_id", "code", "sort_order")


@dataclass
class TableSpec:
    """How one ledger table looks in the projection."""

    name: str
    columns: list[str]                       # projection columns after guid and owner
    types: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)   # column -> referenced table (areas or exchanged)
    uniques: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def all_columns(self) -> list[str]:
        return ["guid", "owner", *self.columns]


def _unique_keys(db: sqlite_utils.Database, name: str, cols: list, refs: dict[str, str]) -> list[tuple[str, ...]]:
    """The table's UNIQUE constraints that survive projection (none on a skipped column or guid),
    and a reference that is the primary key (welfare_posts.spell_id: one post per spell)."""
    uniques = []
    for index in db.execute(f'PRAGMA index_list("{name}")').fetchall():
        if index[2] and index[3] in ("u", "pk"):
            names = tuple(r[2] for r in db.execute(f'PRAGMA index_info("{index[1]}")').fetchall())
            if names and not set(names) & (SKIPPED_COLUMNS | {"guid"}):
                uniques.append(names)
    uniques += [(c.name,) for c in cols if c.is_pk and c.name in refs]
    return uniques


def _spec(db: sqlite_utils.Database, name: str) -> TableSpec:
    table = db[name]
    refs = {fk.column: fk.other_table for fk in table.foreign_keys
            if fk.other_table in EXCHANGED or fk.other_table == AREAS}
    cols = [c for c in table.columns if c.name not in SKIPPED_COLUMNS and c.name != "guid"]
    return TableSpec(name, [c.name for c in cols], {c.name: ("TEXT" if c.name in refs else c.type) for c in cols},
                     refs, _unique_keys(db, name, cols, refs))


def _specs(db: sqlite_utils.Database) -> list[TableSpec]:
    return [_spec(db, name) for name in EXCHANGED if db[name].exists()]


def schema_sql(specs: list[TableSpec], schema: str = "main") -> list[str]:
    """CREATE TABLE statements of the projection (same declared types, so values keep their kind)."""
    out = [f'CREATE TABLE "{schema}".areas (guid TEXT PRIMARY KEY, owner TEXT, name, level, parent_id, code, sort_order)']
    for spec in specs:
        cols = ", ".join(f'"{c}" {spec.types[c]}' for c in spec.columns)
        uniq = "".join(f", UNIQUE ({', '.join(chr(34) + c + chr(34) for c in u)})" for u in spec.uniques)
        out.append(f'CREATE TABLE "{schema}"."{spec.name}" (guid TEXT PRIMARY KEY, owner TEXT, {cols}{uniq})')
    return out


@dataclass
class AreaTree:
    """Areas by id: their path (the guid of an area in the projection) and township."""

    rows: dict[int, tuple]           # id -> (name, level, parent_id, code, sort_order)
    path: dict[int, str]
    township: dict[int, str]          # '' above township level

    @classmethod
    def load(cls, db: sqlite_utils.Database) -> AreaTree:
        rows = {r[0]: r[1:] for r in db.execute(
            "SELECT id, name, level, parent_id, code, sort_order FROM areas").fetchall()}
        path: dict[int, str] = {}
        township: dict[int, str] = {}

        def resolve(area_id: int) -> None:
            if area_id in path:
                return
            name, level, parent, *_ = rows[area_id]
            if parent is not None and parent in rows:
                resolve(parent)
                path[area_id] = path[parent] + "/" + name
                township[area_id] = name if level == "township" else township[parent]
            else:
                path[area_id] = name
                township[area_id] = name if level == "township" else ""

        for area_id in rows:
            resolve(area_id)
        return cls(rows, path, township)


def township_names(db: sqlite_utils.Database) -> list[str]:
    return [area["name"] for area in areas_at_level(db, "township")]


def _row_owners(db, spec: TableSpec, owners: dict) -> dict[int, str]:
    """Each row's owner (township name, '' county-wide) by rowid: the owner of the first set
    reference in OWNER_FROM's order."""
    owner_cols = [c for c in OWNER_FROM if c in spec.refs]
    owner_maps = [owners.get(spec.refs[c], {}) for c in owner_cols]
    quoted = ", ".join(f'"{c}"' for c in owner_cols)
    mine_owners: dict[int, str] = {}
    for row in db.execute(f'SELECT rowid{", " + quoted if quoted else ""} FROM "{spec.name}"'):
        owner = ""
        for ref, owner_map in zip(row[1:], owner_maps, strict=True):
            if ref is not None:
                owner = owner_map.get(ref, "")
                break
        mine_owners[row[0]] = owner
    return mine_owners


class Projection:
    """An in-memory apsw database holding the projection of ``township``'s slice (None: everything)."""

    def __init__(self, db: sqlite_utils.Database, township: str | None):
        self.township = township
        self.specs = _specs(db)
        self.by_name = {s.name: s for s in self.specs}
        self.conn = apsw.Connection(":memory:")
        for statement in schema_sql(self.specs):
            self.conn.execute(statement)
        self._fill(db)

    @staticmethod
    def specs_of(db: sqlite_utils.Database) -> list[TableSpec]:
        return _specs(db)

    def _fill(self, db: sqlite_utils.Database) -> None:
        tree = AreaTree.load(db)
        guids: dict[str, dict[int, str]] = {}
        owners: dict[str, dict[int, str]] = {AREAS: tree.township}
        with self.conn:
            area_rows = []
            # Workshops, enterprises and relocation sites are county-wide reference rows: every
            # slice has them all (and their areas), so a township's people can point at any of them.
            wanted = set()
            for ref_table in SHARED:
                if db[ref_table].exists():
                    for (area_id,) in db.execute(f'SELECT DISTINCT area_id FROM "{ref_table}" WHERE area_id IS NOT NULL'):
                        while area_id is not None and area_id in tree.rows and area_id not in wanted:
                            wanted.add(area_id)
                            area_id = tree.rows[area_id][2]
            for area_id, (name, level, parent, code, order) in tree.rows.items():
                owner = tree.township[area_id]
                # Areas above the township (province … county) belong to every slice.
                if self.township is None or owner in (self.township, "") or area_id in wanted:
                    area_rows.append((tree.path[area_id], owner, name, level,
                                      tree.path.get(parent) if parent is not None else None, code, order))
            self.conn.executemany("INSERT INTO areas VALUES (?, ?, ?, ?, ?, ?, ?)", area_rows)
            for spec in self.specs:
                rows, guids[spec.name], owners[spec.name] = self._table_rows(db, spec, tree, guids, owners)
                marks = ", ".join("?" * (len(spec.columns) + 2))
                self.conn.executemany(f'INSERT INTO "{spec.name}" VALUES ({marks})', rows)

    def _table_rows(self, db, spec: TableSpec, tree: AreaTree, guids: dict, owners: dict):
        """The projection rows of one table, and its rows' guids and owners by rowid.

        Owners come from a narrow first pass over every row (rowid and the owner reference);
        full rows are read only for the slice, so a township's slice costs its own size."""
        mine_owners = _row_owners(db, spec, owners)
        select = f'SELECT rowid, guid, {", ".join(chr(34) + c + chr(34) for c in spec.columns)} FROM "{spec.name}"'
        params: list = []
        if self.township is not None and spec.name not in SHARED:
            wanted = [i for i, o in mine_owners.items() if o in (self.township, "")]
            select += " WHERE rowid IN (SELECT value FROM json_each(?))"
            params = [json.dumps(wanted)]
        # References become the referenced row's guid (an area's: its path).
        converters = []
        for col in spec.columns:
            target = spec.refs.get(col)
            converters.append(None if target is None else (tree.path if target == AREAS else guids.get(target, {})))
        mine_guids: dict[int, str] = {}
        rows = []
        for row in db.execute(select, params):
            mine_guids[row[0]] = row[1]
            out = [row[1], mine_owners[row[0]]]
            for value, convert in zip(row[2:], converters, strict=True):
                out.append(value if convert is None or value is None else convert.get(value))
            rows.append(out)
        return rows, mine_guids, mine_owners

    # --- images -------------------------------------------------------------------------------
    def image(self) -> bytes:
        return self.conn.serialize("main")

    def attach(self, schema: str, image: bytes | None) -> None:
        """Attach ``image`` (a projection image, or an empty projection when None) as ``schema``."""
        self.conn.execute(f"ATTACH ':memory:' AS \"{schema}\"")
        if image is None:
            for statement in schema_sql(self.specs, schema):
                self.conn.execute(statement)
        else:
            self.conn.deserialize(schema, image)

    def detach(self, schema: str) -> None:
        self.conn.execute(f'DETACH "{schema}"')

    def table_names(self) -> list[str]:
        return [AREAS, *(s.name for s in self.specs)]

    def columns(self, table: str) -> list[str]:
        return ["guid", "owner", *AREA_COLUMNS] if table == AREAS else self.by_name[table].all_columns

    def diff_from(self, schema: str) -> bytes:
        """The changeset that turns the attached ``schema`` into this projection (sqlite3session_diff)."""
        session = apsw.Session(self.conn, "main")
        for table in self.table_names():
            session.attach(table)
            session.diff(schema, table)
        changeset = session.changeset()
        session.close()
        return changeset

    def owner_of(self, table: str, guid: str) -> str | None:
        row = self.conn.execute(f'SELECT owner FROM "{table}" WHERE guid = ?', (guid,)).fetchone()
        return row[0] if row else None
