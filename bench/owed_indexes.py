"""Bench: the window on a county right after its first roster import (issue 20).

    python bench/owed_indexes.py COUNTY.db [--column 姓名]

A first import leaves the persons' window-only indexes owed (``store.owed_indexes``); the
window builds them on its background thread as it opens. Opens the window (offscreen) on
``COUNTY.db`` as it is (use a copy made right after ``wengang import persons``, with its
``.verified`` record), shows 登记 and times, on the GUI thread, a sort by ``--column`` until
its first row is on screen while the indexes are still owed (twice), then how long after the
start they were built, then the same sort once they are.
"""

from __future__ import annotations

import argparse
import os
import time

from sort import _until  # bench/sort.py: the event loop turned until a condition holds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--column", default="姓名")
    args = parser.parse_args()

    from PySide6.QtCore import Qt

    from wengang.gui.app import make_application, open_window
    from wengang.store.owed_indexes import owed

    began = time.perf_counter()
    app = make_application()
    context, window = open_window(args.db)
    window.show()
    app.processEvents()
    print(f"owed at the start: {', '.join(owed(context.db)) or 'none'}")
    model = window.show_tab("登记").persons
    column = [spec.title for spec in model.columns].index(args.column)

    def sort(label: str) -> None:
        started = time.perf_counter()
        model.sort(column, Qt.SortOrder.AscendingOrder)
        for c in range(model.columnCount()):
            model.index(0, c).data()
        print(f"{label}: sorted by {args.column}, first row in {(time.perf_counter() - started) * 1000:.0f} ms "
              f"({len(owed(context.db))} indexes owed, {time.perf_counter() - began:.2f} s after the start)")
        model.sort(0, Qt.SortOrder.AscendingOrder)

    sort("while owed")
    sort("while owed")
    _until(lambda: not owed(context.db))
    print(f"built {time.perf_counter() - began:.2f} s after the start")
    _until(lambda: context.pool.activeThreadCount() == 0)
    sort("once built")
    window.close()
    context.close()


if __name__ == "__main__":
    main()
