"""Opening a database in a window, and settling a refused open with the caseworker.

``app`` opens the main window through here at start; ``database_actions`` reopens it after a
restore or a password change. The window class is passed in (``make_window``) so this module
need not import the window, and the window's actions need not import ``app``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from wengang import APP_NAME
from wengang.gui import reliability
from wengang.store.crypto import WrongPasswordError
from wengang.store.errors import DamagedDatabaseError, DatabaseInUseError, PasswordRequiredError, StoreError


def open_window(db_path: Path, password: str | None, make_window: Callable):
    """Open the database and build a window on it with ``make_window(context)`` (not shown);
    returns (context, window)."""
    from wengang.gui.context import AppContext  # noqa: PLC0415 - after the QApplication exists

    context = AppContext(Path(db_path), password=password)
    try:
        return context, make_window(context)
    except BaseException:
        context.close()  # give the lock back: the user may retry (or restore) at once
        raise


def open_with_recovery(db_path: Path, password: str | None, parent, make_window: Callable):
    """``open_window``, settling a refused open with the caseworker; None if they give up.

    * encrypted file: ask for the password; a wrong one is said so and asked again (the
      file is not touched by a failed key);
    * damaged file: offer the newest good backup (restore, then open it);
    * another program has it: say so plainly (no retry: the other window must close first).
    """

    wrong = False
    restored = False
    while True:
        try:
            return open_window(db_path, password, make_window)
        except DatabaseInUseError as exc:
            QMessageBox.critical(parent, APP_NAME, str(exc))
            return None
        except (PasswordRequiredError, WrongPasswordError) as exc:
            wrong = isinstance(exc, WrongPasswordError)
            password = reliability.ask_password(parent, db_path, wrong=wrong)
            if password is not None:
                continue
            # No password: a page-aligned file that is not SQLite may be damaged rather than
            # encrypted; offer its backup as for any damaged file.
            if isinstance(exc, PasswordRequiredError) and exc.backup is not None and not restored \
                    and reliability.offer_backup(exc, db_path, None, parent):
                restored = True
                continue
            return None
        except DamagedDatabaseError as exc:
            if restored or not reliability.offer_backup(exc, db_path, password, parent):
                return None
            restored = True
        except StoreError as exc:
            QMessageBox.critical(parent, APP_NAME, str(exc))
            return None
