"""Relocation sites: job supply and the 1 training / 3 referrals check (seed 003, issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest

from wengang.cli.main import main
from wengang.services.duties.sites import add_site_job, site_checks, site_jobs


def test_willing_labourers_need_one_training_and_three_referrals(db, factory):
    site = db["relocation_sites"].insert({"name": "幸福家园安置点"}).last_pk
    hh = factory.household(relocated=1, site_id=site)
    done, short, away = (factory.person(hh, birth=dt.date(1980 + n, 1, 1)) for n in range(3))
    nonpoor = factory.person(factory.household(relocated=1, site_id=site, hh_type="同步搬迁户"))
    factory.spell(away, "2026-01-01")
    for pid in (done, short, away, nonpoor):
        db["surveys"].insert({"person_id": pid, "survey_date": "2026-02-01", "willing": 1})
    db["services"].insert({"person_id": done, "service_date": "2026-03-01", "kind": "免费培训"})
    for day in ("2026-03-02", "2026-04-02", "2026-05-02"):
        db["services"].insert({"person_id": done, "service_date": day, "kind": "岗位信息推送"})
        db["services"].insert({"person_id": short, "service_date": day, "kind": "岗位信息推送"})
    db.execute("UPDATE persons SET training_need = '电焊' WHERE id = ?", [short])
    add_site_job(db, site, "园区服装厂", "缝纫工", openings=20, offered=dt.date(2026, 4, 1))
    [check] = site_checks(db, dt.date(2026, 10, 31))
    assert (check.willing, check.complete, check.jobs_offered) == (2, 1, 1)
    assert [(p["person_id"], p["trainings"], p["referrals"], p["training_need"]) for p in check.short] == \
        [(short, 0, 3, "电焊")]
    assert site_jobs(db)[0]["post"] == "缝纫工"
    with pytest.raises(ValueError, match="岗位名称"):
        add_site_job(db, site, "园区服装厂", " ")


def test_cli_add_job_and_check(tmp_path, capsys):
    from wengang.store.areas import set_installation
    from wengang.store.db import open_database

    path = tmp_path / "w.db"
    database = open_database(path)
    set_installation(database, "山西省", "太原市", "阳曲县")
    database["relocation_sites"].insert({"name": "新星苑小区"})
    database.close()
    base = ["--db", str(path), "sites"]
    assert main([*base, "add-job", "--site", "新星苑小区", "--employer", "园区物流", "--post", "分拣员",
                 "--openings", "5", "--date", "2026-05-01"]) == 0
    assert main([*base, "jobs"]) == 0
    assert "分拣员" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        main([*base, "add-job", "--site", "不存在", "--employer", "x", "--post", "y"])
    assert stop.value.code == 2 and "找不到安置点" in capsys.readouterr().err
