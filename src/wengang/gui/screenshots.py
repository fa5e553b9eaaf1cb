"""Render every tab of the main window to PNG (README pictures, visual checks).

``python -m wengang.gui.screenshots --out docs/screenshots [--db PATH] [--households N]``
builds a demo county in a temporary database unless ``--db`` is given, then saves one image
per tab plus the welcome page, the person page, a record dialog and a report drill-down.
Runs offscreen; waits for background work so the images show finished content.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from wengang.gui.screenshot_tools import offscreen_on_a_laptop_screen, save_png, settle
from wengang.services.read import lookups

offscreen_on_a_laptop_screen()

SAMPLE = Path("/work/shared/samples/（务工月监测）已外出务工信息-样例.xlsx")
FILES = {"概览": "overview", "登记": "registry", "台账": "ledger", "报表": "report", "导入": "import",
         "数据质量": "quality", "日常工作": "duties"}


def render(out: Path, db_path: Path | None = None, households: int = 2000) -> list[Path]:
    from wengang.gui.app import make_application, open_window  # noqa: PLC0415

    app = make_application()
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    tmp = None
    if db_path is None:
        tmp = tempfile.TemporaryDirectory()
        empty_path = Path(tmp.name) / "empty.db"
        context, window = open_window(empty_path)
        window.resize(1366, 768)  # a township laptop
        window.show()
        settle(app, context)
        saved.append(save_png(window, out / "welcome.png"))
        window.close()
        context.close()
        db_path = Path(tmp.name) / "demo.db"
        from wengang.services.demo import build_demo  # noqa: PLC0415
        from wengang.store.db import open_database  # noqa: PLC0415
        db = open_database(db_path)
        as_of = build_demo(db, households=households, seed=1)["as_of"]
        from wengang.services.rules import run_quality  # noqa: PLC0415
        run_quality(db, __import__("datetime").date.fromisoformat(as_of))  # the quality tab shows findings
        db.close()
    context, window = open_window(db_path)
    window.resize(1366, 768)  # a township laptop
    window.show()
    settle(app, context)
    for title in window.hosts:
        tab = window.show_tab(title)
        settle(app, context, 0.5)
        if title == "导入" and SAMPLE.exists():
            tab.load_preview(SAMPLE)  # a work-monitoring file whose people are not registered
            settle(app, context, 0.5)
        saved.append(save_png(window, out / f"{FILES[title]}.png"))
    registry = window.show_tab("登记")
    settle(app, context)
    person_id = lookups.person_with_spells(context.db, 3)
    if person_id:
        page = registry.open_person(person_id)
        settle(app, context)
        saved.append(save_png(page, out / "person_page.png"))
        page.close()
    from wengang.gui.registry import dialogs  # noqa: PLC0415
    dialog = dialogs.person_dialog(context, person_id, parent=window)
    dialog.set_text("id_number", "62070219850501003")
    dialog.set_text("phone", "1361234")
    dialog.try_save()
    dialog.show()
    settle(app, context)
    saved.append(save_png(dialog, out / "person_dialog_error.png"))
    dialog.close()
    report = window.show_tab("报表")
    settle(app, context, 0.5)
    if getattr(report, "result", None) is not None:
        total = report.model.depth  # the 合计 row
        if report.drill_down(total, 1):
            settle(app, context)
            drill = report.last_drill
            saved.append(save_png(drill, out / "report_drilldown.png"))
            drill.close()
    window.close()
    context.close()
    # Every tab at 1024×768 and 1366×768, the import result and the quality export (issue 18).
    import shutil  # noqa: PLC0415

    from wengang.gui import small_screenshots  # noqa: PLC0415
    with tempfile.TemporaryDirectory() as scratch:  # it imports a file: into a copy, never --db itself
        copy = Path(scratch) / "small-screens.db"
        shutil.copy(db_path, copy)
        saved += small_screenshots.render(out, copy)
    if tmp is not None:
        tmp.cleanup()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把主窗口各页截图保存为PNG")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--db", type=Path, default=None, help="已有数据库（默认：临时生成示范县）")
    parser.add_argument("--households", type=int, default=2000)
    args = parser.parse_args(argv)
    for path in render(args.out, args.db, args.households):
        print(path)
    # The reliability dialogs (backup, restore, password, history) need a county of their own.
    from wengang.gui import duties_screenshots, reliability_screenshots  # noqa: PLC0415

    for path in reliability_screenshots.render(args.out):
        print(path)
    for path in duties_screenshots.render(args.out, args.db):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
