"""The window's start reads nothing that grows with the county on the window's thread
(issue 20: usable ≤ 0.7 s at any size): what it shows at once is read in the background."""

from __future__ import annotations

import datetime as dt
import threading

from gui_support import small_county, wait_idle

from wengang.services.read import lookups
from wengang.services.rules import run_quality
from wengang.store.db import open_database


def test_the_quality_count_at_start_is_read_in_the_background(qtbot, make_window, county_path, monkeypatch):
    small_county(county_path)
    db = open_database(county_path)
    run_quality(db, dt.date(2024, 6, 30))
    expected = lookups.open_findings(db)
    db.close()
    threads = []
    real = lookups.open_findings
    monkeypatch.setattr(lookups, "open_findings",
                        lambda db: threads.append(threading.current_thread()) or real(db))
    context, window = make_window(county_path)
    window.quality.stop()  # no new run: the count the last one left
    wait_idle(qtbot, context)
    assert window.quality.label.text() == f"数据质量：全部 {expected:,} 条待处理"
    assert threads and threading.main_thread() not in threads


def test_a_county_never_checked_says_so_at_once(qtbot, make_window, county_path):
    small_county(county_path)
    _context, window = make_window(county_path)
    assert window.quality.label.text() == "数据质量：未检查"
