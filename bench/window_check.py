"""The window on a changed file (a copy: ``<db>.verified`` removed): when its background
integrity check is done, and the longest the window did not answer meanwhile (issue 20):

    python bench/window_check.py --db /tmp/c50.db [--rounds 2]

``--db`` is copied, never changed. A 20 ms timer on the GUI thread records the longest gap
between two of its ticks until the check has finished. To compare with another tree, run it
again with ``PYTHONPATH=/that/tree/src`` (each round is a new process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _one(copy: Path) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    from wengang.gui.app import make_application, open_window  # noqa: PLC0415

    app = make_application()
    start = time.perf_counter()
    context, window = open_window(str(copy))
    window.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    def finished() -> None:
        check = getattr(context.db, "integrity", None)
        if check is None or check.done.is_set():
            print(f"check done at {time.perf_counter() - start:.2f} s; the window's longest gap "
                  f"{max(gaps, default=0) * 1000:.0f} ms", flush=True)
            os._exit(0)

    ticking, polling = QTimer(), QTimer()
    ticking.timeout.connect(tick)
    polling.timeout.connect(finished)
    ticking.start(20)
    polling.start(100)
    app.exec()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a round's own process
    args = parser.parse_args()
    if args.one:
        _one(args.one)
        return
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(1, args.rounds + 1):
            copy = Path(folder) / f"copy{round_}.db"
            shutil.copy(args.db, copy)
            env = dict(os.environ, XDG_CONFIG_HOME=str(Path(folder) / "config"))
            print(f"round {round_}: ", end="", flush=True)
            subprocess.run([sys.executable, __file__, "--db", str(args.db), "--one", str(copy)], env=env, check=True)


if __name__ == "__main__":
    main()
