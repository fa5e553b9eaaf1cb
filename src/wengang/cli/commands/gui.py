"""``wengang gui`` (and ``wengang`` alone): open the main window."""

from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_command("gui", help="打开主窗口（默认）")
    parser.add_argument("--demo", action="store_true",
                        help="数据库是空的时，打开后立即生成示范县（主窗口“生成示范县”在另一个窗口中打开时用）")
    parser.set_defaults(run=run)


def run(args) -> int:
    from wengang.cli.common import db_path  # noqa: PLC0415
    from wengang.gui.app import run_app  # noqa: PLC0415 - Qt is imported only for the window
    return run_app(db_path(args), demo=getattr(args, "demo", False))
