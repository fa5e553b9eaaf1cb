"""The state a database file was left in by this program: its size, modification time and
SQLite change counter, recorded beside it (``<db>.verified``) when the program closed it
cleanly or had just checked it whole, so an unchanged file need not be read again at the next
open (``store.integrity``). Below ``integrity`` and ``backup``: a restore and an encryption,
which replace the file, record the state they leave too.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path


def clean_close_record(path: Path | str) -> Path:
    """Beside the database: its size, modification time and SQLite change counter when the
    program last closed it cleanly (no WAL left), so an unchanged file need not be checked."""
    path = Path(path)
    return path.with_name(path.name + ".verified")


def wal_pending(path: Path | str) -> bool:
    """Whether writes wait in the WAL beside the file (yes when it cannot be told)."""
    wal = Path(str(path) + "-wal")
    try:
        return wal.exists() and wal.stat().st_size > 0
    except OSError:
        return True


def file_state(path: Path | str) -> dict | None:
    """Size, mtime and change counter of a closed database (``None`` while a WAL is pending)."""
    path = Path(path)
    try:
        if wal_pending(path):
            return None
        st = path.stat()
        with open(path, "rb") as fh:
            head = fh.read(28)
    except OSError:
        return None
    if st.st_size == 0:
        return None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "counter": head[24:28].hex()}


def record_clean_close(path: Path | str) -> None:
    """Called when the program closes the database: remember its state (never raises)."""
    state = file_state(path)
    if state is not None:
        record_state(path, state)


def record_state(path: Path | str, state: dict) -> None:
    """Remember ``state`` as one the program left or verified (never raises: a read-only
    folder only means the next open checks again). A record that already says so is left as
    it is: a command that only read (``wengang report`` after an import) closed the file as
    it found it, and writing the same record again costs a synced temporary file and folder
    (about 1 ms on this machine's disk; a laptop's hard disk waits tens of ms for a sync)."""
    from wengang.store.atomic import atomic_open  # noqa: PLC0415

    try:
        if json.loads(clean_close_record(path).read_text(encoding="utf-8")) == state:
            return
    except (OSError, ValueError):
        pass  # no record, or not one to keep: written below
    try:
        with atomic_open(clean_close_record(path), "w", encoding="utf-8") as fh:
            json.dump(state, fh)
    except OSError:
        pass


def unchanged_since_clean_close(path: Path | str) -> bool:
    try:
        recorded = json.loads(clean_close_record(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    state = file_state(path)
    return state is not None and recorded == state


def forget_clean_close(path: Path | str) -> None:
    with contextlib.suppress(OSError):
        clean_close_record(path).unlink(missing_ok=True)
