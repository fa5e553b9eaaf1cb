"""Render the reliability pieces of the window (issue 7) to PNG for the README and a visual check.

``python -m wengang.gui.reliability_screenshots --out docs/screenshots [--households N]``
builds a small demo county in a temporary folder, makes an edit with a reason, deletes a
person and imports the sample persons file, then saves: a person's 修改记录, the 导入 tab's
recent imports with 撤销本次导入, the 回收站, the 修改记录 export dialog, the damaged-file message and the password prompt.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from wengang.gui.screenshot_tools import offscreen_on_a_laptop_screen

offscreen_on_a_laptop_screen()

PERSONS_SAMPLE = Path("/work/shared/samples/（自定义）脱贫人口和监测对象信息-样例.xlsx")


def _prepare(db_path: Path, households: int) -> int:
    """A demo county with one audited edit, one deleted person and one import; returns the
    edited person's id."""
    from wengang.services import registry  # noqa: PLC0415
    from wengang.services.demo import build_demo  # noqa: PLC0415
    from wengang.services.read import lookups  # noqa: PLC0415
    from wengang.store.audit import audit_reason  # noqa: PLC0415
    from wengang.store.db import open_database, set_setting  # noqa: PLC0415

    db = open_database(db_path)
    build_demo(db, households=households, seed=1)
    set_setting(db, "reporter", "李芳")
    pid = lookups.person_with_spells(db, 2)
    person = db["persons"].get(pid)
    fields = {k: person[k] for k in ("household_id", "name", "id_number", "relation", "education",
                                     "student_status", "health", "labour_skill", "phone")}
    with audit_reason(db, "入户核实，更正电话"):
        registry.save_person(db, {**fields, "phone": "13993612345"}, pid)
    with audit_reason(db, "身份证核对"):
        registry.save_person(db, {**fields, "phone": "13993612345", "labour_skill": "技能劳动力"}, pid)
    other = lookups.last_person_except(db, pid)
    registry.delete_person(db, other, "重复登记")
    if PERSONS_SAMPLE.exists():
        try:
            from wengang.services import importing  # noqa: PLC0415
            importing.import_file(db, "persons", PERSONS_SAMPLE, user="李芳")
        except Exception as exc:  # noqa: BLE001 - a picture without the import is still useful
            print(f"（未导入样例：{exc}）")
    db.close()
    return pid


def render(out: Path, households: int = 300) -> list[Path]:
    from PySide6.QtWidgets import QInputDialog, QLineEdit  # noqa: PLC0415

    from wengang.gui import reliability  # noqa: PLC0415
    from wengang.gui.app import make_application, open_window  # noqa: PLC0415
    from wengang.gui.screenshot_tools import save_png, settle  # noqa: PLC0415
    from wengang.store.integrity import DamagedDatabaseError  # noqa: PLC0415

    app = make_application()
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:  # the welcome page (with its password offer) is screenshots.py's
        db_path = Path(tmp) / "示范县.db"
        pid = _prepare(db_path, households)
        context, window = open_window(db_path)
        window.resize(1280, 800)
        window.show()
        settle(app, context)
        page = window.show_tab("登记").open_person(pid)
        page.lists.setCurrentWidget(page.history)
        settle(app, context)
        saved.append(save_png(page, out / "person_history.png"))
        page.close()
        tab = window.show_tab("导入")
        settle(app, context, 0.5)
        tab.history.selectRow(0)
        settle(app, context)
        saved.append(save_png(window, out / "import_undo.png"))
        trash = window.show_trash()
        trash.table.selectRow(0)
        settle(app, context)
        saved.append(save_png(trash, out / "trash.png"))
        trash.close()
        export = window.show_audit_export()
        settle(app, context)
        saved.append(save_png(export, out / "audit_export.png"))
        export.close()
        menu = window.menuBar().actions()[0].menu()
        menu.popup(window.mapToGlobal(window.menuBar().pos()))
        settle(app, context)
        saved.append(save_png(menu, out / "file_menu.png"))
        menu.close()
        window.close()
        context.close()

        backup = db_path.parent / "backups" / "示范县-20260105-080000-每日.db"
        box = reliability.damaged_box(DamagedDatabaseError(db_path, "文件被截断", backup))
        box.show()
        settle(app)
        saved.append(save_png(box, out / "damaged_file.png"))
        box.close()
        prompt = QInputDialog()
        prompt.setWindowTitle("稳岗台账")
        prompt.setLabelText(f"密码不正确，请重新输入（数据库未作任何改动）。\n{db_path}")
        prompt.setTextEchoMode(QLineEdit.EchoMode.Password)
        prompt.setTextValue("••••")
        prompt.show()
        settle(app)
        saved.append(save_png(prompt, out / "password_prompt.png"))
        prompt.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把数据安全相关的窗口截图保存为PNG")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--households", type=int, default=300)
    args = parser.parse_args(argv)
    for path in render(args.out, args.households):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
