"""Bench: the 台账 shown again after the caseworker saves a 务工 record, in the window (offscreen).

    python bench/edit_refresh.py --db /tmp/c200.db

Copies the file (with its ``.verified`` record: no whole-file check) to a temporary folder,
opens the window there with 台账 shown, waits until the background is idle, then twice saves
a 务工 record for a person (``services.registry.save_spell``, as the person page does) and
says the data changed. Prints how long until the list is shown again and the longest the GUI
thread did not answer (a 20 ms timer). Compare with another tree with
``PYTHONPATH=/that/tree/src``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="edit_refresh_"))
    os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = folder / args.db.name
    shutil.copy2(args.db, path)
    if Path(f"{args.db}.verified").exists():
        shutil.copy2(f"{args.db}.verified", f"{path}.verified")
    try:
        walk(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def walk(path: Path) -> None:
    from window_clock import Heartbeat, open_window, until

    from wengang.services import registry

    app, context, window = open_window(path)
    heartbeat = Heartbeat()
    tab = window.show_tab("台账")
    until(app, tab.is_ready)
    until(app, lambda: context.pool.activeThreadCount() == 0 and not context._workers)
    for offset in (5000, 9000):
        person = context.db.execute("SELECT id FROM persons LIMIT 1 OFFSET ?", [offset]).fetchone()[0]
        heartbeat.reset()
        started = time.perf_counter()
        registry.save_spell(context.db, {"person_id": person, "start_date": "2026-11-20", "region": "县内",
                                         "channel": "灵活就业"})
        context.data_changed.emit()
        until(app, lambda: not tab.is_ready(), 2)
        until(app, tab.is_ready)
        print(f"a 务工 record saved: the list shown again in {time.perf_counter() - started:.2f} s, "
              f"longest GUI stall {heartbeat.worst * 1000:.0f} ms")
    window.close()
    context.close()


if __name__ == "__main__":
    main()
