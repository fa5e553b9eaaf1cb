"""``wengang followup``: returnee follow-up — who came back, by when they must be visited
(N working days, 调休 counted), who has been (a survey or service since), who is overdue."""

from __future__ import annotations

import sys

from wengang.cli.common import (
    add_as_of,
    as_of_or_today,
    cannot_write,
    open_db,
    print_table,
)
from wengang.services.duties.followup import (
    OVERDUE,
    followup_days,
    followups,
    set_followup_days,
    summary,
    write_followups,
)


def register(sub) -> None:
    parser = sub.add_command("followup", help="返乡回流跟踪：返乡后N个工作日内要跟踪（摸排或服务），列出逾期未跟踪的人")
    add_as_of(parser, "截止日期（默认今天）")
    parser.add_argument("--all", action="store_true", help="列出全部返乡人员（默认只列逾期未跟踪的）")
    parser.add_argument("--set-days", type=int, metavar="N", help="把跟踪期限设为返乡后N个工作日（本单位设置中同一项）")
    parser.add_argument("--out", metavar="FILE.xlsx", help="保存跟踪名单")
    parser.set_defaults(run=run)


def run(args) -> int:
    db = open_db(args, lock=args.set_days is not None)
    if args.set_days is not None:
        try:
            set_followup_days(db, args.set_days)
        except ValueError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        print(f"跟踪期限已设为返乡后{args.set_days}个工作日")
    as_of = as_of_or_today(args)
    days = followup_days(db)
    items = followups(db, as_of, working_days=days)
    counts = summary(items)
    print(f"返乡回流跟踪（{as_of.year}年1月1日至{as_of}返乡，返乡后{days}个工作日内跟踪）：共{len(items)}人，"
          + "，".join(f"{k}{v}人" for k, v in counts.items() if v))
    shown = items if args.all else [i for i in items if i.status == OVERDUE]
    if shown:
        print_table(["乡镇（街道）", "行政村（社区）", "姓名", "联系电话", "返乡时间", "从哪里返乡", "跟踪到期", "状态", "跟踪方式"],
                    [[i.township, i.village, i.name, i.phone or "", i.return_date, i.came_from, i.due or "（未知）",
                      i.status, i.closed_by or ""] for i in shown[:200]])
        if len(shown) > 200:
            print(f"……共{len(shown)}人，全部名单请用 --out 保存")
    notes = {i.note for i in items if i.due is None}
    for note in notes:
        print(f"注意：{note}")
    if args.out:
        try:
            write_followups(shown, args.out, title=f"返乡回流跟踪名单（截止 {as_of}，返乡后{days}个工作日内跟踪）")
        except OSError as exc:
            return cannot_write(exc, args.out)
        print(f"\n跟踪名单已保存：{args.out}")
    return 0
