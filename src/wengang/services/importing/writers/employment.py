"""Work spells (务工信息) by (person, 开始时间), read and checked column by column.

The parser made no dict per row: the derived places are filled first, column-wise, then the
rows are taken by person (stored id) and 开始时间: every row's person looked up in one pass, the
keys, errors and warnings found over the columns (a warning said only for the rows that have
one), and the rows handed to the upserter as tuples a chunk at a time (Upserter.apply_values).
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from functools import lru_cache

import sqlite_utils

from wengang.domain.codes import labour_skills, not_student_values
from wengang.domain.dates import DateError, parse_date
from wengang.services.importing.hostile import registered_overlap_hints
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
# The stored spells are held by key and id, their values read a chunk at a time when compared
# (Upserter.fetch_values): a county's monthly re-import of 244,303 unchanged spells peaked at
# 377 MiB holding them all with their values (issue 20).
SPELLS_HELD = {"values": False}
_AWAY = ("省外", "省内县外")
_LOCAL_CHANNELS = ("公益性岗位", "帮扶车间")
_DERIVED = ("place_province", "place_city", "place_county", "region")  # filled from 务工所在县
# The file's stored columns, then the derived ones it lacks (each only when set), as a row is written.
_ROW_ORDER = ("region", "place_province", "place_city", "place_county")
# The columns the checks read, besides the stored ones.
_READ = ("id_number", "name", "start_date", "end_date", "channel", "monthly_income", "place_path")


def write_employment(ctx: WriteContext) -> None:
    """Every spell of the file checked and written, by person and 开始时间 (so a spell's
    overlap with the person's previous one is seen; see :func:`_person_order`).

    Column by column, not row by row: every row's person is looked up in one pass, the keys,
    errors and warnings are found over the columns, only the rows with a warning are looked at
    one by one (to say it), and the rows go to the upserter a chunk at a time (244,303 spells:
    the writer's thread 2.46 → 1.76 s CPU, 0.6 s of it staging the inserts). What is said and
    written, and in which order, is as the row-by-row walk said and wrote it."""
    records = ctx.parsed.records
    rejected = [r.bad for r in records]  # by the parser: skipped (rows placed badly still meet the checks)
    spells = _SpellFile(ctx)
    columns = spells.columns
    # The records' own index ints, not 244,303 new ones held in ``order`` (7.4 MiB, issue 20).
    order = _person_order(spells.people, columns["id_number"], columns["start_date"],
                          list(map(operator.attrgetter("index"), records)))
    persons = list(map(spells.people.get, columns["id_number"]))  # a blank 证件号码 (None) has none
    # Each row has its person now: the look-up of every registered 证件号码 goes (165,000 persons,
    # about half with no spell in a county's export), before the write's peak (issue 20).
    del spells.people
    problems = spells.unregistered(order, persons, rejected)
    written_rows, keys = spells.keys(order, persons, problems)
    if problems:
        walked = {i: position for position, i in enumerate(order)}
        for i, key, message in sorted(problems, key=lambda problem: walked[problem[0]]):
            ctx.parsed.error(records[i], key, message)  # in the order the rows are walked
    spells.warn(order, persons, rejected, written_rows, keys)
    # A byte per row, not a list of keys by row (244,303 rows: 0.2 MB, not 2; filled and read
    # in C, not a Python loop per row): ``keys`` follow the written rows in ``order``.
    to_write = bytearray(len(records))
    list(map(to_write.__setitem__, written_rows, itertools.repeat(1)))
    del persons, written_rows, rejected
    _write_spells(ctx, spells, order, to_write, keys)


def _write_spells(ctx: WriteContext, spells: _SpellFile, order: list[int], to_write: bytearray,
                  keys: _SpellKeys) -> None:
    """Hand the rows to be written (those marked in ``to_write``, with ``keys`` in the same
    order) to the upserter in ``order``, a chunk at a time (the ids of new spells follow
    ``order``; each chunk may be sent while the next is built)."""
    n = len(order)
    outcomes = {"added": 0, "changed": 0, "unchanged": 0}
    progress, written = ctx.progress, ctx.written
    taken = 0  # keys handed over so far
    for done in range(0, n, PROGRESS_EVERY):
        if progress:
            progress(done, n, ctx.doing)
        walked = order[done:done + PROGRESS_EVERY]
        chunk = list(itertools.compress(walked, map(to_write.__getitem__, walked)))
        if chunk:
            end = taken + len(chunk)
            for outcome, count in spells.write(chunk, keys[taken:end]).items():
                outcomes[outcome] += count
            taken = end
            written(len(chunk))
    for outcome, count in outcomes.items():
        setattr(ctx.counts, outcome, getattr(ctx.counts, outcome) + count)


def _person_order(people: dict[str, tuple], ids: list, starts: list, indexes: list[int] | None = None) -> list[int]:
    """The file's row indexes in the order they are checked and new spells get their ids: by
    the person's stored id, then 开始时间, then the file's order (rows of no registered person
    last: each is only its own error). A person's rows come in the same sequence as by 证件号码
    (duplicates, overlaps and same-month starts are judged alike; a person's ids rise with the
    start, which tells apart returns ending the same day, store.status), and new spells are stored
    by person like the persons themselves (by household): the status derivation reads a
    person's spells through the (person_id, start_date) index, so its row look-ups go through
    the table in order instead of to random pages (244,303 imported spells: the latest-spells
    pass 0.39 → 0.25 s, ``report F1`` right after the import 1.7 → 1.4 s). A person's rows are
    next to each other (the overlap check compares a spell with the one before it).
    ``indexes``: the row indexes ``0 … n-1`` as int objects already held (the records'), the
    ones given back."""
    nobody = (1 << 63,)  # after every person id (SQLite's are below): an unknown 证件号码 is an error found last
    dated = [start or "" for start in starts] if None in starts else starts
    # One stable sort of one int per row, the person's id then the start's rank among the
    # file's few thousand dates: not two sorts (the second of strings), nor one of (id, start)
    # pairs (244,303 rows: 0.18 s pairs, 0.14 s two sorts, 0.11 s this).
    rank = {start: n for n, start in enumerate(sorted(set(dated)))}
    width = len(rank)
    key = [person[0] * width + rank[start]  # blank 证件号码: nobody's
           for person, start in zip(map(people.get, ids, itertools.repeat(nobody)), dated)]
    return sorted(range(len(ids)) if indexes is None else indexes, key=key.__getitem__)


class _SpellFile:
    """The employment file as columns, with what checking its spells needs: the stored spells
    by month, the layouts of the rows written."""

    def __init__(self, ctx: WriteContext) -> None:
        self.ctx = ctx
        parsed = self.parsed = ctx.parsed
        self.people = ctx.people()
        self.table = ctx.upserter(*SPELLS, **SPELLS_HELD)
        self.checks = _SpellChecks.of(parsed)
        self.start_col = parsed.column_of("start_date")
        self.months_only = month_texts(parsed, self.start_col)
        self._months: dict[tuple[int, str], list[str]] = {}
        blank = [None] * len(parsed.records)
        by_key = parsed.values_by_key()
        columns = {k: by_key.get(k, blank) for k in _READ}
        columns |= {k: _fillable(parsed, by_key, k) for k in _DERIVED}  # the writer fills these
        _derive_places(ctx, columns)
        self.columns = columns
        self.missing = _missing_described([by_key[k] for k, _label in self.checks.described], self.checks.described,
                                          len(blank))
        # The row written: the file's stored columns, then the derived ones it lacks, when set.
        self.have = tuple(k for k in SPELL_COLUMNS if k in parsed.present)
        self.stored_columns = [columns[k] if k in columns else by_key[k] for k in self.have]
        self.extra = tuple((k, columns[k]) for k in _ROW_ORDER if k not in self.have)
        self._layouts: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._compare: dict[tuple[str, ...], object] = {}  # layout → its stored values, from a stored row

    def unregistered(self, order: list[int], persons: list, rejected: list[bool]) -> list[tuple]:
        """(row, column key, message) of each row whose 证件号码 no person has, in ``order``;
        the row is marked bad at once (its error is said with the others, in walking order)."""
        ids, records = self.columns["id_number"], self.parsed.records
        out = [(i, "id_number", unregistered(ids[i])) for i in order
               if persons[i] is None and ids[i] and not rejected[i]]
        for i, _key, _message in out:
            records[i].bad = True
        return out

    def keys(self, order: list[int], persons: list, problems: list[tuple]) -> tuple[list[int], _SpellKeys]:
        """The rows to be written, in ``order``, and their (person, 开始时间): not a row without
        a start or with an error, an end before its start, or a second row of the same spell
        (those two are added to ``problems``)."""
        starts, ends = self.columns["start_date"], self.columns["end_date"]
        bad = [r.bad for r in self.parsed.records]
        rows = _ending_after_start([i for i in order if persons[i] is not None and starts[i] and not bad[i]],
                                   starts, ends, problems)
        if not rows:
            return [], _SpellKeys([], [])
        keys = _SpellKeys(list(map(operator.itemgetter(0), _picked(persons, rows))), list(_picked(starts, rows)))
        if self.months_only:
            self._same_months(rows, keys)
        elif not keys.neighbours_alike():
            # The rows are in ``order`` (by person, then 开始时间): a spell named twice would be
            # on neighbouring rows. No dict of every key to tell (10 MiB of a re-import's peak).
            return rows, keys
        pairs = keys[:]
        first = dict(zip(reversed(pairs), reversed(rows)))  # the first row of each key wins
        if len(first) == len(pairs):
            return rows, keys
        records = self.parsed.records
        problems.extend((i, "start_date", f"与第{records[first[key]].row}行是同一人同一开始时间的重复记录")
                        for i, key in zip(rows, pairs) if first[key] != i)
        kept = [(i, key) for i, key in zip(rows, pairs) if first[key] == i]
        return [i for i, _key in kept], _SpellKeys([key[0] for _i, key in kept], [key[1] for _i, key in kept])

    def _same_months(self, rows: list[int], keys: _SpellKeys) -> None:
        """National exports give months; a caseworker may have typed the day: a month-only start
        of a spell not stored (nor written by a row before it) is the person's spell stored
        in that month, when there is just one (``keys`` changed in place)."""
        cell, col, months_only = self.parsed.table.cell, self.start_col, self.months_only
        stored = self.table.rows  # nothing written yet: the stored spells
        before: set[tuple] = set()
        persons, starts = keys.persons, keys.starts
        for n, i in enumerate(rows):
            key = (persons[n], starts[n])
            if key not in stored and key not in before and cell(i, col) in months_only:
                starts[n] = self._same_month_start(key[0], key[1], before) or key[1]
                key = (key[0], starts[n])
            before.add(key)

    def _same_month_start(self, pid: int, start: str, before: set[tuple]) -> str | None:
        """An existing spell of ``pid`` starting in ``start``'s month (typed to the day
        elsewhere): stored, or written by a row before the first one asked about."""
        months = self._months
        if not months:
            for person_id, day in itertools.chain(self.table.rows, before):
                months.setdefault((person_id, day[:7]), []).append(day)
        hits = months.get((pid, start[:7]), [])
        return hits[0] if len(hits) == 1 else None

    def warn(self, order: list[int], persons: list, rejected: list[bool], rows: list[int],
             keys: _SpellKeys) -> None:
        """The warnings, row by row in walking order, of the rows that have any: a spell
        overlapping a registered one, a 姓名 not the registered one, a spell overlapping the
        person's previous one in the file, then its contents."""
        names = self.columns["name"]
        registered = [person and person[1] for person in persons]
        misnamed = {i for i in itertools.compress(range(len(names)), map(operator.ne, names, registered))
                    if names[i] and persons[i] is not None and not rejected[i]}
        # Before any row is sent: the registered spells as they were.
        registered_overlaps = registered_overlap_hints(self.ctx.db, rows, keys.persons, keys.starts,
                                                       self.columns["end_date"], file_ends="end_date" in self.have)
        overlaps = self._overlaps(rows, keys)
        flagged = self._flagged(rows, persons)
        flagged.update(overlaps)
        ctx, records = self.ctx, self.parsed.records
        for i in [i for i in order if i in misnamed or i in flagged or i in registered_overlaps]:
            record, person = records[i], persons[i]
            if i in registered_overlaps:
                ctx.warn(record, "start_date", registered_overlaps[i], person[0])
            if i in misnamed:
                check_name(ctx, record, names[i], person)
            if i in flagged:
                self._check(i, record, person, overlaps.get(i))

    def _overlaps(self, rows: list[int], keys: _SpellKeys) -> dict[int, int]:
        """Row → the row before it (the same person's previous spell) that it overlaps:
        that spell is open or ends after this one's start."""
        ends, persons = self.columns["end_date"], keys.persons
        return {i: previous for previous, i, person_before, person, start
                in zip(rows, rows[1:], persons, persons[1:], keys.starts[1:])
                if person_before == person and (ends[previous] is None or ends[previous] > start)}

    def _flagged(self, rows: list[int], persons: list) -> set[int]:
        """The ``rows`` :func:`_spell_warnings` says something about (found column by column)."""
        c, checks = self.columns, self.checks
        incomes, regions, counties, channels = c["monthly_income"], c["region"], c["place_county"], c["channel"]
        flagged = {i for i in rows if self.missing[i] or not regions[i]
                   or (regions[i] in _AWAY and (not counties[i] or channels[i] in _LOCAL_CHANNELS))}
        if checks.has_income:
            flagged.update(i for i in rows if incomes[i] is None or not 100 <= incomes[i] <= 30000)
        odd = {p for p in set(map(persons.__getitem__, rows)) if _odd_person(checks, p)}
        if odd:
            flagged.update(i for i in rows if persons[i] in odd)
        return flagged

    def _check(self, i: int, record: Record, person: tuple, previous: int | None) -> None:
        """Row ``i``'s spell warnings: overlapping the person's previous spell, then its contents."""
        pid, columns = person[0], self.columns
        if previous is not None:
            self.ctx.warn(record, "start_date",
                          f"开始时间早于第{self.parsed.records[previous].row}行那段务工的结束时间（时间重叠）", pid)
        _spell_warnings(self.ctx, record, pid, person, self.checks, columns["monthly_income"][i],
                        self.missing[i],
                        columns["region"][i], columns["place_county"][i], columns["channel"][i])

    def write(self, rows: list[int], keys: list[tuple]) -> dict[str, int]:
        """Hand ``rows`` (with their ``keys``) to the upserter, in this order: new spells
        added, a stored spell compared with what it holds (updated only when it differs).
        Outcome → rows."""
        table = self.table
        stored, apply_values = table.rows, table.apply_values
        hits = list(map(stored.get, keys))
        all_new = not any(hits)  # a county's first import: no comparing
        if all_new and not self.extra:
            # Keys are unique in the file (:meth:`keys`): a new spell is never named again. The
            # rows are made a column at a time, not a call and a tuple more per row (244,303
            # spells: 0.1 s).
            table.add_columns(list(zip(*keys)), self.have, self.stored_values(rows), named=False)
            return {"added": len(rows), "changed": 0, "unchanged": 0}
        layouts, values = self.values(rows)
        if all_new:
            list(map(table.add_unnamed, keys, layouts or itertools.repeat(self.have), values))
            return {"added": len(rows), "changed": 0, "unchanged": 0}
        outcomes = {"added": 0, "changed": 0, "unchanged": 0}
        table.fetch_values(hits)  # the chunk's stored spells, read now (SPELLS_HELD)
        values_of = table.values_of
        if layouts is None:  # one layout: its stored values picked by one function
            same = self._stored_as(self.have)
            for key, hit, row in zip(keys, hits, values):
                if hit is None:
                    table.add_unnamed(key, self.have, row)
                    outcomes["added"] += 1
                    continue
                stored = values_of(hit)
                if stored is not None and same(stored) == row:
                    outcomes["unchanged"] += 1  # what apply_values would find, without its dict
                else:
                    outcomes[apply_values(key, self.have, row)[0]] += 1
            return outcomes
        for key, hit, layout, row in zip(keys, hits, layouts, values):
            if hit is None:
                table.add_unnamed(key, layout, row)
                outcomes["added"] += 1
                continue
            stored = values_of(hit)
            if stored is not None and self._stored_as(layout)(stored) == row:
                outcomes["unchanged"] += 1
            else:
                outcomes[apply_values(key, layout, row)[0]] += 1
        return outcomes

    def _stored_as(self, layout: tuple[str, ...]):
        """A function of a stored row's values (in the upserter's column order) giving those of
        ``layout``, as a tuple."""
        getter = self._compare.get(layout)
        if getter is None:
            positions = [self.table.columns.index(c) for c in layout]
            picks = operator.itemgetter(*positions) if len(positions) > 1 else None
            getter = self._compare[layout] = picks or (lambda values: tuple(values[p] for p in positions))
        return getter

    def stored_values(self, rows: list[int]) -> list[tuple]:
        """The file's stored columns (:attr:`have`) at ``rows``, a tuple per column."""
        return [_picked(column, rows) for column in self.stored_columns]

    def values(self, rows: list[int]) -> tuple[list[tuple[str, ...]] | None, list[tuple]]:
        """The columns written for each of ``rows`` (None: :attr:`have` for all) and their
        values: the file's stored columns, then the derived places it lacks that are set. Made
        a chunk at a time, from the columns: 200,000 rows' tuples made at once beforehand were
        34 MB of the import's peak."""
        stored = list(zip(*self.stored_values(rows))) if self.stored_columns else [()] * len(rows)
        if not self.extra:
            return None, stored
        layouts, out = [], []
        for i, values in zip(rows, stored):
            given = tuple(k for k, c in self.extra if c[i] is not None)
            layout = self._layouts.get(given)
            if layout is None:
                layout = self._layouts[given] = self.have + given
            layouts.append(layout)
            out.append(values + tuple(c[i] for _k, c in self.extra if c[i] is not None))
        return layouts, out


@dataclass
class _SpellKeys:
    """The (person, 开始时间) of the rows written, in walking order, as two columns: a tuple
    per row is made only for the chunk being written (244,303 tuples held from the checks to
    the end of the write were 17 MiB of a re-import's peak, issue 20)."""

    persons: list[int]
    starts: list[str]

    def __len__(self) -> int:
        return len(self.persons)

    def __getitem__(self, at: slice) -> list[tuple]:
        return list(zip(self.persons[at], self.starts[at]))

    def neighbours_alike(self) -> bool:
        """Whether two neighbouring rows have the same key."""
        persons, starts = self.persons, self.starts
        return any(person == after and start == next_start for person, after, start, next_start
                   in zip(persons, persons[1:], starts, starts[1:]))


def _fillable(parsed: Parsed, by_key: dict[str, list], key: str) -> list:
    """``key``'s parsed values as a list the writer may fill in: the parser's own list (made
    for blanks or parsed values, read by nothing after the writer: the error workbook reads
    the sheet's texts) or a copy of the sheet's texts (read only) or blanks. A copy of each
    place column was 7.5 MiB of a 244,303-spell import's peak (issue 20)."""
    values = by_key.get(key)
    if values is None:
        return [None] * len(parsed.records)
    col = parsed.column_of(key)
    return list(values) if col is None or values is parsed.table.column(col) else values


def _ending_after_start(rows: list[int], starts: list, ends: list, problems: list[tuple]) -> list[int]:
    """``rows`` but those ending before they start (each added to ``problems``)."""
    late = [i for i in rows if ends[i] and ends[i] < starts[i]]
    if not late:
        return rows
    problems.extend((i, "end_date", f"结束时间{ends[i]}早于开始时间{starts[i]}") for i in late)
    late_rows = set(late)
    return [i for i in rows if i not in late_rows]


def _picked(column: list, rows: list[int]) -> tuple:
    """``column``'s values at ``rows`` (one C call, not a look-up per row)."""
    return operator.itemgetter(*rows)(column) if len(rows) > 1 else tuple(column[i] for i in rows)


def _odd_person(checks: _SpellChecks, person: tuple) -> bool:
    """Whether a spell of ``person`` is worth a warning: not registered as labour, or a student."""
    skill, student = person[2], person[3]
    return bool(skill and skill not in checks.labour) or (student is not None and student not in checks.not_student)


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
    preload_stored(db, out, *SPELLS, **SPELLS_HELD)
    return out
