"""``wengang deadlines``: the reports this province's calendar asks for, what is next and late."""

from __future__ import annotations

import datetime as dt
import sys

from wengang.cli.common import day_arg, open_db, print_table
from wengang.services.duties.deadlines import CalendarUnknown, calendar_for, due_dates
from wengang.services.duties.schedule import ledger_started, schedule
from wengang.store.areas import installation

_WEEK = "一二三四五六日"


def register(sub) -> None:
    parser = sub.add_command("deadlines", help="报送时间表：按工作日（含调休）算出的下次报送和已逾期的报表")
    parser.add_argument("--today", type=day_arg, default=None, metavar="D", help="按哪一天看（默认今天）")
    parser.add_argument("--year", type=int, default=None, metavar="YYYY", help="列出这一年全部的报送截止日")
    parser.set_defaults(run=run)


def _day(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{_WEEK[day.weekday()]}）"


def run(args) -> int:
    db = open_db(args, lock=False)
    today = args.today or dt.date.today()
    if args.year:
        try:
            calendar = calendar_for(installation(db).province)
            rows = due_dates(calendar, dt.date(args.year, 1, 1), dt.date(args.year, 12, 31))
        except (LookupError, CalendarUnknown, ValueError) as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        print(f"{calendar.province}报送时间表（{args.year}年）　依据：{calendar.source}")
        print_table(["报送事项", "报表", "数据期间", "数据截止", "报送截止"],
                    [[d.item.title, "、".join(d.forms), d.period_label, d.period_end.isoformat(), _day(d.due)]
                     for d in rows])
        return 0
    found = schedule(db, today)
    if found.problem:
        print(f"错误：{found.problem}", file=sys.stderr)
        return 2
    by = found.sender
    print(f"{found.province}报送时间表，今天 {_day(today)}")
    if by.township:
        print("乡镇不向市里报送：下表是县里报送的截止日，本镇要在此前把修改用数据交换发给县里。")
        print(by.last_sent + ("" if by.sent else "（发送：wengang exchange export --out 文件）"))
    print("\n下次报送：")
    print_table(["报送事项", "报表", "数据期间", by.due_word, "还有（天）", by.done_word],
                [[s.deadline.item.title, "、".join(s.deadline.forms), s.deadline.period_label, _day(s.deadline.due),
                  (s.deadline.due - today).days, "是" if s.submitted else "否"] for s in found.upcoming])
    for note in found.unknown:
        print(f"注意：{note}")
    if found.late:
        why = "数据期间结束后没有发过交换包" if by.township else "已报送报表中没有这一期"
        print(f"\n{by.late_word}（{why}）：")
        print_table(["报送事项", "报表" if by.township else "未报送的报表", "数据期间", by.due_word, "逾期（天）"],
                    [[s.deadline.item.title, "、".join(s.missing), s.deadline.period_label, _day(s.deadline.due),
                      (today - s.deadline.due).days] for s in found.late])
    else:
        print("\n没有逾期未发给县里的数据。" if by.township else "\n没有逾期未报送的报表。")
    if found.before_ledger:
        started, how = ledger_started(db)
        print(f"建账日期 {started.isoformat()}（{how}）以前截止的{found.before_ledger}期不计逾期；"
              f"建账日期可以改：wengang setup --started 日期")
    return 0
