"""``wengang report FORM --as-of D [--by township|village|site] [--from D] [--ref-date D]
--out FILE.xlsx|.csv|.pdf [--cell ROW,COLUMN]``: compute a statistics form and write it.

FORM is an id (``employment``) or a number (``F1``); several, comma-separated (``F1,F5,F9``),
or ``all`` write each form into the folder ``--out`` names, as ``--format`` says, in one run:
the statuses at D are derived once for all of them (nine forms in about the time of one).
``--cell 孙吴县,ly`` lists the persons behind one number (ROW is an area name or 合计; COLUMN
a column key or its header label). PDF goes through the GUI layer's renderer, imported only
when asked for.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from pathlib import Path

from wengang.cli.common import (
    cannot_write,
    clear_progress,
    open_db,
    optional_area,
    print_table,
    say_progress,
    say_unsettled_place,
    several_outputs_folder,
    split_names,
)
from wengang.domain.dates import DateError, parse_date
from wengang.domain.masking import mask_id
from wengang.services.read import lookups
from wengang.services.reports import (
    FormError,
    cell_persons,
    compute_form,
    default_ref_date,
    get_form,
    list_forms,
    write_form,
    write_forms,
)
from wengang.services.reports.periods import PERIODS, period_start
from wengang.store.areas import default_grouping


def register(sub) -> None:
    forms = "；".join(f"{f.number}={f.id}" for f in list_forms())
    parser = sub.add_command("report", help="生成统计报表 F1–F9（Excel、CSV、PDF）",
                             description=f"可选报表：{forms}")
    parser.add_argument("form", metavar="FORM",
                        help="报表编号或名称，如 F1 或 employment；多张用逗号分隔（F1,F5,F9），all 为全部")
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="数据截止日期")
    parser.add_argument("--by", default=None, choices=["township", "village", "site", "county"],
                        help="分组：township 乡镇（县级默认）、village 行政村（乡镇台账或 --area 某乡镇时默认）、site 安置点；"
                             "市级：county 按县（默认）、township 按乡镇（各县分块、县小计）")
    parser.add_argument("--from", dest="period_from", metavar="YYYY-MM-DD",
                        help="统计期起始日（F4、F9）；给出时优先于 --period")
    parser.add_argument("--period", choices=list(PERIODS),
                        help="统计期（F4、F9）：month 本月、quarter 本季度、year 本年累计，截至 --as-of；"
                             "默认按报表：F4 本季度（黑龙江按季调度），F9 本月；与“报表”页相同")
    parser.add_argument("--over-800", dest="row_filter", action="store_true",
                        help="F8 只列800人以上的安置点（原表名单口径）")
    parser.add_argument("--ref-date", metavar="YYYY-MM-DD",
                        help="对比日期（F3：公益性岗位、帮扶车间与该日比较；默认上年12月31日，与“报表”页相同）")
    parser.add_argument("--out", metavar="FILE", help="输出文件 .xlsx、.csv 或 .pdf；多张报表时为文件夹")
    parser.add_argument("--format", choices=["xlsx", "csv", "pdf"], default="xlsx",
                        help="多张报表写入文件夹时的格式（默认 xlsx）")
    parser.add_argument("--area", metavar="NAME", help="只统计某个乡镇或村（名称），如乡镇干部报本乡镇各村：--area 城关镇")
    parser.add_argument("--cell", metavar="ROW,COLUMN", help="列出某个数字背后的人员，如 “城关镇,ly” 或 “合计,2022年就业人数”")
    parser.add_argument("--mask", action="store_true", help="--cell 列出的证件号码脱敏")
    parser.set_defaults(run=run)


def write_any(result, path: str | Path) -> None:
    """Excel/CSV through the services; PDF through the GUI layer's renderer (Qt, offscreen)."""
    if Path(path).suffix.lower() != ".pdf":
        write_form(result, path)
        return
    # A PDF needs no window: render offscreen even where a display exists (or none does).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from wengang.gui.printing import write_form_pdf  # noqa: PLC0415 - Qt only when needed
    write_form_pdf(result, path)


def _import_quietly(name: str) -> None:
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # the writer's own import says why, where it is used


def _writer_imported_beside(xlsx: bool):
    """``write_any``, with the Excel writer (openpyxl, 0.15 s) imported meanwhile on a second thread.

    SQLite lets go of the GIL while it runs a statement, so the import runs while the statuses
    are derived and counted, and a new process's ``report F1 --out F1.xlsx`` ends that much
    sooner. The thread imports openpyxl alone, which nothing the counting imports needs (no
    two threads ever wait on each other's module); the writer waits for it before writing.
    """
    if not xlsx or "openpyxl" in sys.modules:
        return write_any
    thread = threading.Thread(target=_import_quietly, args=("openpyxl",), name="import openpyxl")
    thread.start()

    def write(result, path) -> None:
        thread.join()
        write_any(result, path)
    return write


def _find_row(result, name: str):
    rows = [r for r in result.rows if r.label == name or (r.kind == "area" and name in (r.label,))]
    if name == "合计":
        return result.total()
    if not rows:
        raise FormError(f"报表中没有“{name}”这一行。可选：合计、" + "、".join(r.label for r in result.rows if r.kind == "area"))
    return rows[0]


