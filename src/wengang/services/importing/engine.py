"""The import pipeline: read → map headers → parse → write in one transaction → report.

All or nothing: the whole import runs inside one ``db.atomic()``; if any row has an error (or
it is a dry run) the collected rows are never written and the transaction (the batch row, new
areas) is rolled back, so the database is exactly as before, and the error workbook tells the
caseworker which row and field to fix. Warnings never block; they are kept in
``quality_findings`` for the quality panel.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from wengang.services.importing.findings import save_findings
from wengang.services.importing.hand_edits import warn_hand_edits_overwritten
from wengang.services.importing.hostile import add_warnings
from wengang.services.importing.model import Counts, ImportResult, Issue, Preview, default_errors_path
from wengang.services.importing.parse import Parsed, Progress, parse_table
from wengang.services.importing.reader import ReadError, known_column, read_table
from wengang.services.importing.scope import within_township
from wengang.services.importing.sender import sending
from wengang.services.importing.spec import detect_kind, kind_spec, load_kinds
from wengang.services.importing.upsert import now_stamp
from wengang.services.importing.writers import COLUMN_WRITERS, PRELOADS, WRITERS, WriteContext
from wengang.services.read.lookups import has_persons
from wengang.store.areas import installation
from wengang.store.audit import bulk_import_audit
from wengang.store.backup import KEEP, auto_backup, list_backups
from wengang.store.crypto import database_errors

log = logging.getLogger(__name__)


def _backup_started(db: sqlite_utils.Database) -> Path | None:
    """The rotating 导入前 backup, taken while the file is read, before it is known whether the
    import will write (nothing for :memory:). One backup more than usual is kept until
    :func:`_backup_settled` decides, so a file that turns out to be rejected costs no older
    backup. Never raises on a full disk (the import may proceed; the failure is logged)."""
    try:
        return auto_backup(db, "导入前", keep=KEEP + 1)
    except (OSError, *database_errors()) as exc:
        log.warning("自动备份失败：%s", exc)
        return None


def _backup_settled(db: sqlite_utils.Database, backup: Path | None, keep: bool) -> None:
    """Keep the backup (the import goes on to write: the oldest beyond KEEP go, as always) or
    remove it (a preview's, a rejected or unreadable file's): as if taken only when needed."""
    if backup is None:
        return
    if not keep:
        backup.unlink(missing_ok=True)
        return
    source = db.execute("PRAGMA database_list").fetchone()[2]
    for old in list_backups(source)[KEEP:]:
        old.unlink(missing_ok=True)


# Page cache while an import writes: a 240,000-spell insert updates six b-trees; with SQLite's
# default 2 MB cache it took 7.9 s, with 128 MB 3.1 s (given back when the import ends). 32 MB
# writes as fast (the indexes of a first import are built afterwards, sorted) and keeps the
# import's peak lower: 200,000 spells 570 → 500 MiB. 16 MB too, at 50k households (the two
# exports into a new county and into c50: no CPU seen either way), and the peaks 302 → 285 MiB
# (roster) and 366 → 348 MiB (spells) (issue 20, bench/README "streaming xlsx read").
IMPORT_CACHE_KIB = 16384


@contextlib.contextmanager
def _import_cache(db: sqlite_utils.Database) -> Iterator[None]:
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {before}")  # the pages go back when the cache shrinks


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a file is imported.

    An import builds millions of lists, tuples and dicts (cells, records, upserter rows) that
    live until it ends; every collection walked all of them again (anything cyclic is still
    collected once the collector is back): a
    165,000-person roster took 11.3 s with the collector running, 8.0 s without (the peak
    memory is the same). The collector's previous state comes back afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a rejected file."""


@dataclass
class _Run:
    kind: str | None
    parsed: Parsed | None
    counts: Counts
    details: dict[str, int]
    file_errors: list[Issue]
    batch_id: int | None = None
    hints_resolved: int = 0
    outside: str = ""  # at a township: the other townships' rows left out (services.importing.scope)
    hand_edits: int = 0  # values changed here since their last import that the file changes


def _detect(table_headers: list[str], kind: str | None, header_row: int) -> tuple[str | None, list[Issue]]:
    if kind in (None, "", "auto"):
        found = detect_kind(table_headers)
        if found is None:
            return None, [Issue(header_row, "表头", "无法判断这是哪类数据，请用导入模板的列名，或指定导入类型")]
        return found, []
    if kind not in load_kinds():
        return None, [Issue(0, "导入类型", f"未知的导入类型“{kind}”，应为：{'、'.join(load_kinds())}")]
    return kind, []


