"""``wengang [--db] submissions [--as-of D] [--all]``: the city's 催报 list — which counties
have not submitted which form for which period, and how many working days late; forms whose
deadline has not passed yet are listed as 未到期 with the working days left."""

from __future__ import annotations

import datetime as dt
import sys

from wengang.cli.common import open_db, print_table


def register(sub) -> None:
    parser = sub.add_command("submissions", help="市级：报送情况和催报名单（哪个县哪张表哪一期未报，逾期几个工作日）")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="按哪一天计算（默认今天）")
    parser.add_argument("--all", action="store_true", help="也列出已报送的")
    parser.set_defaults(run=run)


def run(args) -> int:
    from wengang.services.city.calendar import chase  # noqa: PLC0415
    from wengang.store.city import counties, is_city  # noqa: PLC0415

    db = open_db(args, lock=False)
    if not is_city(db):
        print("错误：本数据库不是市级安装：wengang setup --level city --province 省 --city 市", file=sys.stderr)
        return 2
    try:
        day = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    except ValueError:
        print(f"错误：日期“{args.as_of}”请写成 YYYY-MM-DD", file=sys.stderr)
        return 2
    if not counties(db):
        print("本市还没有登记县：wengang counties add 县名 …")
        return 0
    result = chase(db, day)
    s = result.schedule
    print(f"报送期限（{s.province}）：{s.source}")
    if result.unknown_years:
        years = "、".join(str(y) for y in result.unknown_years)
        print(f"注意：节假日日历还没有 {years} 年的安排（chinese-calendar 未更新），这些年份按周一至周五计算工作日，"
              "调休未计入；请升级本程序后再核对。")
    items = result.items if args.all else [d for d in result.items if not d.submitted]
    items.sort(key=lambda d: (-d.late_days, d.due, d.county, d.number))
    rows = [[d.county, d.number, d.period_text, d.due.isoformat(), d.submitted or "", d.state] for d in items]
    if rows:
        print_table(["县（市、区）", "报表", "期次", "报送期限", "已报送（截止日）", "情况"], rows)
    print(f"截至 {day}：逾期未报 {len(result.late())} 项，未到期未报 {len(result.open())} 项。")
    return 0
