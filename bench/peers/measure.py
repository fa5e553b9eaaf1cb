"""Run a command as a child process and report its wall seconds and peak resident MiB."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak MiB, exit code) of ``cmd``; its output goes to stderr (the table to
    stdout). CPU seconds (user + system, threads included) are the steadier figure on a machine
    others share."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=sys.stderr, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    wall, cpu, peak, code = measure(sys.argv[1:])
    print(f"{wall:.2f} s wall  {cpu:.2f} s CPU  {peak:.0f} MiB  exit {code}")
    sys.exit(code)