def _run_steps(db: sqlite_utils.Database, path: Path, kind: str | None, *, write: bool, file_name: str | None,
               user: str | None, progress: Progress | None) -> _Run:
    """Read and parse the file, then write (or only classify) in one transaction.

    The sheet is read on this thread (a reader thread's allocations kept 70 MB more resident
    on Linux, in its own malloc arena). Once its first rows are read, a second thread takes
    the 导入前 backup of a real import meanwhile (SQLite lets go of the GIL while it copies; on
    two cores it costs no time; a file that cannot be read costs none). Once the backup is
    done, this thread reads the writer's look-ups (PRELOADS: persons by 证件号码, the rows the
    file may update), before the rows are parsed, whatever the kind. Read beside the sheet on
    the second thread they came late and slowed the read, because the xlsx stream holds the
    GIL (a 50k county's monthly re-import of 245,393 spells: 6.9–7.3 s then, 6.3–6.8 now);
    read in the writer instead they raised its peak by 8 MiB. The backup stays only where the
    old order took one (a real import whose rows parsed without error)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wengang-import") as helper:
        backing: Future | None = None

        def back_up() -> None:  # called by the reader once the sheet's first rows are read
            nonlocal backing
            backing = helper.submit(_backup_started, db) if write else None

        keep_backup = False
        try:
            try:
                # no other column is ever used
                table = read_table(path, keep=known_column, on_header=back_up, progress=progress)
            except ReadError as exc:
                return _Run(kind, None, Counts(), {}, [Issue(0, "文件", str(exc))])
            kind, problems = _detect(table.headers, kind, table.header_row)
            if problems:
                return _Run(kind, None, Counts(), {}, problems)
            if backing is not None:
                backing.result()  # the connection is used by one thread at a time
            # a township takes its own rows; it reads the database, so after the backup's thread
            table, outside = within_township(db, kind, table)
            preload = PRELOADS.get(kind)
            preloaded = preload(db, kind_spec(kind)) if preload else {}
            parsed = parse_table(kind_spec(kind), table, progress, lazy=kind in COLUMN_WRITERS)
            parsed.warnings.extend(Issue(0, f"工作表“{table.sheet}”", note) for note in table.notes)
            run = _Run(kind, parsed, Counts(), {}, [], outside=outside)
            if parsed.missing_columns:
                return run  # without the columns there is nothing to resolve
            if kind_spec(kind).person_link is True and not has_persons(db):
                # every row would be 证件号码…未登记: the order is wrong, not the file
                parsed.errors.append(Issue(0, "文件", (
                    f"台账中还没有人员信息：{kind_spec(kind).label}要对应到已登记的人，"
                    "请先导入人员信息文件（户、人，如“（自定义）监测对象信息.xlsx”），再导入这个文件")))
                return run
            keep_backup = write and not parsed.errors
        finally:
            # A backup begun is waited for, then kept or removed (none for an unreadable file).
            if backing is not None and not (not keep_backup and backing.cancel()):
                _backup_settled(db, backing.result(), keep_backup)
    add_warnings(db, parsed)  # against the database before the import: new township, two 户主, …
    try:
        with _import_cache(db), db.atomic():
            batch_id = db.execute(
                "INSERT INTO import_batches(kind, file_name, user, rows) VALUES (?, ?, ?, ?)",
                [kind, file_name or path.name, user, len(parsed.records)]).lastrowid
            ctx = WriteContext(db, parsed, batch_id, installation(db), progress, preloaded=preloaded, write=write)
            # The rows this batch adds go into the trail as one entry per table (store.audit);
            # chunks of new rows are inserted on a second thread while the writer goes on.
            with bulk_import_audit(db, batch_id), sending(db) as ctx.sender:
                WRITERS[kind](ctx)
                run.counts, run.details = ctx.counts, ctx.details
                run.hand_edits = warn_hand_edits_overwritten(ctx)  # before the updates are sent
                if parsed.errors or not write:
                    # Preview and rejected files: the writers only classified the rows; what
                    # they collected is never sent (areas and sites they made are rolled back).
                    raise _Rollback
                if progress:
                    # The rows are written; the tables' indexes and the commit are left (about
                    # 1.5 s of a 50,000-household roster, 6 s at 200,000): said, not a full bar.
                    progress(len(parsed.records), len(parsed.records), "正在保存")
                ctx.flush()
            run.hints_resolved = save_findings(ctx)
            db.execute(
                "UPDATE import_batches SET finished_at = ?, added = ?, changed = ?, unchanged = ?, "
                "status = 'done' WHERE id = ?",
                [now_stamp(), ctx.counts.added, ctx.counts.changed, ctx.counts.unchanged, batch_id])
            run.batch_id = batch_id
    except _Rollback:
        pass
    except sqlite3.IntegrityError as exc:
        # A constraint the declarations did not foresee: still all-or-nothing, and said plainly.
        run.file_errors.append(Issue(table.header_row, "数据库", f"数据与已有记录冲突，未导入：{exc}"))
    return run


def _mapped(parsed: Parsed | None) -> list[tuple[str, str]]:
    if parsed is None:
        return []
    return [(parsed.table.headers[c], f.label) for c, f in parsed.columns]


def preview_file(db: sqlite_utils.Database, path: str | Path, kind: str | None = None, *,
                 progress: Progress | None = None) -> Preview:
    """What importing ``path`` would do — mapped columns, errors, warnings, counts — writing nothing.
    ``progress(done, total, text)`` as :func:`import_file`'s: the reading, the checking and the
    comparing with the database; an exception raised from it stops the preview and propagates."""
    # The collector stays paused until the rows and records are gone (see import_file).
    with _gc_paused():
        return _preview(db, Path(path), kind, progress)


def _preview(db: sqlite_utils.Database, path: Path, kind: str | None, progress: Progress | None) -> Preview:
    run = _run_steps(db, path, kind, write=False, file_name=None, user=None, progress=progress)
    parsed = run.parsed
    return Preview(
        kind=run.kind, path=path, headers=_mapped(parsed), unknown_columns=parsed.unknown if parsed else [],
        errors=run.file_errors + (_sorted(parsed.errors) if parsed else []),
        warnings=_sorted(parsed.warnings) if parsed else [], rows=len(parsed.records) if parsed else 0,
        to_add=run.counts.added, to_change=run.counts.changed, unchanged=run.counts.unchanged,
        details=run.details, outside=run.outside, hand_edits=run.hand_edits)


def _sorted(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda i: i.row)


def import_file(db: sqlite_utils.Database, kind: str | None, path: str | Path, *, dry_run: bool = False,
                errors_path: str | Path | None = None, user: str | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Import ``path`` as ``kind`` (``None``/``"auto"`` detects it): all rows or none.

    With errors nothing is written and, when the file could be read, an error workbook is
    written to ``errors_path`` (default: ``<name>-错误说明.xlsx`` next to the input).
    ``progress(done, total, text)`` is called as rows are read, checked and written; an exception
    raised from it cancels the import (nothing is written) and propagates.
    """
    # Paused until _import has returned and its rows, records and upserters are freed: with
    # them still alive the first collection after an import walked a million objects (0.1 s).
    with _gc_paused():
        return _import(db, kind, Path(path), dry_run, errors_path, user, progress)


