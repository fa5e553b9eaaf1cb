"""How many cores this machine gives right now, before timing anything that overlaps work:

    python bench/cores.py [--processes N] [--loops L]

Runs one CPU-bound Python loop alone, then N copies at once as separate processes, and prints
the wall seconds of each and the throughput of the N together in units of one. On 2026-12-06
the 2-vCPU VM gave 1.1 (1.79 s alone, 3.25–3.75 s two at once): an import's second thread,
a reader process or counting on two connections could not pay there whatever the code did,
and a ±30 % swing between rounds was the host, not the change. Run it in the same hour as the
measurement it qualifies.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

_LOOP = "import sys\ns = 0\nfor i in range(int(sys.argv[1])):\n    s += i\n"


def _timed(processes: int, loops: int) -> float:
    started = time.perf_counter()
    running = [subprocess.Popen([sys.executable, "-c", _LOOP, str(loops)]) for _ in range(processes)]
    for process in running:
        process.wait()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--loops", type=int, default=20_000_000)
    args = parser.parse_args(argv)
    alone = _timed(1, args.loops)
    together = _timed(args.processes, args.loops)
    print(f"one loop alone: {alone:.2f} s; {args.processes} at once: {together:.2f} s; "
          f"throughput {args.processes * alone / together:.2f} of one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
