"""Start-up order: the day's automatic backup is made after the window shows, not before."""

from __future__ import annotations

from gui_support import wait_idle

from wengang.gui.context import AppContext
from wengang.store.backup import list_backups
from wengang.store.db import open_database


def test_daily_backup_runs_in_the_background_after_the_window_opens(qtbot, tmp_path):
    path = tmp_path / "county.db"
    open_database(path, auto_backup=False).close()  # an existing database, no backup yet
    context = AppContext(path)
    try:
        assert list_backups(path) == []  # opening did not stop to copy the file
        context.daily_backup_later()
        wait_idle(qtbot, context)
        made = list_backups(path)
        assert len(made) == 1 and "每日" in made[0].name
        context.daily_backup_later()  # once a day: a second call adds nothing
        wait_idle(qtbot, context)
        assert len(list_backups(path)) == 1
    finally:
        context.close()


def test_a_command_line_open_still_makes_the_daily_backup(tmp_path):
    path = tmp_path / "county.db"
    open_database(path, auto_backup=False).close()
    open_database(path).close()
    assert len(list_backups(path)) == 1
