"""The six lists to Excel beside the writers' floors, each case as its own process (issue 20):

    python bench/peers/six_lists.py DB --as-of 2026-11-30 [--rounds 3] [--only cli --only floor …]

Every case opens the county database, reads the six lists' rows at the date in one pass
(``services.ledgers.query.rows_together``; the date's statuses stored by a first, untimed run)
and does something with them:

- ``rows``: nothing (the query and the rows as Python tuples: what every writer starts from);
- ``floor``: the rows as SpreadsheetML (``xlsx_stream``'s row XML, the same cells) streamed
  straight into each file's zip at Wengang's level, with the least a workbook needs around them
  (no styles, widths, title or print set-up): hand-written streaming XML, the writer's floor;
- ``xlsxwriter``: the same rows through xlsxwriter in ``constant_memory`` mode (header row, rows);
  xlsxwriter is a bench-only dependency (``pip install xlsxwriter``);
- ``wengang``: ``services.ledgers.write_ledgers`` (the files a caseworker uploads);
- ``cli``: ``wengang ledger six-lists`` as a new process, as in the monthly cycle (compare.py);
  ``--before SRC`` adds ``cli-before``, the same command from another source tree (``SRC`` on
  PYTHONPATH, e.g. ``git archive <commit> src | tar -x -C /tmp/base`` → ``/tmp/base/src``).

Prints ``case | CPU s min / median | wall s min / median | peak MiB`` (the process's, start-up
and the database open included in every case), rounds interleaved.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from measure import measure

CASES = ("rows", "floor", "xlsxwriter", "wengang", "cli")

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


class _FloorBook:
    """A minimal .xlsx whose one sheet streams into the zip as rows come."""

    def __init__(self, path: Path, title: str, header: list[str]):
        from wengang.services.xlsx_stream import ZIP_LEVEL, _row_xml

        self._row_xml, self.n = _row_xml, 1
        self.zip = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/workbook.xml", _WORKBOOK.format(name=title)),
                           ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)):
            self.zip.writestr(name, text)
        # buffered as openpyxl's temporary file is: the zip stream deflates and checksums per write
        self.sheet = io.BufferedWriter(self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True),
                                       buffer_size=1 << 16)
        self.sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
                         b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        self.append(header)

    def append(self, row) -> None:
        self.sheet.write(self._row_xml(row, self.n).encode("utf-8"))
        self.n += 1

    def close(self) -> None:
        self.sheet.write(b"</sheetData></worksheet>")
        self.sheet.close()
        self.zip.close()


def _child(case: str, db_path: str, as_of: str, out: Path) -> None:
    from wengang.services.ledgers import SIX_LISTS, ledger_query, write_ledgers
    from wengang.services.ledgers.query import rows_together
    from wengang.store.db import open_database

    db = open_database(db_path, lock=False)
    if case == "wengang":
        write_ledgers(db, SIX_LISTS, as_of, out)
        return
    queries = [ledger_query(db, ledger_id, as_of) for ledger_id in SIX_LISTS]
    if case == "rows":
        for _ in rows_together(queries):
            pass
        return
    if case == "floor":
        books = [_FloorBook(out / f"{q.ledger.id}.xlsx", q.ledger.title[:31], q.columns) for q in queries]
        for i, row in rows_together(queries):
            books[i].append(row)
        for book in books:
            book.close()
        return
    import xlsxwriter  # noqa: PLC0415 - bench only

    books, sheets = [], []
    for query in queries:
        book = xlsxwriter.Workbook(str(out / f"{query.ledger.id}.xlsx"), {"constant_memory": True})
        sheet = book.add_worksheet(query.ledger.title[:31])
        sheet.write_row(0, 0, query.columns)
        books.append(book)
        sheets.append(sheet)
    for i, row in rows_together(queries):
        sheets[i].write_row(row[0], 0, row)
    for book in books:
        book.close()


def _command(case: str, db: str, as_of: str, out: Path) -> list[str]:
    if case in ("cli", "cli-before"):
        return [sys.executable, "-m", "wengang", "--db", db, "ledger", "six-lists", "--as-of", as_of,
                "--out", str(out)]
    return [sys.executable, __file__, db, "--as-of", as_of, "--case", case, "--out", str(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", default=[], choices=CASES)
    parser.add_argument("--before", metavar="SRC", help="another source tree to time cli from (cli-before)")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        args.out.mkdir(parents=True, exist_ok=True)
        _child(args.case, args.db, args.as_of, args.out)
        return
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    work = Path(tempfile.mkdtemp(prefix="six-lists-"))
    try:
        measure(_command("rows", args.db, args.as_of, work / "warm"), env=env)  # stores the date's statuses
        figures: dict[str, list[tuple[float, float, float]]] = {case: [] for case in args.only or CASES}
        if args.before:
            figures["cli-before"] = []
        for _ in range(args.rounds):
            for case, runs in figures.items():
                out = work / case
                shutil.rmtree(out, ignore_errors=True)
                here = env | {"PYTHONPATH": args.before} if case == "cli-before" else env
                wall, cpu, peak, code = measure(_command(case, args.db, args.as_of, out), env=here)
                if code != 0:
                    raise SystemExit(f"{case}: exit {code}")
                runs.append((wall, cpu, peak))
        print("case | CPU s min / median | wall s min / median | peak MiB | files MB")
        for case, runs in figures.items():
            cpus, walls = [r[1] for r in runs], [r[0] for r in runs]
            size = sum(p.stat().st_size for p in (work / case).glob("*.xlsx")) / 1e6
            print(f"{case} | {min(cpus):.2f} / {statistics.median(cpus):.2f} | "
                  f"{min(walls):.2f} / {statistics.median(walls):.2f} | {max(r[2] for r in runs):.0f} | {size:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
