"""Helpers shared by the commands: opening the database named by ``--db``, printing tables."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from wengang.domain.dates import parse_typed_day
from wengang.paths import default_db_path
from wengang.services.read import lookups
from wengang.store.areas import area_path, heading
from wengang.store.db import StoreError, open_database

if TYPE_CHECKING:
    import sqlite_utils

_DB_OPTION = argparse.ArgumentParser(add_help=False)
_DB_OPTION.add_argument("--db", metavar="PATH", type=Path, default=argparse.SUPPRESS,
                        help="数据库文件（默认：用户数据文件夹中的 wengang.db）")


def add_command(sub, name: str, **kwargs) -> argparse.ArgumentParser:
    """Add a subcommand that also accepts ``--db`` after its name (``wengang gui --db x.db``)."""
    return sub.add_parser(name, parents=[_DB_OPTION], **kwargs)


def day_arg(text: str) -> dt.date:
    """A date option as a caseworker types it: 2026-10-31, 20261031 or 2026年10月31日."""
    day = parse_typed_day(text)
    if day is None:
        raise SystemExit(f"错误：日期“{text}”应写成 2026-10-31 这样的格式（也可写 20261031 或 2026年10月31日）")
    return day


def split_names(text: str) -> list[str]:
    """``F1,F5``, ``F1，F5`` or ``F1、F5`` → ``["F1", "F5"]`` (how a caseworker types a list)."""
    return [n.strip() for n in re.split(r"[,，、]", text) if n.strip()]


OUTPUT_SUFFIXES = (".xlsx", ".csv", ".pdf")


def several_outputs_folder(out: str | None, what: str) -> Path:
    """``--out`` for several files: a folder (created), never a file name (ValueError)."""
    if out is None or Path(out).suffix.lower() in OUTPUT_SUFFIXES:
        raise ValueError(f"多张{what}要写入一个文件夹：--out 请给文件夹，格式用 --format 指定"
                         + (f"（而不是 {out}）" if out else ""))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cannot_write(exc: OSError, target) -> int:
    """Say plainly that a file could not be written (open in Excel/WPS, a full or read-only
    drive, a file where a folder should be); the command's exit code 2."""
    from wengang.store.diskerrors import plain_problem  # noqa: PLC0415

    plain = plain_problem(exc, Path(str(target or exc.filename or "")), "文件")
    if plain is not None:  # a full disk or a read-only drive: said as such (issue 19)
        print(f"错误：{plain}", file=sys.stderr)
        return 2
    print(f"错误：无法写入 {exc.filename or target}：{exc.strerror or exc}（文件是否正在 Excel/WPS 中打开？）",
          file=sys.stderr)
    return 2


class InputStop(SystemExit):
    """The command stopped at what was typed (an area or 安置点 not found, or named twice),
    said plainly, exit 2. Not a failure that may lie in the file: ``main`` lets the database go
    as after any finished command, its state recorded. A failure's state is forgotten, so the
    next open read the whole file again (20 s at 200,000 households) after a mistyped --area."""


def find_area(db, name: str) -> int:
    """The id of the area called ``name``; exit 2 when there is none or several (their
    townships named, and how to write one of them)."""
    ids = lookups.area_ids_named(db, name)
    if len(ids) == 1:
        return ids[0]
    if not ids:
        print(f"错误：找不到地区“{name}”", file=sys.stderr)
    else:
        above = [path[-2]["name"] for path in (area_path(db, i) for i in ids) if len(path) > 1]
        where = f"（在{'、'.join(above)}），请写成 乡镇/村，如 {above[0]}/{name}" if above else ""
        print(f"错误：有{len(ids)}个同名的地区“{name}”{where}", file=sys.stderr)
    raise InputStop(2)


def area_named(db, name: str) -> int:
    """An area by name, or by ``乡镇/村`` where several villages share a name (three 河西村)."""
    if "/" not in name.replace("／", "/"):
        return find_area(db, name)
    township, village = (part.strip() for part in name.replace("／", "/").split("/", 1))
    village_id = lookups.village_id(db, township, village)
    if village_id is None:
        print(f"错误：找不到地区“{name}”", file=sys.stderr)
        raise InputStop(2)
    return village_id


def optional_area(db, name: str | None) -> int | None:
    """The area ``--area`` or ``--village`` names (:func:`area_named`); None when not given."""
    return area_named(db, name) if name else None


# The options the duties' commands share: same flag, same words, same reading.
def add_as_of(parser: argparse.ArgumentParser, help_text: str | None = None) -> None:
    """``--as-of D``, optional: the day to look at, today unless given (:func:`as_of_or_today`)."""
    parser.add_argument("--as-of", type=day_arg, default=None, metavar="D", help=help_text)


def as_of_or_today(args) -> dt.date:
    return args.as_of or dt.date.today()


def add_area_option(parser: argparse.ArgumentParser) -> None:
    """``--area NAME``: only one township or village (read with :func:`optional_area`)."""
    parser.add_argument("--area", metavar="NAME", help="只看某个乡镇或村")


