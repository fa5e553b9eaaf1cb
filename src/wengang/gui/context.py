"""The application context every tab shares: the database, the global as-of date and area
filter, settings, and a runner for long work off the GUI thread.

Anki's ``CollectionOp`` habit: database work runs on a worker thread with its own connection
and reports back by signal; the GUI thread keeps repainting. Tabs take an :class:`AppContext`
in their constructor and listen to its signals.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import QObject, QRunnable, QSettings, QThreadPool, Signal

from wengang import APP_ID
from wengang.domain.dates import last_month_end
from wengang.store.db import interrupted_when, open_database
from wengang.store.integrity import refused_write


class Progress:
    """Handed to background work: report progress, ask whether the user cancelled."""

    def __init__(self, signals: _WorkerSignals):
        self._signals = signals
        self.cancelled = False
        # Work that gives way (run_in_background's ``gives_way``) may be stopped from here on.
        self.may_stop = False

    def stoppable_from_here(self) -> None:
        """What the work does from now on is its own (its shared part, the statuses every tab
        reads, is done): it may be stopped for work asked for (see ``gives_way``)."""
        self.may_stop = True

    def report(self, done: int, total: int, message: str = "") -> None:
        self._signals.progress.emit(done, total, message)

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user pressed 取消 (call between steps)."""
        if self.cancelled:
            raise Cancelled()

    def callback(self, done: int, total: int = 0, message: str = "") -> None:
        """The ``progress(done, total, message)`` the services take: reports, and stops the
        work (its transaction rolls back) once the user pressed 取消."""
        self.check()
        self.report(done, total, message)


class Cancelled(Exception):
    """Background work stopped at the user's request (its transaction is rolled back)."""


class _WorkerSignals(QObject):
    started = Signal()  # the work left the queue: a dialog that said it waits says what it does
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception, with .traceback_text


IDLE_PRIORITY = -1
"""The queue place of work nobody waits for (QThreadPool starts higher priorities first; a
job someone waits for has 0)."""


class _Worker(QRunnable):
    def __init__(self, connect: Callable[[], sqlite_utils.Database],
                 work: Callable[[sqlite_utils.Database, Progress], Any], *, idle: bool = False,
                 gives_way: Callable[[], bool] | None = None):
        super().__init__()
        self.signals = _WorkerSignals()
        self.progress = Progress(self.signals)
        self.idle = idle
        self.gives_way = gives_way
        self._connect = connect
        self._work = work

    @property
    def yielding(self) -> bool:
        """Whether the work gives way to a job asked for now (on the GUI thread): idle work
        always, a hidden tab's work (``gives_way()``) from where it says it may stop."""
        return self.idle or (self.gives_way is not None and self.gives_way())

    def _stopped(self) -> bool:
        return self.progress.cancelled and (self.idle or self.progress.may_stop)

    def run(self) -> None:  # runs on the background thread, on the background connection
        db = None
        self.signals.started.emit()
        try:
            db = self._connect()
            if self.idle or self.gives_way is not None:  # stopped mid-statement for a job asked for (make_way)
                with interrupted_when(db, self._stopped):
                    result = self._work(db, self.progress)
            else:
                result = self._work(db, self.progress)
        except BaseException as raised:  # noqa: BLE001 - everything goes back to the GUI thread
            # A write held back by a failed integrity check: say the file is damaged (in Chinese,
            # with its backup), not SQLite's "not authorized".
            exc = refused_write(db, raised) if db is not None else raised
            if self._stopped():
                exc = Cancelled()  # its transaction rolled back: the caller runs it again later
            exc.traceback_text = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)