def _find_column(result, name: str):
    for column in result.columns:
        if name in (column.key, column.label):
            return column
    raise FormError(f"报表中没有“{name}”这一列。可选：" + "、".join(f"{c.key}（{c.label}）" for c in result.columns[1:]))


def _print_cell(db, args, result, params: dict) -> None:
    row_name, _, col_name = args.cell.partition(",")
    row = _find_row(result, row_name.strip())
    column = _find_column(result, col_name.strip())
    ids = cell_persons(db, args.form, args.as_of, row.area_id, column.key, **params)
    print(f"{result.title}　{row.label}　{column.label}：{row.values.get(column.key)}（{len(ids)}人）")
    persons = lookups.persons_listing(db, list(ids))
    if getattr(args, "mask", False):
        persons = [(name, mask_id(number), *rest) for name, number, *rest in persons]
    print_table(["序号", "姓名", "证件号码", "乡镇", "村", "户编号"],
                [[n, *person] for n, person in enumerate(persons, start=1)])


ALL_FORMS = ("all", "全部")


def forms_named(text: str) -> list:
    """The forms FORM names: one, several comma-separated (、，too), or all of them."""
    if text.strip().lower() in ALL_FORMS:
        return list_forms()
    names = split_names(text)
    if not names:
        raise FormError("请指定报表，如 F1、F1,F5 或 all")
    return [get_form(name) for name in names]


def _written(result, path, started: float) -> None:
    print(f"已生成{result.params.get('number', '')}《{result.title}》：{len(result.rows) - 1}行 → "
          f"{path}（{time.perf_counter() - started:.2f}秒）")


def _refused_here(args) -> str | None:
    """Why the options cannot make a county's report (None: they can)."""
    if args.by == "county":
        return "按县汇总（--by county）用于市级安装（wengang setup --level city），县里请按乡镇、村或安置点"
    if not args.out and not args.cell:
        return "请用 --out 指定输出文件，或用 --cell 查看某个数字背后的人员"
    return None


def _write_all(db, args, specs, folder: Path, area_id: int | None, started: float, write=write_any) -> None:
    """Several forms into ``folder``, the statuses derived once for all of them; each said as
    it is written (the seconds since the command began then), not all at the end. On a
    terminal a line under them says what is being done (the date derived first: 4 s right
    after an import at 200,000 households), wiped for each form's line."""
    def write_and_say(result, path) -> None:
        write(result, path)
        clear_progress()
        _written(result, path, started)

    try:
        write_forms(db, [s.id for s in specs], args.as_of, folder, suffix=args.format, by=args.by,
                    period_from=args.period_from, ref_date=args.ref_date, area_id=area_id, write=write_and_say,
                    progress=say_progress)
    finally:
        clear_progress()


def _write_one(db, args, spec, area_id: int | None, started: float, write=write_any) -> None:
    """One form: the persons behind ``--cell``, and/or the file ``--out``."""
    params = {"by": args.by, "period_from": args.period_from, "row_filter": args.row_filter,
              "ref_date": args.ref_date or default_ref_date(spec, args.as_of), "area_id": area_id}
    # Without --cell nothing else reads the statuses in this process: right after an import, at a
    # stored date some persons' changes have marked since (a monthly import), at a date next to a
    # stored one or with none of its year, a form counted on the cube is counted without storing the date's rows
    # (services.reports.engine._cube_alone); the next reader that needs the rows stores them.
    result = compute_form(db, spec.id, args.as_of, alone=not args.cell, **params)
    if args.cell:
        _print_cell(db, args, result, params)
    if args.out:
        write(result, args.out)
        _written(result, args.out, started)


def run(args) -> int:
    from wengang.store.city import is_city  # noqa: PLC0415

    # One open for a county's forms (a second open cost a new process 20–30 ms, and an
    # encrypted file's password was asked twice). It writes derived rows alone (the status
    # store): no day's backup first.
    db = open_db(args, daily_backup=False)
    if is_city(db):
        db.close()
        from wengang.cli.city_report import run_city_report  # noqa: PLC0415

        return run_city_report(args)
    return _run_county(db, args)  # the database let go at the end, as every command's


def _run_county(db, args) -> int:
    refused = _refused_here(args)
    if refused:
        print(f"错误：{refused}", file=sys.stderr)
        return 2
    try:
        specs = forms_named(args.form)
        several = len(specs) > 1 or args.form.strip().lower() in ALL_FORMS
        if several and args.cell:
            raise FormError("--cell 只能用于一张报表")
        folder = several_outputs_folder(args.out, "报表") if several else None
        write = _writer_imported_beside(args.format == "xlsx" if several
                                        else Path(args.out or "").suffix.lower() == ".xlsx")
        area_id = optional_area(db, args.area)
        args.by = args.by or default_grouping(db, area_id)  # a township picked: its villages
        if args.period and not args.period_from:
            args.period_from = period_start(parse_date(args.as_of, "day"), args.period)
        started = time.perf_counter()
        if folder is not None:
            _write_all(db, args, specs, folder, area_id, started, write)
        else:
            _write_one(db, args, specs[0], area_id, started, write)
        say_unsettled_place(db)
    except (FormError, ValueError, DateError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        return cannot_write(exc, args.out)
    return 0
