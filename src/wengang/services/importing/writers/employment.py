"""Work spells (务工信息) by (person, 开始时间), read column by column.

The parser made no dict per row: the derived places are filled first, column-wise, then the
rows are taken by person (stored id) and 开始时间, each person resolved, each spell checked and its
warnings given, and the row handed to the upserter as a tuple (Upserter.apply_values).
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from functools import lru_cache

import sqlite_utils

from wengang.domain.codes import labour_skills, not_student_values
from wengang.domain.dates import DateError, parse_date
from wengang.services.importing.parse import PROGRESS_EVERY, Parsed, Record
from wengang.services.importing.places import Place, derive_region, split_place
from wengang.services.importing.spec import KindSpec
from wengang.services.importing.writers.context import (
    WriteContext,
    check_name,
    person_lookup,
    preload_stored,
    unregistered,
)
from wengang.store.areas import Installation

SPELL_COLUMNS = ("end_date", "region", "channel", "place_province", "place_city", "place_county",
                 "employer_name", "industry", "monthly_income", "return_reason", "point_to_point",
                 "transport_subsidy")
SPELLS = ("employment_spells", ("person_id", "start_date"), SPELL_COLUMNS)
_AWAY = ("省外", "省内县外")
_LOCAL_CHANNELS = ("公益性岗位", "帮扶车间")
_DERIVED = ("place_province", "place_city", "place_county", "region")  # filled from 务工所在县
# The file's stored columns, then the derived ones it lacks (each only when set), as a row is written.
_ROW_ORDER = ("region", "place_province", "place_city", "place_county")
# The columns the checks read, besides the stored ones.
_READ = ("id_number", "name", "start_date", "end_date", "channel", "monthly_income", "place_path")


def write_employment(ctx: WriteContext) -> None:
    """Every spell of the file checked and written, by person and 开始时间 (so a spell's
    overlap with the person's previous one is seen; see :func:`_person_order`)."""
    records = ctx.parsed.records
    rejected = [r.bad for r in records]  # by the parser: skipped (rows placed badly still meet the checks)
    spells = _SpellFile(ctx)
    ids, starts = spells.columns["id_number"], spells.columns["start_date"]
    n = len(records)
    outcomes = {"added": 0, "changed": 0, "unchanged": 0}
    apply_values, progress, written = spells.table.apply_values, ctx.progress, ctx.written
    for done, i in enumerate(_person_order(spells.people, ids, starts)):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, n, "正在写入")
        if rejected[i]:
            continue
        record = records[i]
        person = spells.person(i, record)
        if person is None:
            continue
        key = spells.spell_key(i, record, person[0])
        if key is None:
            continue
        spells.check(i, record, person, key[1])
        outcomes[apply_values(key, *spells.row(i))[0]] += 1
        written(1)
    for outcome, count in outcomes.items():
        setattr(ctx.counts, outcome, getattr(ctx.counts, outcome) + count)


def _person_order(people: dict[str, tuple], ids: list, starts: list) -> list[int]:
    """The file's row indexes in the order they are checked and new spells get their ids: by
    the person's stored id, then 开始时间, then the file's order (rows of no registered person
    last: each is only its own error). A person's rows come in the same sequence as by 证件号码
    (duplicates, overlaps and same-month starts are judged alike; a person's ids rise with the
    start, which tells apart returns ending the same day, store.status), and new spells are stored
    by person like the persons themselves (by household): the status derivation reads a
    person's spells through the (person_id, start_date) index, so its row look-ups go through
    the table in order instead of to random pages (244,303 imported spells: the latest-spells
    pass 0.39 → 0.25 s, ``report F1`` right after the import 1.7 → 1.4 s)."""
    nobody = (1 << 62,)  # after every person id: an unknown 证件号码 is an error found last
    pid = [people.get(number, nobody)[0] if number else nobody[0] for number in ids]
    return sorted(range(len(ids)), key=lambda i: (pid[i], starts[i] or ""))


