"""The main window watches the exchange inbox folder and says when a package arrives."""

from __future__ import annotations

import threading
from pathlib import Path

from gui_support import small_county

from wengang.services.exchange import engine as ex
from wengang.store.db import set_setting


def test_a_package_in_the_inbox_is_said_in_the_status_bar_with_a_link(qtbot, make_window, county_path,
                                                                      tmp_path, monkeypatch):
    small_county(county_path)
    context, window = make_window(county_path)
    assert window.inbox.label.isHidden() and window.inbox.timer.isActive()
    inbox = tmp_path / "收件"
    inbox.mkdir()
    set_setting(context.db, ex.INBOX_SETTING, str(inbox))
    package = inbox / "东乡-0001.wgx"
    seen = []
    gui_thread, threads = threading.get_ident(), []

    def pending(db, folder):
        seen.append(Path(folder))
        threads.append(threading.get_ident())
        return [package] if package.exists() else []

    monkeypatch.setattr(ex, "pending_inbox", pending)
    window.inbox.check()
    qtbot.waitUntil(lambda: not window.inbox.checking)
    assert window.inbox.waiting == [] and window.inbox.label.isHidden()
    package.write_bytes(b"x")
    window.inbox.check()
    qtbot.waitUntil(lambda: window.inbox.waiting == [package])
    assert seen[-1] == inbox and str(inbox) in window.inbox.watcher.directories()
    assert gui_thread not in threads  # the folder is read on the background thread
    assert not window.inbox.label.isHidden() and "1 个新交换包" in window.inbox.label.text()
    opened = []
    monkeypatch.setattr(window, "show_exchange", lambda: opened.append(1))
    window.inbox.label.linkActivated.emit("exchange")
    assert opened == [1]  # 数据交换… opens; nothing imported here
