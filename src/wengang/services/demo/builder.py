"""Building the demo county (示范县) into a database: one transaction, bulk inserts.

Everything is drawn from ``random.Random(seed)``, so the same seed and size give the same
households, IDs and spells on every machine. Rows are generated in memory and written with
``executemany`` inside one ``db.atomic()`` (ENGINEERING.md: one transaction is what makes
bulk inserts fast). The county also carries the dirt caseworkers meet in real ledgers (dead
phone numbers, 1-yuan incomes, missing employers, a household without 户主 …) so that the
quality rules and the forms have something to find.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import uuid
from collections.abc import Callable, Iterator

import sqlite_utils

from wengang.domain.dates import last_month_end
from wengang.services.demo import extras, pools
from wengang.services.demo.population import Household, Member, PeopleMaker
from wengang.services.demo.work import SPELL_COLUMNS, Org, Spell, WorkMaker
from wengang.store.areas import AreaCache, installation, set_installation
from wengang.store.audit import record_event
from wengang.store.db import StoreError, set_setting

Progress = Callable[[int, int, str], None]

# Tables the demo writes, children before parents (the order a wipe must follow).
DEMO_TABLES = ("quality_findings", "spot_checks", "targets", "subsidies", "services", "surveys",
               "welfare_posts", "employment_spells", "persons", "households", "organisations",
               "relocation_sites", "areas")
STEPS = 8


class DemoError(RuntimeError):
    """The demo county cannot be built here; the message is for the user."""


def default_as_of(today: dt.date | None = None) -> dt.date:
    """The end of last month: the date monthly dispatches report to."""
    return last_month_end(today)


# --- database helpers ------------------------------------------------------------------------
class _Stamps:
    """GUIDs and time stamps for generated rows.

    The schema's defaults draw a random GUID and format the clock for every row; at 150k
    persons the random GUIDs scatter inserts across the unique index and the build takes
    twice as long. Here a GUID is a random per-build prefix plus a counter (still unique
    across databases, so transport packages merge by GUID), and one stamp serves the build.
    """

    def __init__(self) -> None:
        self.prefix = uuid.uuid4().hex[:16]
        self.counter = 0
        self.now = dt.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")

    def rows(self, rows: list[tuple]) -> Iterator[tuple]:
        start, self.counter = self.counter, self.counter + len(rows)
        prefix, now = self.prefix, self.now
        for n, row in enumerate(rows, start):
            yield (*row, f"{prefix}{n:016x}", now, now)


def _insert(db: sqlite_utils.Database, stamps: _Stamps | None, table: str, columns: tuple[str, ...],
            rows: list[tuple]) -> int:
    """Bulk insert (``executemany``); with ``stamps``, fill guid/created_at/updated_at too."""
    if rows:
        if stamps is not None:
            columns = (*columns, "guid", "created_at", "updated_at")
            values = stamps.rows(rows)
        else:
            values = rows
        marks = ", ".join("?" for _ in columns)
        db.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
    return len(rows)


def _next_id(db: sqlite_utils.Database, table: str) -> int:
    return (db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]) + 1


@contextlib.contextmanager
def _audit_suspended(db: sqlite_utils.Database) -> Iterator[None]:
    """Generated demo rows are not anybody's edits: drop the per-connection TEMP audit triggers
    for the build (they would double every insert) and put the same triggers back after."""
    saved = db.execute("SELECT name, sql FROM sqlite_temp_master WHERE type = 'trigger' "
                       "AND name LIKE 'audit\\_%' ESCAPE '\\'").fetchall()
    for name, _sql in saved:
        db.execute(f'DROP TRIGGER temp."{name}"')
    try:
        yield
    finally:
        for _name, sql in saved:
            # sqlite_temp_master keeps the statement without its TEMP keyword
            db.execute(re.sub(r"^CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER", "CREATE TEMP TRIGGER", sql, flags=re.IGNORECASE))


@contextlib.contextmanager
def _big_cache(db: sqlite_utils.Database, kib: int = 65536) -> Iterator[None]:
    """A larger page cache while bulk inserting keeps the indexes in memory (64 MiB)."""
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {before}")


def _dependants(db: sqlite_utils.Database, tables: set[str]) -> list[str]:
    """Other tables (from later migrations) holding foreign keys into ``tables``, leaves first."""
    found: list[str] = []
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall()]
    targets = set(tables)
    changed = True
    while changed:
        changed = False
        for name in names:
            if name in targets:
                continue
            refs = {r[2] for r in db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall()}
            if refs & targets:
                targets.add(name)
                found.insert(0, name)
                changed = True
    return found


def wipe_county(db: sqlite_utils.Database) -> None:
    """Delete every household, person, record and area (settings and history stay)."""
    with db.atomic():
        for table in _dependants(db, set(DEMO_TABLES)) + list(DEMO_TABLES):
            db.execute(f'DELETE FROM "{table}"')


# --- the build ---------------------------------------------------------------------------------
def build_demo(db: sqlite_utils.Database, households: int = 2000, seed: int = 1,
               as_of: dt.date | None = None, progress: Progress | None = None, *,
               replace: bool = False) -> dict:
    """Build a deterministic demo county of ``households`` households; returns counts per table.

    Refuses a database that already holds households unless ``replace=True`` (then everything
    in it is replaced). The installation is set to 甘肃省张掖市示范县 unless one is configured.
    """
    if households < 20:
        raise DemoError("示范县至少要20户")
    existing = db.execute("SELECT count(*) FROM households").fetchone()[0]
    # organisations and sites have unique names the demo would collide with
    others = db.execute("SELECT (SELECT count(*) FROM organisations) + (SELECT count(*) FROM relocation_sites)"
                        ).fetchone()[0]
    if (existing or others) and not replace:
        held = f"{existing}户数据" if existing else f"{others}个车间/企业/安置点"
        raise DemoError(f"数据库中已有{held}，示范县只能建在空数据库中；"
                        "如确实要用示范县覆盖现有全部数据，请加 --replace")
    as_of = as_of or default_as_of()
    report = progress or (lambda _step, _total, _message: None)
    replacing = bool(replace and (existing or others))
    saved = _backup_before_replace(db, existing) if replacing else None
    with _audit_suspended(db), _big_cache(db), db.atomic():
        if replace:
            report(0, STEPS, "清空现有数据")
            wipe_county(db)
        counts = _Builder(db, households, seed, as_of, report).run()
    if replacing:
        with db.atomic():
            record_event(db, "database", "delete",
                         {"覆盖前户数": existing, "覆盖前备份": str(saved or "（内存数据库，无）"),
                          "示范县户数": households}, "用示范县覆盖全部数据（demo --replace）")
        if saved is not None:
            counts["backup"] = str(saved)
    return counts


def _backup_before_replace(db: sqlite_utils.Database, households: int) -> str | None:
    """A verified backup of the county about to be wiped (refuses to wipe without one); ``None``
    for an in-memory database."""
    from wengang.store.backup import auto_backup, verify_file  # noqa: PLC0415

    try:
        saved = auto_backup(db, "示范县覆盖前")
    except (OSError, StoreError) as exc:
        raise DemoError(f"覆盖前的备份没有成功（{exc}），现有{households}户数据未改动。") from exc
    if saved is not None and verify_file(saved):
        raise DemoError(f"覆盖前的备份 {saved} 未通过检查，现有{households}户数据未改动。")
    return saved


class _Builder:
    def __init__(self, db, households: int, seed: int, as_of: dt.date, report: Progress):
        self.db = db
        self.size = households
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.report = report
        self.counts: dict = {}
        self.dirt: dict[str, int] = {}
        self.stamps = _Stamps()

    def run(self) -> dict:
        self.report(1, STEPS, "设置本单位和乡镇、村")
        self._place()
        self._areas()
        self.report(2, STEPS, "安置点和帮扶车间、企业、基地")
        self._sites()
        self._orgs()
        self.report(3, STEPS, "户和人")
        self._households()
        self._person_dirt()
        self.report(4, STEPS, "务工就业记录")
        self._spells()
        self._spell_dirt()
        self.report(5, STEPS, "写入户、人和务工记录")
        self._write_core()
        self.report(6, STEPS, "意愿摸排、就业服务、补贴")
        self._activities()
        self.report(7, STEPS, "目标任务和抽查")
        self._targets_and_checks()
        self._finish_sites()
        self.report(STEPS, STEPS, "完成")
        self.counts["as_of"] = self.as_of.isoformat()
        self.counts["dirt"] = dict(self.dirt)
        return self.counts

    # --- places ---------------------------------------------------------------------------
    def _place(self) -> None:
        place = installation(self.db)
        if not place.configured:
            set_installation(self.db, *pools.DEFAULT_PLACE, unit_name=pools.DEFAULT_UNIT)
            # The demo's subsidies follow Heilongjiang 2022's kinds: chosen openly, as a
            # caseworker would in 本单位设置 (unset, 应享未享 says so instead of guessing).
            from wengang.services.rules.subsidies import SETTING_KEY  # noqa: PLC0415 - demo only
            set_setting(self.db, SETTING_KEY, "heilongjiang_2022")
            place = installation(self.db)
        self.home = (place.province, place.city or "", place.county)

    def _areas(self) -> None:
        db, r = self.db, self.rng
        cache = AreaCache(db)
        self.county_id = cache.ensure([("county", self.home[2])])
        code = db.execute("SELECT code FROM areas WHERE id = ?", [self.county_id]).fetchone()[0]
        if not code:
            code = pools.DEFAULT_AREA_CODE
            db.execute("UPDATE areas SET code = ? WHERE id = ?", [code, self.county_id])
        self.area_code = code[:6]
        self.townships: list[str] = list(pools.TOWNSHIPS)
        self.township_ids: list[int] = []
        self.villages: list[tuple[int, int, str]] = []  # (village id, township index, name)
        for t_index, township in enumerate(self.townships):
            t_id = cache.ensure([("county", self.home[2]), ("township", township)])
            db.execute("UPDATE areas SET sort_order = ? WHERE id = ?", [t_index, t_id])
            self.township_ids.append(t_id)
            for v_index, stem in enumerate(r.sample(pools.VILLAGE_STEMS, r.randint(5, 15))):
                v_id = cache.ensure([("county", self.home[2]), ("township", township), ("village", stem + "村")])
                db.execute("UPDATE areas SET sort_order = ? WHERE id = ?", [v_index, v_id])
                self.villages.append((v_id, t_index, stem + "村"))
        self.counts["townships"] = len(self.townships)
        self.counts["villages"] = len(self.villages)

    def _sites(self) -> None:
        r = self.rng
        first = _next_id(self.db, "relocation_sites")
        count = r.randint(4, 8)
        towns = [0] + r.sample(range(1, len(self.townships)), count - 1)
        self.sites = []
        for n, t_index in enumerate(towns):
            township = self.townships[t_index]
            urban = t_index == 0 or r.random() < 0.3
            self.sites.append((first + n, f"{township}{pools.SITE_STEMS[n]}安置点", t_index,
                               "城镇" if urban else "农村"))
        # the county-town site is the big one (seed 003 counts sites of 800 people and more)
        self.site_weights = [0.55] + [0.45 / (count - 1)] * (count - 1)
        _insert(self.db, self.stamps, "relocation_sites", ("id", "name", "county", "township", "area_id", "site_type"),
                [(sid, name, self.home[2], self.townships[t], self.township_ids[t], kind)
                 for sid, name, t, kind in self.sites])
        self.counts["relocation_sites"] = count

    def _orgs(self) -> None:
        r = self.rng
        next_id = _next_id(self.db, "organisations")
        self.orgs: list[Org] = []
        recognised: dict[int, str] = {}
        for t_index, township in enumerate(self.townships):
            for trade in r.sample(pools.WORKSHOP_TRADES, r.randint(1, 3)):
                industry = "农、林、牧、渔业" if trade == "食用菌种植" else "制造业"
                self.orgs.append(Org(next_id, f"{township}{trade}帮扶车间", "帮扶车间", t_index, industry))
                next_id += 1
        for names, kind, industry in ((pools.ENTERPRISES, "龙头企业", "农、林、牧、渔业"),
                                      (pools.BASES, "就业帮扶基地", "农、林、牧、渔业"),
                                      (pools.HR_AGENCIES, "人力资源服务机构", "租赁和商务服务业"),
                                      (pools.INCUBATORS, "创业孵化基地", "租赁和商务服务业")):
            for name in names:
                self.orgs.append(Org(next_id, name, kind, None, industry))
                next_id += 1
        rows = []
        for org in self.orgs:
            # most recognised before last year; some new this year, a few closed (F3 compares dates)
            year = self.as_of.year - r.choice((4, 3, 3, 2, 2, 1, 0))
            day = min(dt.date(year, r.randint(1, 12), r.randint(1, 28)), self.as_of)
            closed = None
            if org.kind == "帮扶车间" and r.random() < 0.06:
                closed = min(day + dt.timedelta(days=r.randint(200, 700)), self.as_of).isoformat()
            recognised[org.id] = day.isoformat()
            area = self.township_ids[org.township] if org.township is not None else self.county_id
            rows.append((org.id, org.name, org.kind, area, self.rng.choice(pools.SURNAMES) + "经理",
                         "1" + r.choice("3589") + f"{r.randrange(10**9):09d}", day.isoformat(), closed))
        _insert(self.db, self.stamps, "organisations", ("id", "name", "kind", "area_id", "contact", "phone",
                                           "recognised_date", "closed_date"), rows)
        self.counts["organisations"] = len(rows)

    # --- households and persons -------------------------------------------------------------
    def _households(self) -> None:
        r = self.rng
        hh_id = _next_id(self.db, "households")
        maker = PeopleMaker(r, self.area_code, self.as_of, _next_id(self.db, "persons"))
        self.maker = maker
        self.households: list[Household] = []
        site_ids = [s[0] for s in self.sites]
        site_names = {s[0]: s[1] for s in self.sites}
        village_weights = [r.uniform(0.5, 1.5) for _ in self.villages]
        chosen = r.choices(self.villages, weights=village_weights, k=self.size)
        for n, (village_id, t_index, village) in enumerate(chosen):
            roll = r.random()
            hh_type = "脱贫户" if roll < 0.85 else ("监测户" if roll < 0.95 else "同步搬迁户")
            category = exit_year = None
            if hh_type == "监测户":
                category = r.choices(("脱贫不稳定户", "边缘易致贫户", "突发严重困难户"), weights=(5, 4, 2))[0]
                exit_year = r.randint(2016, 2020) if category == "脱贫不稳定户" else None
            elif hh_type == "脱贫户":
                exit_year = r.choices(range(2014, 2021), weights=(2, 4, 6, 8, 9, 10, 6))[0]
            site_id = placement = None
            if hh_type == "同步搬迁户" or r.random() < 0.22:
                site_id = r.choices(site_ids, weights=self.site_weights)[0]
                placement = "集中" if r.random() < 0.9 else "分散"
            if site_id and placement == "集中":
                address = f"{site_names[site_id]}{r.randint(1, 24)}号楼{r.randint(1, 4)}单元{r.randint(1, 6)}0{r.randint(1, 4)}室"
            else:
                address = f"{self.townships[t_index]}{village}{r.randint(1, 9)}组{r.randint(1, 80)}号"
            hh = Household(hh_id, f"{self.area_code}{t_index + 1:03d}{n + 1:08d}", village_id, t_index,
                           hh_type, category, exit_year, site_id, placement, address)
            hh.members = maker.family(hh)
            self.households.append(hh)
            hh_id += 1
            if n % 5000 == 4999:
                self.report(3, STEPS, f"户和人：{n + 1}/{self.size}")

    def _person_dirt(self) -> None:
        members = [m for hh in self.households for m in hh.members]
        self._phone_and_check_dirt(members)
        self._headless_dirt(members)
        self.members = [m for hh in self.households for m in hh.members]

    def _phone_and_check_dirt(self, members: list[Member]) -> None:
        """Dead or short phone numbers, a few marked landlines, records not verified for long."""
        r = self.rng
        with_phone = [m for m in members if m.phone]
        for m in r.sample(with_phone, max(2, len(with_phone) * 3 // 100)):  # dead or short numbers
            m.phone = m.phone[:-1] if r.random() < 0.6 else m.phone[3:]
        self.dirt["错误电话号码"] = max(2, len(with_phone) * 3 // 100)
        landlines = r.sample(with_phone, max(1, len(with_phone) // 200))
        for m in landlines:  # marked landlines are fine
            m.phone, m.landline = f"0936-{r.randrange(10**7):07d}", True
        for m in r.sample(members, max(2, len(members) * 3 // 100)):  # not verified for a long time
            m.verified_at = (self.as_of - dt.timedelta(days=r.randint(400, 900))).isoformat()
        self.dirt["长期未核实"] = max(2, len(members) * 3 // 100)

    def _headless_dirt(self, members: list[Member]) -> None:
        r = self.rng
        # a household whose 户主 died and whose members were never re-registered
        candidates = [hh for hh in self.households if len(hh.members) >= 3 and hh.members[0].age >= 60]
        headless = r.choice(candidates or [hh for hh in self.households if len(hh.members) >= 2])
        self.headless = headless
        self.headless_name = headless.members[0].name
        headless.members = headless.members[1:]
        self.dirt["无户主的户"] = 1
        # an old person still marked as able to work
        old = [m for m in members if m.age >= 70 and m in headless.members] or \
            [m for m in members if m.age >= 70 and m.relation != "户主"]
        if old:
            r.choice(old).labour_skill = "普通劳动力"
            self.dirt["超龄劳动力"] = 1

    # --- spells ---------------------------------------------------------------------------------
    def _spells(self) -> None:
        maker = WorkMaker(self.rng, self.as_of, self.home, self.townships, self.orgs,
                          _next_id(self.db, "employment_spells"))
        self.work = maker
        self.spells: list[Spell] = []
        for m in self.members:
            self.spells.extend(maker.career(m))

    def _extra_spell(self, m: Member, start: dt.date, region: str, channel: str, **kw) -> Spell:
        place = self.home if region == "县内" else self.work.places[region][0]
        spell = Spell(self.work.next_id, m, start, kw.get("end"), region, channel, place,
                      kw.get("employer", f"{self.home[2]}{pools.BRANDS[0]}商贸有限公司"),
                      kw.get("industry", "批发和零售业"), kw.get("income", 2000.0), None, None, 0, None,
                      kw.get("post"))
        self.work.next_id += 1
        self.spells.append(spell)
        return spell

    def _spell_dirt(self) -> None:
        self._income_dirt()
        self._spell_field_dirt()
        self._spell_people_dirt()

    def _income_dirt(self) -> None:
        """月收入 of 1 yuan, 0 yuan, blank, and one implausibly high."""
        r, spells, dirt = self.rng, self.spells, self.dirt
        few = max(3, len(spells) // 500)
        picks = r.sample(spells, min(len(spells), 5 * few + few // 2 + 2))
        for s in picks[:few]:
            s.income = 1.0
        for s in picks[few:2 * few]:
            s.income = 0.0
        for s in picks[2 * few:3 * few]:
            s.income = None
        dirt["月收入为1元"] = dirt["月收入为0元"] = dirt["月收入未填"] = few
        picks[3 * few].income = 45000.0
        dirt["月收入过高"] = 1

    def _spell_field_dirt(self) -> None:
        """Blank 行业 and 企业名称, places not down to the county, 地域 contradicting the place."""
        r, spells, dirt = self.rng, self.spells, self.dirt
        no_industry = r.sample(spells, max(2, len(spells) * 15 // 1000))
        for s in no_industry:
            s.industry = None
        dirt["行业未填"] = len(no_industry)
        named = [s for s in spells if s.org_id is None and s.channel not in ("灵活就业", "公益性岗位")]
        no_employer = r.sample(named, max(2, len(named) * 15 // 1000))
        for s in no_employer:
            s.employer = None
        dirt["企业名称未填"] = len(no_employer)
        away = [s for s in spells if s.region == "省外"]
        for s in r.sample(away, min(len(away), max(1, len(away) // 300))):
            s.place = (s.place[0], s.place[1], None)  # blank, as an import stores it (not "")
            dirt["务工地点未到县"] = dirt.get("务工地点未到县", 0) + 1
        in_province = [s for s in spells if s.region == "省内县外"]
        if in_province:  # 地域 says out of province, the place is inside it
            r.choice(in_province).region = "省外"
            dirt["就业地域与务工地点不符"] = 1
        posts = [s for s in spells if s.channel == "公益性岗位"]
        if posts:
            s = r.choice(posts)
            s.region, s.place = "省外", self.work.places["省外"][0]
            dirt["公益性岗位在县外"] = 1

    def _spell_people_dirt(self) -> None:
        """A working student, a 公益性岗位 holder past 70, two open spells at once."""
        r, spells, dirt = self.rng, self.spells, self.dirt
        year_start = dt.date(self.as_of.year, 1, 1)
        # a student who is recorded as working this year
        students = [m for m in self.members if 16 <= m.age <= 18 and m.student_status != "非在校生"]
        if students:
            m = r.choice(students)
            first_day = min(year_start + dt.timedelta(days=r.randint(0, 60)), self.as_of)
            self._extra_spell(m, first_day, "县内", "灵活就业",
                              employer=None, industry="住宿和餐饮业")
            dirt["在校生务工"] = 1
        # a 公益性岗位 holder past 70
        elderly = [m for m in self.members if m.age >= 71]
        if elderly:
            m = r.choice(elderly)
            m.labour_skill = "弱劳动力或半劳动力"
            self._extra_spell(m, year_start - dt.timedelta(days=200), "县内", "公益性岗位",
                              employer=f"{self.townships[m.township]}人民政府",
                              industry="公共管理、社会保障和社会组织", income=600.0,
                              post=("保洁员", f"{self.townships[m.township]}人民政府", "衔接资金", 600.0))
            dirt["公益性岗位超龄"] = 1
        # two open spells at once (an old job never closed when the new one was entered)
        open_spells = [s for s in spells if s.end is None and s.start < self.as_of - dt.timedelta(days=60)]
        if open_spells:
            s = r.choice(open_spells)
            self._extra_spell(s.person, s.start + dt.timedelta(days=30), "省内县外", "自主外出务工")
            dirt["务工时间重叠"] = 1

    # --- writing -----------------------------------------------------------------------------------
    def _write_core(self) -> None:
        db = self.db
        hh_rows, person_rows = [], []
        for hh in self.households:
            head = hh.members[0] if hh.members and hh.members[0].relation == "户主" else None
            head_name = head.name if head else self.headless_name
            phone = head.phone if head else (hh.members[0].phone if hh.members else None)
            hh_rows.append((hh.id, hh.hh_no, hh.village_id, head_name, hh.hh_type, hh.monitor_category,
                            hh.exit_year, 1 if hh.site_id else 0, hh.site_id, hh.placement, hh.address, phone))
            for k, m in enumerate(hh.members, start=1):
                person_rows.append((m.id, hh.id, f"{hh.hh_no}{k:02d}", m.name, m.id_number,
                                    "男" if m.male else "女", m.birth.isoformat(), m.relation, m.education,
                                    m.student_status, m.health, m.labour_skill, m.phone, int(m.landline),
                                    m.pinyin, m.verified_at))
        self.counts["households"] = _insert(db, self.stamps, "households", (
            "id", "hh_no", "area_id", "head_name", "hh_type", "monitor_category", "exit_year", "relocated",
            "site_id", "placement", "address", "phone"), hh_rows)
        self.report(5, STEPS, "写入人")
        self.counts["persons"] = _insert(db, self.stamps, "persons", (
            "id", "household_id", "person_no", "name", "id_number", "gender", "birth_date", "relation",
            "education", "student_status", "health", "labour_skill", "phone", "phone_is_landline",
            "pinyin_initials", "verified_at"), person_rows)
        self.report(5, STEPS, "写入务工就业记录")
        self.counts["employment_spells"] = _insert(db, self.stamps, "employment_spells", SPELL_COLUMNS,
                                                   [s.row() for s in self.spells])
        self.counts["welfare_posts"] = _insert(db, self.stamps, "welfare_posts", (
            "spell_id", "post_name", "post_type", "developer", "funding", "pay_standard"),
            [(s.id, f"{self.townships[s.person.township]}{s.post[0]}岗位", *s.post)
             for s in self.spells if s.post])

    def _activities(self) -> None:
        r, db, as_of = self.rng, self.db, self.as_of
        employed_now = {s.person.id for s in self.spells if s.start <= as_of and (s.end is None or s.end > as_of)}
        self.counts["surveys"] = _insert(db, self.stamps, "surveys", (
            "person_id", "survey_date", "willing", "planned_month", "reason", "measure"),
            extras.surveys(r, self.members, employed_now, as_of))
        self.report(6, STEPS, "就业服务")
        service_rows = extras.services(r, self.members, self.townships, as_of)
        self.counts["services"] = _insert(db, self.stamps, "services", ("person_id", "service_date", "kind", "provider"),
                                          service_rows)
        trained = {row[0] for row in service_rows if row[2] == "免费培训"}
        self.report(6, STEPS, "补贴")
        subsidy_rows = extras.person_subsidies(r, self.spells, trained, as_of)
        subsidy_rows += extras.org_subsidies(r, self.orgs, self.spells, as_of)
        self.counts["subsidies"] = _insert(db, self.stamps, "subsidies", (
            "person_id", "org_id", "paid_date", "kind", "amount", "funding", "persons_covered", "policy_text"),
            subsidy_rows)

    def _targets_and_checks(self) -> None:
        r, as_of = self.rng, self.as_of
        self.counts["targets"] = _insert(self.db, self.stamps, "targets", ("area_id", "year", "target"), extras.targets(
            r, self.township_ids, self.spells, as_of))
        year_start = dt.date(as_of.year, 1, 1)
        seen: set[int] = set()
        workers = []
        for s in self.spells:
            if s.start <= as_of and (s.end is None or s.end >= year_start) and s.person.id not in seen:
                seen.add(s.person.id)
                workers.append(s.person)
        phone_ok = {m.id for m in self.members if m.phone and len(m.phone) == 11}
        self.counts["spot_checks"] = _insert(self.db, self.stamps, "spot_checks", (
            "person_id", "check_date", "checker", "phone_connected", "place_consistent", "time_consistent",
            "policy_aware"), extras.spot_checks(r, workers, phone_ok, as_of))

    def _finish_sites(self) -> None:
        self.db.execute(
            """UPDATE relocation_sites SET over_800 = (
                   SELECT count(p.id) >= 800 FROM households h JOIN persons p ON p.household_id = h.id
                   WHERE h.site_id = relocation_sites.id)
               WHERE id IN (SELECT DISTINCT site_id FROM households WHERE site_id IS NOT NULL)""")
