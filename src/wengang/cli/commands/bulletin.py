"""``wengang bulletin --as-of D [--out FILE.txt] [--by …] [--ref-date D]``: draft the 通报."""

from __future__ import annotations

import sys
from pathlib import Path

from wengang.cli.common import open_db, optional_area
from wengang.store.atomic import atomic_open


def register(sub) -> None:
    parser = sub.add_command("bulletin", help="根据就业统计表（F1）和目标任务完成情况（F3）起草通报")
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="数据截止日期")
    parser.add_argument("--out", metavar="FILE.txt", help="保存为文本文件（默认：显示在屏幕上）")
    parser.add_argument("--by", default=None, choices=["township", "village"],
                        help="按乡镇或按村通报（默认：县按乡镇；乡镇台账或 --area 某乡镇时按村）")
    parser.add_argument("--ref-date", metavar="YYYY-MM-DD", help="公益性岗位、帮扶车间的对比日期（F3）")
    parser.add_argument("--area", metavar="NAME", help="只通报某个乡镇（名称），如乡镇通报本乡镇各村：--area 城关镇")
    parser.add_argument("--scope", default=None, help="通报中对全体的称呼，如“全县”（默认）")
    parser.set_defaults(run=run)


def run(args) -> int:
    # The form engine and the bulletin load only when this command runs (a quick `--help`).
    from wengang.services.bulletin import bulletin_at  # noqa: PLC0415

    db = open_db(args, daily_backup=False)  # writes derived rows alone (the status store)
    from wengang.store.city import is_city  # noqa: PLC0415

    if is_city(db):  # a city drafts from its counties' submissions (services.city.bulletin)
        from wengang.cli.city_report import run_city_bulletin  # noqa: PLC0415

        return run_city_bulletin(db, args)
    left_out: list[str] = []
    try:
        text = bulletin_at(db, args.as_of, area_id=optional_area(db, args.area), by=args.by,
                           ref_date=args.ref_date, scope=args.scope, left_out=left_out)
    except ValueError as exc:  # FormError is one: a bad date, an unknown area
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for note in left_out:
        print(f"提示：{note}", file=sys.stderr)
    if args.out:
        with atomic_open(Path(args.out), "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"已保存通报草稿 → {args.out}")
    else:
        print(text, end="")
    return 0