def write_errors_workbook(parsed: Parsed, target: Path) -> Path:
    """errors_book's, imported when a file has errors: it loads openpyxl (0.06 s CPU, 11 MiB),
    which an import that succeeds never needs (issue 20: ``wengang import`` starts without it)."""
    from wengang.services.importing.errors_book import write_errors_workbook as write  # noqa: PLC0415

    return write(parsed, target)


def _write_errors_somewhere(parsed: Parsed, target: Path, result: ImportResult) -> Path | None:
    """The error workbook beside the file; if that folder cannot be written (a read-only USB
    stick, a full disk), in the program's data folder; the caseworker is told where, or why not."""
    from wengang.paths import data_dir  # noqa: PLC0415
    from wengang.store.diskerrors import plain_problem  # noqa: PLC0415

    try:
        return write_errors_workbook(parsed, target)
    except OSError as exc:
        plain = plain_problem(exc, target, "错误说明表")
        reason = str(plain) if plain else f"无法写入错误说明表 {target}：{exc.strerror or exc}"
    try:
        fallback = write_errors_workbook(parsed, data_dir() / "错误说明" / target.name)
    except OSError:
        result.warnings.append(Issue(0, "错误说明表", reason))
        return None
    result.warnings.append(Issue(0, "错误说明表", f"{reason}；已改存到 {fallback}"))
    return fallback


def _import(db: sqlite_utils.Database, kind: str | None, path: Path, dry_run: bool,
            errors_path: str | Path | None, user: str | None, progress: Progress | None) -> ImportResult:
    run = _run_steps(db, path, kind, write=not dry_run, file_name=path.name, user=user, progress=progress)
    parsed = run.parsed
    errors = run.file_errors + (_sorted(parsed.errors) if parsed else [])
    result = ImportResult(
        ok=not errors, kind=run.kind, batch_id=run.batch_id, rows=len(parsed.records) if parsed else 0,
        added=run.counts.added, changed=run.counts.changed, unchanged=run.counts.unchanged,
        errors=errors, warnings=_sorted(parsed.warnings) if parsed else [], dry_run=dry_run,
        unknown_columns=parsed.unknown if parsed else [], details=run.details, hints_resolved=run.hints_resolved,
        outside=run.outside, hand_edits=run.hand_edits)
    # The workbook is written for errors, or for warnings when the caller asked for one by path
    # (the GUI's 保存错误清单 on a file that only has 提示).
    if parsed is not None and (errors or (errors_path and parsed.warnings)):
        target = Path(errors_path) if errors_path else default_errors_path(path)
        result.errors_path = _write_errors_somewhere(parsed, target, result)
    if progress:
        progress(result.rows, result.rows, "完成")
    return result
