"""``wengang [--db] receive FILE…``: a city receives its counties' submission packages.

Each package is checked (sender, signature, form identities) and stored in one transaction:
a refused package leaves nothing behind. A later package for the same county, form and date
replaces the earlier one; the changed cells are printed.
"""

from __future__ import annotations

import sys

from wengang.cli.common import open_db

SHOW_CHANGES = 20


def register(sub) -> None:
    parser = sub.add_command("receive", help="市级：接收各县的报送文件（核对签名和表内关系，逐个文件全收或全不收）")
    parser.add_argument("files", nargs="+", metavar="FILE", help="报送文件（.wgsb），可以多个")
    parser.set_defaults(run=run)


def run(args) -> int:
    from wengang.services.city.receipt import ReceiptError, receive_file  # noqa: PLC0415
    from wengang.store.city import is_city  # noqa: PLC0415

    db = open_db(args)
    if not is_city(db):
        print("错误：本数据库不是市级安装，不能接收报送。市里请先运行：wengang setup --level city --province 省 --city 市",
              file=sys.stderr)
        return 2
    refused = 0
    for path in args.files:
        try:
            receipt = receive_file(db, path)
        except ReceiptError as exc:
            refused += 1
            print(f"拒收 {path}：{exc}", file=sys.stderr)
            continue
        for form in receipt.forms:
            verb = "已更新" if form.action == "replaced" else "已收下"
            print(f"{verb} {receipt.county} {form.number}（截止 {form.as_of}）"
                  + (f"：与上次报送相比 {len(form.changes)} 处变化" if form.action == "replaced" else ""))
            for change in form.changes[:SHOW_CHANGES]:
                print(f"    {change.row} {change.column}：{change.before} → {change.after}")
            if len(form.changes) > SHOW_CHANGES:
                print(f"    …… 另有 {len(form.changes) - SHOW_CHANGES} 处")
    if refused:
        print(f"{refused} 个文件被拒收，其余已收下", file=sys.stderr)
        return 2
    return 0
