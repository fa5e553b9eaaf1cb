"""``wengang report`` at a city installation: the consolidated forms from the counties'
submissions (``services.city.consolidate``), by county (default) or by township."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from wengang.cli.common import cannot_write, open_db, print_table, several_outputs_folder
from wengang.store.atomic import atomic_open


def show(result) -> None:
    """The form on the screen: 序号, the columns as labelled, 合计 first; then its notes."""
    from wengang.services.city.consolidate import cell_text  # noqa: PLC0415

    print(f"{result.params.get('number', '')} {result.title}（截止 {result.as_of}）")
    columns = result.columns
    rows = [[row.number or "", *(row.label if c.key == "area" else cell_text(c, row.values.get(c.key))
                                for c in columns)] for row in result.rows]
    print_table(["序号", *(c.label for c in columns)], rows)
    for note in result.notes:
        print(note)


def run_city_report(args) -> int:
    from wengang.cli.commands.report import ALL_FORMS, forms_named, write_any  # noqa: PLC0415
    from wengang.services.city.consolidate import consolidate  # noqa: PLC0415
    from wengang.services.reports import FormError, form_file_name  # noqa: PLC0415

    by = args.by or "county"
    if by not in ("county", "township"):
        print("错误：市级报表按县（--by county）或按乡镇（--by township）汇总", file=sys.stderr)
        return 2
    if args.cell:
        print("错误：市级只有各县报送的汇总数字，人员名单在各县", file=sys.stderr)
        return 2
    try:
        specs = forms_named(args.form)
        several = len(specs) > 1 or args.form.strip().lower() in ALL_FORMS
        folder = several_outputs_folder(args.out, "报表") if several and args.out else None
        db = open_db(args)
        for spec in specs:
            started = time.perf_counter()
            try:
                result = consolidate(db, spec.id, args.as_of, by=by)
            except FormError as exc:
                if not several:
                    raise
                print(f"跳过{spec.number}：{exc}")  # the other forms still come out
                continue
            if not args.out:
                show(result)
                continue
            path = folder / form_file_name(result, args.format) if folder else Path(args.out)
            write_any(result, path)
            missing = result.params.get("missing")
            print(f"已生成{spec.number}《{result.title}》：{len(result.rows) - 1}行 → {path}"
                  f"（{time.perf_counter() - started:.2f}秒）" + (f"　未报送：{missing.replace(',', '、')}" if missing else ""))
    except (FormError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        return cannot_write(exc, args.out)
    return 0


def run_city_bulletin(db, args) -> int:
    """``wengang bulletin`` at a city: the 通报 drafted from the counties' submissions."""
    from wengang.services.city.bulletin import draft_city_bulletin  # noqa: PLC0415
    from wengang.services.reports import FormError  # noqa: PLC0415

    try:
        text = draft_city_bulletin(db, args.as_of)
    except (FormError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.out:
        with atomic_open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"已保存通报草稿 → {args.out}")
    else:
        print(text, end="")
    return 0
