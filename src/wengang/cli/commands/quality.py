"""``wengang quality``: run the data-quality rules over the county; print or save the findings."""

from __future__ import annotations

import sys

from wengang.cli.common import cannot_write, day_arg, end_progress, open_db, print_table, say_progress
from wengang.domain.dates import last_month_end
from wengang.services.read import lookups
from wengang.services.rules.export import write_quality_workbook
from wengang.services.rules.quality import findings, run_quality
from wengang.services.rules.subsidies import (
    RuleSetNotChosen,
    current_rule_set,
    entitlement_details,
    org_entitlements,
)


def register(sub) -> None:
    parser = sub.add_command("quality", help="数据质量检查：按规则查出有问题的记录")
    parser.add_argument("--as-of", type=day_arg, default=None, metavar="D", help="数据截止日期 YYYY-MM-DD（默认上月末）")
    parser.add_argument("--out", metavar="FILE.xlsx", default=None, help="把问题清单保存为 Excel 文件")
    parser.add_argument("--mask", action="store_true", help="问题清单中的证件号码、手机号脱敏")
    parser.add_argument("--replies", metavar="FILE.xlsx", default=None,
                        help="读入各村在“数据质量问题按村导出”表里填写的核实情况（先检查，列出可记为已核实的）")
    parser.add_argument("--accept-replies", action="store_true",
                        help="与 --replies 同用：把村里核实属实的问题记为已核实（写明“村里核实：…”）")
    parser.set_defaults(run=run)


def run(args) -> int:
    db = open_db(args)
    as_of = args.as_of or last_month_end()
    # rule by rule on a terminal (about 20 s at 200,000 households)
    summary = run_quality(db, as_of, progress=lambda done, total, rule: say_progress(done, total, f"数据质量检查：{rule}"))
    end_progress()
    if args.replies:
        return _replies(db, args)
    print(f"数据质量检查（截止 {summary.as_of}）：共发现 {summary.total} 个问题，用时 {summary.seconds:.1f} 秒")
    print_table(["规则", "级别", "问题数"],
                [[r.title, r.severity_label, summary.by_rule[r.id]] for r in summary.rules])
    if summary.reviewed:
        print(f"另有{summary.reviewed}个问题已核实（在“数据质量”页标记，写明了核实情况），不计入上面的问题数")
    if summary.by_township:
        print()
        print_table(["乡镇（街道）", "问题数"], [[k, v] for k, v in summary.by_township.items()])
    try:
        rule_set = current_rule_set(db)
    except RuleSetNotChosen as exc:
        print(f"\n应享未享：{exc}")
        rule_set = None
    owed = entitlement_details(db, rule_set, as_of) if rule_set else []
    if rule_set is None:
        return _save(args, summary, db, owed)
    print(f"\n应享未享（{rule_set.title}，{as_of.year}年）：{len(owed)}人次")
    by_kind: dict[str, list[float]] = {}
    for row in owed:
        by_kind.setdefault(row["kind"], []).append(row["amount"] - row["paid_amount"])
    if by_kind:
        print_table(["补贴类型", "人数", "未发金额（元）"], [[k, len(v), f"{sum(v):.0f}"] for k, v in by_kind.items()])
    orgs = org_entitlements(db, rule_set, as_of, year=as_of.year - 1)
    if orgs:
        names = lookups.organisation_names(db)
        print(f"\n{as_of.year - 1}年吸纳就业奖补应享未享的单位：{len(orgs)}个")
        print_table(["单位", "补贴类型", "吸纳人数", "应享（元）", "已享（元）"],
                    [[names.get(o.org_id, o.org_id), o.kind, o.persons, f"{o.amount:.0f}", f"{o.paid_amount:.0f}"]
                     for o in orgs])
    return _save(args, summary, db, owed)


def _save(args, summary, db, owed) -> int:
    if args.out:
        try:
            rows = findings(db, open_only=True)  # 待处理, as the counts (rules.reviews: not those checked)
            reviewed = findings(db, reviewed_only=True)  # their own sheet, with what checking found
            if args.mask:
                from wengang.domain.masking import mask_personal  # noqa: PLC0415
                rows, owed, reviewed = ([{k: mask_personal(v) for k, v in r.items()} for r in listed]
                                        for listed in (rows, owed, reviewed))
            path = write_quality_workbook(summary, rows, args.out, owed, reviewed)
        except OSError as exc:
            return cannot_write(exc, args.out)
        print(f"\n问题清单已保存：{path}")
    return 0


def _replies(db, args) -> int:
    """--replies FILE [--accept-replies]: the villages' 核实情况 matched to the findings just found."""
    from wengang.services.rules.replies import ReplyError, accept_replies, read_village_replies  # noqa: PLC0415

    try:
        replies = read_village_replies(db, args.replies)
    except ReplyError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(replies.summary())
    for title, listed in (("村里核实属实，可记为已核实", replies.to_review),
                          ("村里写了已改正，但数据还是这样（请在登记页改正）", replies.said_corrected),
                          ("已不是待处理的问题", replies.gone)):
        if listed:
            print(f"\n{title}：")
            print_table(["位置", "姓名", "问题", "村里填写"], [[r.where(), r.person_name, r.title, r.answer] for r in listed])
    if not replies.to_review:
        return 0
    if not args.accept_replies:
        print(f"\n{len(replies.to_review)}条村里核实属实的问题还没有记为已核实：加 --accept-replies 记入（可在“数据质量”页取消核实）")
        return 0
    print(f"\n已记为已核实：{accept_replies(db, replies.to_review)}条（核实情况写为“村里核实：…”）")
    return 0
