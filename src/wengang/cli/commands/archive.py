"""``wengang archive``: submitted reports (报送存档) and locked months."""

from __future__ import annotations

from pathlib import Path

from wengang.cli.common import open_db, print_table
from wengang.services.archive import archived, archived_file, changes_since_submitted
from wengang.store.audit import lock_period, locked_periods, unlock_period


def register(sub) -> None:
    parser = sub.add_command("archive", help="报送存档：列出已报送的报表、取回报送文件、锁定/解锁月份")
    parser.add_argument("--form", metavar="F", help="只列某张表，如 F1")
    parser.add_argument("--file", metavar="N", type=int, help="取回第N份存档的报送文件")
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path("."), help="取回文件存放的文件夹")
    parser.add_argument("--diff", metavar="N", type=int, help="第N份存档报送后有哪些数字变了（三一致核对）")
    parser.add_argument("--lock", metavar="YYYY-MM", help="锁定已报送月份")
    parser.add_argument("--unlock", metavar="YYYY-MM", help="解除锁定")
    parser.set_defaults(run=run)


def run(args) -> int:
    writes = bool(args.lock or args.unlock)
    db = open_db(args, lock=writes)
    try:
        if args.lock:
            print(f"已锁定{lock_period(db, args.lock + '-01' if len(args.lock) == 7 else args.lock)}")
        if args.unlock:
            unlock_period(db, args.unlock)
            print(f"已解除锁定{args.unlock[:7]}")
        if args.diff is not None:
            changes = changes_since_submitted(db, args.diff)
            print_table(["行", "列", "报送时", "现在"], [[c.row, c.column, c.submitted, c.now] for c in changes])
            print(f"共{len(changes)}处与报送时不同。" if changes else "与报送时完全一致。")
            return 0
        if args.file is not None:
            path = archived_file(db, args.file, args.out)
            print(f"已取回：{path}" if path else f"第{args.file}份存档没有报送文件")
            return 0 if path else 2
        rows = [[a.id, a.form_id, a.as_of, a.submitted_at.replace("T", " "), a.user, a.file_name or "",
                 "是" if a.locked else ""] for a in archived(db, args.form)]
        print_table(["编号", "报表", "统计时点", "报送时间", "报送人", "文件", "锁定"], rows)
        print(f"已锁定月份：{'、'.join(locked_periods(db)) or '无'}")
        return 0
    finally:
        db.close()
