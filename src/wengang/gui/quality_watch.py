"""Data quality that keeps itself current: the rules run on the background thread after every
change (imports, edits, exchanges — whatever emits ``data_changed``), when the 数据截止日期
changes, and once at start. Runs are debounced (a burst of edits is one run) and never block the
window; the status bar says "数据质量：未检查 / 检查中… / N 条待处理".
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from wengang.gui.context import AppContext, Cancelled
from wengang.services.read import lookups
from wengang.store import crypto

DEBOUNCE_MS = 1500


def quality_state(db) -> tuple[bool, int]:
    """(checked at least once, open findings) on ``db``."""
    from wengang.services.rules.quality import last_checked  # noqa: PLC0415
    checked = last_checked(db) is not None
    return checked, lookups.open_findings(db)


class QualityWatch(QObject):
    """Runs the data-quality rules in the background when the data change."""

    checked = Signal(object)  # the QualitySummary of a finished run; None: findings reviewed by hand

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.running = False
        self._again = False
        self._stopped = False
        self.runs = 0  # finished runs (tests wait on it)
        # The rules a run stopped part way finished, at the date it checked: the next run goes
        # on from there (run_quality's ``done``) unless the data or the date changed meanwhile.
        self._done: set[str] = set()
        self._done_at = None
        self.label = QLabel()
        self.label.setToolTip("数据质量检查在每次导入、修改后自动在后台运行")
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.run)
        context.data_changed.connect(self._data_changed)
        context.as_of_changed.connect(lambda _d: self.schedule())
        self._show_state_at_start()

    def _data_changed(self) -> None:
        self._done = set()  # every rule again (a run in flight keeps adding to the set it was given)
        self.schedule()

    def schedule(self, delay_ms: int | None = None) -> None:
        """Run the check after ``delay_ms`` (default: a moment, so a burst of changes is one run)."""
        self._timer.start(DEBOUNCE_MS if delay_ms is None else delay_ms)

    def run(self) -> None:
        if self._stopped:  # the window closed
            return
        if self.running:
            self._again = True
            return
        try:
            from wengang.services.rules import run_quality  # noqa: PLC0415
        except ImportError:
            return
        self.running = True
        self.label.setText("数据质量：检查中…")
        as_of = self.context.as_of
        if self._done_at != as_of:
            self._done, self._done_at = set(), as_of
        finished = self._done

        def done(summary) -> None:
            self.running = False
            self.runs += 1
            if self._done is finished:
                self._done = set()  # the next run checks every rule
            if getattr(self.context, "closed", False):
                return  # the window closed while the check ran
            if self._again:
                self._again = False
                self.run()
                return
            self._show_state()
            self.checked.emit(summary)

        def failed(exc: BaseException) -> None:
            self.running = False
            if isinstance(exc, Cancelled):  # the caseworker asked for something: again, after it
                self._again = False
                if not self._stopped and not getattr(self.context, "closed", False):
                    self.run()
                return
            self.label.setText("数据质量：检查未完成")
            self.label.setToolTip(f"数据质量检查出错：{exc}")
            if self._again:
                self._again = False
                self.schedule()

        # idle: it waits behind whatever a tab asks for, and stops for it (17 s at 200,000 households)
        self.context.run_in_background(lambda db, p: run_quality(db, as_of, p.callback, done=finished), done, failed,
                                       idle=True)

    def reviewed(self) -> None:
        """Findings were checked by hand (``rules.reviews``): the count and whatever shows the
        findings follow, with no run of the rules (nothing they look at changed)."""
        self._show_state_at_start()
        self.checked.emit(None)

    def stop(self) -> None:
        """No run pending: the one scheduled, or asked for again, is not started."""
        self._timer.stop()
        self._again = False

    def shut_down(self) -> None:
        """The window closes: no further run, not even the one the closing stopped."""
        self.stop()
        self._stopped = True

    def _show_state_at_start(self) -> None:
        """As :meth:`_show_state`, the count read on the background thread: it walks every
        finding (0.26 s at 200,000 households when the disk cache is cold), the window paints first."""
        from wengang.services.rules.quality import last_checked  # noqa: PLC0415

        if last_checked(self.context.db) is None:
            self.label.setText("数据质量：未检查")
            return
        self.label.setText("数据质量：…")
        self.context.run_in_background(lambda db, _p: lookups.open_findings(db), self._say_count,
                                       lambda _exc: None)  # the window closed meanwhile: nothing to say

    def _say_count(self, count: int) -> None:
        if not getattr(self.context, "closed", False):
            self.label.setText(f"数据质量：全部 {count:,} 条待处理")

    def _show_state(self) -> None:
        if getattr(self.context, "closed", False):
            return
        try:
            checked, count = quality_state(self.context.db)
        except crypto.database_errors():  # the database closed meanwhile (the window is closing)
            return
        # the whole installation's count (the 数据质量 tab counts the place picked in the navigator)
        if checked:
            self._say_count(count)
        else:
            self.label.setText("数据质量：未检查")
