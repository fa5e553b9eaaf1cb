"""``wengang --smoke-test``: prove that an installed or frozen program really works.

Opens a temporary database, builds a small demo county, computes the employment form (F1),
writes it to Excel and PDF offscreen, reads both back and checks them. Exit 0 when all is
well; otherwise 1 with the failing step named. The frozen build runs this in CI
(``build/build.py``), so a missing resource, Qt plugin or font shows up before a user sees it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class SmokeFailure(RuntimeError):
    pass


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def _steps(folder: Path) -> list[str]:
    from wengang.services.demo import build_demo
    from wengang.services.reports import compute_form, write_form_xlsx
    from wengang.store.db import open_database

    done: list[str] = []
    db = open_database(folder / "smoke.db")
    as_of = dt.date(2026, 9, 30)
    build_demo(db, households=200, seed=7, as_of=as_of)
    _check(db["persons"].count > 300, "示范县人数过少")
    done.append(f"示范县：{db['households'].count} 户 {db['persons'].count} 人")

    result = compute_form(db, "employment", as_of)
    total = result.total()
    _check(total is not None, "就业统计表没有合计行")
    done.append(f"F1 合计行：{total.values}")

    xlsx = folder / "f1.xlsx"
    write_form_xlsx(result, xlsx)
    from openpyxl import load_workbook

    book = load_workbook(xlsx, read_only=True)
    try:
        texts = {str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None}
    finally:
        book.close()  # a read-only workbook keeps its file open until closed
    _check("合计" in texts, "Excel 中没有合计行")
    done.append(f"Excel：{xlsx.stat().st_size} 字节")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from wengang.gui.printing import write_form_pdf

    pdf = folder / "f1.pdf"
    write_form_pdf(result, pdf)
    data = pdf.read_bytes()
    _check(data.startswith(b"%PDF"), "PDF 文件头不正确")
    _check(b"/FontFile2" in data, "PDF 没有嵌入字体")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        compact = "".join(text.split())  # forms print 合　计 spaced out, as the seeds do
        _check("合计" in compact and "就业统计表" in compact, "PDF 中的中文无法正确提取")
    done.append(f"PDF：{len(data)} 字节")
    db.close()

    # The window opens on the same database and paints (offscreen in CI).
    from wengang.gui.app import open_window

    started = time.perf_counter()
    context, window = open_window(folder / "smoke.db")
    window.show()
    app.processEvents()
    image = window.grab()
    _check(not image.isNull() and image.width() > 400, "主窗口无法绘制")
    window.close()
    context.close()
    done.append(f"主窗口：{(time.perf_counter() - started) * 1000:.0f} 毫秒打开并绘制")

    # Qt's own words in Chinese: the zh_CN translations made it into the bundle (installer.spec).
    from PySide6.QtCore import QCoreApplication

    from wengang.gui.app import make_application
    make_application()
    words = [QCoreApplication.translate(c, s) for c, s in (("QPlatformTheme", "Cancel"), ("QFileDialog", "&Look in:"))]
    _check(words == ["取消", "查找范围(&L)："], f"Qt 自带的文字不是中文（{words}）：qtbase_zh_CN.qm 没有打包")
    done.append(f"Qt 自带文字：{'、'.join(words)}")
    return done


def run_smoke_test() -> int:
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="wengang-smoke-"))
    try:
        for line in _steps(folder):
            print("通过", line)
    except Exception as exc:  # noqa: BLE001 - the smoke test reports whatever broke
        print(f"自检失败：{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"自检通过（{time.perf_counter() - started:.1f} 秒）")
    return 0
