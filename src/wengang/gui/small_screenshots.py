"""Pictures of the window on the screens caseworkers have (issue 18): every tab at 1024×768
(a projector) and 1366×768 (a township laptop), the import result page with its change list,
and the data-quality export by village (the window and, when LibreOffice is installed, the
workbook itself), and what reading the villages' answers back says.

``python -m wengang.gui.screenshots`` calls :func:`render` after the main pictures; on its own:
``python -m wengang.gui.small_screenshots --db DEMO.db --out docs/screenshots``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from wengang.gui.screenshot_tools import offscreen_on_a_laptop_screen

offscreen_on_a_laptop_screen()

SIZES = ((1024, 768), (1366, 768))
FILES = {"概览": "overview", "登记": "registry", "台账": "ledger", "报表": "report", "导入": "import",
         "数据质量": "quality"}


def _changed_persons_file(db_path: Path, folder: Path) -> Path:
    """The first 40 persons of the county in the import layout, five with a new phone: an
    import that changes five people (the result page lists them)."""
    from openpyxl import load_workbook  # noqa: PLC0415

    from wengang.services.importing.export import export_kind  # noqa: PLC0415
    from wengang.store.db import open_database  # noqa: PLC0415

    db = open_database(db_path, lock=False)
    path = folder / "人员信息（更正电话）.xlsx"
    try:
        export_kind(db, "persons", path, limit=40)
    finally:
        db.close()
    book = load_workbook(path)
    sheet = book.active
    phone = next(c.column for c in sheet[1] if c.value == "联系电话")
    for n, row in enumerate(range(2, 7)):
        sheet.cell(row=row, column=phone).value = f"1390931{n:04d}"
    from wengang.services.xlsx_stream import save_workbook  # noqa: PLC0415 - atomic, no formulas

    save_workbook(book, path)
    return path


def _xlsx_png(workbook: Path, out: Path) -> Path | None:
    """The workbook as LibreOffice prints its first page, as PNG (None without LibreOffice)."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(workbook)],
                       check=True, capture_output=True, timeout=120)
        pdf = Path(tmp) / (workbook.stem + ".pdf")
        subprocess.run([pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(Path(tmp) / "page")],
                       check=True, capture_output=True, timeout=60)
        pages = sorted(Path(tmp).glob("page*.png"))
        if not pages:
            return None
        shutil.copy(pages[-1], out)  # page 2: the first village's sheet (page 1 is 汇总)
    return out


def _village_answers(workbook: Path) -> None:
    """What villages write back: in the first two village sheets, the first row found right, the
    second said corrected."""
    from openpyxl import load_workbook  # noqa: PLC0415

    from wengang.services.xlsx_stream import save_workbook  # noqa: PLC0415

    book = load_workbook(workbook)
    for sheet in book.worksheets[1:3]:
        answer = [c.value for c in sheet[1]].index("核实情况（村里填写）") + 1
        for row, text in ((2, "已入户核实，本人无手机"), (3, "已补录")):
            if sheet.max_row >= row:
                sheet.cell(row=row, column=answer).value = text
    save_workbook(book, workbook)


def _replies_box(app, context, quality, workbook: Path, out: Path) -> Path:
    """数据质量 → 读入村里核实情况… on the exported workbook with answers written in: the box
    that says what it holds, with 显示详情… open, pictured and cancelled (nothing recorded)."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: PLC0415

    from wengang.gui import quality_tab  # noqa: PLC0415
    from wengang.gui.screenshot_tools import save_png, settle  # noqa: PLC0415

    _village_answers(workbook)
    quality_tab.ask_open_path = lambda *_a, **_k: workbook

    def picture() -> None:
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(100, picture)
            return
        details = next((b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.ActionRole), None)
        if details is not None:
            details.click()
        app.processEvents()
        save_png(box, out)
        next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole).click()

    QTimer.singleShot(100, picture)
    quality.read_replies()
    settle(app, context, 2.0)
    return out


def render(out: Path, db_path: Path) -> list[Path]:
    """Save the pictures into ``out``; ``db_path`` is a demo county (it is imported into)."""
    from PySide6.QtWidgets import QFileDialog  # noqa: PLC0415

    from wengang.gui.app import make_application, open_window  # noqa: PLC0415
    from wengang.gui.screenshot_tools import save_png, settle  # noqa: PLC0415
    from wengang.gui.widgets import mask_choice  # noqa: PLC0415
    from wengang.services.read import lookups  # noqa: PLC0415

    app = make_application()
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    context, window = open_window(db_path)
    window.show()
    settle(app, context, 2.5)  # the start-up data-quality check
    for width, height in SIZES:
        window.resize(width, height)
        for title, name in FILES.items():
            window.show_tab(title)
            settle(app, context, 0.6)
            assert window.width() == width, (title, window.width())  # nothing widened it
            saved.append(save_png(window, out / f"w{width}_{name}.png"))
    with tempfile.TemporaryDirectory() as tmp:
        source = _changed_persons_file(db_path, Path(tmp))
        tab = window.show_tab("导入")
        tab.load_preview(source)
        settle(app, context, 1.0)
        tab.confirm()
        settle(app, context, 2.5)
        for width, height in SIZES:
            window.resize(width, height)
            settle(app, context, 0.4)
            saved.append(save_png(window, out / f"w{width}_import_result.png"))
        # 数据质量 → 按村导出… for the first township: one sheet per village
        town = lookups.areas_at_levels(context.db, ["township"])[0][0]
        context.set_place(town)
        quality = window.show_tab("数据质量")
        settle(app, context, 2.0)
        target = Path(tmp) / "数据质量问题_按村.xlsx"
        QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(target), ""))
        mask_choice.ask_masking = lambda *_a, **_k: True
        quality.export()
        settle(app, context, 1.0)
        for width, height in SIZES:
            window.resize(width, height)
            settle(app, context, 0.4)
            saved.append(save_png(window, out / f"w{width}_quality_export.png"))
        picture = _xlsx_png(target, out / "quality_export_xlsx.png")
        if picture is not None:
            saved.append(picture)
        saved.append(_replies_box(app, context, quality, target, out / "quality_replies.png"))
    window.close()
    context.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="1024×768 和 1366×768 屏幕上的各页截图")
    parser.add_argument("--db", type=Path, required=True, help="示范县数据库（会向其中导入一个文件）")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    for path in render(args.out, args.db):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
