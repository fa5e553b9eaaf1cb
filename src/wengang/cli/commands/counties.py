"""``wengang counties [list | add NAME… | remove NAME]``: the counties a city consolidates.

A city registers its counties itself; a package from a county not registered here is refused
(a file cannot make itself part of a city). The order added is the order of the city's
tables before ranking.
"""

from __future__ import annotations

import sys

from wengang.cli.common import open_db, print_table


def register(sub) -> None:
    parser = sub.add_command("counties", help="市级：登记本市的县（市、区）")
    parser.add_argument("action", nargs="?", default="list", choices=["list", "add", "remove"],
                        help="list 列出（默认）、add 登记、remove 删除")
    parser.add_argument("names", nargs="*", metavar="NAME", help="县（市、区）名称")
    parser.set_defaults(run=run)


def run(args) -> int:
    from wengang.store.city import add_counties, counties, is_city, remove_county  # noqa: PLC0415

    db = open_db(args)
    if not is_city(db):
        print("错误：本数据库不是市级安装：wengang setup --level city --province 省 --city 市", file=sys.stderr)
        return 2
    if args.action == "add":
        if not args.names:
            print("错误：请写出要登记的县名，如 wengang counties add 山丹县 民乐县", file=sys.stderr)
            return 2
        added = add_counties(db, args.names)
        print(f"已登记 {len(added)} 个：{'、'.join(added)}" if added else "这些县都已登记")
    elif args.action == "remove":
        for name in args.names:
            print(f"已删除 {name}" if remove_county(db, name) else f"没有登记过 {name}")
    names = counties(db)
    print_table(["序号", "县（市、区）"], [[i, n] for i, n in enumerate(names, start=1)])
    return 0
