"""文件 → 数据交换…: the county picks a township's package up from the inbox folder, lists the
townships with what is overdue, and settles a conflict by picking a value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wengang.services.demo.builder import build_demo
from wengang.services.exchange import engine as ex
from wengang.store.db import open_database

pytestmark = pytest.mark.gui
SHOTS = os.environ.get("WENGANG_SCREENSHOTS")  # a folder: write the manual's screenshots there


def test_county_imports_from_inbox_and_decides_a_conflict(make_window, county_path, tmp_path, qtbot):
    county = open_database(county_path)
    build_demo(county, households=80)
    ex.export_base(county, "城关镇", tmp_path / "base.wgx")
    town = open_database(tmp_path / "town.db")
    ex.import_package(town, tmp_path / "base.wgx")
    guid = town.execute("SELECT guid FROM persons ORDER BY guid LIMIT 1").fetchone()[0]
    with town.atomic():
        town.execute("UPDATE persons SET phone = '13900001111' WHERE guid = ?", [guid])
    with county.atomic():
        county.execute("UPDATE persons SET phone = '13700002222' WHERE guid = ?", [guid])
    inbox = tmp_path / "收件"
    inbox.mkdir()
    ex.export_changes(town, inbox / "城关镇-发给示范县-交换包.wgx")
    town.close()
    county.close()

    context, window = make_window(county_path)
    dialog = window.show_exchange()
    qtbot.waitExposed(dialog)
    dialog.inbox_edit.setText(str(inbox))
    dialog._inbox_changed()
    assert dialog.check_inbox() == 1
    assert "已导入“城关镇”第1号包" in dialog.message.text()
    assert dialog.check_inbox(quiet=True) == 0  # imported once only
    labels = {dialog.partners.item(r, 0).text(): r for r in range(dialog.partners.rowCount())}
    assert dialog.partners.item(labels["城关镇"], 3).text() == "1"
    assert dialog.partners.item(labels["沙河镇"], 6).text() == "逾期未交"
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "exchange.png"))
    dialog.tabs.setCurrentIndex(1)
    assert dialog.conflicts.rowCount() == 1
    assert dialog.conflicts.item(0, 6).text() == "13700002222" and dialog.conflicts.item(0, 7).text() == "13900001111"
    dialog.conflicts.selectRow(0)
    dialog.keep_remote.setChecked(True)
    dialog.reason.setText("电话核实")
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "exchange_conflicts.png"))
    assert dialog.decide_selected()
    assert dialog.conflicts.rowCount() == 0
    dialog.show_all.setChecked(True)  # decided ones stay on record, with the reason
    assert dialog.conflicts.rowCount() == 1 and dialog.conflicts.item(0, 9).text() == "已裁决：电话核实"
    dialog.conflicts.selectRow(0)
    assert not dialog.decide_button.isEnabled()
    assert context.db.execute("SELECT phone FROM persons WHERE guid = ?", [guid]).fetchone()[0] == "13900001111"
    dialog.close()
