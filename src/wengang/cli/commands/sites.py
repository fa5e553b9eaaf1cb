"""``wengang sites jobs|add-job|check``: relocation sites' job supply and the seed 003 check
(≥1 training and ≥3 job referrals for every willing poor labourer)."""

from __future__ import annotations

import sys

from wengang.cli.common import (
    InputStop,
    add_as_of,
    as_of_or_today,
    day_arg,
    open_db,
    print_table,
)
from wengang.services.duties.sites import add_site_job, site_checks, site_jobs
from wengang.services.read import lookups


def register(sub) -> None:
    parser = sub.add_command("sites", help="易地搬迁安置点：岗位供给清单、有意愿劳动力“1次培训3次岗位推荐”检查")
    verbs = parser.add_subparsers(dest="verb", metavar="jobs|add-job|check", required=True)
    jobs = verbs.add_parser("jobs", help="列出安置点的岗位供给")
    jobs.add_argument("--site", metavar="安置点", help="只看某个安置点")
    jobs.set_defaults(run=run_jobs)
    add = verbs.add_parser("add-job", help="登记一个安置点的岗位供给")
    add.add_argument("--site", required=True, metavar="安置点")
    add.add_argument("--employer", required=True, metavar="用工单位")
    add.add_argument("--post", required=True, metavar="岗位")
    add.add_argument("--openings", type=int, metavar="N", help="招用人数")
    add.add_argument("--pay", metavar="薪酬", help="如 3000-4000元/月")
    add.add_argument("--date", type=day_arg, metavar="D", help="发布日期（默认今天）")
    add.add_argument("--contact", metavar="联系人电话")
    add.set_defaults(run=run_add)
    check = verbs.add_parser("check", help="每名有就业意愿的搬迁贫困劳动力今年是否已有1次培训、3次岗位推荐")
    add_as_of(check)
    check.add_argument("--list", action="store_true", help="列出未达到的人")
    check.set_defaults(run=run_check)


def _site_id(db, name: str) -> int:
    site_id = lookups.site_id_named(db, name)
    if site_id is None:
        print(f"错误：找不到安置点“{name}”", file=sys.stderr)
        raise InputStop(2)
    return site_id


def run_jobs(args) -> int:
    db = open_db(args, lock=False)
    rows = site_jobs(db, _site_id(db, args.site) if args.site else None)
    if not rows:
        print("还没有登记岗位供给：wengang sites add-job --site 安置点 --employer 单位 --post 岗位")
        return 0
    print_table(["安置点", "用工单位", "岗位", "人数", "薪酬", "发布日期", "联系"],
                [[r["site"], r["employer"], r["post"], r["openings"] or "", r["pay"] or "", r["offered_date"],
                  r["contact"] or ""] for r in rows])
    return 0


def run_add(args) -> int:
    db = open_db(args)
    try:
        add_site_job(db, _site_id(db, args.site), args.employer, args.post, openings=args.openings, pay=args.pay,
                     offered=args.date, contact=args.contact)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"已登记：{args.site} {args.employer} {args.post}")
    return 0


def run_check(args) -> int:
    db = open_db(args, lock=False)
    as_of = as_of_or_today(args)
    checks = site_checks(db, as_of)
    print(f"安置点有就业意愿的贫困劳动力“至少1次培训、3次岗位推荐”（{as_of.year}年至{as_of}）：")
    print_table(["安置点", "有意愿劳动力", "已达到", "未达到", "岗位供给（条）"],
                [[c.site, c.willing, c.complete, len(c.short), c.jobs_offered] for c in checks])
    if args.list:
        for c in checks:
            for p in c.short:
                print(f"  {c.site} {p['name']} {p['phone'] or ''} 培训{p['trainings']}次 岗位推荐{p['referrals']}次"
                      + (f" 培训需求：{p['training_need']}" if p["training_need"] else ""))
    return 0
