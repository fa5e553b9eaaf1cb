"""The area tree (省 → 市 → 县 → 乡镇 → 村 → 组) and the installation's own place.

An installation knows its own 省/市/县 (settings ``province``, ``city``, ``county``): recent
exports name only the county, and 就业地域 cannot be derived without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from wengang.store.city import own_township
from wengang.store.db import get_setting, set_setting

LEVELS = ("province", "city", "county", "township", "village", "group")
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县（市、区）", "township": "乡镇（街道）",
                "village": "行政村（社区）", "group": "组"}


@dataclass(frozen=True)
class Installation:
    """Where this database lives: its 省/市/县 names and the 填报单位."""

    province: str | None
    city: str | None
    county: str | None
    unit_name: str | None

    @property
    def configured(self) -> bool:
        return bool(self.province and self.county)


AREA_SUBTREE = ("(WITH RECURSIVE sub(id) AS (SELECT :area_id UNION ALL "
                "SELECT a.id FROM areas a JOIN sub ON a.parent_id = sub.id) SELECT id FROM sub)")
"""The ids of area ``:area_id`` and every area under it, as a sub-select (``x IN AREA_SUBTREE``)."""

AREA_TOWNSHIP = """area_township(area_id, township_id) AS (
    SELECT id, id FROM areas WHERE level = 'township'
    UNION ALL
    SELECT a.id, tw.township_id FROM areas a JOIN area_township tw ON a.parent_id = tw.area_id
)"""
"""Every area at or below township level with the township above it (villages and groups walk
up), as a common table expression: ``WITH RECURSIVE {AREA_TOWNSHIP} … JOIN area_township tw ON
tw.area_id = h.area_id``."""

# 乡镇 and 村 names (and sort keys) for any area a household may hang on: a village, a group (组)
# under a village, or — for sparse data — a township itself.
AREA_PLACE = """area_place AS (
    SELECT a.id AS area_id,
        CASE a.level WHEN 'group' THEN p1.name WHEN 'village' THEN a.name END AS village,
        CASE a.level WHEN 'group' THEN p2.name WHEN 'village' THEN p1.name
                     WHEN 'township' THEN a.name END AS township,
        CASE a.level WHEN 'group' THEN p2.sort_order * 1000000 + p2.id
                     WHEN 'village' THEN p1.sort_order * 1000000 + p1.id
                     ELSE a.sort_order * 1000000 + a.id END AS township_order,
        CASE a.level WHEN 'group' THEN p1.sort_order * 1000000 + p1.id
                     ELSE a.sort_order * 1000000 + a.id END AS village_order
    FROM areas a
    LEFT JOIN areas p1 ON p1.id = a.parent_id
    LEFT JOIN areas p2 ON p2.id = p1.parent_id
)"""
"""Each area's 村 and 乡镇 names and their sort keys (a 组 takes its village's, a village its
township's), as a common table expression ``area_place(area_id, village, township,
township_order, village_order)``: the ledgers sort and label their rows by it."""

VILLAGE_IN_TOWNSHIP = "t.id = v.parent_id"
"""Area ``v`` lies directly in area ``t``: the join condition of a village and its township."""


def household_village(area_column: str, *, village_join: str = "LEFT JOIN") -> str:
    """Joins ``v``, the village of the area ``area_column`` names: the area itself, or the
    village above it when the household is filed under a 组."""
    # 组 is the sixth level of the national export's address; taking a 组 for the village showed
    # "三组" as 村 (and, one level up, the village as 乡镇).
    return (f"{village_join} areas hv ON hv.id = {area_column} "
            f"{village_join} areas v ON v.id = CASE WHEN hv.level = 'group' THEN hv.parent_id ELSE hv.id END")


def village_and_township(area_column: str, *, village_join: str = "LEFT JOIN") -> str:
    """:func:`household_village` ``v`` and ``t``, the township above that village, left-joined
    so a village without one keeps its rows."""
    return f"{household_village(area_column, village_join=village_join)} LEFT JOIN areas t ON {VILLAGE_IN_TOWNSHIP}"


def installation(db: sqlite_utils.Database) -> Installation:
    return Installation(
        get_setting(db, "province"), get_setting(db, "city"), get_setting(db, "county"),
        get_setting(db, "unit_name"),
    )


def default_unit_name(area: str) -> str:
    """The 填报单位 of an installation at ``area`` (县 or 市) until one is typed in 设置."""
    return f"{area}乡村振兴局"


def township_unit_name(township: str) -> str:
    """The 填报单位 of a township's own forms: its government."""
    return f"{township}人民政府"


