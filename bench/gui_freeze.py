"""How long the window stops answering while its long actions run, at county scale.

    python bench/gui_freeze.py --db /tmp/c50.db

``--db`` is a demo county (``wengang --db /tmp/c50.db demo --households 50000``); it is copied,
never changed. For each action the service call is first made directly, as the window's slot
made it before (the window was frozen for all of it), then through the window, which runs it
on the background thread: a 20 ms timer on the GUI thread records the longest gap between two
of its ticks (the longest the window did not repaint or answer a click) until the action is
done. Prints wall and CPU seconds of the direct call, the action's wall time through the window
and the longest stall.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from exchange import month_of_changes

from wengang.services.exchange import engine as ex
from wengang.services.exchange.projection import township_names
from wengang.store.backup import backup, verify_file
from wengang.store.db import open_database

ROWS: list[tuple] = []


def direct(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def settle(app, context) -> None:
    """Until the window's own background work (概览, 数据质量 at start) is done and shown: its
    results are laid out on the GUI thread and are not the action's stall."""
    quiet_since = time.perf_counter()
    while time.perf_counter() - quiet_since < 1.0:
        app.processEvents()
        time.sleep(0.01)
        if context.pool.activeThreadCount() or context._workers:  # noqa: SLF001 - a bench
            quiet_since = time.perf_counter()


def through_window(app, start, finished, context=None) -> tuple[float, float]:
    """(wall s until ``finished()``, longest gap between 20 ms ticks of the GUI thread)."""
    from PySide6.QtCore import QTimer

    if context is not None:
        settle(app, context)
    ticks = [time.perf_counter()]
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    began = time.perf_counter()
    start()
    while not finished():
        app.processEvents()
        time.sleep(0.002)
    wall = time.perf_counter() - began
    timer.stop()
    ticks.append(time.perf_counter())
    return wall, max(b - a for a, b in itertools.pairwise(ticks))


def record(name: str, before: tuple[float, float], now: tuple[float, float]) -> None:
    ROWS.append((name, *before, *now))
    print(f"{name}: direct {before[0]:.2f} s ({before[1]:.2f} cpu) | window {now[0]:.2f} s, "
          f"longest stall {now[1] * 1000:.0f} ms", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wengang-freeze-"))
    source = open_database(args.db, lock=False, auto_backup=False)
    backup(source, tmp / "county.db")
    source.close()
    county = open_database(tmp / "county.db", auto_backup=False)
    first, second = township_names(county)[:2]
    base_direct = direct(lambda: ex.export_base(county, first, tmp / "base.wgx"))
    town = open_database(tmp / "town.db", auto_backup=False)
    ex.import_package(town, tmp / "base.wgx")
    month_of_changes(town, first, 5000)
    ex.export_changes(town, tmp / "month.wgx")
    town.close()
    backup(county, tmp / "county-direct.db")  # the same county for the direct calls (WAL: not a file copy)
    other = open_database(tmp / "county-direct.db", auto_backup=False)
    apply_direct = direct(lambda: ex.import_package(other, tmp / "month.wgx"))
    from wengang.services.demo.builder import default_as_of
    from wengang.services.reports import cell_persons
    as_of = default_as_of()
    ids = cell_persons(other, "employment", as_of, None, "ty")
    from wengang.services.person_list import write_person_list
    persons_direct = direct(lambda: write_person_list(other, ids, tmp / "persons-direct.xlsx", title="x", as_of=as_of))
    other.close()
    county.close()
    check_direct = direct(lambda: verify_file(tmp / "county-direct.db"))

    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from wengang.gui.app import make_application, open_window
    from wengang.gui.dialogs.persons_dialog import PersonsDialog
    app = make_application()
    context, window = open_window(tmp / "county.db")
    context.set_as_of(as_of)
    window.show()
    dialog = window.show_exchange()
    rows = {dialog.partners.item(r, 0).text(): r for r in range(dialog.partners.rowCount())}
    dialog.partners.selectRow(rows[second])
    record(f"county: starting package for {second} (exchange dialog)", base_direct,
           through_window(app, lambda: dialog.export_to(tmp / "base2.wgx", base=True), lambda: not dialog.busy(), context))
    record(f"county: apply {first}'s month, 5000 changes (exchange dialog)", apply_direct,
           through_window(app, lambda: dialog.import_paths([tmp / "month.wgx"]), lambda: not dialog.busy(), context))
    dialog.close()
    persons = PersonsDialog(context, "合计 · 务工", ids, window)
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(tmp / "persons.xlsx"), ""))
    record(f"{len(ids):,} persons behind a number to Excel", persons_direct,
           through_window(app, persons.export, lambda: getattr(persons, "last_export", None) is not None, context))
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(tmp / "county-direct.db"), ""))
    asked = []
    QMessageBox.question = staticmethod(lambda *a, **k: asked.append(1) or QMessageBox.StandardButton.No)
    record("check a backup before restoring", check_direct,
           through_window(app, window.restore_database, lambda: bool(asked), context))
    window.close()
    context.close()
    print("action | direct on the GUI thread: wall s | cpu s | through the window: wall s | longest stall ms")
    for name, wall, cpu, now, stall in ROWS:
        print(f"{name} | {wall:.2f} | {cpu:.2f} | {now:.2f} | {stall * 1000:.0f}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
