"""Several forms at one date into one folder: the month's dispatch package.

The statuses at D are derived once (``store.derived``) and shared by every form, so the nine
forms cost about what the first one does. Used by ``wengang report all --out FOLDER`` and the
报表 tab's 全部导出 button.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from wengang.domain.dates import DateError, parse_date
from wengang.domain.text import file_name
from wengang.services.reports import ahead
from wengang.services.reports.engine import compute_form, count_ahead, prepare_forms
from wengang.services.reports.forms import FormSpec, get_form
from wengang.services.reports.model import FormResult
from wengang.services.reports.output import write_form


def default_ref_date(spec: FormSpec, as_of) -> dt.date | None:
    """F3 compares 公益性岗位 and 帮扶车间 with the end of last year (seed 004: 与去年年底相比),
    as the 报表 tab does; against the as-of date itself both columns would be the same.
    None for forms without a comparison date, or when ``as_of`` cannot be read (the form
    computation then reports it)."""
    if not spec.needs_ref_date:
        return None
    try:
        day = as_of if isinstance(as_of, dt.date) else parse_date(as_of, "day")
    except DateError:
        return None
    return dt.date(day.year - 1, 12, 31) if day else None


def form_file_name(result: FormResult, suffix: str) -> str:
    """``F1示范县脱贫人口和监测对象就业统计表_2026-11-30.xlsx``: number, title and date (the
    window suggests title and date too; the number keeps a folder in form order)."""
    return file_name(f"{result.params.get('number', '')}{result.title}_{result.as_of.isoformat()}") + f".{suffix}"


def form_request(spec: FormSpec, *, by: str = "township", period_from=None, ref_date=None,
                 as_of=None) -> dict:
    """The keyword arguments of ``compute_form`` for ``spec`` in a batch: each form in the
    asked grouping when it has it (F8 lists sites only), F3 with its default comparison date."""
    return {"by": by if by in spec.groupings else spec.groupings[0], "period_from": period_from,
            "ref_date": ref_date or default_ref_date(spec, as_of)}


def write_forms(db: sqlite_utils.Database, form_ids: list[str] | tuple[str, ...], as_of, folder: str | Path, *,
                suffix: str = "xlsx", by: str = "township", period_from=None, ref_date=None,
                area_id: int | None = None, progress: Callable[[int, int, str], None] | None = None,
                write: Callable[[FormResult, Path], object] = write_form) -> list[tuple[FormResult, Path]]:
    """Compute each form at ``as_of`` and write it into ``folder`` (.xlsx or .csv, named by
    :func:`form_file_name`; ``write`` may be a PDF writer from the GUI layer); returns
    ``(result, path)`` per form. ``progress(done, total, message)`` after each form; a cancel
    (the progress raising) keeps the forms already written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    specs = [get_form(form_id) for form_id in form_ids]  # an unknown form fails before any file
    out: list[tuple[FormResult, Path]] = []
    if progress:  # a date derived whole (after an import: 2–3 s at 200,000 households) comes first
        progress(0, len(specs), "正在按数据截止日期统计…")
    prepare_forms(db, [spec.id for spec in specs], as_of)
    requests = [(spec, form_request(spec, by=by, period_from=period_from, ref_date=ref_date, as_of=as_of))
                for spec in specs]
    try:
        count_ahead(db, [(spec.id, params | {"area_id": area_id}) for spec, params in requests], as_of)
        for n, (spec, params) in enumerate(requests):
            if progress:
                progress(n, len(specs), f"正在生成{spec.number}…")
            result = compute_form(db, spec.id, as_of, area_id=area_id, **params)
            path = folder / form_file_name(result, suffix)
            write(result, path)
            out.append((result, path))
    finally:
        ahead.stop(db)  # a cancel or a failure: what is still counted beside is for nothing
    if progress:
        progress(len(specs), len(specs), "")
    return out
