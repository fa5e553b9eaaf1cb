"""``wengang ledger LIST --as-of D --out FILE.xlsx|.csv|.pdf [--mask] [--area NAME]``: export a ledger.

LIST may also name several (``labour,willing``), ``six-lists`` (六张清单) or ``all``: each goes
into the folder ``--out`` names as ``--format`` says, in one run that derives the statuses
once — the monthly upload of the six lists in one command.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from wengang.cli.common import (
    cannot_write,
    end_progress,
    open_db,
    optional_area,
    say_progress,
    say_unsettled_place,
    several_outputs_folder,
    split_names,
)
from wengang.services.ledgers import (
    SIX_LISTS,
    LedgerError,
    get_ledger,
    ledger_file_name,
    ledger_query,
    list_ledgers,
    write_ledger,
    write_ledgers,
)

ALL_LEDGERS = ("all", "全部")
SIX_LIST_NAMES = ("six-lists", "六张清单")


def register(sub) -> None:
    ledgers = list_ledgers()
    choices = "；".join(f"{ledger.id}={ledger.title}" for ledger in ledgers)
    parser = sub.add_command("ledger", help="导出台账（六张清单、公益性岗位、帮扶车间、易地搬迁）",
                             description=f"可选台账：{choices}")
    parser.add_argument("list", metavar="LIST",
                        help="台账名称：" + "、".join(ledger.id for ledger in ledgers)
                        + "；多个用逗号分隔，six-lists 为六张清单，all 为全部")
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="数据截止日期")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="输出文件 .xlsx、.csv 或 .pdf（PDF 供打印，A4 横向）；多个台账时为文件夹")
    parser.add_argument("--format", choices=["xlsx", "csv", "pdf"], default="xlsx",
                        help="多个台账写入文件夹时的格式（默认 xlsx）")
    parser.add_argument("--mask", action="store_true", help="证件号码、联系电话脱敏（保留前6后4位、手机号中间隐藏）")
    parser.add_argument("--area", metavar="NAME", help="只导出某个乡镇或村（名称）")
    parser.set_defaults(run=run)


# A PDF ledger of this many rows or more is announced on stderr before it is laid out.
PDF_ROWS_SAID = 10_000
PDF_SECONDS_PER_ROW = 0.0002


def _write_pdf(db, ledger_id: str, args, area_id: int | None, path: Path) -> int:
    """The printable ledger: rendered by the GUI layer's painter, offscreen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from wengang.gui.printing import write_ledger_pdf  # noqa: PLC0415 - Qt only when needed

    query = ledger_query(db, ledger_id, args.as_of, area_id=area_id, mask=args.mask)
    rows = query.count()
    if rows >= PDF_ROWS_SAID:
        # Laid out page by page by Qt (about 0.2 ms a row: 25 s for 115,000 labourers, 90 s at
        # 200,000 households): say so rather than sit silent.
        seconds = rows * PDF_SECONDS_PER_ROW
        guess = f"{max(10, round(seconds, -1)):.0f}秒" if seconds < 90 else f"{round(seconds / 60)}分钟"
        print(f"正在排版PDF：{rows:,}行，约需{guess}…", file=sys.stderr, flush=True)
    write_ledger_pdf(query, path)
    return rows


def _said_as(title: str):
    """``write_ledger``'s ``progress(rows, total)`` said on a terminal as exporting ``title``."""
    return lambda rows, total: say_progress(rows, total, f"正在导出{title}…")


def ledgers_named(text: str) -> list:
    """The ledgers LIST names: one id, several comma-separated, the six lists, or all."""
    wanted = text.strip().lower()
    if wanted in ALL_LEDGERS:
        return list_ledgers()
    if wanted in SIX_LIST_NAMES:
        return [get_ledger(ledger_id) for ledger_id in SIX_LISTS]
    names = split_names(text)
    if not names:
        raise LedgerError("请指定台账，如 labour、labour,willing、six-lists 或 all")
    return [get_ledger(name) for name in names]


def run(args) -> int:
    try:
        ledgers = ledgers_named(args.list)
        several = len(ledgers) > 1 or args.list.strip().lower() in ALL_LEDGERS + SIX_LIST_NAMES
        folder = several_outputs_folder(args.out, "台账") if several else None
    except (LedgerError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        return cannot_write(exc, args.out)
    db = open_db(args, daily_backup=False)  # writes derived rows alone (the status store)
    area_id = optional_area(db, args.area)
    started = time.perf_counter()
    try:
        # On a terminal, how far it is (the six lists: 30 s at 200,000 households).
        if folder is not None and args.format != "pdf":
            done = write_ledgers(db, [ledger.id for ledger in ledgers], args.as_of, folder, suffix=args.format,
                                 mask=args.mask, area_id=area_id, progress=say_progress)
        else:
            done = []
            for ledger in ledgers:  # PDF goes through the GUI layer's painter, one ledger at a time
                path = folder / ledger_file_name(ledger.id, args.as_of, "pdf") if folder else Path(args.out)
                written = _write_pdf(db, ledger.id, args, area_id, path) if path.suffix.lower() == ".pdf" \
                    else write_ledger(db, ledger.id, args.as_of, path, mask=args.mask, area_id=area_id,
                                      progress=_said_as(ledger.title))
                done.append((ledger.id, path, written))
    except (LedgerError, ValueError) as exc:
        end_progress()
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        end_progress()
        return cannot_write(exc, args.out)
    end_progress()
    took = f"{time.perf_counter() - started:.1f}秒"
    for ledger_id, path, written in done:
        print(f"已导出{get_ledger(ledger_id).title}：{written}人 → {path}" + ("" if several else f"（{took}）"))
    if several:
        print(f"共{len(done)}个文件（{took}）")
    say_unsettled_place(db)
    return 0
