"""A large .xlsx read in a second process while this one parses what has arrived (issue 20).

Streaming a sheet holds the GIL the whole time (a 165,000-person roster: 2.1 s), so nothing
else of the import can run beside it in this process. A child process runs the very same
reader (:class:`reader._Opened`: the same guards, texts and header) and sends the kept
columns' texts a chunk at a time (marshal over a pipe: 0.07 s to load a roster's); this
process parses each chunk as it comes (:class:`parse.TableParser`), its helper thread meanwhile
reading the look-ups and taking the backup. Anything unusual in the child — a guard that wants
the sheet measured, a sheet the stream cannot read, an unreadable file, a crash, a child that
does not start — and :func:`read_beside` gives None: the caller reads the file itself, as it
always did, so the table, and every refusal's text, is the reader's own.

The child is started with ``spawn`` everywhere (a fork after threads is unsafe); a frozen
program calls ``multiprocessing.freeze_support()`` first thing (build/launch.py).
"""

from __future__ import annotations

import marshal
import multiprocessing
from collections.abc import Callable
from pathlib import Path

from wengang.services.importing import reader
from wengang.services.importing.reader import STREAMED, Table

# Below this size a file is read here: starting the child (a new interpreter importing the
# reader) costs about 0.2 s, which a small file never wins back.
MIN_BYTES = 2 * 2**20

Head = Callable[[list[str], int], object]  # (headers, header row) once the header is known
Chunk = Callable[[list[list[str] | None], int], object]  # (the columns' texts, rows) per chunk


def worth_a_process(path: Path) -> bool:
    """Whether ``path`` is an .xlsx/.xlsm large enough to read in a child process."""
    try:
        return path.suffix.lower() in STREAMED and path.stat().st_size >= MIN_BYTES
    except OSError:
        return False


def read_beside(path: Path, keep: Callable[[str], bool], on_head: Head, on_chunk: Chunk) -> Table | None:
    """``reader.read_table(path, keep)`` read by a child process, or None if it did not read it.

    ``on_head(headers, header_row)`` is called once the header is known and ``on_chunk(columns,
    rows)`` for each chunk of data rows as it arrives (``columns`` as the table's, None for a
    column not kept), both on this thread; what they raise ends the child and propagates. The
    headers may still gain blank columns at the left when a data row has a cell there: the
    table returned is the one to trust. The child is ended and waited for before this returns."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=child_reads, args=(str(path), keep, sending), name="wengang-read", daemon=True)
    try:
        child.start()
    except (OSError, RuntimeError):  # no process to be had; a main module that starts one on import
        return None
    finally:
        sending.close()
    try:
        return _received(receiving, path, on_head, on_chunk)
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()  # a parse that failed, a cancel: the rest of the sheet is not wanted
        child.join()


def _received(receiving, path: Path, on_head: Head, on_chunk: Chunk) -> Table | None:
    head = _message(receiving)
    if head is None:
        return None
    opened = _Head(*head)
    lead = opened.lead  # the chunks' columns are the headers' given here, whatever comes later
    on_head(opened.headers[lead:], opened.header_index + 1)
    width = len(opened.headers)
    columns: list[list[str] | None] = [[] if c in opened.kept else None for c in range(width)]
    sharing = [reader._ColumnText() for _ in opened.kept]  # noqa: SLF001 - one text per repeated value, as read here
    numbers: list[int] = []
    while (message := _message(receiving)) is not None:
        if message == "end":
            return opened.table(path, columns, numbers, opened.lead)
        texts, rows, opened.lead = message
        texts = [column.add(t) for column, t in zip(sharing, texts)]
        chunk: list[list[str] | None] = [None] * width
        for c, column_texts in zip(opened.kept, texts):
            columns[c].extend(column_texts)
            chunk[c] = column_texts
        numbers.extend(rows)
        on_chunk(chunk[lead:], len(rows))
    return None


def _message(receiving) -> object | None:
    """The child's next message; None when it sent none (it failed, or died)."""
    try:
        message = marshal.loads(receiving.recv_bytes())
    except (EOFError, OSError, ValueError, TypeError, MemoryError):
        return None
    return None if message == "failed" else message


class _Head(reader._Opened):  # noqa: SLF001 - what the child found, rebuilt here
    def __init__(self, sheet: str, notes: list[str], header_index: int, headers: list[str], title_rows: list,
                 kept: list[int], lead: int):
        self.sheet, self.notes, self.header_index, self.headers = sheet, notes, header_index, headers
        self.title_rows, self.kept, self.lead, self.rows = title_rows, kept, lead, None


def child_reads(path: str, keep: Callable[[str], bool], sending) -> None:
    """The child's work: the sheet streamed as :func:`reader.read_table` streams it first, its
    header and then each chunk sent; on anything else ("failed") the parent reads it itself."""
    try:
        opened = reader._Opened(Path(path), keep, streamed=True, measured=False)  # noqa: SLF001
        send = sending.send_bytes
        send(marshal.dumps((opened.sheet, opened.notes, opened.header_index, opened.headers, opened.title_rows,
                            opened.kept, opened.lead)))
        for texts, rows, lead in opened.chunks():
            send(marshal.dumps((texts, list(rows), lead)))
        send(marshal.dumps("end"))
    except BaseException:  # noqa: BLE001 - whatever it was, the parent reads the file itself
        try:
            sending.send_bytes(marshal.dumps("failed"))
        except OSError:
            pass  # the parent is gone, or no longer listening
    finally:
        sending.close()