def add_village_option(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--village NAME``: a village (or township); ``乡镇/村`` where the name repeats."""
    parser.add_argument("--village", required=required, metavar="NAME", help="村（或乡镇）名称；重名的村写成 乡镇/村")


def db_path(args) -> Path:
    return Path(args.db) if getattr(args, "db", None) else default_db_path()


# A password typed at the prompt, by file, for the same process's later opens of that file
# (a command that opens it twice asked twice); kept only once it opened the file.
_TYPED: dict[Path, str] = {}


def open_db(args, *, lock: bool = True, daily_backup: bool = True) -> sqlite_utils.Database:
    """Open the database for a command, or exit 2 with the store's message.

    ``lock=False`` for read-only commands, which may run while the program is open. An
    encrypted database takes its password from ``WENGANG_PASSWORD`` or asks for it, once per
    process.
    ``daily_backup=False`` for a command that writes none of the caseworker's data (forms,
    lists: the status store's derived rows alone): the day's backup is taken by the first
    command or window that may change the data, not before a form. At 200,000 households it
    copies 731 MiB (1.9 s of a 2.6 s ``report F1`` on this machine; tens of seconds from a
    laptop's disk), and a day with nothing but forms has nothing new to keep.
    """
    from wengang.store import integrity  # noqa: PLC0415
    from wengang.store.integrity import PasswordRequiredError  # noqa: PLC0415

    integrity.on_full_check = _say_checking
    path = db_path(args)
    password = os.environ.get("WENGANG_PASSWORD") or _TYPED.get(path.resolve()) or None
    try:
        try:
            return open_database(path, password=password, lock=lock, daily_backup=daily_backup)
        except PasswordRequiredError:
            if password or not sys.stdin.isatty():
                raise
            typed = getpass.getpass("数据库密码：")
            db = open_database(path, password=typed, lock=lock, daily_backup=daily_backup)
            _TYPED[path.resolve()] = typed
            return db
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _say_checking(path: Path):
    """Around the whole-file check of a changed file (``store.integrity.on_full_check``)."""
    return say_checking(path, "数据库文件", "（它在本程序上次正常关闭后有过变化，例如是复制来的；"
                                       "只检查这一次，大的文件要十几秒）")


@contextlib.contextmanager
def say_checking(path: Path, what: str, why: str = ""):
    """Around a whole-file check (``store.backup.Checking``): what is checked, then, on a
    terminal, how far it is; how long it took once the file passed."""
    print(f"正在检查{what}“{path.name}”是否完好{why}…", file=sys.stderr, flush=True)
    said = _CheckSaid()
    try:
        yield said.part_done
    finally:
        said.stop()
    print(f"文件完好（检查用了{said.seconds():.0f}秒）", file=sys.stderr, flush=True)


class _CheckSaid:
    """How far the check is, on the terminal's progress line: the share checked (of the
    parts' estimated costs) and the seconds so far, again every second (one part can take
    most of the check: the persons' 18 s of a copied 200,000-household file, the share
    standing still meanwhile). Nothing per part where the output is not a terminal."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._parts = (0, 0)
        self._guard = threading.Lock()
        self._over = threading.Event()
        self._ticking = threading.Thread(target=self._tick, name="wengang-check-said", daemon=True)
        if sys.stderr.isatty():
            self._ticking.start()

    def seconds(self) -> float:
        return time.monotonic() - self._start

    def part_done(self, done: int, total: int) -> None:
        with self._guard:
            self._parts = (done, total)
        self._say()

    def _tick(self) -> None:
        while not self._over.wait(1.0):
            self._say()

    def _say(self) -> None:
        if not self._ticking.is_alive():
            return
        with self._guard:
            done, total = self._parts
            parts = f"已检查{100 * done // total}%，" if total else ""
            _say_line(f"  {parts}已用{self.seconds():.0f}秒")

    def stop(self) -> None:
        if self._ticking.is_alive():
            self._over.set()
            self._ticking.join()
            end_progress()


_SAID = [0]  # the columns of the progress line on the terminal now (0: none)


def _say_line(text: str) -> None:
    """``text`` on the terminal's one progress line, over what it said before (the spaces
    clear a longer line)."""
    line = f"{text}    "
    print(f"\r{line}", end="", file=sys.stderr, flush=True)
    _SAID[0] = max(_SAID[0], 2 * len(line))  # a Chinese character takes two columns


def say_progress(done: int, total: int, text: str) -> None:
    """A service's ``progress(done, total, text)`` on the progress line of a terminal (an
    import, the six lists: 30 s at 200,000 households); nothing elsewhere. Without a total
    the text says how far it got (a sheet read whose length is not known beforehand).
    :func:`end_progress` ends the line, :func:`clear_progress` wipes it for a line of results."""
    if sys.stderr.isatty() and (total or done or text):
        _say_line(f"{text} {done:,}/{total:,}" if total else text)


def end_progress() -> None:
    """The progress line, ended (on a terminal)."""
    if sys.stderr.isatty():
        print(file=sys.stderr)
    _SAID[0] = 0


def clear_progress() -> None:
    """The progress line, wiped: what is printed next takes its place."""
    if _SAID[0] and sys.stderr.isatty():
        print("\r" + " " * _SAID[0] + "\r", end="", file=sys.stderr, flush=True)
    _SAID[0] = 0


def copying_said():
    """On a terminal, a backup's ``progress(bytes written, bytes to write)`` (``store.backup``)
    said on the progress line as the share copied; None elsewhere (nothing to say it on)."""
    if not sys.stderr.isatty():
        return None
    said = [-1]

    def copied(done: int, total: int) -> None:
        share = 100 * done // total if total else 100
        if share != said[0]:
            said[0] = share
            _say_line(f"  已备份{share}%")
    return copied


def say_unsettled_place(db) -> None:
    """On stderr, when 设置 names no place: whose name the forms and lists just written carry."""
    note = heading(db).note
    if note:
        print(f"提示：{note}（命令行：wengang setup --province 省 --county 县）", file=sys.stderr)


def print_table(headers: list[str], rows: list[list], file=None) -> None:
    """A plain aligned text table (CJK characters count double width)."""
    import unicodedata

    def width(text: str) -> int:
        # Numbers, ID numbers and dates are ASCII: one column a character, without looking each
        # up (listing a cell's 327,000 persons at 200,000 households spent 4 s here).
        if text.isascii():
            return len(text)
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]
    out = file or sys.stdout
    for n, row in enumerate(cells):
        line = "  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row))
        print(line.rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
