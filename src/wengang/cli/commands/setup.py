"""``wengang setup``: the installation's place and the names every form prints.

Without options it shows the current settings. The same values are edited in the window
(编辑 → 设置…); from the command line a county office can prepare a database before handing
it out, and an import of work-monitoring files needs the 省/县 to derive 就业地域.
"""

from __future__ import annotations

import datetime as dt
import sys

from wengang.cli.common import day_arg, open_db, print_table
from wengang.services.duties.schedule import ledger_started, set_ledger_started
from wengang.services.read import lookups
from wengang.store.areas import ensure_path, installation, set_installation
from wengang.store.audit import record_event
from wengang.store.city import INSTALLATION_LEVELS, LEVEL_NAMES, installation_level, set_installation_level
from wengang.store.db import get_setting, set_setting

# The names printed on forms (keys shared with the settings dialog and the report engine).
PEOPLE = [("reporter", "填报人"), ("reviewer", "审核人")]


def register(sub) -> None:
    parser = sub.add_command("setup", aliases=["settings"],
                             help="本单位设置：所在省/市/县、填报单位、填报人、审核人（不带参数时显示当前设置）")
    parser.add_argument("--level", choices=INSTALLATION_LEVELS,
                        help="安装级别：city 市（汇总各县报送的报表）、county 县（默认）、township 乡镇")
    parser.add_argument("--province", metavar="省", help="本单位所在省，如 甘肃省")
    parser.add_argument("--city", metavar="市", help="本单位所在市（州），如 张掖市")
    parser.add_argument("--county", metavar="县", help="本单位所在县（市、区），如 临泽县")
    parser.add_argument("--unit", metavar="名称", help="填报单位，如 临泽县人力资源和社会保障局")
    parser.add_argument("--reporter", metavar="姓名", help="填报人")
    parser.add_argument("--reviewer", metavar="姓名", help="审核人")
    parser.add_argument("--started", type=_started_arg, metavar="日期",
                        help="建账日期（如 2026-01-01）：此前截止的报送不算逾期；auto 为第一条记录的日期（默认）")
    parser.set_defaults(run=run)


def _started_arg(text: str) -> dt.date | str:
    return "auto" if text.strip().lower() == "auto" else day_arg(text)


def _settings(db) -> dict:
    return lookups.settings_map(db)


def _set_city(db, args, place) -> bool:
    """A city installation: its 省 and 市 (both needed) and 填报单位; False when one is missing."""
    province, city = args.province or place.province, args.city or place.city
    if not (province and city):
        print("错误：市级安装请同时给出 --province 和 --city", file=sys.stderr)
        return False
    with db.atomic():
        set_installation_level(db, "city")
        for key, value in (("province", province), ("city", city),
                           ("unit_name", args.unit or place.unit_name or f"{city}乡村振兴局")):
            set_setting(db, key, value)
        ensure_path(db, [("city", city)])
    return True


def _set_county(db, args, place) -> bool:
    """A county (or township) installation: its 省 and 县 (both needed); False when one is missing."""
    province = args.province or place.province
    county = args.county or place.county
    if not (province and county):
        print("错误：请同时给出 --province 和 --county（就业地域要按本单位所在省、县推算）", file=sys.stderr)
        return False
    with db.atomic():
        set_installation(db, province, args.city or place.city, county, args.unit or place.unit_name)
        if args.level:
            set_installation_level(db, args.level)
    return True


def _set_place(db, args) -> bool:
    """The installation's level and place as the options give them (none given: unchanged)."""
    place = installation(db)
    wants_place = any(getattr(args, k) for k in ("province", "city", "county"))
    level = args.level or installation_level(db)
    if level == "city" and (args.level or wants_place or args.unit):
        return _set_city(db, args, place)
    if wants_place or args.unit or args.level:
        return _set_county(db, args, place)
    return True


def _audit_changes(db, before: dict) -> None:
    """In the audit trail: who set the unit, the county, the people."""
    after = _settings(db)
    if after == before:
        return
    changed = [k for k in after if after[k] != before.get(k)]
    with db.atomic():
        record_event(db, "settings", "update", {k: after[k] for k in changed}, "设置本单位（setup）",
                     old={k: before.get(k) for k in changed})


def _print_settings(db) -> None:
    place = installation(db)
    level = installation_level(db)
    rows = [["安装级别", f"{LEVEL_NAMES[level]}（{level}）"], ["省", place.province or "（未设置）"], ["市", place.city or ""],
            ["县（市、区）", place.county or ("" if level == "city" else "（未设置）")], ["填报单位", place.unit_name or "（未设置）"]]
    rows += [[label, get_setting(db, key) or ""] for key, label in PEOPLE]
    started, how = ledger_started(db)
    rows.append(["建账日期", f"{started.isoformat()}（{how}）" if started else "（还没有记录）"])
    print_table(["设置", "值"], rows)


def run(args) -> int:
    db = open_db(args)
    before = _settings(db)
    if not _set_place(db, args):
        return 2
    for key, _label in PEOPLE:
        value = getattr(args, key)
        if value is not None:
            set_setting(db, key, value.strip())
    if args.started is not None:
        set_ledger_started(db, None if args.started == "auto" else args.started)
    _audit_changes(db, before)
    _print_settings(db)
    return 0
