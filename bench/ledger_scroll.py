"""Bench: a caseworker drags the 台账's scroll bar deep into a list, in the window (offscreen).

    python bench/ledger_scroll.py --db /tmp/c200.db

Opens the window on the file (settings in a fresh folder), shows 台账, picks the posts list
and scrolls to row 5,001, then the labour list and row 20,001: deeper than the pages walked
in rank order, so every member is numbered first. Prints how long until the row shows, the
longest the GUI thread did not answer (a 20 ms timer, and the first read of the row, which
runs on it) and how long that first read took. Compare with another tree with
``PYTHONPATH=/that/tree/src``. The file is opened in place.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

DEEP = (("乡村公益性岗位管理台账", 5000), ("劳动力底数清单", 20000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ledger_scroll_")
    from window_clock import Heartbeat, open_window, until

    app, context, window = open_window(args.db)
    heartbeat = Heartbeat()
    tab = window.show_tab("台账")
    until(app, tab.is_ready)
    for name, row in DEEP:
        tab.picker.setCurrentRow(next(i for i in range(tab.picker.count()) if tab.picker.item(i).text() == name))
        until(app, lambda: not tab.is_ready())
        until(app, tab.is_ready)
        heartbeat.reset()
        started = time.perf_counter()
        cell = tab.model.index(row, 0)
        tab.view.scrollTo(cell)
        first = time.perf_counter()
        cell.data()
        first = time.perf_counter() - first
        shown = until(app, lambda cell=cell, row=row: cell.data() == str(row + 1))
        print(f"{name}: row {row + 1} {'shown' if shown else 'NOT shown'} after {time.perf_counter() - started:.2f} s, "
              f"longest GUI stall {max(heartbeat.worst, first) * 1000:.0f} ms (the first read of the row {first * 1000:.0f} ms)")
    window.close()
    context.close()


if __name__ == "__main__":
    main()
