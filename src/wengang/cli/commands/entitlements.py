"""``wengang entitlements``: 应享未享 under this province's subsidy rules, each with why."""

from __future__ import annotations

import sys

from wengang.cli.common import (
    add_as_of,
    as_of_or_today,
    cannot_write,
    open_db,
    print_table,
)
from wengang.services.duties.entitlements import owed, write_owed
from wengang.services.rules.subsidies import SETTING_KEY, RuleSetNotChosen, rule_sets
from wengang.store.db import set_setting


def register(sub) -> None:
    sets = "；".join(f"{s.id}={s.title}" for s in rule_sets().values())
    parser = sub.add_command("entitlements", help="应享未享：按本省补贴政策规则查出符合条件而未领取补贴的人和单位",
                             description=f"补贴政策规则：{sets}")
    add_as_of(parser, "数据截止日期（默认今天）")
    parser.add_argument("--rules", metavar="ID", help="这一次按哪套规则查（不改设置）")
    parser.add_argument("--choose", metavar="ID", help="把本单位的补贴政策规则设为 ID（本单位设置中同一项）")
    parser.add_argument("--out", metavar="FILE.xlsx", help="保存应享未享名单（个人、单位两张表）")
    parser.add_argument("--mask", action="store_true", help="证件号码脱敏")
    parser.set_defaults(run=run)


def run(args) -> int:
    db = open_db(args, lock=bool(args.choose))
    sets = rule_sets()
    for wanted in (args.choose, args.rules):
        if wanted and wanted not in sets:
            print(f"错误：没有补贴政策规则“{wanted}”，可选：{'、'.join(sets)}", file=sys.stderr)
            return 2
    if args.choose:
        set_setting(db, SETTING_KEY, args.choose)
        print(f"本单位的补贴政策规则已设为：{sets[args.choose].title}")
    as_of = as_of_or_today(args)
    try:
        result = owed(db, as_of, args.rules)
    except RuleSetNotChosen as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"应享未享（{result.rule_set.title}，截止 {as_of}）：个人{len(result.persons)}人次，"
          f"单位{len(result.organisations)}个")
    print_table(["补贴类型", "人次", "未发金额（元）"],
                [[k, n, "按当地标准" if money is None else f"{money:.0f}"] for k, n, money in result.by_kind()])
    for row in result.persons[:5]:
        print(f"  例：{row['township'] or ''}{row['village'] or ''} {row['name']} {row['kind']}：{row['why']}")
    if result.organisations:
        print()
        print_table(["单位", "补贴类型", "吸纳人数", "应享（元）", "已享（元）"],
                    [[o["name"], o["kind"], o["persons"], f"{o['amount']:.0f}", f"{o['paid_amount']:.0f}"]
                     for o in result.organisations])
    if args.out:
        try:
            write_owed(result, args.out, mask=args.mask)
        except OSError as exc:
            return cannot_write(exc, args.out)
        print(f"\n应享未享名单已保存：{args.out}")
    return 0
