"""概览 figures (the service, headless) and the charts that draw them."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.services.overview import compute_overview

AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def county(db, factory):
    zs = factory.person(factory.household("城关镇", "城关村"), name="张三")
    factory.spell(zs, "2023-03-01", "2023-11-30", return_reason="季节性返乡")
    factory.spell(zs, "2024-02-01", channel="有组织劳务输出")
    ls = factory.person(factory.household("甘浚镇", "甘浚村"), name="李四")
    factory.spell(ls, "2023-05-01", "2024-06-10", region="县内", return_reason="合同到期")
    ww = factory.person(factory.household("甘浚镇", "甘浚村"), name="王五")
    db.execute("INSERT INTO surveys(person_id, survey_date, willing) VALUES (?, '2024-05-01', 1)", [ww])
    tong = factory.person(factory.household("甘浚镇", "甘浚村", hh_type="同步搬迁户"), name="同步")
    factory.spell(tong, "2024-01-01")  # 同步搬迁户 are not counted, as in F1
    town = db.execute("SELECT id FROM areas WHERE name = '甘浚镇'").fetchone()[0]
    db.execute("INSERT INTO targets(area_id, year, target) VALUES (?, 2024, 4)", [town])
    return {"张三": zs, "李四": ls, "王五": ww, "甘浚镇": town}


def test_overview_figures(db, county):
    o = compute_overview(db, AS_OF)
    assert (o.persons, o.labour) == (3, 3)
    assert (o.employed_last_year, o.employed_this_year, o.employed_now) == (2, 2, 1)
    assert o.ratio == 100
    # 李四's job ended in June, but in the county: not a return (DOMAIN.md, issue 17)
    assert o.returned_this_month == 0 and o.willing_not_out == 1
    assert o.monthly_this_year == [1, 2, 2, 2, 2, 2]  # 张三 from February, 李四 until June
    assert len(o.monthly_last_year) == 12 and o.monthly_last_year[2] == 1 and o.monthly_last_year[4] == 2
    assert o.channel_mix == {"有组织劳务输出": 1, "自主外出务工": 1}
    assert o.region_mix == {"省外": 1, "县内": 1}
    assert o.target == 4 and str(o.completion) == "50.0"  # 甘浚镇's target only; 2 employed of 4
    gan = next(t for t in o.townships if t.name == "甘浚镇")
    assert (gan.employed_this_year, gan.target, str(gan.completion)) == (1, 4, "25.0")


def test_overview_follows_the_area(db, county):
    o = compute_overview(db, AS_OF, area_id=county["甘浚镇"])
    assert [t.name for t in o.townships] == ["甘浚镇"]
    assert (o.persons, o.employed_this_year, o.employed_now, o.target) == (2, 1, 0, 4)


def test_charts_draw(qtbot):
    from wengang.gui.app import make_application
    from wengang.gui.charts import BarChart, LineChart, MixChart
    make_application()
    for chart, data in [(BarChart("完成率"), [("城关镇", 104.0, "104/100"), ("甘浚镇", None, "未设目标")]),
                        (LineChart("逐月"), {"2024年": [1, 2, 3], "2023年": [3] * 12}),
                        (MixChart("渠道"), {"省外": 3, "县内": 1})]:
        qtbot.addWidget(chart)
        chart.set_data(data)
        chart.resize(400, 240)
        image = chart.grab().toImage()
        colours = {image.pixelColor(x, y).name() for x in range(0, 400, 7) for y in range(0, 240, 7)}
        assert len(colours) > 3, chart.title  # something besides white, border and text was drawn


def test_overview_agrees_with_form_f1_on_the_demo_county(db):
    from wengang.services import demo, reports
    as_of = dt.date.fromisoformat(demo.build_demo(db, households=200, seed=3, replace=True)["as_of"])
    o = compute_overview(db, as_of)
    total = reports.compute_form(db, "F1", as_of).total()
    assert (o.employed_last_year, o.employed_this_year) == (total.values["ly"], total.values["ty"])


def test_nice_axis_steps():
    from wengang.gui.charts import nice_step
    assert [nice_step(x) for x in (0.5, 3, 7, 778, 1200)] == [1, 5, 10, 1000, 2000]


def test_the_overview_is_kept_read_back_at_the_next_start_and_counted_again_after_an_edit(tmp_path):
    """At 200,000 households counting the overview took 6 s on every start of the window; its
    figures per place are kept beside the stored statuses and read back, and never stale."""
    from wengang.services import demo, overview
    from wengang.store import status_store
    from wengang.store.db import open_database

    path = tmp_path / "county.db"
    db = open_database(path)
    as_of = dt.date.fromisoformat(demo.build_demo(db, households=200, seed=3, replace=True)["as_of"])
    town = db.execute("SELECT id FROM areas WHERE level = 'township' ORDER BY id LIMIT 1").fetchone()[0]
    counted = compute_overview(db, as_of)
    counted_town = compute_overview(db, as_of, area_id=town)
    assert status_store.has_summary(db, as_of, overview.KIND)
    db.close()

    again = open_database(path)
    statements: list[str] = []
    again.conn.set_trace_callback(statements.append)
    assert compute_overview(again, as_of) == counted
    assert compute_overview(again, as_of, area_id=town) == counted_town
    assert not [s for s in statements if s.startswith("SELECT h.area_id")]  # read back, not counted
    again.conn.set_trace_callback(None)
    worker = again.execute("SELECT person_id FROM employment_spells WHERE end_date IS NULL LIMIT 1").fetchone()[0]
    again.execute("DELETE FROM employment_spells WHERE person_id = ?", [worker])
    again.close()

    edited = open_database(path)
    after = compute_overview(edited, as_of)
    assert after.employed_now == counted.employed_now - 1
    edited.execute(f"DELETE FROM {status_store.SUMMARIES}")  # nothing kept: counted afresh
    assert compute_overview(edited, as_of) == after
    edited.close()
