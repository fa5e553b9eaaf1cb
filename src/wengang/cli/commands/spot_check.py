"""``wengang spot-check draw|sheet|import|list``: telephone spot checks (抽查核查, seed 004).

``draw`` keeps a reproducible sample (seeded; N per township, stratified by 就业地域; people
checked in the last K months left out; ``--cross`` or ``--checkers`` for 交叉核查), ``sheet``
writes its call sheet, ``import`` reads a filled one back (all or nothing, error workbook),
optionally writing F9 from the answers.
"""

from __future__ import annotations

import sys

from wengang.cli.common import (
    add_as_of,
    as_of_or_today,
    cannot_write,
    day_arg,
    open_db,
    print_table,
    split_names,
)
from wengang.services.duties.spot_check import (
    SpotCheckError,
    draw_sample,
    import_call_sheet,
    samples,
    write_call_sheet,
)


def register(sub) -> None:
    parser = sub.add_command("spot-check", help="电话抽查：抽样、打印抽查电话单、导入核查结果、生成F9")
    verbs = parser.add_subparsers(dest="verb", metavar="draw|sheet|import|list", required=True)
    draw = verbs.add_parser("draw", help="抽取抽查样本（同样的数据和随机种子，抽出的人相同）")
    add_as_of(draw, "按哪天的务工信息抽（默认今天）")
    draw.add_argument("--per-township", type=int, default=100, metavar="N", help="每个乡镇抽几人（默认100）")
    draw.add_argument("--seed", type=int, required=True, metavar="N", help="随机种子（记下来，可复核抽样）")
    draw.add_argument("--exclude-months", type=int, default=0, metavar="K", help="排除近K个月内已抽查过的人")
    draw.add_argument("--cross", action="store_true", help="交叉核查：每个乡镇的样本由下一个乡镇打电话")
    draw.add_argument("--checkers", metavar="单位", help="市级跨县交叉核查：由这些单位轮流核查（逗号分隔，如 大冶市,阳新县）")
    draw.add_argument("--note", help="备注（如 2026年一季度抽查）")
    draw.set_defaults(run=run_draw)
    sheet = verbs.add_parser("sheet", help="导出抽查电话单（Excel，可打印）")
    sheet.add_argument("sample", type=int, metavar="批次", help="抽查批次号（draw 或 list 显示）")
    sheet.add_argument("--out", required=True, metavar="FILE.xlsx")
    sheet.add_argument("--checker", metavar="单位", help="只导出某个核查单位要打的电话")
    sheet.add_argument("--no-mask", action="store_true", help="证件号码不脱敏（默认只显示前6后4位）")
    sheet.set_defaults(run=run_sheet)
    imp = verbs.add_parser("import", help="导入填好的抽查电话单（有一处错误则全部不导入，并生成错误说明表）")
    imp.add_argument("file", metavar="FILE.xlsx")
    imp.add_argument("--date", type=day_arg, default=None, metavar="D", help="核查日期没填的行按这一天")
    imp.add_argument("--f9", metavar="OUT.xlsx", help="导入后按核查日期生成F9交叉抽查情况汇总表")
    imp.set_defaults(run=run_import)
    listing = verbs.add_parser("list", help="列出抽过的样本和已核查的人数")
    listing.set_defaults(run=run_list)


def run_draw(args) -> int:
    db = open_db(args)
    as_of = as_of_or_today(args)
    try:
        sample = draw_sample(db, as_of, per_township=args.per_township, seed=args.seed,
                             exclude_months=args.exclude_months, cross=args.cross,
                             checker_units=split_names(args.checkers) if args.checkers else None, note=args.note)
    except SpotCheckError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"抽查批次{sample.id}：共抽{sample.size}人（截止 {as_of}，随机种子 {args.seed}，每乡镇{args.per_township}人"
          + (f"，排除近{args.exclude_months}个月已抽查的" if args.exclude_months else "") + "）")
    print_table(["乡镇（街道）", "可抽人数", "抽中"], [[t, sample.available[t], n] for t, n in sample.by_township.items()])
    print(f"\n导出电话单：wengang spot-check sheet {sample.id} --out 抽查电话单.xlsx")
    return 0


def run_sheet(args) -> int:
    db = open_db(args, lock=False)
    try:
        n = write_call_sheet(db, args.sample, args.out, checker_unit=args.checker, mask=not args.no_mask)
    except SpotCheckError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        return cannot_write(exc, args.out)
    print(f"抽查电话单（{n}人）已保存：{args.out}")
    return 0


def run_import(args) -> int:
    db = open_db(args)
    try:
        result = import_call_sheet(db, args.file, default_date=args.date)
    except SpotCheckError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if result.errors:
        print(f"错误：电话单中有{len(result.errors)}处问题，全部未导入。", file=sys.stderr)
        for issue in result.errors[:20]:
            print("  " + issue.text(), file=sys.stderr)
        if result.errors_path:
            print(f"错误说明表（问题单元格标红）：{result.errors_path}", file=sys.stderr)
        return 1
    print(f"已导入{result.imported}人的核查结果" + (f"，{result.unanswered}人还没有结果" if result.unanswered else ""))
    if args.f9 and result.period:
        from wengang.services.reports.engine import compute_form  # noqa: PLC0415 - only when asked
        from wengang.services.reports.output import write_form  # noqa: PLC0415

        first, last = result.period
        form = compute_form(db, "F9", last, period_from=first)
        try:
            write_form(form, args.f9)
        except OSError as exc:
            return cannot_write(exc, args.f9)
        print(f"F9（核查日期 {first} 至 {last}）已保存：{args.f9}")
    return 0


def run_list(args) -> int:
    db = open_db(args, lock=False)
    rows = samples(db)
    if not rows:
        print("还没有抽过样本：wengang spot-check draw --seed N")
        return 0
    print_table(["批次", "抽样时间", "截止日期", "随机种子", "每乡镇", "排除月数", "抽中", "已核查"],
                [[r["id"], r["drawn_at"], r["as_of"], r["seed"], r["per_township"], r["exclude_months"], r["size"],
                  r["answered"] or 0] for r in rows])
    return 0
