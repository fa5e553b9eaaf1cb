"""Is this file SQLite, and is it sound? The two checks both integrity-on-open and backup use.

They live below both so that ``integrity`` (which offers the newest good backup) and ``backup``
(which verifies a file before restoring it) need not import each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

SQLITE_HEADER = b"SQLite format 3\x00"


def read_only_uri(path: Path | str) -> str:
    """``path`` as an SQLite URI that opens it read-only. ``Path.as_uri`` percent-encodes what a
    URI would take as its own: written as ``file:{path}``, a folder named ``数据#1`` was read as
    ``数据`` — a new empty file made there and checked, backed up or verified instead."""
    return f"{Path(path).resolve().as_uri()}?mode=ro"


def looks_like_sqlite(path: Path | str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == SQLITE_HEADER


def zero_filled(path: Path | str, length: int = 4096) -> bool:
    """Is the start of the file all zero bytes (a file the system never finished writing)?"""
    with open(path, "rb") as fh:
        head = fh.read(length)
    return bool(head) and not head.strip(b"\x00")


def quick_check(conn) -> list[str]:
    """Problems found by ``PRAGMA quick_check`` (empty when the file is sound)."""
    return _pragma_check(conn, "quick_check")


def integrity_check(conn) -> list[str]:
    """Problems found by the full ``PRAGMA integrity_check``, which also compares every index
    with its table (``quick_check`` misses "row 17 missing from index")."""
    return _pragma_check(conn, "integrity_check")


def _pragma_check(conn, pragma: str) -> list[str]:
    try:
        rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except Exception as exc:  # noqa: BLE001 - sqlite3 and sqlcipher3 raise different classes
        return [str(exc)]
    return [r[0] for r in rows if r[0] != "ok"]


Progress = Callable[[int, int], None]
"""``progress(done, total)`` of a check or a copy (what :func:`integrity_check_beside` tells)."""


def integrity_check_beside(conn, open_second: Callable[[], Any], when: threading.Event | None = None,
                           progress: Progress | None = None) -> list[str]:
    """The problems :func:`integrity_check` finds, looked for by two connections at once:
    ``conn`` here and ``open_second()`` on a thread (once ``when`` is set, if given), each
    taking the next part not begun.

    The parts are ``quick_check`` (every b-tree's structure, every page accounted for) and
    ``integrity_check(T)`` of each table (its indexes against its rows, its constraints):
    between them what the whole check looks at. SQLite lets go of the GIL while it checks, so
    a copied 200,000-household file (1.4 GB) is checked on two cores: 30–38 → 17–26 s, where
    the persons' ten indexes alone take 18. Largest parts first, by rows × (1 + indexes).
    Without a second connection ``conn`` checks every part; the whole check on ``conn`` where
    the parts cannot be had (SQLite before 3.33, a schema that cannot be listed).

    ``progress(done, total)`` is told after each part, one call at a time (from either
    thread), in the parts' estimated costs (rows read, above): SQLite says nothing while one
    part runs (the persons' alone is 18 s of a copied 200,000-household file), so this is as
    often as it can be told, and a bar of it moves with the work, not with the part count."""
    costs = _check_parts(conn)
    if costs is None:
        problems = integrity_check(conn)
        if progress is not None:
            progress(1, 1)
        return problems
    parts = list(costs)
    total = sum(costs.values()) or 1
    done = [0]
    found: dict[int, list[str]] = {}
    pending = iter(enumerate(parts))
    taking = threading.Lock()
    over = threading.Event()

    def check_parts(connection) -> None:
        while True:
            with taking:
                k, pragma = next(pending, (None, ""))
            if k is None:
                return
            problems = _pragma_check(connection, pragma)
            with taking:
                found[k] = problems
                done[0] += costs[pragma]
                if progress is not None:
                    progress(done[0] if len(found) < len(parts) else total, total)

    def beside() -> None:
        while when is not None and not when.wait(0.05):
            if over.is_set():
                return
        if over.is_set():
            return
        try:
            second = open_second()
        except Exception:  # noqa: BLE001 - sqlite3 and sqlcipher3 raise different classes
            return  # ``conn`` checks every part
        try:
            # one read first: a connection that cannot read the file (a WAL file read-only
            # elsewhere) leaves the parts to ``conn``, which says what is wrong, if anything
            second.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except Exception:  # noqa: BLE001
            second.close()
            return
        try:
            check_parts(second)
        finally:
            second.close()

    helper = threading.Thread(target=beside, name="wengang-integrity-beside", daemon=True)
    helper.start()
    try:
        check_parts(conn)
    finally:
        over.set()
        helper.join()
    # A damaged table's b-tree is reported by quick_check and by its own part: said once.
    return list(dict.fromkeys(problem for k in sorted(found) for problem in found[k]))


def _check_parts(conn) -> dict[str, int] | None:
    """The PRAGMAs :func:`integrity_check_beside` runs, largest first, with their estimated
    costs; None where it cannot."""
    try:
        version = tuple(int(n) for n in conn.execute("SELECT sqlite_version()").fetchone()[0].split(".")[:2])
        if version < (3, 33):  # integrity_check(TABLE) is 3.33's
            return None
        tables = conn.execute(
            "SELECT m.name, (SELECT count(*) FROM sqlite_master i WHERE i.type = 'index' AND i.tbl_name = m.name), "
            "m.sql LIKE 'CREATE VIRTUAL%' FROM sqlite_master m WHERE m.type = 'table'").fetchall()
        if any(virtual for _, _, virtual in tables):
            return None  # the whole check asks a virtual table (FTS) to check itself: left to it
        sizes = {name: conn.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0]
                 for name, _, _ in tables}
    except Exception:  # noqa: BLE001 - a schema that cannot be read: the whole check says why
        return None
    if not tables:
        return None
    # quick_check reads each row once; a table's own check looks each row up in every index.
    costs = {f"integrity_check({_quoted(name, _SINGLE)})": sizes[name] * (1 + indexes) for name, indexes, _ in tables}
    costs["quick_check"] = sum(sizes.values())
    return {pragma: costs[pragma] for pragma in sorted(costs, key=costs.__getitem__, reverse=True)}


_SINGLE = "'"


def _quoted(name: str, quote: str = '"') -> str:
    return quote + name.replace(quote, quote * 2) + quote
