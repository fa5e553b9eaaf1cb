"""Where one import's CPU and memory go, phase by phase (issue 20):

    python bench/peers/import_phases.py KIND FILE DB [--start TEMPLATE_DB]

``DB`` is made fresh as ``import_one.py`` makes it. At each phase boundary of the engine (read,
parse, warnings, write, flush) prints the import's CPU seconds so far (process time, all
threads: the helper thread's backup counts in the phase it overlaps), the wall seconds since
the import began (the sender's SQLite work overlaps the writer's: wall is below CPU), the
resident MiB then and the highest resident MiB seen so far (sampled every 20 ms; Linux only).
"""

from __future__ import annotations

import resource
import sys
import threading
import time
import weakref

from import_one import arguments, fresh_database


def _resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class _Phases:
    def __init__(self) -> None:
        self.start, self.wall, self.highest = time.process_time(), time.perf_counter(), _resident_mib()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            self.highest = max(self.highest, _resident_mib())
            time.sleep(0.02)

    def mark(self, what: str) -> None:
        now = _resident_mib()
        self.highest = max(self.highest, now)
        print(f"{what:10s} {time.process_time() - self.start:6.2f} s CPU {time.perf_counter()-self.wall:6.2f} wall  {now:5.0f} MiB  "
              f"highest {self.highest:5.0f} MiB", flush=True)

    def around(self, name: str, function):
        def timed(*args, **kwargs):
            self.mark(f"{name} >")
            try:
                return function(*args, **kwargs)
            finally:
                self.mark(f"{name} <")
        return timed


def main(argv: list[str]) -> int:
    args = arguments(argv)
    from wengang.services.importing import engine, import_file  # noqa: PLC0415

    db = fresh_database(args.db, args.start)
    phases = _Phases()
    for name in ("read_table", "parse_table", "add_warnings"):
        setattr(engine, name, phases.around(name.split("_")[0] if name != "add_warnings" else "warnings",
                                            getattr(engine, name)))
    writer = engine.WRITERS[args.kind]

    def write(ctx) -> None:
        # Through a weak reference: ctx.flush holding ctx made a cycle, which kept the whole
        # import (records, upserters) alive until the collector came back, and the end then
        # counted 0.15–0.2 s of collection that a real import never pays.
        flush, context = type(ctx).flush, weakref.ref(ctx)
        ctx.flush = phases.around("flush", lambda: flush(context()))
        phases.around("write", writer)(ctx)

    engine.WRITERS[args.kind] = write
    phases.mark("begin")
    result = import_file(db, args.kind, args.file)
    phases.mark("end")
    db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.kind}: ok={result.ok} rows={result.rows} errors={len(result.errors)} "
          f"warnings={len(result.warnings)}  peak {peak:.0f} MiB")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
