"""``wengang info``: what the database holds, per table and per township."""

from __future__ import annotations

from wengang.cli.common import db_path, open_db, print_table
from wengang.services.read import lookups
from wengang.store.areas import installation
from wengang.store.db import schema_version
from wengang.store.owed_indexes import owed

TABLES = [
    ("households", "户"), ("persons", "人"), ("employment_spells", "务工就业记录"),
    ("welfare_posts", "公益性岗位"), ("surveys", "意愿摸排"), ("services", "就业服务"),
    ("subsidies", "补贴"), ("organisations", "帮扶车间/企业/基地"), ("relocation_sites", "安置点"),
    ("targets", "目标任务"), ("spot_checks", "抽查"), ("quality_findings", "数据质量问题"),
]


def register(sub) -> None:
    parser = sub.add_command("info", help="数据库概况：各表记录数、各乡镇户数人数")
    parser.set_defaults(run=run)


def run(args) -> int:
    db = open_db(args, lock=False)  # read-only: may run while the window is open
    place = installation(db)
    print(f"数据库：{db_path(args)}")
    print(f"数据结构版本：{schema_version(db)}")
    waiting = owed(db)
    if waiting:  # left by a first import for later (store.owed_indexes): not an error
        print(f"待建立的索引：{len(waiting)}个（打开程序窗口后在后台自动建立；报表、台账不受影响）")
    print(f"本单位：{place.unit_name or '（未设置）'}　{place.province or ''}{place.city or ''}{place.county or ''}")
    print()
    print_table(["表", "记录数"], [[label, db[name].count] for name, label in TABLES])
    print()
    rows = lookups.township_counts(db)
    print_table(["乡镇（街道）", "户数", "人数"], [list(r) for r in rows])
    return 0