class _SpellFile:
    """The employment file as columns, with what checking its spells remembers: the spells
    seen (duplicates), each person's last spell (overlaps), the stored spells by month."""

    def __init__(self, ctx: WriteContext) -> None:
        self.ctx = ctx
        parsed = self.parsed = ctx.parsed
        self.people = ctx.people()
        self.table = ctx.upserter(*SPELLS)
        self.checks = _SpellChecks.of(parsed)
        self.start_col = parsed.column_of("start_date")
        self.months_only = month_texts(parsed, self.start_col)
        self._months: dict[tuple[int, str], list[str]] = {}
        self.seen: dict[tuple, int] = {}
        self.last: dict[int, int] = {}
        blank = [None] * len(parsed.records)
        by_key = parsed.values_by_key()
        columns = {k: by_key.get(k, blank) for k in _READ}
        columns |= {k: list(by_key.get(k, blank)) for k in _DERIVED}  # the writer fills these
        _derive_places(ctx, columns)
        self.columns = columns
        self.missing = _missing_described([by_key[k] for k, _label in self.checks.described], self.checks.described,
                                          len(blank))
        # The row written: the file's stored columns, then the derived ones it lacks, when set.
        self.have = tuple(k for k in SPELL_COLUMNS if k in parsed.present)
        self.stored_columns = [columns[k] if k in columns else by_key[k] for k in self.have]
        self.extra = tuple((k, columns[k]) for k in _ROW_ORDER if k not in self.have)
        self._layouts: dict[tuple[str, ...], tuple[str, ...]] = {}

    def person(self, i: int, record: Record) -> tuple | None:
        """The registered person of row ``i``'s 证件号码 (an unknown one is the row's error)."""
        number = self.columns["id_number"][i]
        if not number:
            return None  # a blank ID: the parser named it
        person = self.people.get(number)
        if person is None:
            self.parsed.error(record, "id_number", unregistered(number))
            return None
        check_name(self.ctx, record, self.columns["name"][i], person)
        return person

    def spell_key(self, i: int, record: Record, pid: int) -> tuple[int, str] | None:
        """(person, 开始时间) of row ``i``'s spell, or None when the row cannot be written: no
        start, an error already, an end before its start, or a second row of the same spell."""
        start, end = self.columns["start_date"][i], self.columns["end_date"][i]
        if not start or record.bad:
            return None
        if end and end < start:
            self.parsed.error(record, "end_date", f"结束时间{end}早于开始时间{start}")
            return None
        if self.months_only and self.table.find((pid, start)) is None and \
                self.parsed.table.cell(i, self.start_col) in self.months_only:
            # National exports give months; a caseworker may have typed the day: same spell.
            start = self._same_month_start(pid, start) or start
        key = (pid, start)
        if key in self.seen:
            self.parsed.error(record, "start_date", f"与第{self.seen[key]}行是同一人同一开始时间的重复记录")
            return None
        self.seen[key] = record.row
        return key

    def _same_month_start(self, pid: int, start: str) -> str | None:
        """An existing spell of ``pid`` starting in ``start``'s month (typed to the day elsewhere)."""
        months = self._months
        if not months:
            for person_id, day in self.table.rows:
                months.setdefault((person_id, day[:7]), []).append(day)
        hits = months.get((pid, start[:7]), [])
        return hits[0] if len(hits) == 1 else None

    def check(self, i: int, record: Record, person: tuple, start: str) -> None:
        """The spell's warnings: overlapping the person's previous spell, then its contents."""
        pid, ends = person[0], self.columns["end_date"]
        previous = self.last.get(pid)
        if previous is not None and (ends[previous] is None or ends[previous] > start):
            self.ctx.warn(record, "start_date",
                          f"开始时间早于第{self.parsed.records[previous].row}行那段务工的结束时间（时间重叠）", pid)
        self.last[pid] = i
        columns = self.columns
        _spell_warnings(self.ctx, record, pid, person, self.checks, columns["monthly_income"][i],
                        self.missing[i],
                        columns["region"][i], columns["place_county"][i], columns["channel"][i])

    def row(self, i: int) -> tuple[tuple[str, ...], tuple]:
        """(columns, values) written for row ``i``: the file's stored columns, then the derived
        places it lacks that are set. Made when asked, from the columns: 200,000 rows' tuples
        made at once beforehand were 34 MB of the import's peak."""
        stored = tuple([column[i] for column in self.stored_columns])
        if not self.extra:
            return self.have, stored
        given = tuple(k for k, c in self.extra if c[i] is not None)
        layout = self._layouts.get(given)
        if layout is None:
            layout = self._layouts[given] = self.have + given
        return layout, stored + tuple(c[i] for _k, c in self.extra if c[i] is not None)


def _missing_described(columns: list[list], described: tuple[tuple[str, str], ...], rows: int) -> list[tuple]:
    """Per row, the (key, label) of the ``described`` columns (given as ``columns``) it leaves
    blank: column by column, each pattern of blanks made once (244,000 spells, at most eight
    patterns), not a list per row."""
    patterns = {blanks: tuple(d for d, blank in zip(described, blanks) if blank)
                for blanks in itertools.product((False, True), repeat=len(described))}
    if not columns:
        return [()] * rows
    return list(map(patterns.__getitem__, zip(*[map(operator.not_, column) for column in columns])))


