"""``wengang check-consistency FILE [--out REPORT.xlsx]``: the 三一致 check of seed 004."""

from __future__ import annotations

import sys
from pathlib import Path

from wengang.cli.common import end_progress, open_db, say_progress
from wengang.services.importing import check_consistency, write_consistency
from wengang.services.importing.reader import ReadError


def register(sub) -> None:
    parser = sub.add_command("check-consistency", help="三一致核对：国家系统导出与台账逐人比对")
    parser.add_argument("file", type=Path, help="国家系统导出的人员信息或务工信息文件")
    parser.add_argument("--out", type=Path, default=None, help="核对结果表（默认：<文件名>-三一致核对.xlsx）")
    parser.add_argument("--mask", action="store_true", help="核对结果（屏幕和表格）中的证件号码、手机号脱敏")
    parser.set_defaults(run=run)


def run(args) -> int:
    db = open_db(args, daily_backup=False)  # reads the database, writes a workbook: nothing to back up
    try:
        report = check_consistency(db, args.file, progress=say_progress)  # 27 s at 200,000 households
    except (ReadError, ValueError) as exc:
        end_progress()
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    end_progress()
    if args.mask:
        from wengang.services.importing.consistency import masked  # noqa: PLC0415
        report = masked(report)
    out = args.out or args.file.with_name(f"{args.file.stem}-三一致核对.xlsx")
    write_consistency(report, out)
    print(report.summary())
    for d in report.only_in_file[:10]:
        print(f"仅在文件中：第{d['row']}行 {d['name'] or ''} {d['id_number']}")
    for d in report.only_in_db[:10]:
        print(f"仅在数据库中：{d['name'] or ''} {d['id_number']}")
    for d in report.differing[:10]:
        fields = "；".join(f"{label} 文件“{a or ''}” 台账“{b or ''}”" for label, a, b in d.fields)
        print(f"不一致：第{d.row}行 {d.name or ''} {d.id_number}：{fields}")
    print(f"核对结果表：{out}")
    return 0 if report.consistent else 1
