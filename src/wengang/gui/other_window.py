"""Another window of this program, on another database file, as its own process (one
database per window: the context, its lock and its background work stay simple)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess

DEMO_FILE = "示范县.db"


def demo_path(current: Path | str) -> Path:
    """Where the demo county goes beside a county with data: 示范县.db in the same folder (or
    示范县-2.db when this file is that one)."""
    current = Path(current)
    path = current.with_name(DEMO_FILE)
    return path.with_name("示范县-2.db") if path == current else path


def program(db_path: Path, *extra: str) -> tuple[str, list[str]]:
    """The command line that opens the window on ``db_path``: the frozen program itself, or
    this interpreter running the package."""
    if getattr(sys, "frozen", False):
        return sys.executable, ["--db", str(db_path), "gui", *extra]
    return sys.executable, ["-m", "wengang", "--db", str(db_path), "gui", *extra]


def open_in_new_window(db_path: Path, *, demo: bool = False) -> bool:
    """Start the program on ``db_path`` in a process of its own; False when it could not start."""
    command, args = program(db_path, *(["--demo"] if demo else []))
    started, _pid = QProcess.startDetached(command, args)
    return bool(started)
