"""Build a test county from person-level plans and write it as import workbooks.

A seed builder decides, per published row, which households and persons must exist and
which employment spells, surveys and spot checks they have so that the correct aggregation
is that row. :class:`SeedCounty` collects them and writes the canonical import layouts
(``resources/import/kinds.json`` labels, a title row above the header as the national
system's exports have), then loads each file through the importer.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from wengang.domain.ids import make_id

from .loader import load

PERSON_HEADERS = ["县（市、区）", "乡镇（街道）", "行政村（社区）", "户编号", "户主姓名", "户类型", "姓名",
                  "证件号码", "与户主关系", "劳动技能", "在校生状况", "联系电话"]
SPELL_HEADERS = ["证件号码", "姓名", "就业地域", "就业渠道", "开始时间", "结束时间", "月收入（元）",
                 "务工企业名称", "务工所属行业"]
SURVEY_HEADERS = ["证件号码", "姓名", "摸排日期", "是否有外出意愿"]
CHECK_HEADERS = ["证件号码", "姓名", "抽查日期", "电话是否接通", "务工地是否一致", "务工时间是否一致",
                 "是否知晓政策"]
_CHANNEL = {"省外": "自主外出务工", "省内县外": "有组织劳务输出", "县内": "灵活就业"}


@dataclass
class Spell:
    start: str
    end: str | None
    region: str
    channel: str | None = None


@dataclass
class Person:
    id_number: str
    name: str
    relation: str
    spells: list[Spell] = field(default_factory=list)
    surveys: list[tuple[str, bool]] = field(default_factory=list)
    checks: list[tuple[str, bool, bool | None, bool | None, bool | None]] = field(default_factory=list)
    labour_skill: str = "普通劳动力"
    student_status: str = "非在校生"


@dataclass
class Household:
    county: str
    township: str
    village: str
    hh_no: str
    hh_type: str
    members: list[Person] = field(default_factory=list)


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("是" if flag else "否")


class SeedCounty:
    """Households and persons of a test county, written out as import workbooks."""

    def __init__(self, county: str = "测试县", area6: str = "620702"):
        self.county = county
        self.area6 = area6
        self.households: list[Household] = []
        self._n = itertools.count(1)

    def household(self, township: str, village: str | None = None, hh_type: str = "脱贫户",
                  county: str | None = None) -> Household:
        n = len(self.households) + 1
        hh = Household(county or self.county, township, village or f"{township}一村",
                       f"{self.area6}{n:08d}", hh_type)
        self.households.append(hh)
        return hh

    def person(self, hh: Household, **kw) -> Person:
        n = next(self._n)
        # Unique valid IDs: 400 per birth date, both sexes.
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=n // 400)
        male = n % 2 == 1
        pid = make_id(self.area6, birth, 2 * (n % 400) + (1 if male else 0), male)
        relation = "户主" if not hh.members else "其他"
        person = Person(pid, f"人{n}", relation, **kw)
        hh.members.append(person)
        return person

    # --- output ----------------------------------------------------------------------------
    def _sheet(self, path: Path, title: str, headers: list[str], rows) -> Path:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title)
        ws.append([title])
        ws.append(headers)
        for row in rows:
            ws.append(row)
        wb.save(path)
        return path

    def write(self, folder: Path) -> dict[str, Path]:
        """The workbooks (only kinds that have rows): ``{kind: path}``."""
        people = [(hh, p) for hh in self.households for p in hh.members]
        files = {"persons": self._sheet(folder / "persons.xlsx", "人员信息", PERSON_HEADERS, (
            [hh.county, hh.township, hh.village, hh.hh_no, hh.members[0].name, hh.hh_type, p.name,
             p.id_number, p.relation, p.labour_skill, p.student_status, f"13{int(p.id_number[-9:-1]):09d}"]
            for hh, p in people))}
        spells = [[p.id_number, p.name, s.region, s.channel or _CHANNEL[s.region], s.start, s.end or "",
                   4000, "某某公司", "制造业"] for _, p in people for s in p.spells]
        if spells:
            files["employment"] = self._sheet(folder / "employment.xlsx", "务工就业信息", SPELL_HEADERS, spells)
        surveys = [[p.id_number, p.name, d, _yes(w)] for _, p in people for d, w in p.surveys]
        if surveys:
            files["surveys"] = self._sheet(folder / "surveys.xlsx", "意愿摸排", SURVEY_HEADERS, surveys)
        checks = [[p.id_number, p.name, d, _yes(c), _yes(pl), _yes(t), _yes(a)]
                  for _, p in people for d, c, pl, t, a in p.checks]
        if checks:
            files["checks"] = self._sheet(folder / "checks.xlsx", "抽查核查", CHECK_HEADERS, checks)
        return files

    def load_into(self, db, folder: Path) -> None:
        """Write the workbooks and import them, persons first."""
        for kind, path in self.write(folder).items():
            load(db, kind, path)
