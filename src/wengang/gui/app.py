"""Starting the window: ``run_app(db_path)`` is what ``wengang`` / ``wengang gui`` call."""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
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
    app = QApplication.instance()
    if app is None:
        with _chinese_system_dates():
            app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_ID)
    _install_chinese_qt_texts(app)
    family = ensure_fonts()
    font = QFont(family)
    font.setPointSizeF(max(app.font().pointSizeF(), 9.5))
    app.setFont(font)
    return app  # type: ignore[return-value]


@contextmanager
def _chinese_system_dates():
    """Qt's own file dialog (on Linux; Windows shows its native one, dated as Windows is set)
    dates the files with the *system* locale, which QLocale.setDefault does not reach: under
    LANG=C it showed "4 12 2026 15:24". On Unix Qt reads that locale's dates from LC_TIME once,
    when the QApplication is made: LC_TIME says Chinese for that moment only (the programs the
    window opens, a spreadsheet, keep the user's), and an LC_ALL, which would override it,
    stands as LANG then (its numbers, messages and sorting stay the user's)."""
    if sys.platform == "win32":
        yield
        return
    user = {k: v for k, v in os.environ.items() if k == "LANG" or k.startswith("LC_")}
    if "LC_ALL" in user:
        for key in user:
            del os.environ[key]
        os.environ["LANG"] = user["LC_ALL"]
    os.environ["LC_TIME"] = "zh_CN.UTF-8"
    try:
        yield
    finally:
        for key in [k for k in os.environ if k == "LANG" or k.startswith("LC_")]:
            del os.environ[key]
        os.environ.update(user)


_ACCELERATOR = re.compile(r"&(\w)")
# Contexts Qt 6 moved words into after the catalogue was translated, and where the catalogue
# has them: the file dialog's 类型 column asks QAbstractFileIconProvider for "Folder", "Drive",
# "%1 File" …, which the catalogue keeps under QFileDialog (PySide6 6.12), so a folder's type
# showed in English.
_MOVED_CONTEXTS = {"QAbstractFileIconProvider": "QFileDialog"}


class QtChinese(QTranslator):
    """Qt's own words from its Chinese catalogue (``qtbase_zh_CN.qm``), and the labels Qt 6 gave
    an accelerator since the catalogue was translated: the file dialog asks for "&Look in:" and
    "Files of &type:", the catalogue knows "Look in:" and "Files of type:" (PySide6 6.12), so
    they showed in English. Those are looked up without the "&" and get the key the Chinese
    way: 查找范围(&L)：. Words whose context Qt renamed are looked up under the old one
    (:data:`_MOVED_CONTEXTS`)."""

    def __init__(self, catalogue: QTranslator, parent=None):
        super().__init__(parent)
        self.catalogue = catalogue

    def translate(self, context, source, disambiguation=None, n=-1):
        # None, not "": Qt takes an empty string for a translation and would show nothing.
        found = self.catalogue.translate(context, source, disambiguation, n)
        if not found and context in _MOVED_CONTEXTS:
            found = self.catalogue.translate(_MOVED_CONTEXTS[context], source, disambiguation, n)
        if found:
            return found
        key = _ACCELERATOR.search(source) if "&" in source and "&&" not in source else None
        if key is None:
            return None
        found = self.catalogue.translate(context, source[:key.start()] + source[key.start() + 1:], disambiguation, n)
        if not found:
            return None
        mark = f"(&{key.group(1).upper()})"
        return found[:-1] + mark + found[-1] if found[-1] in "：:" else found + mark

    def isEmpty(self) -> bool:  # noqa: N802 - Qt
        return self.catalogue.isEmpty()


def _install_chinese_qt_texts(app: QApplication) -> None:
    """Qt's own words in Chinese — the buttons (确定/取消/是/否), a text box's right-click menu
    (撤消/剪切/复制/粘贴/全选), the file dialog (查找范围、文件名称) — the caseworker's program speaks
    one language. The frozen build keeps the zh_CN files (installer.spec; the smoke test checks)."""
    # The calendar popup's month and day names, number formats and the file dialogs follow the
    # default locale: Chinese whatever the laptop's system language is.
    chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(chinese)
    if getattr(app, "_wengang_translator", None) is not None:
        return
    # qtbase holds every widget's words; qt_zh_CN.qm is only a 99-byte list of other catalogues
    # (qtmultimedia …) the program does not ship, and refuses to load without them.
    catalogue = QTranslator(app)
    if catalogue.load(chinese, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        translator = QtChinese(catalogue, app)
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


def run_app(db_path: Path, *, demo: bool = False) -> int:
    """The window on ``db_path``; ``demo``: an empty database gets the demo county at once (the
    window's 生成示范县 opens it so, in a file of its own, beside a county with data)."""
    app = make_application()
    opened = open_with_recovery(Path(db_path))
    if opened is None:
        return 2
    session = Session(*opened)
    session.window.show()
    session.context.daily_backup_later()  # after the window shows: it must not delay the start
    if demo:
        session.window.build_demo_if_empty()
    code = app.exec()
    session.close()
    return code
