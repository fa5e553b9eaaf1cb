"""Working lives for the demo county: employment spells over two full years and this one.

Each labour-force person gets a career walked forward in time from before the window: a
region and channel, a job of some length, a return (with a reason) or still working at the
as-of date, a gap, the next job. Out-of-province work is seasonal (out after the Spring
Festival, home for winter); 公益性岗位 are long local posts for weaker or older workers. A
share of people stop for good after a job, so the county has people who worked last year but
not this year, people who came back this year and went out again, and people who stayed home.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from wengang.services.demo import pools
from wengang.services.demo.population import Member

SPELL_COLUMNS = ("id", "person_id", "start_date", "end_date", "region", "channel", "place_province",
                 "place_city", "place_county", "employer_name", "industry", "monthly_income",
                 "return_reason", "org_id", "point_to_point", "transport_subsidy")

RETURN_REASONS = {  # reason → weight, for out-of-county and local jobs
    "away": (("季节性返乡", 45), ("合同到期", 20), ("照顾家庭", 14), ("企业停工或裁员", 10), ("身体原因", 7),
             ("其他", 4)),
    "local": (("合同到期", 35), ("照顾家庭", 25), ("企业停工或裁员", 15), ("身体原因", 15), ("其他", 10)),
}
CHANNELS = {
    "省外": (("有组织劳务输出", 35), ("自主外出务工", 65)),
    "省内县外": (("有组织劳务输出", 20), ("自主外出务工", 50), ("灵活就业", 30)),
    "县内": (("公益性岗位", 12), ("帮扶车间", 26), ("龙头企业", 14), ("就业帮扶基地", 9), ("以工代赈", 7),
             ("自主创业", 8), ("灵活就业", 20)),
}
INCOME = {"省外": (3500, 7500), "省内县外": (2800, 5500), "县内": (1600, 3800)}


@dataclass(slots=True)
class Org:
    id: int
    name: str
    kind: str
    township: int | None  # index of its township, None for county-wide
    industry: str


@dataclass(slots=True)
class Spell:
    id: int
    person: Member
    start: dt.date
    end: dt.date | None
    region: str
    channel: str
    place: tuple[str, str, str | None]  # no county: a place not filled in down to it (the dirt)
    employer: str | None
    industry: str | None
    income: float | None
    reason: str | None
    org_id: int | None
    point_to_point: int
    transport_subsidy: float | None
    post: tuple | None = None  # (post_type, developer, funding, pay_standard) for 公益性岗位

    def row(self) -> tuple:
        province, city, county = self.place
        return (self.id, self.person.id, self.start.isoformat(), self.end.isoformat() if self.end else None,
                self.region, self.channel, province, city, county, self.employer, self.industry,
                self.income, self.reason, self.org_id, self.point_to_point, self.transport_subsidy)


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class WorkMaker:
    """Generates spells for members; needs the places and organisations of the county."""

    def __init__(self, rng: random.Random, as_of: dt.date, home: tuple[str, str, str],
                 townships: list[str], orgs: list[Org], next_spell_id: int):
        self.rng = rng
        self.as_of = as_of
        self.home = home
        self.townships = townships
        self.next_id = next_spell_id
        self.window_start = dt.date(as_of.year - 2, 1, 1)
        province = home[0]
        self.places = {
            "省外": [p for p in pools.OUT_OF_PROVINCE if p[0] != province],
            "省内县外": ([p for p in pools.IN_PROVINCE_GANSU if p[2] != home[2]] if province == "甘肃省"
                     else [(province, home[1] or province, "其他县")]),
            "县内": [home],
        }
        self.employers = {place: self._employers_at(place) for places in self.places.values()
                          for place in places}
        self.workshops: dict[int, list[Org]] = {}
        self.county_orgs: dict[str, list[Org]] = {}
        for org in orgs:
            if org.kind == "帮扶车间":
                self.workshops.setdefault(org.township, []).append(org)
            else:
                self.county_orgs.setdefault(org.kind, []).append(org)
        self.all_workshops = [o for o in orgs if o.kind == "帮扶车间"]

    def _employers_at(self, place) -> list[tuple[str, str]]:
        r = self.rng
        city = place[1].removesuffix("市").removesuffix("地区")[:2]
        industries = list(pools.INDUSTRY_WEIGHTS)
        weights = list(pools.INDUSTRY_WEIGHTS.values())
        found = []
        for _ in range(6):
            industry = r.choices(industries, weights=weights)[0]
            found.append((f"{city}{r.choice(pools.BRANDS)}{r.choice(pools.TRADES[industry])}有限公司", industry))
        return found

    # --- one job ---------------------------------------------------------------------------
    def _job(self, m: Member, region: str, weak: bool) -> tuple:
        """(channel, place, employer, industry, org_id, income, post)."""
        r = self.rng
        channel = "公益性岗位" if (weak and region == "县内" and r.random() < 0.5) else _weighted(r, CHANNELS[region])
        place = r.choice(self.places[region])
        low, high = INCOME[region]
        income = float(r.randrange(low, high, 100))
        post = None
        if channel == "公益性岗位":
            pay = float(r.choice((500, 600, 700, 800)))
            post = (r.choice(pools.POST_TYPES), f"{self.townships[m.township]}人民政府"
                    if r.random() < 0.7 else "县乡村振兴局",
                    _weighted(r, (("衔接资金", 6), ("就业补助资金", 3), ("其他", 1))), pay)
            return channel, place, f"{self.townships[m.township]}人民政府", "公共管理、社会保障和社会组织", None, pay, post
        if channel in ("帮扶车间", "龙头企业", "就业帮扶基地"):
            if channel == "帮扶车间":
                choices = self.workshops.get(m.township) or self.all_workshops
            else:
                choices = self.county_orgs.get(channel, [])
            if choices:
                org = r.choice(choices)
                return channel, place, org.name, org.industry, org.id, income, None
        if channel == "以工代赈":
            return channel, place, f"{self.home[2]}以工代赈项目部", "建筑业", None, income, None
        if channel == "自主创业":
            industry = r.choice(("批发和零售业", "住宿和餐饮业", "农、林、牧、渔业"))
            return channel, place, f"{m.name}个体经营", industry, None, income, None
        if channel == "灵活就业":
            industry = r.choice(("建筑业", "居民服务、修理和其他服务业", "交通运输、仓储和邮政业"))
            return channel, place, None, industry, None, float(r.randrange(1500, 4000, 100)), None
        employer, industry = r.choice(self.employers[place])
        return channel, place, employer, industry, None, income, None

    def _reason(self, region: str) -> str:
        return _weighted(self.rng, RETURN_REASONS["local" if region == "县内" else "away"])

    # --- a career ----------------------------------------------------------------------------
    def career(self, m: Member) -> list[Spell]:
        """The spells of one person, oldest first (empty for people who stay home)."""
        r = self.rng
        weak = m.labour_skill == "弱劳动力或半劳动力" or m.age >= 55
        if not m.labour or m.age > 69 or (m.age >= 65 and r.random() < 0.6):
            return []
        if r.random() < (0.32 if weak else 0.14):
            return []
        region, start = self._first_departure(weak)
        spells: list[Spell] = []
        while start <= self.as_of and len(spells) < 10:
            if spells and r.random() < 0.2:
                region = _weighted(r, (("省外", 40), ("省内县外", 25), ("县内", 35)))
            channel, place, employer, industry, org_id, income, post = self._job(m, region, weak)
            end = self._end(start, channel, region)
            p2p = 1 if (channel == "有组织劳务输出" and region == "省外" and r.random() < 0.7) else 0
            transport = 500.0 if (region == "省外" and r.random() < 0.35) else None
            spell = Spell(self.next_id, m, start, end, region, channel, place, employer, industry, income,
                          self._reason(region) if end else None, org_id, p2p, transport, post)
            self.next_id += 1
            spells.append(spell)
            if end is None or r.random() < 0.13:  # still working, or stays home from now on
                break
            start = self._next_departure(end, region)
        return spells

    def _first_departure(self, weak: bool) -> tuple[str, dt.date]:
        """Where and when a career starts (a weak worker mostly stays in the county)."""
        r = self.rng
        region = _weighted(r, (("省外", 40), ("省内县外", 22), ("县内", 38))) if not weak else \
            _weighted(r, (("省外", 12), ("省内县外", 18), ("县内", 70)))
        start = self.window_start + dt.timedelta(days=r.randint(-420, 300))
        if region == "省外":
            start = dt.date(start.year, r.randint(2, 4), r.randint(1, 28))
        return region, start

    def _end(self, start: dt.date, channel: str, region: str) -> dt.date | None:
        """A spell's end: most 公益性岗位 stay open; one that would end after the as-of date is
        still running (now and then it ended a few days before)."""
        r = self.rng
        if channel == "公益性岗位":
            days = None if r.random() < 0.75 else r.randint(330, 720)
        elif region == "省外":
            days = r.randint(150, 320)
        else:
            days = r.randint(90, 700)
        end = start + dt.timedelta(days=days) if days is not None else None
        if end is not None and end >= self.as_of:
            end = None if r.random() < 0.9 else self.as_of - dt.timedelta(days=r.randint(1, 20))
            if end is not None and end < start:
                end = None
        return end

    def _next_departure(self, end: dt.date, region: str) -> dt.date:
        """After a return: 省外 workers back in autumn leave again after the Spring Festival."""
        r = self.rng
        if region == "省外" and end.month >= 9:
            return dt.date(end.year + 1, r.randint(2, 4), r.randint(1, 28))
        return end + dt.timedelta(days=r.randint(15, 150))
