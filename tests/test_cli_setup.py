"""``wengang setup``: a database prepared from the command line derives 就业地域 on import."""

from __future__ import annotations

from wengang.cli.main import main
from wengang.store.areas import installation
from wengang.store.db import get_setting, open_database

WORK_SAMPLE = "/work/shared/samples/（务工月监测）已外出务工信息-样例.xlsx"
PERSON_SAMPLE = "/work/shared/samples/（自定义）脱贫人口和监测对象信息-样例.xlsx"


def test_setup_shows_and_sets_the_installation(tmp_path, capsys):
    db_path = tmp_path / "s.db"
    assert main(["--db", str(db_path), "setup"]) == 0
    assert "（未设置）" in capsys.readouterr().out
    assert main(["--db", str(db_path), "setup", "--province", "甘肃省", "--city", "张掖市",
                 "--county", "临泽县", "--unit", "临泽县人社局", "--reporter", "王芳"]) == 0
    out = capsys.readouterr().out
    assert "临泽县人社局" in out and "王芳" in out
    db = open_database(db_path, lock=False, auto_backup=False)
    place = installation(db)
    assert (place.province, place.city, place.county, place.unit_name) == ("甘肃省", "张掖市", "临泽县", "临泽县人社局")
    assert get_setting(db, "reporter") == "王芳"
    db.close()


def test_setup_refuses_a_county_without_a_province(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "s.db"), "settings", "--county", "临泽县"]) == 2
    assert "--province" in capsys.readouterr().err


def test_samples_import_after_setup_from_the_command_line(tmp_path):
    db_path = str(tmp_path / "s.db")
    assert main(["--db", db_path, "setup", "--province", "甘肃省", "--city", "张掖市", "--county", "临泽县"]) == 0
    assert main(["--db", db_path, "import", "persons", PERSON_SAMPLE, "--errors", str(tmp_path / "e1.xlsx")]) == 0
    assert main(["--db", db_path, "import", "auto", WORK_SAMPLE, "--errors", str(tmp_path / "e2.xlsx")]) == 0
    db = open_database(db_path, lock=False, auto_backup=False)
    regions = {r[0] for r in db.execute("SELECT DISTINCT region FROM employment_spells")}
    assert regions and regions <= {"省外", "省内县外", "县内"}
    db.close()
