"""Starting the window: ``run_app(db_path)`` is what ``wengang`` / ``wengang gui`` call."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from wengang import APP_ID, APP_NAME
from wengang.gui import opening
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
    _install_chinese_qt_texts(app)
    family = ensure_fonts()
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 9.5))
    app.setFont(font)
    return app  # type: ignore[return-value]


def _install_chinese_qt_texts(app: QApplication) -> None:
    """Qt's own buttons (确定/取消/是/否 in message boxes and the password prompt) in Chinese:
    the caseworker's program speaks one language. The frozen build keeps the zh_CN files."""
    # The calendar popup's month and day names, number formats and the file dialogs follow the
    # default locale: Chinese whatever the laptop's system language is.
    chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(chinese)
    if getattr(app, "_wengang_translator", None) is not None:
        return
    translator = QTranslator(app)
    if translator.load(chinese, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
        app._wengang_translator = translator  # type: ignore[attr-defined]


def open_window(db_path: Path, password: str | None = None):
    """Open the database and build the main window (not shown); returns (context, window)."""
    from wengang.gui.main_window import MainWindow  # noqa: PLC0415 - after the QApplication exists

    return opening.open_window(db_path, password, MainWindow)


def open_with_recovery(db_path: Path, password: str | None = None, parent=None):
    """``opening.open_with_recovery`` for the main window (see there); None if they give up."""
    from wengang.gui.main_window import MainWindow  # noqa: PLC0415 - after the QApplication exists

    return opening.open_with_recovery(db_path, password, parent, MainWindow)


class Session:
    """The window currently open: restoring a backup or setting a password replaces it."""

    def __init__(self, context, window):
        self.context, self.window = None, None
        self.adopt(window)

    def adopt(self, window) -> None:
        self.context, self.window = window.context, window
        window.replaced.connect(self.adopt)

    def close(self) -> None:
        self.window.close()
        self.context.close()  # waits for background work, releases the database lock


def run_app(db_path: Path) -> int:
    app = make_application()
    opened = open_with_recovery(Path(db_path))
    if opened is None:
        return 2
    session = Session(*opened)
    session.window.show()
    session.context.daily_backup_later()  # after the window shows: it must not delay the start
    code = app.exec()
    session.close()
    return code
