"""``wengang exchange base|import|export|status|conflicts|decide``: township ⇄ county packages.

Exit 0 when a package is written or applied (conflicts are listed, they are not errors);
1 with a plain message when a package is refused (nothing changed); 2 when the database
cannot be opened or a file cannot be written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wengang.cli.common import add_command, cannot_write, open_db, print_table
from wengang.services.exchange import engine

SHOWN = 30


def register(sub) -> None:
    parser = sub.add_command("exchange", help="乡镇与县之间的数据交换（交换包的生成、导入、冲突处理）")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    base = add_command(actions, "base", help="（县）为一个乡镇生成起始包：该乡镇的村、人员和各项记录")
    base.add_argument("--township", required=True, metavar="NAME", help="乡镇名称")
    base.add_argument("--out", required=True, type=Path, metavar="FILE", help="交换包文件")
    base.set_defaults(run=run_base)
    imp = add_command(actions, "import", help="导入收到的交换包（空台账导入起始包即成为乡镇台账）")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.set_defaults(run=run_import)
    exp = add_command(actions, "export", help="导出上次交换以来的修改（乡镇发给县；县用 --township 发回乡镇）")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE")
    exp.add_argument("--township", metavar="NAME", help="（县）发给哪个乡镇")
    exp.add_argument("--resend", type=int, metavar="N", help="重新写出以前发过的第N号包（对方没收到时）")
    exp.set_defaults(run=run_export)
    st = add_command(actions, "status", help="收发的交换包、序号和待处理的冲突")
    st.set_defaults(run=run_status)
    con = add_command(actions, "conflicts", help="列出待裁决的冲突（--out 写成Excel）")
    con.add_argument("--out", type=Path, metavar="FILE.xlsx")
    con.add_argument("--all", action="store_true", help="包括已裁决和已拒收的")
    con.set_defaults(run=run_conflicts)
    dec = add_command(actions, "decide", help="裁决一个冲突：保留本机的值（local）或对方的值（remote）")
    dec.add_argument("id", type=int)
    dec.add_argument("--keep", required=True, choices=("local", "remote"))
    dec.add_argument("--reason", required=True, help="裁决理由（记入修改记录）")
    dec.set_defaults(run=run_decide)


def _refused(exc: Exception) -> int:
    print(f"已拒收：{exc}", file=sys.stderr)
    return 1


def _exported(result: engine.ExportResult) -> None:
    kind = "起始包" if result.kind == "base" else "交换包"
    print(f"已生成发给“{result.partner}”的第{result.seq}号{kind}：{result.path}"
          f"（{result.changes}处修改，{result.size / 1024:.1f} KB）")


def run_base(args) -> int:
    db = open_db(args)
    try:
        _exported(engine.export_base(db, args.township, args.out))
    except engine.ExchangeRefused as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        return cannot_write(exc, args.out)
    finally:
        db.close()
    return 0


def run_export(args) -> int:
    db = open_db(args)
    try:
        if args.resend:
            _exported(engine.resend(db, args.resend, args.out, township=args.township))
        else:
            _exported(engine.export_changes(db, args.out, township=args.township))
    except engine.ExchangeRefused as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        return cannot_write(exc, args.out)
    finally:
        db.close()
    return 0


def run_import(args) -> int:
    db = open_db(args)
    try:
        result = engine.import_package(db, args.file)
        if result.started:
            print(f"已用“{result.partner}”的起始包建立乡镇台账：{engine.my_area(db)}")
        print(f"已导入“{result.partner}”第{result.seq}号包：{result.changes}处修改，写入{result.applied}条"
              + (f"，拒收{result.refused}处（非本乡镇记录）" if result.refused else "")
              + (f"，{result.conflicts}处冲突待裁决" if result.conflicts else "")
              + f"（导入批次{result.batch_id}，可撤销）")
        if result.conflicts or result.refused:
            items = [c for c in engine.conflicts(db, status=None)
                     if c.id and c.partner == result.partner and c.status in ("open", "refused")]
            _print_conflicts(items[-SHOWN:])
    except engine.ExchangeRefused as exc:
        return _refused(exc)
    finally:
        db.close()
    return 0


def run_status(args) -> int:
    db = open_db(args, lock=False)
    try:
        level = engine.level(db)
        print(f"本机：{engine.my_area(db) or '（未设置）'}（{'县级' if level == 'county' else '乡镇'}台账）")
        rows = [[s.partner, s.sent_seq, (s.last_sent_at or "")[:16].replace("T", " "), s.received_seq,
                 (s.last_received_at or "")[:16].replace("T", " "), s.open_conflicts,
                 "逾期" if s.overdue else ""] for s in engine.status(db)]
        print_table(["对方", "已发到第几号", "最近发出", "已收到第几号", "最近收到", "待裁决冲突", "提醒"], rows)
    finally:
        db.close()
    return 0


def _print_conflicts(items) -> None:
    rows = [[c.id, c.partner, c.kind_label, c.label, c.field_label, _short(c.local), _short(c.remote),
             "对方" if c.kept == "remote" else "本机"] for c in items]
    print_table(["编号", "来自", "类型", "记录", "项目", "本机的值", "对方的值", "现保留"], rows)


def _short(value) -> str:
    text = engine._show(value)  # noqa: SLF001
    return text if len(text) <= 30 else text[:29] + "…"


def run_conflicts(args) -> int:
    db = open_db(args, lock=False)
    try:
        items = engine.conflicts(db, status=None if args.all else "open")
        if args.out:
            try:
                engine.write_conflicts_xlsx(db, args.out, items)
            except OSError as exc:
                return cannot_write(exc, args.out)
            print(f"已写出{len(items)}处冲突：{args.out}")
        elif not items:
            print("没有待裁决的冲突。")
        else:
            _print_conflicts(items)
    finally:
        db.close()
    return 0


def run_decide(args) -> int:
    db = open_db(args)
    try:
        engine.decide(db, args.id, args.keep, args.reason)
    except engine.ExchangeRefused as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"已裁决第{args.id}号冲突：保留{'对方' if args.keep == 'remote' else '本机'}的值。下次交换时会带给对方。")
    return 0