def _place_and_region(home: Installation, path: str | None, province: str | None, city: str | None,
                      county: str | None, region: str | None) -> tuple:
    """(province, city, county, region, error) of a spell after 务工所在县 fills the place and the
    place gives 就业地域; ``error`` is (column key, message) or None. A pure function of its
    arguments: a file repeats a few hundred places over 200,000 rows, each is placed once."""
    if path:
        place = split_place(path)
        province, city, county = province or place.province, city or place.city, county or place.county
    if region or not any((province, city, county)):
        return province, city, county, region, None
    key = "place_path" if path else "place_province"
    if not home.configured:
        return province, city, county, region, (key, "尚未设置本单位所在省、县，无法推算就业地域，请先在设置中填写")
    region = derive_region(Place(province, city, county), home)
    if region is None:
        shown = path or "".join(p for p in (province, city, county) if p)
        return province, city, county, None, (key, f"务工地点“{shown}”无法识别所在省份，无法判断就业地域，请写全省市县")
    return province, city, county, region, None


def _derive_places(ctx: WriteContext, columns: dict[str, list]) -> None:
    """Fill place and 就业地域 from 务工所在县 and the place, in ``columns`` (one list per key;
    lists of the derived keys are the writer's own), and name the rows that cannot be placed."""
    parsed, home = ctx.parsed, ctx.home
    paths, regions = columns["place_path"], columns["region"]
    provinces, cities, counties = columns["place_province"], columns["place_city"], columns["place_county"]
    placed: dict[tuple, tuple] = {}
    for i in [i for i, (path, region) in enumerate(zip(paths, regions)) if path or not region]:
        if parsed.records[i].bad:
            continue  # a row the parser rejected is never placed (as before: never reached)
        given = (paths[i], provinces[i], cities[i], counties[i], regions[i])
        hit = placed.get(given)
        if hit is None:
            hit = placed[given] = _place_and_region(home, *given)
        provinces[i], cities[i], counties[i], regions[i], problem = hit
        if problem is not None:
            parsed.error(parsed.records[i], *problem)


@dataclass(frozen=True)
class _SpellChecks:
    """What every spell's warnings compare with, looked up once per file, not per row."""

    has_income: bool
    described: tuple[tuple[str, str], ...]  # (key, label) of the columns the file has
    labour: tuple[str, ...]
    not_student: tuple[str, ...]

    @classmethod
    def of(cls, parsed: Parsed) -> _SpellChecks:
        described = tuple((k, parsed.spec.field(k).label) for k in ("channel", "employer_name", "industry")
                          if k in parsed.present)
        return cls("monthly_income" in parsed.present, described, labour_skills(), not_student_values())


def _spell_warnings(ctx: WriteContext, record: Record, pid: int, person: tuple, checks: _SpellChecks,
                    income: float | None, missing: tuple[tuple[str, str], ...], region: str | None, place_county: str | None,
                    channel: str | None) -> None:
    if checks.has_income:
        if income is None:
            ctx.warn(record, "monthly_income", "月收入为空", pid)
        elif income < 100:
            ctx.warn(record, "monthly_income", f"月收入{income:g}元低于100元，请核实", pid)
        elif income > 30000:
            ctx.warn(record, "monthly_income", f"月收入{income:g}元高于30000元，请核实", pid)
    if missing:
        # Listed under the (first) column that is empty: "缺少务工所属行业" under 务工所属行业,
        # not under 就业渠道.
        ctx.warn(record, missing[0][0], f"务工信息缺少{'、'.join(label for _k, label in missing)}", pid)
    if not region:
        ctx.warn(record, "region", "就业地域为空，也无法由务工地点推算", pid)
    elif region in _AWAY and not place_county:
        key = "place_path" if "place_path" in ctx.parsed.present else "place_county"
        ctx.warn(record, key, "务工地点未填到县级", pid)
    if channel in _LOCAL_CHANNELS and region in _AWAY:
        ctx.warn(record, "channel", f"就业渠道为{channel}，但就业地域是{region}", pid)
    skill, student = person[2], person[3]
    if skill and skill not in checks.labour:
        ctx.warn(record, "id_number", f"登记为{skill}，却有务工记录", pid)
    if student not in checks.not_student and student is not None:
        ctx.warn(record, "id_number", f"在校生（{student}）却有务工记录", pid)


def month_texts(parsed: Parsed, col: int | None) -> frozenset[str]:
    """The texts of column ``col`` that give a month only ("2023年05月"): their day is not a
    fact. Asked once per distinct text, so a file typed to the day never looks again per row."""
    if col is None:
        return frozenset()
    return frozenset(t for t in set(parsed.table.column(col)) if _month_precision(t))


@lru_cache(maxsize=4096)
def _month_precision(text: str) -> bool:
    # A file repeats a few thousand dates over 240,000 rows: parse each text once.
    try:
        return parse_date(text, "start") != parse_date(text, "end")
    except DateError:
        return False


def preload_employment(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out = {"people": person_lookup(db)}
    preload_stored(db, out, *SPELLS)
    return out
