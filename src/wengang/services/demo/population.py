"""Households and their members for the demo county: plausible families, valid IDs.

A household is built around its 户主: a spouse of about the same age, children 22–34 years
younger, for older heads a daughter-in-law and grandchildren, for younger heads their parents.
Each member's schooling, 文化程度 and 劳动技能 follow from age and health, so that the labour
force, the students and the elderly come out in believable shares.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from wengang.domain.ids import make_id
from wengang.domain.pinyin import initials
from wengang.domain.status import is_labour
from wengang.services.demo import pools

SIZE_WEIGHTS = (8, 18, 22, 24, 16, 8, 4)  # households of 1..7 people


@dataclass(slots=True)
class Member:
    """One generated person (kept in memory until the bulk insert)."""

    id: int
    household_id: int
    name: str
    id_number: str
    male: bool
    birth: dt.date
    age: int
    relation: str
    education: str
    student_status: str
    health: str
    labour_skill: str
    phone: str | None
    landline: bool
    pinyin: str
    verified_at: str
    township: int  # index into the township list
    village_id: int

    @property
    def labour(self) -> bool:
        return is_labour(self.labour_skill, self.student_status)


@dataclass(slots=True)
class Household:
    id: int
    hh_no: str
    village_id: int
    township: int
    hh_type: str
    monitor_category: str | None
    exit_year: int | None
    site_id: int | None
    placement: str | None
    address: str
    members: list[Member] = field(default_factory=list)


class PeopleMaker:
    """Generates members with unique valid IDs; holds the random source and counters."""

    def __init__(self, rng: random.Random, area_code: str, as_of: dt.date, next_person_id: int):
        self.rng = rng
        self.area_code = area_code
        self.as_of = as_of
        self.next_id = next_person_id
        self.used_ids: set[str] = set()
        self._seq: dict[tuple[dt.date, bool], int] = {}

    # --- names and numbers -----------------------------------------------------------------
    def given_name(self, male: bool) -> str:
        chars = pools.MALE_CHARS if male else pools.FEMALE_CHARS
        if self.rng.random() < 0.25:
            return self.rng.choice(chars)
        return self.rng.choice(chars) + self.rng.choice(chars)

    def birth_for_age(self, age: int) -> dt.date:
        # A birthday somewhere in the year that makes the person ``age`` on the as-of date.
        latest = self.as_of.replace(year=self.as_of.year - age) if not (
            self.as_of.month == 2 and self.as_of.day == 29) else dt.date(self.as_of.year - age, 2, 28)
        return latest - dt.timedelta(days=self.rng.randrange(365))

    def id_number(self, birth: dt.date, male: bool) -> str:
        key = (birth, male)
        seq = self._seq.get(key)
        if seq is None:
            seq = self.rng.randrange(0, 600) | 1 if male else self.rng.randrange(0, 600) & ~1
        while True:
            number = make_id(self.area_code, birth, seq, male)
            seq = (seq + 2) % 1000
            if number not in self.used_ids:
                self.used_ids.add(number)
                self._seq[key] = seq
                return number

    def phone(self) -> str:
        r = self.rng
        return "1" + r.choice("3456789") + str(r.randrange(10)) + f"{r.randrange(100_000_000):08d}"

    # --- attributes by age -----------------------------------------------------------------
    def schooling(self, age: int) -> tuple[str, str]:
        """(在校生状况, 文化程度) for an age."""
        r = self.rng.random()
        if age < 3:
            return "学龄前儿童", "学龄前儿童"
        if age < 6:
            return "学前教育", "学龄前儿童"
        if age < 12:
            return "小学", "小学"
        if age < 15:
            return ("七年级", "八年级", "九年级")[age - 12], "小学"
        if age < 18:
            grade = ("一", "二", "三")[age - 15]
            if r < 0.7:
                return f"普通高中{grade}年级", "初中"
            if r < 0.9:
                return f"中职{grade}年级", "初中"
            return "非在校生", "初中"
        if age < 23 and r < 0.3:
            year = min(age - 18, 3)
            kind = "本科" if r < 0.15 else "高职高专"
            if kind == "高职高专" and year > 2:
                return "非在校生", "大专"
            return f"{kind}{('一', '二', '三', '四')[year]}年级", "高中"
        if age >= 60:
            education = "文盲或半文盲" if r < 0.4 else ("小学" if r < 0.85 else "初中")
        elif age >= 40:
            education = "小学" if r < 0.35 else ("初中" if r < 0.8 else "高中")
        else:
            education = ("初中", "高中", "中专", "大专", "本科及以上")[
                min(4, int(self.rng.random() ** 1.8 * 5))]
        return "非在校生", education

    def health(self, age: int) -> str:
        r = self.rng.random()
        sick = 0.05 + max(0, age - 45) * 0.006
        if r < sick * 0.6:
            return "长期慢性病"
        if r < sick * 0.8:
            return "患有大病"
        if r < sick:
            return "残疾"
        return "健康"

    def labour_skill(self, age: int, student: str, health: str) -> str:
        r = self.rng.random()
        if age < 16 or student != "非在校生":
            return "无劳动力"
        if health in ("患有大病", "残疾"):
            return "丧失劳动力" if r < 0.5 else "弱劳动力或半劳动力"
        if age >= 70:
            return "无劳动力" if r < 0.8 else "丧失劳动力"
        if age >= 65:
            return "弱劳动力或半劳动力" if r < 0.12 else "无劳动力"
        if age >= 60:
            return "弱劳动力或半劳动力" if r < 0.5 else ("普通劳动力" if r < 0.7 else "无劳动力")
        if health == "长期慢性病":
            return "弱劳动力或半劳动力" if r < 0.7 else "普通劳动力"
        return "普通劳动力" if r < 0.65 else ("技能劳动力" if r < 0.9 else "弱劳动力或半劳动力")

    def member(self, hh: Household, surname: str, relation: str, age: int, male: bool) -> Member:
        age = max(0, min(age, 96))
        birth = self.birth_for_age(age)
        student, education = self.schooling(age)
        health = self.health(age)
        skill = self.labour_skill(age, student, health)
        given = self.given_name(male)
        name = surname + given
        phone = self.phone() if age >= 16 and self.rng.random() < (0.985 if age < 65 else 0.8) else None
        days_ago = self.rng.randrange(20, 330)
        verified = self.as_of - dt.timedelta(days=days_ago)
        person = Member(
            id=self.next_id, household_id=hh.id, name=name, id_number=self.id_number(birth, male),
            male=male, birth=birth, age=age, relation=relation, education=education,
            student_status=student, health=health, labour_skill=skill, phone=phone, landline=False,
            pinyin=initials(surname) + initials(given), verified_at=verified.isoformat(),
            township=hh.township, village_id=hh.village_id,
        )
        self.next_id += 1
        return person

    # --- a whole family --------------------------------------------------------------------
    def family(self, hh: Household) -> list[Member]:
        r = self.rng
        size = r.choices(range(1, 8), weights=SIZE_WEIGHTS)[0]
        head_age = int(r.triangular(26, 84, 55))
        head_male = r.random() < 0.86
        surname = r.choice(pools.SURNAMES)
        spouse_surname = r.choice(pools.SURNAMES)
        members = [self.member(hh, surname if head_male else spouse_surname, "户主", head_age, head_male)]
        slots = size - 1
        if slots and r.random() < 0.88:
            members.append(self.member(hh, spouse_surname if head_male else surname, "配偶",
                                       head_age + r.randint(-5, 3) * (1 if head_male else -1), not head_male))
            slots -= 1
        if slots and head_age < 48 and r.random() < 0.5:
            for relation, male in (("之父", True), ("之母", False))[: min(slots, r.randint(1, 2))]:
                members.append(self.member(hh, surname if male else r.choice(pools.SURNAMES),
                                           relation, head_age + r.randint(23, 32), male))
                slots -= 1
        children, adult_son = self._children(hh, surname, head_age, slots)
        members += children
        slots -= len(children)
        if slots and adult_son is not None:
            members += self._son_family(hh, surname, adult_son, slots)
        return members

    def _children(self, hh: Household, surname: str, head_age: int, slots: int) -> tuple[list[Member], Member | None]:
        """The head's children (up to three, fewer when the household is full) and the first
        grown son among them, whose wife and children may live with them."""
        r = self.rng
        children: list[Member] = []
        adult_son: Member | None = None
        for _ in range(min(slots, r.randint(1, 3)) if slots else 0):
            male = r.random() < 0.52
            age = head_age - r.randint(21, 36)
            if age < 0:
                continue
            child = self.member(hh, surname, "之子" if male else "之女", age, male)
            children.append(child)
            if male and child.age >= 22 and adult_son is None:
                adult_son = child
        return children, adult_son

    def _son_family(self, hh: Household, surname: str, son: Member, slots: int) -> list[Member]:
        """A grown son's wife, then grandchildren while there is room."""
        r = self.rng
        members = [self.member(hh, r.choice(pools.SURNAMES), "之儿媳", son.age + r.randint(-4, 2), False)]
        slots -= 1
        while slots and son.age >= 21:
            male = r.random() < 0.52
            age = son.age - r.randint(20, 32)
            if age < 0:
                break
            members.append(self.member(hh, surname, "之孙子" if male else "之孙女", age, male))
            slots -= 1
        return members