def installation_area_id(db: sqlite_utils.Database) -> int | None:
    """A township installation's own township (its forms and bulletins are about it); None at a
    county or city."""
    township = own_township(db)
    if township is None:
        return None
    row = db.execute("SELECT id FROM areas WHERE level = 'township' AND name = ? ORDER BY id LIMIT 1",
                     [township]).fetchone()
    return row[0] if row else None


def default_grouping(db: sqlite_utils.Database, area_id: int | None = None) -> str:
    """The rows a form has when none are asked for: a township's villages when a township or
    village is picked (``area_id``), or none is picked at a township installation (its ledger
    holds one township: a form by township would have one row); else the townships."""
    if area_id is None:
        return "village" if own_township(db) else "township"
    row = db.execute("SELECT level FROM areas WHERE id = ?", [area_id]).fetchone()
    return "village" if row and row[0] in ("township", "village") else "township"


@dataclass(frozen=True)
class Heading:
    """What a printed form or ledger says it is from: the area its title names and its 填报单位
    ("" when unknown). ``settled``: 设置 names the installation's place; when not, ``area`` is
    the one county the data names (to be confirmed in 设置), or blank."""

    area: str
    unit_name: str
    settled: bool = True

    @property
    def note(self) -> str:
        """What to tell the user while 设置 names no place ("" once it does)."""
        if self.settled:
            return ""
        if self.area:
            return f"本单位所在省、县尚未设置：标题和填报单位暂按数据中的{self.area}填写，请到“设置”中核对"
        return "本单位所在省、县尚未设置，数据中也没有唯一的县：标题不写县名、填报单位留空，请到“设置”中填写"


def _data_counties(db: sqlite_utils.Database) -> list[str]:
    """The counties the area tree holds (imports make them from the rows' 县): one, or the
    first two of several."""
    return [r[0] for r in db.execute("SELECT DISTINCT name FROM areas WHERE level = 'county' ORDER BY name LIMIT 2")]


def heading(db: sqlite_utils.Database) -> Heading:
    """The installation's 县 (or 市) and 填报单位 (设置); when it names no place — a fresh data
    folder that imported a national export naming only its 县 — the one county the data
    names. Data naming several counties names none of them: a form to be stamped must not
    print another county's name, so title and 填报单位 stay blank until 设置 names them."""
    place = installation(db)
    township = own_township(db)  # a township's forms are titled with its own name
    if township:
        return Heading(township, place.unit_name or township_unit_name(township), bool(place.county))
    area = place.county or place.city
    settled = bool(area)
    if not settled:
        counties = _data_counties(db)
        area = counties[0] if len(counties) == 1 else None
    unit_name = place.unit_name or (default_unit_name(area) if area else "")
    return Heading(area or "", unit_name, settled)


def set_installation(db: sqlite_utils.Database, province: str, city: str | None, county: str,
                     unit_name: str | None = None) -> int:
    """Record the installation's place and make sure its county area exists; returns its id."""
    with db.atomic():
        set_setting(db, "province", province)
        set_setting(db, "city", city)
        set_setting(db, "county", county)
        set_setting(db, "unit_name", unit_name or default_unit_name(county))
        return ensure_path(db, [("county", county)])


