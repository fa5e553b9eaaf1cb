"""Starting the window: ``run_app(db_path)`` is what ``wengang`` / ``wengang gui`` call."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from wengang import APP_ID, APP_NAME
from wengang.gui.fonts import ensure_fonts


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused when one exists, as under pytest-qt) with the bundled CJK font."""
    # PySide6 6.12 on Python 3.11 drops a reference to None on every void Qt call; without
    # this a long session aborts with "none_dealloc" (see gui/printing/refcount.py).
    from wengang.gui.printing.refcount import immortalise_none  # noqa: PLC0415

    immortalise_none()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_ID)
    family = ensure_fonts()
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 9.5))
    app.setFont(font)
    return app  # type: ignore[return-value]


def open_window(db_path: Path):
    """Open the database and build the main window (not shown); returns (context, window)."""
    from wengang.gui.context import AppContext  # noqa: PLC0415 - after the QApplication exists
    from wengang.gui.main_window import MainWindow  # noqa: PLC0415

    context = AppContext(Path(db_path))
    return context, MainWindow(context)


def run_app(db_path: Path) -> int:
    app = make_application()
    from wengang.store.db import StoreError  # noqa: PLC0415

    try:
        context, window = open_window(db_path)
    except StoreError as exc:
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 2
    window.show()
    code = app.exec()
    window.close()
    context.close()  # waits for background work, releases the database lock
    return code
