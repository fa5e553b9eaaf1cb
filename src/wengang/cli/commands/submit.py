"""``wengang [--db] submit --as-of D [--forms F1,F2,…|all] [--from D] --out FILE``: a county
writes its forms for the city as one signed package of aggregates (no person-level data),
and archives each form as submitted (报送存档)."""

from __future__ import annotations

import sys
import time

from wengang.cli.common import cannot_write, open_db


def register(sub) -> None:
    parser = sub.add_command("submit", help="向市里报送报表：生成一个签名的报送文件（只含汇总数字）")
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="数据截止日期")
    parser.add_argument("--forms", default="all", metavar="F1,F2,…|all", help="报送哪些报表（默认 all 全部）")
    parser.add_argument("--from", dest="period_from", metavar="YYYY-MM-DD",
                        help="统计期起始日（F4、F9；默认截止日所在月1日）")
    parser.add_argument("--out", required=True, metavar="FILE", help="报送文件，如 临泽县_2026-11.wgsb")
    parser.add_argument("--lock", action="store_true", help="同时锁定该月（之后修改需填写原因）")
    parser.set_defaults(run=run)


def run(args) -> int:
    from wengang.services.city.submission import SubmissionError, write_submission  # noqa: PLC0415
    from wengang.services.reports import FormError  # noqa: PLC0415

    db = open_db(args)
    started = time.perf_counter()
    try:
        path, payload = write_submission(db, args.as_of, args.out, forms=args.forms,
                                         period_from=args.period_from, lock=args.lock)
    except (SubmissionError, FormError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        return cannot_write(exc, args.out)
    numbers = "、".join(f["number"] for f in payload["forms"])
    print(f"已生成{payload['county']['county']}报送文件（截止 {payload['as_of']}，{numbers}，"
          f"{path.stat().st_size / 1024:.0f} KB）→ {path}（{time.perf_counter() - started:.2f}秒）")
    print("各表已存入报送存档" + ("，该月已锁定" if args.lock else ""))
    return 0
