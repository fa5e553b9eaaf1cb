"""Small answers the window and the command line ask for: an area by name, a person by
证件号码, the import history, the navigator's tree, whether targets are entered, ….

Each is one short query; keeping them here keeps SQL out of ``gui/`` and ``cli/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from wengang.store.areas import VILLAGE_IN_TOWNSHIP, village_and_township
from wengang.store.city import own_township


def settings_map(db: sqlite_utils.Database) -> dict[str, str]:
    """Every stored setting (本单位设置 and the program's own), key → value."""
    return dict(db.execute("SELECT key, value FROM settings").fetchall())


# --- areas and sites ------------------------------------------------------------------------------
def area_ids_named(db: sqlite_utils.Database, name: str) -> list[int]:
    """Every area called ``name`` (a name can repeat: two villages in two townships)."""
    return [r[0] for r in db.execute("SELECT id FROM areas WHERE name = ?", [name]).fetchall()]


def village_id(db: sqlite_utils.Database, township: str, village: str) -> int | None:
    """The id of ``village`` in ``township`` (village names repeat across townships)."""
    row = db.execute(f"SELECT v.id FROM areas v JOIN areas t ON {VILLAGE_IN_TOWNSHIP} WHERE t.name = ? AND v.name = ?",
                     [township, village]).fetchone()
    return row[0] if row else None


def area_name(db: sqlite_utils.Database, area_id: int) -> str | None:
    row = db.execute("SELECT name FROM areas WHERE id = ?", [area_id]).fetchone()
    return row[0] if row else None


def place_label(db: sqlite_utils.Database, area_id: int | None = None, site_id: int | None = None) -> str | None:
    """An area as a title names it: a village with its township (沙河镇永丰村: village names
    repeat), a township or county alone; or a 安置点 by name. None: neither given or found."""
    if site_id is not None:
        row = db.execute("SELECT name FROM relocation_sites WHERE id = ?", [site_id]).fetchone()
        return row[0] if row else None
    if area_id is None:
        return None
    row = db.execute(f"SELECT v.name, v.level, t.name FROM areas v LEFT JOIN areas t ON {VILLAGE_IN_TOWNSHIP} "
                     "WHERE v.id = ?", [area_id]).fetchone()
    if row is None:
        return None
    name, level, parent = row
    return f"{parent or ''}{name}" if level in ("village", "group") else name


def row_owners(db: sqlite_utils.Database, table: str, row_ids: list[int]) -> dict[int, tuple[str, int | None, int | None]]:
    """Whose each row of ``table`` is, as a message names it: row id → (李志平（证件号码 …）
    and for a spell its start, person id, household id); a household by 户编号 and 户主."""
    ids = json.dumps([int(i) for i in row_ids])
    if table == "households":
        return {r[0]: (f"户编号 {r[1]}（户主 {r[2] or '—'}）", None, r[0]) for r in db.execute(
            "SELECT id, hh_no, head_name FROM households WHERE id IN (SELECT value FROM json_each(?))", [ids])}
    if table == "persons":
        return {r[0]: (f"{r[1]}（证件号码 {r[2]}）", r[0], r[3]) for r in db.execute(
            "SELECT id, name, id_number, household_id FROM persons WHERE id IN (SELECT value FROM json_each(?))",
            [ids])}
    if "person_id" not in db[table].columns_dict:
        return {}
    start = ", x.start_date" if table == "employment_spells" else ", NULL"
    return {r[0]: (f"{r[1]}（证件号码 {r[2]}）" + (f"{r[5]}开始的务工记录" if r[5] else ""), r[3], r[4])
            for r in db.execute(f"SELECT x.id, p.name, p.id_number, p.id, p.household_id{start} FROM {table} x "
                                "JOIN persons p ON p.id = x.person_id WHERE x.id IN (SELECT value FROM json_each(?))",
                                [ids])}


def places_signature(db: sqlite_utils.Database) -> tuple:
    """Changes when an area or a 安置点 is added, removed or renamed (the navigator rebuilds then)."""
    return db.execute(
        "SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || "
        "coalesce(sum(length(name)), 0) FROM areas), "
        "(SELECT count(*) || ':' || coalesce(max(id), 0) FROM relocation_sites)").fetchone()


def open_findings(db: sqlite_utils.Database) -> int:
    """Data-quality findings not yet resolved."""
    return db.execute("SELECT count(*) FROM quality_findings WHERE resolved_at IS NULL").fetchone()[0]


def areas_at_levels(db: sqlite_utils.Database, levels: Iterable[str]) -> list[tuple[int, str, str, int | None]]:
    """(id, name, level, parent_id) of the areas at ``levels``, in their sort order."""
    levels = list(levels)
    marks = ",".join("?" * len(levels)) or "NULL"
    return db.execute(f"SELECT id, name, level, parent_id FROM areas WHERE level IN ({marks}) "
                      "ORDER BY sort_order, name", levels).fetchall()


def navigator_areas(db: sqlite_utils.Database, levels: Iterable[str]) -> list[tuple[int, str, str, int | None]]:
    """:func:`areas_at_levels` for the window's area tree: at a township installation only its
    own township's branch. (The county's package also brings the other townships' names, those
    of the 安置点 its people were moved to; a tree of a dozen empty townships misleads.)"""
    rows = areas_at_levels(db, levels)
    own = own_township(db)
    if own is None:
        return rows
    parent = {area_id: parent_id for area_id, _name, _level, parent_id in rows}
    others = {area_id for area_id, name, level, _parent in rows if level == "township" and name != own}

    def elsewhere(area_id: int | None) -> bool:
        while area_id is not None:
            if area_id in others:
                return True
            area_id = parent.get(area_id)
        return False

    return [row for row in rows if not elsewhere(row[0])]


def village_choices(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(id, "乡镇 / 村") of every village and group a household can be in, in the area tree's
    order (township by township as 地区 lists them); at a township installation its own only."""
    own = own_township(db)
    return db.execute(
        "SELECT v.id, coalesce(t.name || ' / ', '') || v.name FROM areas v "
        f"LEFT JOIN areas t ON {VILLAGE_IN_TOWNSHIP} WHERE v.level IN ('village', 'group') "
        "AND (:own IS NULL OR t.name = :own) "
        "ORDER BY t.sort_order, t.name, v.sort_order, v.name", {"own": own}).fetchall()


def relocation_sites(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(id, name) of every 安置点, by name."""
    return db.execute("SELECT id, name FROM relocation_sites ORDER BY name").fetchall()


def site_id_named(db: sqlite_utils.Database, name: str) -> int | None:
    """The id of the 安置点 called ``name``."""
    row = db.execute("SELECT id FROM relocation_sites WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def township_counts(db: sqlite_utils.Database) -> list[tuple[str, int, int]]:
    """(乡镇, households, persons) per township, in the townships' order."""
    return db.execute(
        f"""SELECT t.name, COUNT(DISTINCT h.id), COUNT(p.id)
           FROM areas t
           JOIN areas v ON {VILLAGE_IN_TOWNSHIP}
           JOIN households h ON h.area_id = v.id
           LEFT JOIN persons p ON p.household_id = h.id
           WHERE t.level = 'township'
           GROUP BY t.id ORDER BY t.sort_order, t.id""").fetchall()


# --- persons and households -----------------------------------------------------------------------
def has_persons(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT EXISTS (SELECT 1 FROM persons)").fetchone()[0] == 1


def person_id_by_number(db: sqlite_utils.Database, number: str) -> int | None:
    """The person with 证件号码 ``number`` or with the national system's 人员编号 ``number``."""
    row = db.execute("SELECT id FROM persons WHERE id_number = ? OR person_no = ?",
                     [number.strip().upper(), number.strip()]).fetchone()
    return row[0] if row else None


def person_id_by_id_number(db: sqlite_utils.Database, id_number: str) -> int | None:
    """The person with exactly this 证件号码 (a masked one matches nobody)."""
    row = db.execute("SELECT id FROM persons WHERE id_number = ?", [id_number]).fetchone()
    return row[0] if row else None


def household_of(db: sqlite_utils.Database, person_id: int) -> int | None:
    row = db.execute("SELECT household_id FROM persons WHERE id = ?", [person_id]).fetchone()
    return row[0] if row else None


def household_heading(db: sqlite_utils.Database, household_id: int | None) -> tuple[str, str | None] | None:
    """(户编号, 户主) of the household, None when there is none."""
    row = db.execute("SELECT hh_no, head_name FROM households WHERE id = ?", [household_id]).fetchone()
    return (row[0], row[1]) if row else None


def record(db: sqlite_utils.Database, table: str, record_id: int) -> dict:
    """One row of ``table`` (a registry table: persons, households, employment_spells …) as a
    dict; empty when it is gone."""
    if table not in db.table_names():
        raise ValueError(f"unknown table {table!r}")
    cur = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [record_id])
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row)) if row else {}


def persons_listing(db: sqlite_utils.Database, person_ids: list[int]) -> list[tuple]:
    """(姓名, 证件号码, 乡镇, 村, 户编号) of ``person_ids`` by township, village and entry order.
    The ids go as one JSON array: a cell of F1 at 200,000 households names 300,000 persons,
    more than the 32,766 parameters SQLite takes ("too many SQL variables")."""
    return db.execute(
        f"""SELECT p.name, p.id_number, t.name, v.name, h.hh_no FROM persons p
            JOIN households h ON h.id = p.household_id {village_and_township("h.area_id", village_join="JOIN")}
            WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY t.name, v.name, p.id""",
        [json.dumps(person_ids)]).fetchall()


def person_with_spells(db: sqlite_utils.Database, at_least: int) -> int | None:
    """Some person with ``at_least`` spells (the screenshots show a rich person page)."""
    row = db.execute("SELECT person_id FROM employment_spells GROUP BY person_id "
                     "HAVING count(*) >= ? LIMIT 1", [at_least]).fetchone()
    return row[0] if row else None


def last_person_except(db: sqlite_utils.Database, person_id: int) -> int | None:
    row = db.execute("SELECT id FROM persons WHERE id != ? ORDER BY id DESC LIMIT 1", [person_id]).fetchone()
    return row[0] if row else None


# --- the rest -------------------------------------------------------------------------------------
def targets_set(db: sqlite_utils.Database, year: int | None = None) -> bool:
    """Whether 目标任务 are entered (for ``year``; any year when None): F3 and the bulletin's
    completion part need them."""
    if year is None:
        return db.execute("SELECT 1 FROM targets LIMIT 1").fetchone() is not None
    return db.execute("SELECT 1 FROM targets WHERE year = ? LIMIT 1", [year]).fetchone() is not None


def organisation_names(db: sqlite_utils.Database) -> dict[int, str]:
    return dict(db.execute("SELECT id, name FROM organisations").fetchall())


def import_history(db: sqlite_utils.Database, limit: int = 20) -> list[tuple]:
    """(id, started_at, file_name, kind, added, changed, status) of the last imports, newest first."""
    return db.execute("SELECT id, started_at, file_name, kind, added, changed, status FROM import_batches "
                      "ORDER BY id DESC LIMIT ?", [limit]).fetchall()
