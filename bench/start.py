"""Bench: starting a new process — ``wengang --help``, ``wengang report F1`` and the window's
first paint (issue 20: report F1 as a new process ≤ 1 s, the window usable ≤ 0.7 s).

Each case runs as its own process, as when the caseworker types the command or double-clicks,
and prints wall seconds, CPU seconds (user + system of the process and its threads) and peak
MiB, min / median over ``--rounds``. Two states of the database file are timed where it matters:

* ``as left``: the file is as a Wengang process last left it (``<db>.verified`` matches), the
  usual case: nothing reads the whole file before the work;
* ``changed``: the record is removed first, as after a copy or a crash: the whole-file
  integrity check runs (in the window: in the background, after the first paint).

``--cold``: before each round the copy is dropped from the OS page cache
(``posix_fadvise(DONTNEED)``, Linux), as on a laptop that has not opened it since it booted, and
after it the MiB of the file the process read are counted (its pages in the cache then, by
``fincore``): what a slow disk would have had to give before the first paint or the form. The
seconds here are of this machine's virtual disk (731 MiB read cold in 0.5 s); the MiB are what
carries over to a laptop's disk.

``python bench/start.py --db /tmp/c50.db --as-of 2026-11-30``; to compare with another tree,
run it again with ``PYTHONPATH=/that/tree/src`` (the children inherit the environment).
The window is measured offscreen from the process's start to the first idle event loop after
``show()`` (the first paint has been done then); its CPU and RSS are read at that moment, on
its first tab (settings in a fresh folder: not the tab another run left open).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))
from measure import as_installed  # bench/peers is not a package: found by the path above

WINDOW = """
import json, os, resource, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from wengang.gui.app import make_application, open_window
app = make_application()
context, window = open_window(sys.argv[1])
window.show()
def painted():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall": time.time() - float(sys.argv[2]), "cpu": usage.ru_utime + usage.ru_stime,
                      "mib": usage.ru_maxrss / 1024}), flush=True)
    os._exit(0)  # not waiting for the background work (overview, integrity check) to finish
from PySide6.QtCore import QTimer
QTimer.singleShot(0, painted)
app.exec()
"""


# The window reopens on the tab last used on this computer (QSettings); the bench starts it as on
# a new laptop, on its first tab (日常工作), whatever other runs left.
_SETTINGS_DIR = tempfile.TemporaryDirectory(prefix="wengang-bench-settings-")  # removed at exit
_FRESH_SETTINGS = {"XDG_CONFIG_HOME": _SETTINGS_DIR.name}
# As installed (bytecode written and kept: peers/measure.as_installed), warnings quiet.
_ENV = as_installed(None) | {"PYTHONWARNINGS": "ignore", **_FRESH_SETTINGS}


def _child(argv: list[str], *, own_clock: bool = False) -> dict:
    """Run one process: wall from the parent's clock, CPU and peak MiB of that process alone
    (``os.wait4``); a child that prints its own figures (the window, at its first paint) wins."""
    started = time.time()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([*argv, str(started)] if own_clock else argv, stdout=out, stderr=err,
                                env=_ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.time() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(argv[:6])}…: {err.read().decode(errors='replace')[-300:]}")
        if own_clock:
            return json.loads(out.read().decode().strip().splitlines()[-1])
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "mib": usage.ru_maxrss / 1024}


def _evict(db: Path) -> None:
    """The database's pages dropped from the OS page cache (Linux; elsewhere nothing)."""
    for path in (db, Path(f"{db}-wal")):
        if path.exists() and hasattr(os, "posix_fadvise"):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def _cached_mib(db: Path) -> float | None:
    """MiB of the database file in the OS page cache (util-linux ``fincore``; None without it)."""
    try:
        out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(db)],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return int(out.split()[0]) / 2**20


def _forget(db: Path) -> None:
    Path(str(db) + ".verified").unlink(missing_ok=True)


def _write_with_a_command(db: Path) -> None:
    """A command that writes and ends without closing the database itself (``setup --reviewer``),
    as ``import`` does before the caseworker asks for the form."""
    subprocess.run([sys.executable, "-m", "wengang", "--db", str(db), "setup", "--reviewer", "王审核"],
                   check=True, capture_output=True)


def _leave_as_left(db: Path) -> None:
    """Open and close with the lock: the file is then recorded as this program left it."""
    code = "import sys\nfrom wengang.store.db import open_database\n" \
           "open_database(sys.argv[1], daily_backup=False).close()"
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)


def cases(db: Path, as_of: str, out_dir: Path) -> list[tuple[str, list[str], object, bool]]:
    """(name, argv, prepare(db) before each round, the child prints its own figures)."""
    py = sys.executable
    report = [py, "-m", "wengang", "--db", str(db), "report", "F1", "--as-of", as_of,
              "--out", str(out_dir / "F1.xlsx")]
    return [
        ("wengang --help", [py, "-m", "wengang", "--help"], None, False),
        ("python -c pass (the interpreter alone)", [py, "-c", "pass"], None, False),
        ("wengang report F1 --out（文件如上次离开）", report, _leave_as_left, False),
        ("wengang report F1 --out（文件已变：完整性检查）", report, _forget, False),
        ("wengang report F1 --out（紧接一个写入的命令）", report, _write_with_a_command, False),
        ("窗口首次绘制（文件如上次离开）", [py, "-c", WINDOW, str(db)], _leave_as_left, True),
        ("窗口首次绘制（文件已变：后台检查）", [py, "-c", WINDOW, str(db)], _forget, True),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="an existing county database (not modified)")
    parser.add_argument("--as-of", default="2026-11-30")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", help="cases whose name contains this text")
    parser.add_argument("--cold", action="store_true",
                        help="the file out of the OS page cache before each round; count the MiB read")
    args = parser.parse_args(argv)
    read = " | file read MiB (each round)" if args.cold else ""
    print(f"| case | wall s (min / median) | CPU s (min / median) | peak MiB{read} |")
    print("|---|---|---|---|" + ("---|" if args.cold else ""))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "county.db"  # a copy: the bench never writes the caseworker's file
        _copy(args.db, copy)
        for name, command, prepare, own_clock in cases(copy, args.as_of, Path(tmp)):
            if args.only and not any(text in name for text in args.only):
                continue
            runs = []
            for _round in range(args.rounds):
                if prepare is not None:
                    prepare(copy)
                if args.cold:
                    _evict(copy)
                runs.append(_child(command, own_clock=own_clock))
                if args.cold:
                    runs[-1]["read"] = _cached_mib(copy)
                Path(str(copy) + ".lock").unlink(missing_ok=True)  # the window's os._exit leaves it
            walls, cpus = [r["wall"] for r in runs], [r["cpu"] for r in runs]
            reads = [r["read"] for r in runs if r.get("read") is not None]
            cold = (f" {' / '.join(f'{r:.1f}' for r in reads)} |" if reads else " — |") if args.cold else ""
            print(f"| {name} | {min(walls):.2f} / {statistics.median(walls):.2f} | "
                  f"{min(cpus):.2f} / {statistics.median(cpus):.2f} | {max(r['mib'] for r in runs):.0f} |{cold}",
                  flush=True)
    return 0


def _copy(source: Path, target: Path) -> None:
    import sqlite3  # noqa: PLC0415

    src, dst = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


if __name__ == "__main__":
    raise SystemExit(main())