class AreaCache:
    """Get-or-create areas by path, remembering ids (imports resolve thousands of rows)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._with_batch: bool | None = None
        self._next_order: dict[int | None, int] = {}  # parent → the sort_order its next new child gets
        self._ids: dict[tuple[int | None, str], int] = {}
        for row in db.execute("SELECT id, parent_id, name FROM areas"):
            self._ids[(row[1], row[2])] = row[0]

    def ensure(self, path: list[tuple[str, str]]) -> int:
        """``[("county","测试县"),("township","城关镇"),("village","城关6村")]`` → village id."""
        parent: int | None = None
        for level, name in path:
            key = (parent, name)
            area_id = self._ids.get(key)
            if area_id is None:
                area_id = self._create(name, level, parent)
                self._ids[key] = area_id
            parent = area_id
        assert parent is not None, "empty area path"
        return parent

    def _create(self, name: str, level: str, parent: int | None) -> int:
        """A new area: an import's carries its batch (undoing the import removes it); one made
        outside an import is written to the audit trail."""
        from wengang.store import audit  # noqa: PLC0415 - audit imports db only

        batch = audit.audit_context(self.db)["batch_id"] if self.db["audit_log"].exists() else None
        if self._with_batch is None:
            self._with_batch = "batch_id" in self.db["areas"].columns_dict
        order = self._order(parent)
        if batch is not None and batch > 0 and self._with_batch:
            return self.db.execute("INSERT INTO areas(name, level, parent_id, sort_order, batch_id) "
                                   "VALUES (?, ?, ?, ?, ?)", [name, level, parent, order, batch]).lastrowid
        area_id = self.db.execute("INSERT INTO areas(name, level, parent_id, sort_order) VALUES (?, ?, ?, ?)",
                                  [name, level, parent, order]).lastrowid
        if batch is None and self.db["audit_log"].exists():
            audit.record_event(self.db, "areas", "insert", {"名称": name, "级别": level}, row_id=area_id)
        return area_id

    def _order(self, parent: int | None) -> int:
        """The next new child of ``parent`` comes after its siblings: areas an import makes keep
        the order the file names them in (the national system's, by area code: 城关镇 first), not
        their names' character codes (三堡镇 before 城关镇) in the area tree, forms and lists."""
        if parent not in self._next_order:
            self._next_order[parent] = self.db.execute(
                "SELECT coalesce(max(sort_order), 0) + 1 FROM areas WHERE parent_id IS ?", [parent]).fetchone()[0]
        order = self._next_order[parent]
        self._next_order[parent] = order + 1
        return order

    def find(self, path: list[tuple[str, str]]) -> int | None:
        parent: int | None = None
        for _level, name in path:
            parent = self._ids.get((parent, name))
            if parent is None:
                return None
        return parent


def ensure_path(db: sqlite_utils.Database, path: list[tuple[str, str]]) -> int:
    return AreaCache(db).ensure(path)


def area_path(db: sqlite_utils.Database, area_id: int) -> list[dict]:
    """From the root down to ``area_id``: ``[{id, name, level}, …]``."""
    rows = db.execute(
        """WITH RECURSIVE up(id, name, level, parent_id, depth) AS (
               SELECT id, name, level, parent_id, 0 FROM areas WHERE id = ?
               UNION ALL
               SELECT a.id, a.name, a.level, a.parent_id, up.depth + 1
               FROM areas a JOIN up ON a.id = up.parent_id)
           SELECT id, name, level FROM up ORDER BY depth DESC""",
        [area_id],
    ).fetchall()
    return [{"id": r[0], "name": r[1], "level": r[2]} for r in rows]


AREA_ANCESTRY = ("area_ancestry(area_id, ancestor_id) AS (SELECT id, id FROM areas UNION ALL "
                 "SELECT u.area_id, a.parent_id FROM area_ancestry u JOIN areas a ON a.id = u.ancestor_id "
                 "WHERE a.parent_id IS NOT NULL)")
"""Every area paired with itself and with each area above it, as a common table expression
(``WITH RECURSIVE {AREA_ANCESTRY} …``): which row area of a table a fact's area falls under."""


def areas_at_level(db: sqlite_utils.Database, level: str) -> list[dict]:
    rows = db.execute(
        "SELECT id, name, parent_id FROM areas WHERE level = ? ORDER BY sort_order, id", [level]
    ).fetchall()
    return [{"id": r[0], "name": r[1], "parent_id": r[2]} for r in rows]
