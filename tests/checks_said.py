"""A ``store.backup.Checking`` for tests: what a restore, an encryption or a re-keying said of
each whole-file check it made."""

from __future__ import annotations

import contextlib
from pathlib import Path


class Checks:
    """Per file checked: its name, what it was called, the progress it was told (done,
    total), and whether it passed (its context left without an exception)."""

    def __init__(self) -> None:
        self.seen: list[dict] = []

    @contextlib.contextmanager
    def __call__(self, path: Path, what: str):
        check = {"name": path.name, "what": what, "parts": [], "passed": False}
        self.seen.append(check)
        yield lambda done, total: check["parts"].append((done, total))
        check["passed"] = True

    def told_to_the_end(self) -> bool:
        """Every check was told of more than five parts, rising to its total."""
        for check in self.seen:
            done, total = zip(*check["parts"])
            if not (len(done) > 5 and set(total) == {total[0]} and list(done) == sorted(done)
                    and done[-1] == total[0]):
                return False
        return True
