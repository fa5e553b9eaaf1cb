"""The window's search after a derived write (issue 20): the person table's whole order
remembered, then another connection stores a new date in the status store (F1 at a date not
stored), then the search 'z' is timed on the window's connection.

    python bench/registry_search.py --db /tmp/copy-of-c200.db [--as-of 2026-11-30]

Run on a copy (``cp -p`` with its ``.verified``): the status store gains a date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-of", default="2026-11-30")
    parser.add_argument("--day", default=None, help="the new date the other connection stores")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from wengang.gui.registry.models import PersonTableModel
    from wengang.services.reports import compute_form
    from wengang.store.db import open_database

    _app = QApplication.instance() or QApplication([])
    as_of = dt.date.fromisoformat(args.as_of)
    window, other = open_database(args.db), open_database(args.db)
    model = PersonTableModel(window)
    model.filter.as_of = as_of
    model.reload()
    whole = len(model.ids())  # the whole order, remembered (the background read's result)
    stored = {r[0] for r in other.execute("SELECT day FROM status_store_dates").fetchall()}
    day = dt.date.fromisoformat(args.day) if args.day else as_of - dt.timedelta(days=17)
    while day.year * 10000 + day.month * 100 + day.day in stored:
        day -= dt.timedelta(days=1)
    version = window.execute("PRAGMA data_version").fetchone()[0]
    compute_form(other, "F1", day, period_from=day.replace(month=1, day=1), ref_date=dt.date(day.year - 1, 12, 31))
    assert window.execute("PRAGMA data_version").fetchone()[0] != version  # the other connection wrote
    wall, cpu = time.perf_counter(), time.process_time()
    model.set_filter(search="z")
    first = time.perf_counter() - wall, time.process_time() - cpu
    model.ids()  # every match (the window reads the rest on its background connection)
    print(f"{whole} persons; new date {day}; search 'z': {model.rowCount()} matches, "
          f"keystroke {first[0]:.3f} s wall / {first[1]:.3f} CPU; with every match "
          f"{time.perf_counter() - wall:.3f} / {time.process_time() - cpu:.3f}")


if __name__ == "__main__":
    main()
