"""``wengang import KIND FILE [--dry-run] [--errors OUT.xlsx]``: all rows or none.

Exit 0 when imported (or a dry run found no errors), 1 when the file was rejected: the errors
are printed as "第N行 字段：问题" and written to the error workbook.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from wengang.cli.common import db_path, end_progress, open_db, say_progress
from wengang.services.importing import KINDS, import_file
from wengang.services.importing.model import WARNING
from wengang.services.importing.reader import ReadError
from wengang.store.diskerrors import plain_problem
from wengang.store.owed_indexes import WINDOW_ONLY, build_owed

SHOWN_ERRORS = 50


def register(sub) -> None:
    parser = sub.add_command("import", help="导入人员、务工等数据（有错误则整份不导入）")
    parser.add_argument("kind", choices=(*KINDS, "auto"), metavar="KIND",
                        help="数据类型：" + "、".join(KINDS) + "，或auto自动判断")
    parser.add_argument("file", type=Path, help="Excel（.xlsx/.xls）或CSV文件")
    parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入数据库")
    parser.add_argument("--errors", type=Path, default=None, metavar="OUT.xlsx",
                        help="错误说明表（默认：与原文件同目录的“<文件名>-错误说明.xlsx”）")
    parser.set_defaults(run=run)


def _build_left_indexes(db, args) -> None:
    """What a first import left for later that more than the window reads (the spells' dates,
    store.owed_indexes): a command line has no idle time after it to build them. The rows are
    in already: a disk that cannot take the indexes now is said, not made the import's failure
    (they stay owed; the window or the next import builds them)."""
    try:
        build_owed(db, keep=WINDOW_ONLY)
    except (OSError, sqlite3.Error) as exc:
        problem = plain_problem(exc, db_path(args), "数据库") or exc
        print(f"{WARNING} 数据已导入；查询用的索引暂未建立（{problem}），打开程序窗口或下次导入时自动建立", file=sys.stderr)


def run(args) -> int:
    # No daily backup at the open: an import that writes takes its 导入前 backup first (a copy
    # of the file as it was, dated today: the day's backup for every later open), beside the
    # reading on a second thread; a preview or a rejected file writes nothing. The daily one
    # was a second copy of the same file before the reading began (731 MiB at 200,000
    # households).
    db = open_db(args, daily_backup=False)
    try:
        result = import_file(db, None if args.kind == "auto" else args.kind, args.file,
                             dry_run=args.dry_run, errors_path=args.errors, progress=say_progress)
    except ReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    if result.ok and not args.dry_run:
        _build_left_indexes(db, args)
    end_progress()
    if result.unknown_columns:
        print("以下列未导入（不认识的列名）：" + "、".join(result.unknown_columns))
    if not result.ok:
        for issue in result.errors[:SHOWN_ERRORS]:
            print(issue.text(), file=sys.stderr)
        if len(result.errors) > SHOWN_ERRORS:
            print(f"……共{len(result.errors)}处错误", file=sys.stderr)
        print(result.summary(), file=sys.stderr)
        if result.errors_path:
            print(f"错误说明表：{result.errors_path}", file=sys.stderr)
        for issue in result.warnings:
            if issue.field == "错误说明表":  # could not be written beside the file
                print(f"{WARNING} " + issue.text(), file=sys.stderr)
        return 1
    print(result.summary())
    for name, count in sorted(result.details.items()):
        label = {"households_added": "新增户", "households_changed": "更新户", "households_unchanged": "未变户",
                 "areas_added": "新增地区", "sites_added": "新增安置点"}.get(name, name)
        print(f"  {label}：{count}")
    for issue in result.warnings[:20]:
        print(f"{WARNING} " + issue.text())
    if len(result.warnings) > 20:
        print(f"……共{len(result.warnings)}条{WARNING}")
    return 0
