"""Bench: the print preview of a 1,000-row ledger (issue 18) — what the window thread still does.

Before, the preview laid out and drew every page on the GUI thread (the window froze); now the
pages are laid out and recorded as pictures on the worker thread (``printing.pictures``) and the
preview only replays them. ``OPERATIONS`` is read by ``bench/run.py``; runs offscreen.
"""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROWS = 1000
_pages: dict = {}


def _printer():
    from PySide6.QtGui import QPageLayout, QPageSize  # noqa: PLC0415
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget  # noqa: PLC0415

    from wengang.gui.app import make_application  # noqa: PLC0415
    make_application()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    return printer, QPrintPreviewWidget


def _query(ctx):
    from wengang.services.ledgers import ledger_query  # noqa: PLC0415
    as_of = ctx.as_of if isinstance(ctx.as_of, dt.date) else dt.date.fromisoformat(str(ctx.as_of))
    return ledger_query(ctx.db, "labour", as_of)


def _old_way(ctx) -> str:
    from wengang.gui.printing import print_ledger  # noqa: PLC0415
    printer, widget_class = _printer()
    query = _query(ctx)
    widget = widget_class(printer)
    widget.paintRequested.connect(lambda p: print_ledger(query, p, limit=ROWS))
    widget.updatePreview()
    return f"{widget.pageCount()} 页，全部在界面线程"


def _lay_out(ctx) -> str:
    from wengang.gui.printing import ledger_document  # noqa: PLC0415
    from wengang.gui.printing.pictures import paint_pictures  # noqa: PLC0415
    _printer()
    _pages["pages"] = paint_pictures(ledger_document(_query(ctx), ROWS))
    return f"{len(_pages['pages'][0])} 页（工作线程上做）"


def _replay(ctx) -> str:
    from wengang.gui.printing.pictures import replay  # noqa: PLC0415
    printer, widget_class = _printer()
    pages = _pages.get("pages") or (_lay_out(ctx) and _pages["pages"])
    widget = widget_class(printer)
    widget.paintRequested.connect(lambda p: replay(*pages, p))
    widget.updatePreview()
    return f"{widget.pageCount()} 页，界面线程只回放"


OPERATIONS = [
    ("打印预览.旧方式（1000行）", None, _old_way),
    ("打印预览.后台排版（1000行）", None, _lay_out),
    ("打印预览.界面线程回放（1000行）", None, _replay),
]
