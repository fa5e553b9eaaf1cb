"""Run a command as a child process and report its wall seconds and peak resident MiB.

The peak is the command's own (``ru_maxrss``); on Linux also the highest sum of the resident
memory of the command and every process it started (an import reading its sheet in a second
process, issue 20: the two together are what the machine needs): the processes found in /proc
every 0.5 s, their memory read every 20 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

# The process tree is looked for this often (a scan of every /proc entry, about 15 ms of CPU
# here); its members' resident memory is read every SAMPLE_SECONDS. Scanning /proc every 20 ms
# took a fifth of a core: a command using both cores (``report F1`` counting in halves at 200k)
# ran 0.15-0.25 s longer under this script than alone (1.75-1.88 against 1.58-1.63 s).
TREE_SECONDS = 0.5
SAMPLE_SECONDS = 0.02


def _tree(root: int) -> set[int]:
    """``root`` and its descendants now, from Linux's /proc (the sampler runs only there)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def _resident_mib(pids: set[int]) -> float:
    """The resident MiB of ``pids`` together now (those gone count nothing)."""
    pages = 0
    for pid in pids:
        try:
            pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def as_installed(env: dict | None) -> dict:
    """``env`` (default: this process's) without ``PYTHONDONTWRITEBYTECODE``, as a caseworker's
    machine runs: pip compiles an installed package's modules, the frozen build carries bytecode.
    This machine sets the variable, so an editable checkout compiled all of wengang's source in
    every timed process (0.2-0.3 s of a ``report F1``) while pandas and openpyxl, installed, did not."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak MiB, exit code) of ``cmd``; its output goes to stderr (the table to
    stdout). CPU seconds (user + system, threads and waited-for children included) are the
    steadier figure on a machine others share."""
    wall, cpu, peak, code, _ = measure_tree(cmd, env)
    return wall, cpu, peak, code


def measure_tree(cmd: list[str], env: dict | None = None) -> tuple[float, float, float, int, float]:
    """:func:`measure` (its command run :func:`as_installed`) and the highest resident MiB of the command with its children together."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=sys.stderr, env=as_installed(env))
    highest = [0.0]
    done = threading.Event()

    def sample() -> None:
        tree, scanned = {process.pid}, 0.0
        while not done.is_set():
            if time.monotonic() - scanned >= TREE_SECONDS:
                tree, scanned = _tree(process.pid), time.monotonic()
            highest[0] = max(highest[0], _resident_mib(tree))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    if sys.platform.startswith("linux"):
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), highest[0]


if __name__ == "__main__":
    wall, cpu, peak, code, tree = measure_tree(sys.argv[1:])
    print(f"{wall:.2f} s wall  {cpu:.2f} s CPU  {peak:.0f} MiB  with children {tree:.0f} MiB  exit {code}")
    sys.exit(code)
