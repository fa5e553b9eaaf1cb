"""Bench: the window's first minute at county scale — the tab a caseworker clicks, the jobs on
the one background thread in the order they ran, the GUI thread's stalls, and closing.

Opens the main window offscreen on ``--db``, clicks 台账 ``--click`` seconds after it shows,
and prints, as they happen: each background job's start and end (timed around
``AppContext.run_in_background``; idle jobs — the data-quality run, the inbox's look — marked),
any stall of the GUI thread over 0.3 s (a 20 ms heartbeat timer), when the 台账's list is
shown, and how long closing the window takes once it is.

Two states of the file:

* default: a fresh copy (with its ``.verified`` record) in a temporary folder — the window
  checks the whole file in the background (16 s at 200,000 households), as after a copy;
* ``--in-place``: the file itself, as the next day's start (statuses and summaries kept by
  earlier runs are read back).

``python bench/window_walk.py --db /tmp/s3/c200.db --click 3``; compare with another tree
with ``PYTHONPATH=/that/tree/src``. Settings go to a fresh folder (not the tab last open).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--click", type=float, default=1.0, help="seconds after show to click 台账")
    parser.add_argument("--in-place", action="store_true", help="open the file itself, not a copy")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="window_walk_"))
    os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = args.db
    if not args.in_place:
        path = folder / args.db.name
        shutil.copy2(args.db, path)
        if Path(f"{args.db}.verified").exists():
            shutil.copy2(f"{args.db}.verified", f"{path}.verified")
    try:
        walk(path, args.click)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def walk(path: Path, click_after: float) -> None:
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"{time.perf_counter() - started:7.2f}  {text}", flush=True)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from wengang.gui.context import AppContext
    from wengang.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    run_in_background = AppContext.run_in_background

    def timed_run(self, work, *args, **kwargs):
        name = getattr(work, "__qualname__", repr(work)) + (" (idle)" if kwargs.get("idle") else "")

        def timed(db, progress):
            begun = time.perf_counter()
            say(f"job start {name}")
            try:
                return work(db, progress)
            finally:
                say(f"job end   {name} ({time.perf_counter() - begun:.2f} s)")
        return run_in_background(self, timed, *args, **kwargs)

    AppContext.run_in_background = timed_run
    context = AppContext(path)
    window = MainWindow(context)
    window.resize(1366, 768)
    window.show()
    say("window shown")
    context.daily_backup_later()  # as the program's start does (gui.app.run_app), on a thread beside the jobs
    state: dict = {}
    beat = [time.perf_counter()]

    def heartbeat() -> None:
        now = time.perf_counter()
        if now - beat[0] > 0.3:
            say(f"GUI thread stalled {now - beat[0]:.2f} s")
        beat[0] = now
        QTimer.singleShot(20, heartbeat)

    def click() -> None:
        state["tab"], state["clicked"] = window.show_tab("台账"), time.perf_counter()
        say("台账 clicked")

    def poll() -> None:
        tab = state.get("tab")
        if tab is not None and tab.is_ready():
            say(f"台账 list shown, {time.perf_counter() - state['clicked']:.2f} s after the click "
                f"({tab.model.rowCount():,} rows)")
            closing = time.perf_counter()
            window.close()
            say(f"window closed in {time.perf_counter() - closing:.2f} s")
            app.quit()
            return
        QTimer.singleShot(50, poll)

    heartbeat()
    QTimer.singleShot(int(click_after * 1000), click)
    QTimer.singleShot(50, poll)
    app.exec()


if __name__ == "__main__":
    main()
