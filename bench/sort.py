"""Bench: sorting the registry's tables by each column, both ways, in the window (issue 20).

    python bench/sort.py /tmp/c200.db [--households] [--rounds 2]

Opens the main window on an existing county (offscreen), waits for the start's background
work, shows 登记, and for every column and direction times the header click until the first
row is on screen (``model.sort`` + the first page's cells: what the caseworker waits for),
in wall and CPU milliseconds of this process, then how long until the whole order is loaded
(read on the window's background connection; 0 when the first page was all of it). Prints a
Markdown table per column (the worst of ``--rounds``), then the window's resident memory
after all the sorts (VmRSS) and the process's peak. Works on any tree: with PYTHONPATH at an
older tree's src it measures that tree (its model loads the whole order before the first row).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _until(predicate, timeout: float = 300.0) -> float:
    from PySide6.QtWidgets import QApplication
    started = time.perf_counter()
    while not predicate() and time.perf_counter() - started < timeout:
        QApplication.processEvents()
        time.sleep(0.002)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--households", action="store_true", help="the 户 table instead of 人员")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    from PySide6.QtCore import Qt

    from wengang.gui.app import make_application, open_window

    app = make_application()
    context, window = open_window(args.db)
    window.show()
    app.processEvents()
    registry = window.show_tab("登记")
    model = registry.households if args.households else registry.persons
    if args.households:
        registry.tables.setCurrentIndex(1)
    complete = getattr(model, "is_complete", lambda: True)
    _until(lambda: context.pool.activeThreadCount() == 0 and complete())  # the start's background work
    print(f"{model.rowCount():,} 行；开窗后 RSS {_rss_mib():.0f} MiB", file=sys.stderr)

    rows = []
    for column, spec in enumerate(model.columns):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            worst = (0.0, 0.0, 0.0)
            for _ in range(args.rounds):
                model.sort(2 if column != 2 else 3, Qt.SortOrder.AscendingOrder)  # not remembered: another order
                _until(lambda: context.pool.activeThreadCount() == 0)
                wall, cpu = time.perf_counter(), time.process_time()
                model.sort(column, order)
                for c in range(model.columnCount()):
                    model.index(0, c).data()
                first = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)
                rest = _until(complete) * 1000
                if first[0] > worst[0]:
                    worst = (*first, rest)
            arrow = "↓" if order == Qt.SortOrder.DescendingOrder else "↑"
            rows.append((spec.title + arrow, *worst))
            print(f"{spec.title}{arrow} {worst[0]:.0f} ms", file=sys.stderr, flush=True)
    print("| column | first row, wall ms | CPU ms | whole order loaded, wall ms after |")
    print("|---|---|---|---|")
    for title, wall, cpu, rest in rows:
        print(f"| {title} | {wall:.0f} | {cpu:.0f} | {rest:.0f} |")
    walls = [r[1] for r in rows]
    print(f"\nworst {max(walls):.0f} ms, mean {sum(walls) / len(walls):.0f} ms over {len(rows)} sorts; "
          f"RSS after sorting {_rss_mib():.0f} MiB, peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    window.close()
    context.close()


if __name__ == "__main__":
    main()
