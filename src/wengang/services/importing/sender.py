"""The import's inserts sent on a second thread while the writer builds the next rows (issue 20).

SQLite lets go of the GIL while it runs a statement, so on two cores the ``INSERT … SELECT`` of
one chunk (with its triggers and index updates) and the writer's Python for the next chunk run
at once. The connection is used by one thread at a time: :func:`sending` puts a stand-in in
``db.conn`` for as long as the writer runs, and every use of it from the writer's thread first
waits for the chunk in flight (a look-up, a new area, a read-back, the final flush), so the
statements reach SQLite in the same order as without the thread, all inside the import's one
transaction. A chunk's error comes out of the next wait (or at the end) and the import is
rolled back whole, exactly as if it had been raised where the chunk was handed over.

While the sender runs, the interpreter switches threads every :data:`SWITCH_SECONDS` instead of
every 5 ms: each statement the sender runs gives the GIL up and must get it back from the
writer's thread, which holds it while building rows, and at 5 ms a wait that was most of the
sender's time on a small statement (its trigger and stage look-ups took 2.5–5 ms each). A 50k
county's roster import then waited 0.79 → 0.46 s for the sender in all, the spells' 0.75 →
0.54 s; the whole import 5.4–5.8 → 5.0–5.5 s (issue 20).
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import sqlite_utils

Job = Callable[[sqlite3.Connection], None]

# The interpreter's thread switch interval while a sender runs (Python's default: 0.005 s).
SWITCH_SECONDS = 0.0001
_switching = {"senders": 0, "interval": 0.0}
_switching_lock = threading.Lock()


@contextlib.contextmanager
def _switching_often() -> Iterator[None]:
    """:data:`SWITCH_SECONDS` while any sender runs (two imports on two threads: the first to
    start keeps the interval it found, the last to end puts it back)."""
    with _switching_lock:
        if not _switching["senders"]:
            _switching["interval"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_switching["interval"], SWITCH_SECONDS))
        _switching["senders"] += 1
    try:
        yield
    finally:
        with _switching_lock:
            _switching["senders"] -= 1
            if not _switching["senders"]:
                sys.setswitchinterval(_switching["interval"])


class Sender:
    """One thread that runs the jobs handed to it on ``conn``, at most one job in flight."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wengang-send")
        self._flight: Future | None = None
        self._thread: int | None = None

    def submit(self, jobs: list[Job]) -> None:
        """Run ``jobs`` in order on the sender's thread, once the previous ones are done
        (whose error is raised here instead)."""
        self.wait()
        if jobs:
            self._flight = self._pool.submit(self._run, jobs)

    def _run(self, jobs: list[Job]) -> None:
        self._thread = threading.get_ident()
        for job in jobs:
            job(self.conn)

    def wait(self) -> None:
        """Until the jobs in flight are done; their error, if any, is raised here. A no-op on
        the sender's own thread (its jobs use the connection themselves)."""
        flight = self._flight
        if flight is None or threading.get_ident() == self._thread:
            return
        self._flight = None
        flight.result()

    def close(self, *, quiet: bool = False) -> None:
        """Wait for the last jobs and end the thread; ``quiet``: their error is not raised
        (another one is on its way out and the transaction is rolled back either way)."""
        try:
            self.wait()
        except BaseException:
            if not quiet:
                raise
        finally:
            self._pool.shutdown(wait=True)


class _Waiting:
    """``db.conn`` while a :class:`Sender` may be using the connection: every attribute of
    the connection is reached only after the sender's jobs in flight are done."""

    def __init__(self, sender: Sender):
        object.__setattr__(self, "_sender", sender)

    def __getattr__(self, name: str):
        self._sender.wait()
        return getattr(self._sender.conn, name)

    def __setattr__(self, name: str, value: object) -> None:
        self._sender.wait()
        setattr(self._sender.conn, name, value)


@contextlib.contextmanager
def sending(db: sqlite_utils.Database) -> Iterator[Sender]:
    """A :class:`Sender` on ``db``'s connection, ``db.conn`` waiting for it meanwhile, threads
    switched every :data:`SWITCH_SECONDS`. The block's exception goes out after the jobs in
    flight have stopped (the caller's rollback then has the connection to itself); without
    one, the jobs' error goes out."""
    conn = db.conn
    sender = Sender(conn)
    db.conn = _Waiting(sender)
    try:
        with _switching_often():
            try:
                yield sender
            except BaseException:
                sender.close(quiet=True)
                raise
            sender.close()
    finally:
        db.conn = conn