class AppContext(QObject):
    """Shared state of one open database."""

    as_of_changed = Signal(object)   # datetime.date
    area_changed = Signal(object)    # area id or None for the whole installation
    data_changed = Signal()          # something was written: tabs refresh what they show
    open_person = Signal(int)        # any tab asks the main window to show a person's page
    find_typed = Signal(str)         # letters typed into a big table: the window's search box takes them

    def __init__(self, db_path: Path, parent: QObject | None = None, *, password: str | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        # Set by the window: the background integrity check failed (a DamagedDatabaseError).
        self.on_damaged: Callable[[BaseException], Any] | None = None
        # An encrypted database needs its password on every connection (GUI thread, background
        # thread, the ledger tab's own): kept here for the session only, never written anywhere.
        self.password = password or None
        self.db: sqlite_utils.Database = self.connect()  # GUI-thread connection
        self.settings = QSettings(APP_ID, APP_ID)
        self.as_of: dt.date = last_month_end()  # monthly dispatches report to it
        self.area_id: int | None = None
        self.site_id: int | None = None  # a relocation site picked in the navigator
        # One background thread with one long-lived connection (Anki's habit): jobs run in
        # order, SQLite has one writer anyway, and the connection's integrity check and TEMP
        # status tables are paid for once rather than per job.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        # Work that needs no connection of the window's (the day's backup reads the file on its
        # own) runs here, beside the queue above.
        self.beside = QThreadPool(self)
        self.beside.setMaxThreadCount(1)
        self._background_db: sqlite_utils.Database | None = None
        self._workers: set[_Worker] = set()
        self.closed = False

    def set_as_of(self, value: dt.date) -> None:
        if value != self.as_of:
            self.as_of = value
            self.as_of_changed.emit(value)

    def set_place(self, area_id: int | None, site_id: int | None = None) -> None:
        """The navigator's pick: an area, or a relocation site (area_id is then None)."""
        if (area_id, site_id) != (self.area_id, self.site_id):
            self.area_id, self.site_id = area_id, site_id
            self.area_changed.emit(area_id)

    @property
    def encrypted(self) -> bool:
        return self.password is not None

    def connect(self) -> sqlite_utils.Database:
        """Another connection to this database (with its password, sharing this program's lock);
        tabs that need a connection of their own open it here."""
        # The day's first backup is not made here: it would delay the window (0.5 s at county
        # scale); the window asks for it in the background once it shows (daily_backup_later).
        # verify_in_background: a file changed since the last clean close is checked in full on a
        # thread while the window shows; writes wait for it (store.integrity.BackgroundCheck).
        return open_database(self.db_path, password=self.password, daily_backup=False,
                             verify_in_background=True)

    def daily_backup_later(self) -> None:
        """Make the day's automatic backup, if none exists yet, on a thread of its own beside
        the window's work: it reads the file on a connection of its own, a snapshot, while the
        window goes on reading and writing. On the window's one background thread a 台账
        clicked meanwhile waited for it (6 s for a 1.3 GB county). Closing waits for it."""
        from wengang.store import backup  # noqa: PLC0415

        check = getattr(self.db, "integrity", None)  # the file's check, shared by its connections

        def work(_progress):
            if check is not None:
                check.wait()  # the background integrity check: a damaged file is said, not backed up
            return backup.daily_backup(self.db_path, self.password)

        def failed(exc) -> None:
            from wengang.store.db import StoreError  # noqa: PLC0415
            from wengang.store.errors import DamagedDatabaseError  # noqa: PLC0415

            if isinstance(exc, DamagedDatabaseError) and self.on_damaged is not None:
                self.on_damaged(exc)  # the window offers the newest good backup
            elif isinstance(exc, StoreError):  # damaged (writes are refused)
                from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: PLC0415

                QMessageBox.critical(QApplication.activeWindow(), "稳岗台账", str(exc))

        self.run_in_background(lambda _db, progress: work(progress), lambda _path: None, failed, beside=True)

    def _background_connection(self) -> sqlite_utils.Database:
        if self._background_db is None:  # opened on the background thread, on first use
            self._background_db = self.connect()
        return self._background_db

    def close(self) -> None:
        """Wait for background work, then close both connections."""
        self.closed = True  # results still queued for the GUI thread are dropped (quality_watch)
        self.finish_work()
        if self._background_db is not None:
            self._background_db.close()
            self._background_db = None
        self.db.close()

    def finish_work(self, before_waiting: Callable[[], None] | None = None) -> None:
        """The window closes: work nobody waits for is dropped from the queue, or stopped if it
        runs (the quality run at 200,000 households took 17 s, and closing waited for it); the
        rest, writes among it, is waited for. A tab's work that gives way (the overview's
        counting) is nobody's either now. ``before_waiting`` is called first when some of that
        rest is left (the window says what it waits for: the day's backup of a 1.3 GB county
        takes 6 s)."""
        stoppable = [w for w in self._workers if w.idle or w.gives_way is not None]
        for worker in stoppable:
            if self.pool.tryTake(worker):
                self._workers.discard(worker)  # never started: it never reports
            else:
                worker.progress.cancelled = True
        if before_waiting is not None and any(w not in stoppable for w in self._workers):
            before_waiting()
        self.pool.waitForDone()
        self.beside.waitForDone()

    def queue_busy(self) -> bool:
        """Whether a job runs on the background thread: work asked for now waits behind it
        (idle work gives way at once; a hidden tab's once it may stop, seconds at county scale)."""
        return self.pool.activeThreadCount() > 0

    def _make_way(self) -> None:
        """Someone asked for work: the idle job that runs stops (its caller runs it again), and
        so does a hidden tab's that gives way (once it may stop); queued, they wait behind it."""
        for worker in [w for w in self._workers if not w.progress.cancelled and w.yielding]:
            if self.pool.tryTake(worker):
                self.pool.start(worker, IDLE_PRIORITY)  # still queued: it stays behind the new job
            else:
                worker.progress.cancelled = True  # started (or done, reporting): stop it

    def run_in_background(
        self,
        work: Callable[[sqlite_utils.Database, Progress], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        *,
        idle: bool = False,
        gives_way: Callable[[], bool] | None = None,
        beside: bool = False,
        on_started: Callable[[], None] | None = None,
    ) -> Progress:
        """Run ``work(db, progress)`` on the background thread with the background connection.

        Callbacks run on the GUI thread. Returns the :class:`Progress` (set ``.cancelled``).

        ``idle``: work nobody waits for (the data-quality run, the inbox's look): it runs when
        no other job is queued, and stops mid-statement when another is asked for (it then
        fails with :class:`Cancelled`; its transaction is rolled back). Everything else
        runs in the order asked, on the one thread.

        ``gives_way``: a tab's work that gives way as idle work does while ``gives_way()`` is
        true when another job is asked for (its tab is hidden: the caseworker went to another),
        once the work says it may stop (``progress.stoppable_from_here()``: the statuses every tab
        reads are derived; what is left is the tab's own counting, 4.8 s of 概览 at 200,000
        households). It then fails with :class:`Cancelled`, and its tab runs it again when shown.

        ``beside``: work that needs none of the window's connections (``work(None, progress)``)
        runs on a thread beside the queue (:attr:`beside`), nothing waiting for it but closing.

        ``on_started``: called (on the GUI thread) when the work leaves the queue and starts.
        """
        connect = (lambda: None) if beside else self._background_connection
        worker = _Worker(connect, work, idle=idle, gives_way=gives_way)
        self._workers.add(worker)  # keep the signals object alive until it reports

        def done() -> None:
            self._workers.discard(worker)

        if on_started:
            worker.signals.started.connect(on_started)
        if on_progress:
            worker.signals.progress.connect(on_progress)
        worker.signals.succeeded.connect(lambda r: (done(), on_success and on_success(r)))
        worker.signals.failed.connect(lambda e: (done(), on_failure and on_failure(e)))
        worker.setAutoDelete(False)
        if beside:
            self.beside.start(worker)
        elif idle:
            self.pool.start(worker, IDLE_PRIORITY)
        else:
            self.pool.start(worker)
            self._make_way()
        return worker.progress


def run_detached(work: Callable[[Progress], Any], on_success: Callable[[Any], None],
                 on_failure: Callable[[BaseException], None],
                 on_progress: Callable[[int, int, str], None] | None = None) -> None:
    """``work(progress)`` that needs no database connection — the file itself is being replaced
    (restore, encryption) while no window is open — on Qt's global thread pool; the callbacks
    (and ``on_progress`` of what it reports) run on the GUI thread. They are connected before
    the work starts: a quick failure would otherwise report before anyone listened."""
    worker = _Worker(lambda: None, lambda _db, progress: work(progress))
    _DETACHED.add(worker)  # kept alive until it reports, as run_in_background keeps its workers
    worker.signals.succeeded.connect(lambda result: (_DETACHED.discard(worker), on_success(result)))
    worker.signals.failed.connect(lambda exc: (_DETACHED.discard(worker), on_failure(exc)))
    if on_progress is not None:
        worker.signals.progress.connect(on_progress)
    worker.setAutoDelete(False)
    QThreadPool.globalInstance().start(worker)


_DETACHED: set[_Worker] = set()
