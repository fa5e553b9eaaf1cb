"""A large .xlsx read in a second process while this one parses what has arrived (issue 20).

Streaming a sheet holds the GIL the whole time (a 165,000-person roster: 2.1 s), so nothing
else of the import can run beside it in this process. A child process runs the very same
reader (:class:`reader._Opened`: the same guards, texts and header) and sends the kept
columns' texts a chunk at a time (marshal over its stdout: 0.07 s to load a roster's); this
process parses each chunk as it comes (:class:`parse.TableParser`), its helper thread meanwhile
reading the look-ups and taking the backup. Anything unusual in the child — a guard that wants
the sheet measured, a sheet the stream cannot read, an unreadable file, a crash, a child that
does not start — and :func:`read_beside` gives None: the caller reads the file itself, as it
always did, so the table, and every refusal's text, is the reader's own.

The child is a new interpreter (never a fork: this process has threads) started by its own
command line, not by multiprocessing: multiprocessing's spawn runs the parent's main script
again in the child, and a script that imports without ``if __name__ == "__main__"`` then
imported a second time from the child (it did, in a bench script: the child recreated the
database the parent was writing). A frozen program is started again with :data:`CHILD_FLAG`
(build/launch.py hands it to :func:`child_main` before loading anything else).
"""

from __future__ import annotations

import marshal
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from wengang.services.importing import reader
from wengang.services.importing.reader import STREAMED, Table, known_column

# Below this size a file is read here: starting the child (a new interpreter importing the
# reader) costs about 0.2 s, which a small file never wins back.
MIN_BYTES = 2 * 2**20
CHILD_FLAG = "--wengang-read-sheet"

Head = Callable[[list[str], int], object]  # (headers, header row) once the header is known
Chunk = Callable[[list[list[str] | None], int], object]  # (the columns' texts, rows) per chunk
_LENGTH = struct.Struct("<Q")  # each message: its length, then marshal's bytes
_FAILED, _END = "failed", "end"
_CHILD_CODE = "import sys; from wengang.services.importing.sheet_process import child_main; sys.exit(child_main(sys.argv[1]))"


def worth_a_process(path: Path) -> bool:
    """Whether ``path`` is an .xlsx/.xlsm large enough to read in a child process."""
    try:
        return path.suffix.lower() in STREAMED and path.stat().st_size >= MIN_BYTES
    except OSError:
        return False


def _child_command(path: Path) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG, str(path)]
    return [sys.executable, "-c", _CHILD_CODE, str(path)]


def read_beside(path: Path, on_head: Head, on_chunk: Chunk) -> Table | None:
    """``reader.read_table(path, keep=known_column)`` read by a child process, or None if it did
    not read it.

    ``on_head(headers, header_row)`` is called once the header is known and ``on_chunk(columns,
    rows)`` for each chunk of data rows as it arrives (``columns`` as the headers', None for a
    column not kept), both on this thread; what they raise ends the child and propagates. The
    headers may still gain blank columns at the left when a data row has a cell there: the
    table returned is the one to trust. The child is ended and waited for before this returns."""
    try:
        child = subprocess.Popen(_child_command(path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    except (OSError, ValueError):  # no process to be had
        return None
    _widen(child.stdout)
    try:
        return _received(child.stdout, path, on_head, on_chunk)
    finally:
        if child.poll() is None:
            child.kill()  # a parse that failed, a cancel: the rest of the sheet is not wanted
        child.stdout.close()
        child.wait()


# A chunk's message (a 16-column roster's 4,096 rows: about 450 KB) fits in the pipe at once:
# with the usual 64 KiB the child waited at every chunk for this process, busy parsing the last
# one, to read the next 64 KiB.
PIPE_BYTES = 2**20
_F_SETPIPE_SZ = 1031  # Linux's fcntl for a pipe's buffer (Python 3.10+ names it on Linux only)


def _widen(stream: BinaryIO) -> None:
    try:
        import fcntl  # noqa: PLC0415 - not on Windows

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", _F_SETPIPE_SZ), PIPE_BYTES)
    except (ImportError, OSError):  # elsewhere, or a system's smaller limit: the usual pipe
        pass


def _received(stream: BinaryIO, path: Path, on_head: Head, on_chunk: Chunk) -> Table | None:
    head = _message(stream)
    if head in (None, _FAILED):
        return None
    opened = _Head(*head)
    lead = opened.lead  # the chunks' columns are the headers' given here, whatever comes later
    on_head(opened.headers[lead:], opened.header_index + 1)
    width = len(opened.headers)
    columns: list[list[str] | None] = [[] if c in opened.kept else None for c in range(width)]
    sharing = [_Shared() for _ in opened.kept]
    numbers: list[int] = []
    while (message := _message(stream)) not in (None, _FAILED):
        if message == _END:
            return opened.table(path, columns, numbers, opened.lead)
        texts, rows, opened.lead = message
        chunk: list[list[str] | None] = [None] * width
        for c, column, column_texts in zip(opened.kept, sharing, texts):
            chunk[c] = column.add(column_texts)
            columns[c].extend(chunk[c])
        numbers.extend(rows)
        on_chunk(chunk[lead:], len(rows))
    return None


class _Shared:
    """One text object per repeated value of a column (乡镇, dates, an employment file's 证件号码),
    as read here: marshal shares them within a message, this across them (reader._ColumnText's
    rule: a column whose values hardly repeat stops sharing)."""

    __slots__ = ("known", "seen")

    def __init__(self) -> None:
        self.known: dict[str, str] | None = {}
        self.seen = 0

    def add(self, texts: list[str]) -> list[str]:
        known = self.known
        if known is None:
            return texts
        self.seen += len(texts)
        texts = list(map(known.setdefault, texts, texts))
        if len(known) > reader.SHARED_MAX and len(known) * 2 > self.seen:
            self.known = None
        return texts


def _message(stream: BinaryIO) -> object | None:
    """The child's next message; None when there is none (it died part way)."""
    try:
        size = stream.read(_LENGTH.size)
        if len(size) < _LENGTH.size:
            return None
        data = stream.read(_LENGTH.unpack(size)[0])
        return marshal.loads(data)
    except (EOFError, OSError, ValueError, TypeError, MemoryError):  # a message cut short
        return None


class _Head(reader._Opened):  # noqa: SLF001 - what the child found, rebuilt here
    def __init__(self, sheet: str, notes: list[str], header_index: int, headers: list[str], title_rows: list,
                 kept: list[int], lead: int):
        self.sheet, self.notes, self.header_index, self.headers = sheet, notes, header_index, headers
        self.title_rows, self.kept, self.lead, self.rows = title_rows, kept, lead, None


def child_main(path: str, out: BinaryIO | None = None) -> int:
    """The child's work: the sheet streamed as :func:`reader.read_table` streams it first, its
    header and then each chunk written to ``out`` (stdout); on anything else "failed", and the
    parent reads the file itself."""
    out = out or sys.stdout.buffer
    try:
        opened = reader._Opened(Path(path), known_column, streamed=True, measured=False)  # noqa: SLF001
        _send(out, (opened.sheet, opened.notes, opened.header_index, opened.headers, opened.title_rows,
                    opened.kept, opened.lead))
        for texts, rows, lead in opened.chunks():
            _send(out, (texts, list(rows), lead))
        _send(out, _END)
    except BaseException:  # noqa: BLE001 - whatever it was, the parent reads the file itself
        try:
            _send(out, _FAILED)
        except OSError:
            return 1  # the parent is gone, or no longer listening
    return 0


def _send(out: BinaryIO, message: object) -> None:
    data = marshal.dumps(message)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()
