"""``wengang services gaps|record|sheet``: 1-3-1 就业服务 (1 次职业指导、3 次岗位信息、1 次免费培训).

- ``gaps`` — by village: who needs work, how many have 1-3-1 complete, who lacks what
  (``--out`` saves the person list, the ``service-gaps`` ledger);
- ``record`` — one service for many people at once (证件号码 on the line or in a file, or
  everyone short of that service in a village);
- ``sheet`` — the printable service sheet of a village (.xlsx or .pdf).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from wengang.cli.common import (
    add_area_option,
    add_as_of,
    add_village_option,
    area_named,
    as_of_or_today,
    cannot_write,
    day_arg,
    open_db,
    optional_area,
    print_table,
)
from wengang.domain.status import AsOf
from wengang.services.duties.services131 import ALL_KINDS, gaps_by_village, persons_by_ids, record_services
from wengang.services.ledgers import ledger_query, write_ledger


def register(sub) -> None:
    parser = sub.add_command("services", help="1-3-1就业服务：谁还缺服务、批量登记服务、打印服务单")
    verbs = parser.add_subparsers(dest="verb", metavar="gaps|record|sheet", required=True)
    gaps = verbs.add_parser("gaps", help="按村统计需要就业的人员和1-3-1服务缺口")
    add_as_of(gaps, "截止日期（默认今天）")
    add_area_option(gaps)
    gaps.add_argument("--out", metavar="FILE.xlsx", help="把未达标人员清单保存为 Excel")
    gaps.set_defaults(run=run_gaps)
    record = verbs.add_parser("record", help="为多人一次登记同一项服务")
    record.add_argument("--kind", required=True, choices=ALL_KINDS, help="服务类型")
    record.add_argument("--date", type=day_arg, required=True, metavar="D", help="服务日期")
    record.add_argument("--ids", metavar="证件号码", help="证件号码，逗号分隔")
    record.add_argument("--ids-file", type=Path, metavar="FILE.txt", help="每行一个证件号码的文本文件")
    record.add_argument("--short-in", metavar="NAME", help="或：某乡镇或村中今年还缺这项服务的全部人员")
    record.add_argument("--provider", help="服务提供者（如 县人社局、某培训学校）")
    record.add_argument("--note", help="备注（如 培训工种、推送的岗位）")
    record.add_argument("--days", type=int, metavar="N", help="免费培训的天数（培训补贴按天计算）")
    record.set_defaults(run=run_record)
    sheet = verbs.add_parser("sheet", help="打印某村的1-3-1服务单（未达标人员及还缺的服务）")
    add_village_option(sheet, required=True)
    add_as_of(sheet, "截止日期（默认今天）")
    sheet.add_argument("--out", required=True, metavar="FILE", help=".xlsx 或 .pdf（A4 横向）")
    sheet.add_argument("--mask", action="store_true", help="证件号码、联系电话脱敏")
    sheet.set_defaults(run=run_sheet)


def run_gaps(args) -> int:
    db = open_db(args, lock=False)
    as_of = AsOf(as_of_or_today(args))
    area_id = optional_area(db, args.area)
    rows = gaps_by_village(db, as_of, area_id)
    total = [sum(getattr(r, f) for r in rows) for f in ("needing", "complete", "short_guidance", "short_jobs",
                                                         "short_training")]
    print(f"1-3-1就业服务（{as_of.year}年1月1日至{as_of.date}）：需要就业{total[0]}人，已达标{total[1]}人，"
          f"未达标{total[0] - total[1]}人")
    print_table(["乡镇（街道）", "行政村（社区）", "需要就业", "已达标", "未达标", "缺职业指导", "缺岗位信息(不足3次)",
                 "缺免费培训"],
                [["合计", "", *total[:2], total[0] - total[1], *total[2:]]]
                + [[r.township, r.village, r.needing, r.complete, r.short, r.short_guidance, r.short_jobs,
                    r.short_training] for r in rows])
    if args.out:
        try:
            n = write_ledger(db, "service-gaps", as_of, args.out, area_id=area_id)
        except OSError as exc:
            return cannot_write(exc, args.out)
        print(f"\n未达标人员清单（{n}人）已保存：{args.out}")
    return 0


def _short_in(db, area_name: str, kind: str, day: dt.date) -> list[int]:
    area_id = area_named(db, area_name)
    query = ledger_query(db, "service-gaps", AsOf(day), area_id=area_id)
    ids = query.person_ids(0, None)
    if kind not in ("职业指导", "岗位信息推送", "免费培训"):
        return ids
    column = {"职业指导": "职业指导（次）", "岗位信息推送": "岗位信息推送（次）", "免费培训": "免费培训（次）"}[kind]
    need = {"职业指导": 1, "岗位信息推送": 3, "免费培训": 1}[kind]
    at = query.columns.index(column)
    return [pid for pid, row in zip(ids, query.rows(0, None)) if row[at] < need]


def run_record(args) -> int:
    db = open_db(args)
    numbers = [n for n in (args.ids or "").replace("，", ",").split(",") if n.strip()]
    if args.ids_file:
        numbers += [line.strip() for line in args.ids_file.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    person_ids, missing = persons_by_ids(db, numbers)
    if missing:
        print(f"错误：找不到这些证件号码，没有登记：{'、'.join(missing)}", file=sys.stderr)
        return 2
    if args.short_in:
        person_ids += _short_in(db, args.short_in, args.kind, args.date)
    if not person_ids:
        print("错误：没有要登记的人员（--ids、--ids-file 或 --short-in）", file=sys.stderr)
        return 2
    done = record_services(db, person_ids, args.kind, args.date, provider=args.provider, note=args.note,
                           days=args.days)
    print(f"已为{done.added}人登记“{args.kind}”（{args.date}）"
          + (f"，{done.already}人这一天已登记过，未重复" if done.already else ""))
    return 0


def run_sheet(args) -> int:
    db = open_db(args, lock=False)
    as_of = AsOf(as_of_or_today(args))
    area_id = area_named(db, args.village)
    path = Path(args.out)
    try:
        if path.suffix.lower() == ".pdf":
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            from wengang.gui.printing import write_ledger_pdf  # noqa: PLC0415 - Qt only when needed

            query = ledger_query(db, "service-gaps", as_of, area_id=area_id, mask=args.mask)
            write_ledger_pdf(query, path)
            n = query.count()
        else:
            n = write_ledger(db, "service-gaps", as_of, path, area_id=area_id, mask=args.mask)
    except OSError as exc:
        return cannot_write(exc, path)
    print(f"{args.village} 1-3-1服务单：{n}人，已保存 {path}")
    return 0
