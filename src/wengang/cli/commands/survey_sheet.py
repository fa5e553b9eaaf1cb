"""``wengang survey-sheet write|import|flags|reasons``: door-to-door sheets (入户摸排/核实).

``write`` fills a sheet per village (or household) with the current record and blank answer
columns; ``import`` reads a filled one back, all or nothing (error workbook); ``flags`` counts
who was never surveyed, surveyed too long ago, or whose planned month has passed; ``reasons``
counts 未外出原因 and 增收措施 of the not-yet list by village (seed 002).
"""

from __future__ import annotations

import sys
from collections import Counter

from wengang.cli.common import (
    add_area_option,
    add_as_of,
    add_village_option,
    as_of_or_today,
    cannot_write,
    open_db,
    optional_area,
    print_table,
)
from wengang.services.duties.survey_sheet import (
    DEFAULT_STALE_MONTHS,
    SurveySheetError,
    flags_by_village,
    import_survey_sheet,
    reasons_by_village,
    write_survey_sheet,
)


def register(sub) -> None:
    parser = sub.add_command("survey-sheet", help="入户摸排核实表：按村或按户导出（预填现有信息）、导入填好的表、摸排提醒")
    verbs = parser.add_subparsers(dest="verb", metavar="write|import|flags|reasons", required=True)
    write = verbs.add_parser("write", help="导出入户摸排核实表（Excel，可打印）")
    add_village_option(write)
    write.add_argument("--household", metavar="户编号", help="只导出一户")
    write.add_argument("--labour-only", action="store_true", help="只列劳动力")
    add_as_of(write, "信息截止日期（默认今天）")
    write.add_argument("--stale-months", type=int, default=DEFAULT_STALE_MONTHS, metavar="N",
                       help=f"摸排超过N个月的提醒（默认{DEFAULT_STALE_MONTHS}）")
    write.add_argument("--out", required=True, metavar="FILE.xlsx")
    write.set_defaults(run=run_write)
    imp = verbs.add_parser("import", help="导入填好的入户摸排核实表（有一处错误则全部不导入，并生成错误说明表）")
    imp.add_argument("file", metavar="FILE.xlsx")
    imp.set_defaults(run=run_import)
    flags = verbs.add_parser("flags", help="按村统计：从未摸排、摸排超过N个月、计划外出月份已过的劳动力")
    add_as_of(flags)
    flags.add_argument("--stale-months", type=int, default=DEFAULT_STALE_MONTHS, metavar="N")
    add_area_option(flags)
    flags.set_defaults(run=run_flags)
    reasons = verbs.add_parser("reasons", help="去年务工今年未务工人员：按村统计未外出原因和增收措施")
    add_as_of(reasons)
    add_area_option(reasons)
    reasons.set_defaults(run=run_reasons)


def run_write(args) -> int:
    db = open_db(args, lock=False)
    if not args.village and not args.household:
        print("错误：请用 --village 指定村，或用 --household 指定户编号", file=sys.stderr)
        return 2
    area_id = optional_area(db, args.village)
    as_of = as_of_or_today(args)
    title = f"{(args.village or '').replace('/', '')}脱贫人口入户摸排核实表"
    try:
        n = write_survey_sheet(db, as_of, args.out, area_id=area_id, hh_no=args.household,
                               stale_months=args.stale_months, labour_only=args.labour_only, title=title)
    except SurveySheetError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        return cannot_write(exc, args.out)
    print(f"入户摸排核实表（{n}人）已保存：{args.out}")
    return 0


def run_import(args) -> int:
    db = open_db(args)
    try:
        result = import_survey_sheet(db, args.file)
    except SurveySheetError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if result.errors:
        print(f"错误：核实表中有{len(result.errors)}处问题，全部未导入。", file=sys.stderr)
        for issue in result.errors[:20]:
            print("  " + issue.text(), file=sys.stderr)
        print(f"错误说明表（问题单元格标红）：{result.errors_path}", file=sys.stderr)
        return 1
    print(f"已导入：摸排{result.surveys}人，核实电话{result.phones}人，培训需求{result.training}人；"
          f"{result.untouched}人未填写")
    return 0


def run_flags(args) -> int:
    db = open_db(args, lock=False)
    as_of = as_of_or_today(args)
    area_id = optional_area(db, args.area)
    by_village = flags_by_village(db, as_of, area_id=area_id, stale_months=args.stale_months)
    labels = ["从未摸排", f"摸排已超过{args.stale_months}个月", "计划外出月份已过"]
    total = sum(by_village.values(), Counter())
    print(f"入户摸排提醒（劳动力{total['劳动力']}人，截止 {as_of}）：" + "，".join(f"{k}{total[k]}人" for k in labels))
    print_table(["乡镇（街道）", "行政村（社区）", "劳动力", *labels],
                [[t, v, c["劳动力"], *[c[k] for k in labels]] for (t, v), c in by_village.items()])
    return 0


def run_reasons(args) -> int:
    db = open_db(args, lock=False)
    as_of = as_of_or_today(args)
    area_id = optional_area(db, args.area)
    rows = reasons_by_village(db, as_of, area_id)
    reasons = sorted({k for r in rows for k in r.reasons})
    measures = sorted({k for r in rows for k in r.measures})
    print(f"去年务工今年未务工人员（截止 {as_of}）：{sum(r.not_yet for r in rows)}人，已摸排{sum(r.surveyed for r in rows)}人")
    print("\n未外出原因：")
    print_table(["乡镇（街道）", "行政村（社区）", "人数", "已摸排", *reasons],
                [[r.township, r.village, r.not_yet, r.surveyed, *[r.reasons[k] for k in reasons]] for r in rows])
    print("\n增收措施：")
    print_table(["乡镇（街道）", "行政村（社区）", *measures],
                [[r.township, r.village, *[r.measures[k] for k in measures]] for r in rows])
    return 0
