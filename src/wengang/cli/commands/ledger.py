"""``wengang ledger LIST --as-of D --out FILE.xlsx|.csv|.pdf [--mask] [--area NAME]``: export a ledger."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from wengang.cli.common import open_db
from wengang.services.ledgers import LedgerError, ledger_query, list_ledgers, write_ledger


def register(sub) -> None:
    ledgers = list_ledgers()
    choices = "；".join(f"{ledger.id}={ledger.title}" for ledger in ledgers)
    parser = sub.add_command("ledger", help="导出台账（六张清单、公益性岗位、帮扶车间、易地搬迁）",
                             description=f"可选台账：{choices}")
    parser.add_argument("list", metavar="LIST", choices=[ledger.id for ledger in ledgers],
                        help="台账名称：" + "、".join(ledger.id for ledger in ledgers))
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="数据截止日期")
    parser.add_argument("--out", required=True, metavar="FILE", help="输出文件 .xlsx、.csv 或 .pdf（PDF 供打印，A4 横向）")
    parser.add_argument("--mask", action="store_true", help="证件号码、联系电话脱敏（保留前6后4位、手机号中间隐藏）")
    parser.add_argument("--area", metavar="NAME", help="只导出某个乡镇或村（名称）")
    parser.set_defaults(run=run)


def find_area(db, name: str) -> int:
    """The id of the area called ``name``; exit 2 when there is none or several."""
    rows = db.execute("SELECT id FROM areas WHERE name = ?", [name]).fetchall()
    if len(rows) != 1:
        problem = "找不到" if not rows else f"有{len(rows)}个同名的"
        print(f"错误：{problem}地区“{name}”", file=sys.stderr)
        raise SystemExit(2)
    return rows[0][0]


def _write_pdf(db, args, area_id: int | None) -> int:
    """The printable ledger: rendered by the GUI layer's painter, offscreen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from wengang.gui.printing import write_ledger_pdf  # noqa: PLC0415 - Qt only when needed

    query = ledger_query(db, args.list, args.as_of, area_id=area_id, mask=args.mask)
    write_ledger_pdf(query, args.out)
    return query.count()


def run(args) -> int:
    db = open_db(args)
    area_id = find_area(db, args.area) if args.area else None
    started = time.perf_counter()
    try:
        if Path(args.out).suffix.lower() == ".pdf":
            written = _write_pdf(db, args, area_id)
        else:
            written = write_ledger(db, args.list, args.as_of, args.out, mask=args.mask, area_id=area_id)
    except (LedgerError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    title = next(ledger.title for ledger in list_ledgers() if ledger.id == args.list)
    print(f"已导出{title}：{written}人 → {args.out}（{time.perf_counter() - started:.1f}秒）")
    return 0
