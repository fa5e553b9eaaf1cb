"""Render the 日常工作 tab's sub-pages to PNG (``duties_*.png``), on a demo county with a drawn
spot-check sample, a few calls entered by keyboard and a rule set chosen.

``python -m wengang.gui.duties_screenshots --out docs/screenshots [--db PATH]``
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from wengang.gui.screenshot_tools import offscreen_on_a_laptop_screen

offscreen_on_a_laptop_screen()

PAGE_FILES = {"1-3-1服务": "duties_services", "电话抽查": "duties_spot_check", "入户摸排": "duties_survey",
              "返乡跟踪": "duties_followup", "应享未享": "duties_entitlements", "安置点": "duties_sites",
              "报送时间": "duties_deadlines"}


def render(out: Path, db_path: Path | None = None, households: int = 2000) -> list[Path]:
    from PySide6.QtCore import (
        QEvent,  # noqa: PLC0415
        Qt,  # noqa: PLC0415
    )
    from PySide6.QtGui import QKeyEvent  # noqa: PLC0415

    from wengang.gui.app import make_application, open_window  # noqa: PLC0415
    from wengang.gui.screenshot_tools import save_png, settle  # noqa: PLC0415

    app = make_application()
    out.mkdir(parents=True, exist_ok=True)
    tmp = None
    if db_path is None:
        tmp = tempfile.TemporaryDirectory()
        db_path = Path(tmp.name) / "demo.db"
        from wengang.services.demo import build_demo  # noqa: PLC0415
        from wengang.store.db import open_database  # noqa: PLC0415

        db = open_database(db_path)
        build_demo(db, households=households, seed=1)
        import datetime as dt  # noqa: PLC0415

        from wengang.services.duties.sites import add_site_job  # noqa: PLC0415
        from wengang.services.read import lookups  # noqa: PLC0415

        for site_id, _name in lookups.relocation_sites(db)[:2]:
            add_site_job(db, site_id, "园区服装厂", "缝纫工", openings=20, pay="3000-4000元/月",
                         offered=dt.date(2026, 9, 1))
        db.close()
    context, window = open_window(db_path)
    window.resize(1280, 800)
    window.show()
    settle(app, context)
    tab = window.show_tab("日常工作")
    settle(app, context, 0.5)
    saved = []
    for title, name in PAGE_FILES.items():
        page = tab.show_page(title)
        settle(app, context, 0.8)
        if title == "电话抽查":
            page.per_township.setValue(20)
            page.seed.setValue(2026)
            page.draw()
            settle(app, context, 0.3)
            page.calls.setFocus()
            for key in (Qt.Key.Key_1, Qt.Key.Key_1, Qt.Key.Key_0, Qt.Key.Key_1, Qt.Key.Key_0, Qt.Key.Key_1,
                        Qt.Key.Key_1, Qt.Key.Key_1, Qt.Key.Key_Y):
                app.sendEvent(page.calls, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))
            settle(app, context, 0.3)
        saved.append(save_png(window, out / f"{name}.png"))
    overview = window.show_tab("概览")
    settle(app, context, 0.8)
    saved.append(save_png(overview, out / "duties_overview_deadlines.png"))
    window.close()
    context.close()
    if tmp is not None:
        tmp.cleanup()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把“日常工作”各页截图保存为PNG")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--households", type=int, default=2000)
    args = parser.parse_args(argv)
    for path in render(args.out, args.db, args.households):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
