"""``wengang template KIND --out FILE.xlsx``: an empty import template with its 填写说明."""

from __future__ import annotations

from pathlib import Path

from wengang.services.importing import KINDS, kind_spec, write_template


def register(sub) -> None:
    parser = sub.add_command("template", help="生成导入模板（表头和填写说明）")
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help="数据类型：" + "、".join(KINDS))
    parser.add_argument("--out", type=Path, default=None, help="模板文件（默认：<类型名称>导入模板.xlsx）")
    parser.set_defaults(run=run)


def run(args) -> int:
    out = args.out or Path(f"{kind_spec(args.kind).label}导入模板.xlsx")
    write_template(args.kind, out)
    print(f"已生成{kind_spec(args.kind).label}导入模板：{out}")
    return 0
