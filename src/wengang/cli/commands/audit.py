"""``wengang audit``: the 修改记录 (show or export), undo an import batch, the 回收站."""

from __future__ import annotations

import sys
from pathlib import Path

from wengang.cli.common import open_db, print_table
from wengang.domain.dates import DateError, iso, parse_date
from wengang.services.audit_export import audit_rows, export_audit
from wengang.services.read import lookups
from wengang.store.audit import audit_entries
from wengang.store.db import StoreError


def register(sub) -> None:
    parser = sub.add_command("audit", help="修改记录：查看、导出Excel；撤销导入批次；回收站")
    parser.add_argument("--person", metavar="ID", help="只看某人（证件号码或人员编号）")
    parser.add_argument("--since", metavar="DATE", help="只看此日期之后的记录，如 2026-01-01")
    parser.add_argument("--out", metavar="FILE.xlsx", type=Path, help="导出为Excel")
    parser.add_argument("--unmasked", action="store_true", help="导出时不隐藏证件号码和电话")
    parser.add_argument("--limit", type=int, default=50, help="屏幕上最多显示多少条（默认50）")
    parser.add_argument("--undo-batch", metavar="N", type=int, help="撤销第N批导入")
    parser.add_argument("--trash", action="store_true", help="列出回收站")
    parser.add_argument("--restore-deleted", metavar="N", type=int, help="从回收站恢复第N条")
    parser.set_defaults(run=run)


def _person_id(db, text: str) -> int | None:
    found = lookups.person_id_by_number(db, text)
    if found is not None:
        return found
    return int(text) if text.isdigit() and len(text) < 10 else None


def run(args) -> int:
    writes = args.undo_batch is not None or args.restore_deleted is not None
    db = open_db(args, lock=writes)
    try:
        return _run(db, args)
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        db.close()


def _run(db, args) -> int:
    from wengang.store import trash, undo  # noqa: PLC0415

    if args.undo_batch is not None:
        r = undo.undo_batch(db, args.undo_batch)
        print(f"已撤销导入批次{r.batch_id}：删除新增记录{r.deleted}条，恢复被修改记录{r.restored}条。")
        return 0
    if args.restore_deleted is not None:
        n = trash.restore_deleted(db, args.restore_deleted)
        print(f"已从回收站恢复{n}条记录。")
        return 0
    if args.trash:
        rows = [[t["id"], t["deleted_at"].replace("T", " "), t["user"], t["label"], t["reason"]]
                for t in trash.list_trash(db)]
        print_table(["编号", "删除时间", "操作人", "记录", "原因"], rows)
        return 0
    person = None
    if args.person:
        person = _person_id(db, args.person)
        if person is None:
            print(f"错误：找不到人员 {args.person}", file=sys.stderr)
            return 2
    since = None
    if args.since:
        try:
            since = iso(parse_date(args.since, "day"))
        except DateError as exc:
            print(f"错误：日期 {args.since}：{exc}", file=sys.stderr)
            return 2
    if args.out:
        n = export_audit(db, args.out, person_id=person, since=since,
                         masked=False if args.unmasked else None)
        print(f"已导出{n}条修改记录到：{args.out}")
        return 0
    entries = audit_entries(db, person_id=person, since=since, limit=args.limit)
    lines = audit_rows(db, entries, masked=True)
    print_table(["时间", "操作人", "类别", "记录", "操作", "字段", "原值", "新值", "原因", "批次", "已报送"], lines)
    return 0
