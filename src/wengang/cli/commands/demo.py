"""``wengang demo``: build the deterministic demo county (示范县) into the database."""

from __future__ import annotations

import sys
import time

from wengang.cli.common import day_arg, db_path, open_db, print_table
from wengang.services.demo import DemoError, build_demo

LABELS = {"townships": "乡镇", "villages": "行政村", "relocation_sites": "安置点", "organisations": "车间/企业/基地",
          "households": "户", "persons": "人", "employment_spells": "务工就业记录", "welfare_posts": "公益性岗位",
          "surveys": "意愿摸排", "services": "就业服务", "subsidies": "补贴", "targets": "目标任务",
          "spot_checks": "抽查"}


def register(sub) -> None:
    parser = sub.add_command("demo", help="生成示范县（演示、测试用的模拟数据）")
    parser.add_argument("--households", type=int, default=2000, metavar="N", help="户数（默认2000）")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子，同一种子生成相同数据（默认1）")
    parser.add_argument("--as-of", type=day_arg, default=None, metavar="D",
                        help="数据截止日期 YYYY-MM-DD（默认上月末）")
    parser.add_argument("--replace", action="store_true", help="数据库中已有数据时，清空后用示范县覆盖")
    parser.set_defaults(run=run)


def run(args) -> int:
    db = open_db(args)
    started = time.perf_counter()

    def progress(step: int, total: int, message: str) -> None:
        print(f"[{step}/{total}] {message}", file=sys.stderr, flush=True)

    try:
        counts = build_demo(db, households=args.households, seed=args.seed, as_of=args.as_of,
                            progress=progress, replace=args.replace)
    except DemoError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"示范县已生成：{db_path(args)}（数据截止 {counts['as_of']}，用时 {time.perf_counter() - started:.1f} 秒）")
    if counts.get("backup"):
        print(f"覆盖前的数据已备份（已检查）：{counts['backup']}，可用 wengang restore 找回。")
    print_table(["内容", "数量"], [[label, counts[key]] for key, label in LABELS.items() if key in counts])
    print()
    print("有意埋入的数据问题（供数据质量检查演示）：")
    print_table(["问题", "条数"], [[k, v] for k, v in counts["dirt"].items()])
    return 0
