"""The main window watches the exchange inbox folder and says when a package arrives."""

from __future__ import annotations

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
    monkeypatch.setattr(ex, "pending_inbox",
                        lambda db, folder: seen.append(Path(folder)) or ([package] if package.exists() else []))
    assert window.inbox.check() == []
    assert window.inbox.label.isHidden()
    package.write_bytes(b"x")
    assert window.inbox.check() == [package]
    assert seen[-1] == inbox and str(inbox) in window.inbox.watcher.directories()
    assert not window.inbox.label.isHidden() and "1 个新交换包" in window.inbox.label.text()
    opened = []
    monkeypatch.setattr(window, "show_exchange", lambda: opened.append(1))
    window.inbox.label.linkActivated.emit("exchange")
    assert opened == [1]  # 数据交换… opens; nothing imported here
