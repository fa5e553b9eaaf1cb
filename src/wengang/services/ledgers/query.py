"""One ledger at a date as a single SQL query: count, page (LIMIT/OFFSET) or stream.

The GUI pages lazily over 150k rows with :meth:`LedgerQuery.rows`; the writers stream with
:meth:`LedgerQuery.iter_rows`. Statuses are materialised once per query object
(``store.status.materialize_status``), so paging does not re-derive them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import weakref
from collections.abc import Iterator

import sqlite_utils

from wengang.domain.masking import mask_id_sql, mask_phone_sql
from wengang.domain.status import AsOf
from wengang.services.ledgers.catalogue import AREA_ORDER, FIELDS, POPULATIONS, SOURCE_DEPENDS, SOURCES
from wengang.services.ledgers.declarations import Ledger, LedgerError, get_ledger
from wengang.store.status import data_fingerprint, latest_survey_sql, materialize_status

SEQ_LABEL = "序号"
_TABLE_NUMBERS = itertools.count(1)


_KEEP_STATUS_DATES = 3




def _status_cache(db: sqlite_utils.Database) -> dict[str, tuple[int, int]]:
    cache = getattr(db, "_wengang_ledger_status", None)
    if cache is None:
        cache = {}
        db._wengang_ledger_status = cache  # noqa: SLF001 - per-connection, like the report engine's
    return cache


def status_table(db: sqlite_utils.Database, as_of: AsOf) -> str:
    """``store.status`` materialised at D, reused while nothing was written since: switching
    between lists at one date then costs a query, not a re-derivation (2 s at 150k persons)."""
    name = f"ledger_status_{as_of.date:%Y%m%d}"
    cache = _status_cache(db)
    if cache.get(name) != data_fingerprint(db):
        for old in list(cache)[: max(0, len(cache) - _KEEP_STATUS_DATES + 1)]:
            if old != name:
                _drop_table(db, old)
                del cache[old]
        materialize_status(db, as_of, name)
        cache.pop(name, None)
        cache[name] = data_fingerprint(db)
    return name


def _own_temp_write(db: sqlite_utils.Database, sql: str, params: dict) -> None:
    """A write to our own TEMP table: cached statuses stay valid (the data did not change)."""
    cache = _status_cache(db)
    before = data_fingerprint(db)
    db.execute(sql, params)
    after = data_fingerprint(db)
    for name, fingerprint in cache.items():
        if fingerprint == before:
            cache[name] = after


def _drop_table(db: sqlite_utils.Database, name: str) -> None:
    try:
        db.execute(f"DROP TABLE IF EXISTS temp.{name}")
    except Exception:  # noqa: BLE001 - the connection may be closed already; temp tables die with it
        pass

# 乡镇 and 村 names (and sort keys) for any area a household may hang on: a village, a
# group (组) under a village, or — for sparse data — a township itself.
_LEDGER_AREA = """ledger_area AS (
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

_AREA_SCOPE = """area_scope(id) AS (
    SELECT :area_id
    UNION ALL SELECT a.id FROM areas a JOIN area_scope sc ON a.parent_id = sc.id
)"""


def _as_of(value: AsOf | dt.date | str) -> AsOf:
    if isinstance(value, AsOf):
        return value
    if isinstance(value, str):
        return AsOf.parse(value)
    return AsOf(value)


class LedgerQuery:
    """A ledger at D, optionally for one area (and its sub-areas) or one 安置点."""

    def __init__(self, db: sqlite_utils.Database, ledger: Ledger, as_of: AsOf, *,
                 area_id: int | None = None, site_id: int | None = None,
                 order_by: str | None = None, mask: bool = False):
        self.db = db
        self.ledger = ledger
        self.as_of = as_of
        self.mask = mask
        self.columns: list[str] = [SEQ_LABEL] + [c.label for c in ledger.columns]
        self.kinds: list[str] = ["int"] + [FIELDS[c.field].kind for c in ledger.columns]
        self.widths: list[float] = [6] + [FIELDS[c.field].width for c in ledger.columns]
        self._params: dict = dict(as_of.params())
        population = POPULATIONS[ledger.population]
        wanted = set(population.sources)
        for column in ledger.columns:
            wanted.update(FIELDS[column.field].sources)
        order_sql = self._order_sql(order_by or ledger.order_by)
        for name in list(wanted):
            wanted.update(SOURCE_DEPENDS.get(name, ()))

        status = status_table(db, as_of)
        ctes = [_LEDGER_AREA]
        where = [f"({population.where})"]
        if "ls" in wanted:
            ctes.append(latest_survey_sql())
        if area_id is not None:
            ctes.append(_AREA_SCOPE)
            where.append("h.area_id IN (SELECT id FROM area_scope)")
            self._params["area_id"] = area_id
        if site_id is not None:
            where.append("h.site_id = :site_id")
            self._params["site_id"] = site_id
        self._with = "WITH RECURSIVE " + ",\n".join(ctes)
        joins = "\n".join(sql for name, sql in SOURCES.items() if name in wanted)
        self._joins = (
            "JOIN households h ON h.id = p.household_id\n"
            "LEFT JOIN ledger_area la ON la.area_id = h.area_id\n"
            f"JOIN {status} ps ON ps.person_id = p.id\n"
            f"{joins}"
        )
        self._where = " AND ".join(where)
        self._positions: str | None = None
        selects = [f"{self._field_sql(c.field)} AS c{i}" for i, c in enumerate(ledger.columns)]
        self._select = "SELECT " + ", ".join(selects)
        self._order = f"ORDER BY {order_sql}"

    def _field_sql(self, field: str) -> str:
        spec = FIELDS[field]
        if self.mask and spec.kind == "id":
            return mask_id_sql(spec.sql)
        if self.mask and spec.kind == "phone":
            return mask_phone_sql(spec.sql)
        return spec.sql

    def _order_sql(self, order_by: str | None) -> str:
        """``"姓名"``, ``"name"`` or ``"-年龄"`` (descending) → ORDER BY, area order as tie-break."""
        if not order_by:
            return AREA_ORDER
        descending = order_by.startswith("-")
        key = order_by.lstrip("-")
        by_label = {c.label: c.field for c in self.ledger.columns}
        field = by_label.get(key, key)
        if field not in FIELDS:
            raise LedgerError(f"无法按“{key}”排序：{self.ledger.title}没有这一列")
        return f"{FIELDS[field].sql} {'DESC' if descending else 'ASC'}, {AREA_ORDER}"

    def _sql(self, head: str, source: str = "FROM persons p", extra_where: str = "") -> str:
        """``WITH … <head> FROM … WHERE …``: SELECT, COUNT and the page query share the rest."""
        where = self._where + (f" AND {extra_where}" if extra_where else "")
        return f"{self._with}\n{head}\n{source}\n{self._joins}\nWHERE {where}"

    def _position_table(self) -> str:
        """The ledger's persons in display order, numbered 1…n, in a TEMP table built on the
        first page request (Anki's browser keeps an ordered id list the same way): every later
        page is a range of positions instead of re-sorting 150k rows to skip an OFFSET."""
        if self._positions is None:
            name = f"ledger_rows_{next(_TABLE_NUMBERS)}"
            self.db.execute(f"CREATE TEMP TABLE {name} (pos INTEGER PRIMARY KEY, person_id INTEGER NOT NULL)")
            _own_temp_write(self.db, f"INSERT INTO temp.{name}(person_id)\n" + self._sql("SELECT p.id")
                            + f"\n{self._order}", self._params)
            self._positions = name
            weakref.finalize(self, _drop_table, self.db, name)
        return self._positions

    def count(self) -> int:
        if self._positions is not None:
            sql = f"SELECT count(*) AS n FROM temp.{self._positions}"
        else:
            sql = self._sql("SELECT count(*) AS n")
        return int(next(iter(self.db.query(sql, self._params)))["n"])

    def rows(self, offset: int = 0, limit: int | None = 200) -> list[tuple]:
        """Rows ``offset+1 … offset+limit`` (序号 first) in order — SQL LIMIT/OFFSET over the
        ordered positions; ``limit=None`` for all the rest."""
        table = self._position_table()
        params = dict(self._params, _offset=offset, _end=offset + limit if limit is not None else 2**62)
        sql = self._sql(f"SELECT o.pos AS _pos, {self._select.removeprefix('SELECT ')}",
                        f"FROM temp.{table} o CROSS JOIN persons p ON p.id = o.person_id",  # o drives the loop
                        "o.pos > :_offset AND o.pos <= :_end") + "\nORDER BY o.pos"
        return [tuple(row.values()) for row in self.db.query(sql, params)]

    def person_ids(self, offset: int = 0, limit: int | None = 200) -> list[int]:
        """The persons behind rows ``offset+1 … offset+limit`` — to open a person from a row,
        also when 证件号码 are masked."""
        table = self._position_table()
        end = offset + limit if limit is not None else 2**62
        sql = f"SELECT person_id FROM temp.{table} WHERE pos > :_offset AND pos <= :_end ORDER BY pos"
        return [row["person_id"] for row in self.db.query(sql, {"_offset": offset, "_end": end})]

    def iter_rows(self) -> Iterator[tuple]:
        """Every row, streamed from one cursor (序号 counted as rows come out)."""
        sql = self._sql(self._select) + f"\n{self._order}"
        for n, row in enumerate(self.db.query(sql, self._params), start=1):
            yield (n, *row.values())


def ledger_query(db: sqlite_utils.Database, ledger_id: str, as_of: AsOf | dt.date | str, *,
                 area_id: int | None = None, site_id: int | None = None,
                 order_by: str | None = None, mask: bool = False) -> LedgerQuery:
    """The ledger ``ledger_id`` (``labour``, ``last-year`` …) at ``as_of``."""
    return LedgerQuery(db, get_ledger(ledger_id), _as_of(as_of), area_id=area_id, site_id=site_id,
                       order_by=order_by, mask=mask)
