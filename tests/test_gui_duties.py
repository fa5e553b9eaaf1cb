"""日常工作 tab: each page shows its duty on a small county; calls entered by keyboard (issue 16)."""

from __future__ import annotations

import datetime as dt

from gui_support import small_county, wait_idle
from PySide6.QtCore import Qt

from wengang.services.duties.spot_check import draw_sample


def _duties(qtbot, make_window, county_path):
    ids = small_county(county_path)
    context, window = make_window(county_path)
    tab = window.show_tab("日常工作")
    wait_idle(qtbot, context)
    return ids, context, window, tab


def test_131_page_lists_villages_and_records_for_selected_people(qtbot, make_window, county_path):
    _ids, context, _window, tab = _duties(qtbot, make_window, county_path)
    page = tab.show_page("1-3-1服务")
    wait_idle(qtbot, context)
    assert "需要就业 2 人" in page.status.text()          # 李四 returned, 王五 never out
    villages = {page.villages.text(r, 1) for r in range(page.villages.rowCount())}
    assert villages == {"甘浚村"}
    page.villages.selectRow(0)
    wait_idle(qtbot, context)  # the village's list is read in the background
    assert page.people.rowCount() == 2
    page.people.selectAll()
    page.kind.setCurrentText("职业指导")
    page.day.set_date(dt.date(2024, 6, 20))
    page.record()
    assert "已为 2 人登记" in page.status.text()
    assert context.db.execute("SELECT count(*) FROM services WHERE kind = '职业指导'").fetchone()[0] == 2


def test_calls_are_entered_with_the_keyboard_one_row_each(qtbot, make_window, county_path):
    _ids, context, _window, tab = _duties(qtbot, make_window, county_path)
    draw_sample(context.db, dt.date(2024, 6, 30), per_township=5, seed=1)
    page = tab.show_page("电话抽查")
    page.refresh()
    assert page.calls.rowCount() == 2                        # 张三 and 李四 worked this year
    page.day.set_date(dt.date(2024, 7, 2))
    page.calls.setFocus()
    page.calls.setCurrentCell(0, 0)
    for key in (Qt.Key.Key_Y, Qt.Key.Key_Y, Qt.Key.Key_N, Qt.Key.Key_1):   # row 1: 是 是 否 是
        qtbot.keyClick(page.calls, key)
    assert page.calls.currentRow() == 1
    qtbot.keyClick(page.calls, Qt.Key.Key_0)                                 # row 2: not connected
    rows = context.db.execute("SELECT phone_connected, place_consistent, time_consistent, policy_aware "
                              "FROM spot_checks ORDER BY id").fetchall()
    assert rows == [(1, 1, 0, 1), (0, None, None, None)]


def test_every_page_opens(qtbot, make_window, county_path):
    _ids, context, _window, tab = _duties(qtbot, make_window, county_path)
    for title in tab.by_title:
        page = tab.show_page(title)
        wait_idle(qtbot, context)
        assert page.status.text() and "出错了" not in page.status.text(), title
    entitlements = tab.by_title["应享未享"]
    assert "还没有选择补贴政策规则" in entitlements.status.text()   # 甘肃: none chosen, said plainly
    entitlements.rules.setCurrentIndex(entitlements.rules.findData("heilongjiang_2022"))
    entitlements.choose()
    wait_idle(qtbot, context)
    assert "黑龙江省2022年" in entitlements.status.text()
    followup = tab.by_title["返乡跟踪"]
    tab.show_page("返乡跟踪")
    wait_idle(qtbot, context)
    # 李四's 县内 job ended in June: not a return (DOMAIN.md: only spells outside the county return)
    assert "2024年返乡 0 人" in followup.status.text()


def test_settings_choose_the_subsidy_rules_and_follow_up_period(qtbot, make_window, county_path):
    from wengang.gui.dialogs.settings_dialog import SettingsDialog
    from wengang.services.duties.followup import followup_days
    from wengang.services.rules.subsidies import current_rule_set

    small_county(county_path)
    context, window = make_window(county_path)
    dialog = SettingsDialog(context.db, window)
    assert dialog.subsidy_rules.currentData() is None
    dialog.subsidy_rules.setCurrentIndex(dialog.subsidy_rules.findData("shanxi_2020"))
    dialog.followup.setValue(7)
    assert dialog.save()
    assert current_rule_set(context.db).id == "shanxi_2020" and followup_days(context.db) == 7


def test_a_village_s_list_is_read_off_the_window_s_thread(qtbot, make_window, county_path, monkeypatch):
    """At start the first village is picked by itself: its list needs the statuses at the date,
    seconds at county scale, which must not freeze the window that has just appeared."""
    import threading

    from wengang.services import ledgers

    threads = []
    real = ledgers.ledger_query
    monkeypatch.setattr(ledgers, "ledger_query",
                        lambda *a, **k: threads.append(threading.current_thread()) or real(*a, **k))
    _ids, context, _window, tab = _duties(qtbot, make_window, county_path)
    page = tab.show_page("1-3-1服务")
    wait_idle(qtbot, context)
    wait_idle(qtbot, context)  # the village list, then the first village's people
    assert page.people.rowCount() == 2
    assert threads and threading.main_thread() not in threads


def test_a_site_s_job_offers_are_entered_and_taken_back_in_the_window(qtbot, make_window, county_path,
                                                                      monkeypatch):
    """The 安置点 page told the caseworker to type `wengang sites add-job` to enter a job offer."""
    from PySide6.QtWidgets import QMessageBox

    from wengang.gui.dialogs.site_job_dialog import SiteJobDialog
    _ids, context, _window, tab = _duties(qtbot, make_window, county_path)
    site = context.db["relocation_sites"].insert({"name": "幸福家园安置点"}).last_pk
    page = tab.show_page("安置点")
    page.stale = True
    page.refresh()
    wait_idle(qtbot, context)
    dialog = SiteJobDialog(context, site, page)
    assert dialog.site.currentText() == "幸福家园安置点"
    dialog.post.setText("缝纫工")
    assert not dialog.try_save() and "用工单位" in dialog.message.text()   # said, the dialog stays
    dialog.employer.setText("园区服装厂")
    dialog.openings.setValue(20)
    dialog.pay.setText("3000-4000元/月")
    assert dialog.try_save()
    row = context.db.execute("SELECT site_id, employer, post, openings, pay, contact FROM site_jobs").fetchone()
    assert row == (site, "园区服装厂", "缝纫工", 20, "3000-4000元/月", None)
    page.stale = True
    page.refresh()
    wait_idle(qtbot, context)
    assert page.jobs.rowCount() == 1 and page.jobs.text(0, 2) == "缝纫工"
    page.jobs.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    page.remove_jobs()
    wait_idle(qtbot, context)
    assert context.db.execute("SELECT count(*) FROM site_jobs").fetchone()[0] == 0
    assert page.jobs.rowCount() == 0
