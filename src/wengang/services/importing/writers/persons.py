"""The roster (人员信息): households and their members, one household at a time.

A household's place, codes and 户主 come from its members' rows (the first filled value wins);
the members are written after it, each under its 证件号码.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import sqlite_utils

from wengang.domain.phones import LANDLINE, MOBILE, phone_problem
from wengang.domain.pinyin import initials
from wengang.services.importing.parse import PROGRESS_EVERY
from wengang.services.importing.spec import KindSpec
from wengang.services.importing.upsert import Upserter
from wengang.services.importing.writers.context import WriteContext, area_path, preload_stored
from wengang.store.areas import AreaCache, areas_at_level, installation, set_installation

HOUSEHOLD_COLUMNS = ("head_name", "hh_type", "monitor_category", "exit_year", "relocated", "site_id",
                     "area_id", "phone")
PERSON_COLUMNS = ("household_id", "name", "gender", "birth_date", "relation", "labour_skill",
                  "student_status", "phone", "phone_is_landline", "pinyin_initials", "person_no",
                  "education", "health")
HOUSEHOLDS = ("households", ("hh_no",), HOUSEHOLD_COLUMNS)
PERSONS = ("persons", ("id_number",), PERSON_COLUMNS)
# The stored persons are held by 证件号码 and id, their values read a block at a time when
# compared (Upserter.fetch_values): a re-import of 165,479 persons held 86 MiB of them (issue 20).
PERSONS_HELD = {"values": False}
# The household's coded facts, each taken from the first member row that fills it.
_HOUSEHOLD_CODES = ("hh_type", "monitor_category", "exit_year", "relocated")
# A member's own columns written as the file gives them (absent columns stay untouched).
_MEMBER_COLUMNS = ("name", "relation", "labour_skill", "student_status", "person_no", "education", "health")


@dataclass
class _Roster:
    """What writing one household needs besides its rows: the file's columns, the area tree,
    the sites by name and the two tables' upserters.

    The writer reads the parsed columns by row position (no dict per row: making and dropping
    150,000 of them, and reading them back key by key, was a third of the writer's time)."""

    columns: dict[str, list]
    blank: list
    areas: AreaCache
    sites: dict[str, int]
    # 组 (groups) → their village: a roster names villages only, so a household filed under a
    # 组 of the village its row names stays on that 组.
    group_village: dict[int, int]
    households: Upserter
    persons: Upserter
    has_phone: bool
    # The member columns the file has, as written (absent columns stay untouched), and the
    # upserter's layout of a member row: those, then what every row sets.
    member_columns: tuple[str, ...]
    member_layout: tuple[str, ...]
    # (县, 乡镇, 村) as the rows give them → (village id, township id): a county's 45,000
    # households name about 2,000 villages, each placed once.
    places: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    _member: _MemberColumns | None = None
    # The columns every household reads, looked up once (50,000 households looked each up by
    # key, ten times a household: 0.25 s), and the coded facts' columns the file has.
    counties: list = field(init=False)
    townships: list = field(init=False)
    villages: list = field(init=False)
    head_names: list = field(init=False)
    names: list = field(init=False)
    relations: list = field(init=False)
    codes: tuple[tuple[str, list], ...] = ()  # (key, column) of the coded facts the file has

    def __post_init__(self) -> None:
        column = self.column
        self.counties, self.townships, self.villages = column("county"), column("township"), column("village")
        self.head_names, self.names, self.relations = column("head_name"), column("name"), column("relation")

    def column(self, key: str) -> list:
        """The parsed values of ``key``, one per row (all None when the file lacks the column)."""
        return self.columns.get(key, self.blank)

    @property
    def member(self) -> _MemberColumns:
        if self._member is None:
            column = self.column
            self._member = _MemberColumns([column(k) for k in self.member_columns], column("id_number"),
                                          column("name"), column("gender"), column("birth_date"), column("phone"))
        return self._member


@dataclass
class _MemberColumns:
    """The columns a member row is written from (150,000 rows look each up once, not by key)."""

    own: list[list]  # _Roster.member_columns'
    ids: list
    names: list
    genders: list
    births: list
    phones: list


def write_persons(ctx: WriteContext) -> None:
    _learn_installation(ctx)
    roster = _roster(ctx)
    records = ctx.parsed.records
    ids = roster.column("id_number")
    done, total = 0, len(records)
    households = _households_in_file(ctx, roster)
    _place_villages(ctx, roster, households)
    members = _Members(roster)
    progress = ctx.progress
    block = _Block()
    for hh_no, rows in households.items():
        hh_id = _write_household(ctx, roster, hh_no, rows)
        if progress:  # at every PROGRESS_EVERY-th row, as if ticking row by row
            for at in range(-(-done // PROGRESS_EVERY) * PROGRESS_EVERY, done + len(rows), PROGRESS_EVERY):
                progress(at, total, ctx.doing)
        done += len(rows)
        if hh_id is not None:  # a household's rows at once, not one by one (165,000 rows)
            kept = [i for i in rows if not records[i].bad and ids[i]]
            block.rows += kept
            block.households += [hh_id] * len(kept)
        block.seen += len(rows)
        if block.seen >= ctx.send_every:
            members.write(ctx, block)
            block = _Block()
    members.write(ctx, block)
    for outcome, count in members.outcomes.items():
        setattr(ctx.counts, outcome, getattr(ctx.counts, outcome) + count)


def _roster(ctx: WriteContext) -> _Roster:
    parsed = ctx.parsed
    has_phone = "phone" in parsed.present
    member_columns = tuple(k for k in _MEMBER_COLUMNS if k in parsed.present)
    layout = (*member_columns, "gender", "birth_date", "pinyin_initials",
              *(("phone", "phone_is_landline") if has_phone else ()), "household_id")
    roster = _Roster(
        parsed.values_by_key(), [None] * len(parsed.records), AreaCache(ctx.db),
        {r[0]: r[1] for r in ctx.db.execute("SELECT name, id FROM relocation_sites")},
        {a["id"]: a["parent_id"] for a in areas_at_level(ctx.db, "group")},
        ctx.upserter(*HOUSEHOLDS), ctx.upserter(*PERSONS, **PERSONS_HELD), has_phone, member_columns, layout)
    roster.codes = tuple((key, roster.column(key)) for key in _HOUSEHOLD_CODES if key in parsed.present)
    return roster


def _learn_installation(ctx: WriteContext) -> None:
    """An installation without its 省/县 takes them from an export's 省/市/县 columns (DOMAIN.md)
    when the file names one 省 and one 县: of a file naming several, the first row's would be a
    guess, printed on every form as 填报单位. A file naming only its 县 (recent exports) sets
    nothing — 就业地域 needs the 省 too; the forms take that 县's name from the data
    (store.areas.heading) until 设置 names it."""
    if ctx.home.configured or "province" not in ctx.parsed.present:
        return
    by_key = ctx.parsed.values_by_key()
    provinces, counties = by_key["province"], by_key.get("county", ())
    named = {(p, c) for p, c in zip(provinces, counties) if p and c}
    if len(named) != 1 or len({c for c in counties if c}) != 1:
        return
    ((province, county),) = named
    cities = {city for city, c in zip(by_key.get("city", ()), counties) if city and c}
    set_installation(ctx.db, province, cities.pop() if len(cities) == 1 else None, county)
    ctx.home = installation(ctx.db)


def _households_in_file(ctx: WriteContext, roster: _Roster) -> dict[str, list[int]]:
    """户编号 → the positions of its member rows in file order; a 证件号码 seen on an earlier
    row is that row's duplicate (an error) and joins no household."""
    parsed = ctx.parsed
    numbers = [number for number in roster.column("id_number") if number]
    households: dict[str, list[int]] = {}
    if len(set(numbers)) == len(numbers):  # no 证件号码 twice: the rows by 户编号 alone
        for i, hh_no in enumerate(roster.column("hh_no")):
            if hh_no:
                if hh_no in households:
                    households[hh_no].append(i)
                else:
                    households[hh_no] = [i]
        return households
    first_row: dict[str, int] = {}
    for i, (record, number, hh_no) in enumerate(zip(parsed.records, roster.column("id_number"),
                                                    roster.column("hh_no"))):
        if number:
            if number in first_row:
                parsed.error(record, "id_number", f"证件号码{number}与第{first_row[number]}行重复")
                continue
            first_row[number] = record.row
        if hh_no:
            households.setdefault(hh_no, []).append(i)
    return households


def _place_villages(ctx: WriteContext, roster: _Roster, households: dict[str, list[int]]) -> None:
    """The areas of every household's village, made before any row is written, in the order
    the households come (the ids :func:`_village_of` would give them one at a time, which then
    finds them made). Made while the writer runs, each new village waited for the chunk the
    sender was inserting (importing.sender): 1.2 s of a 165,000-person roster."""
    counties, townships, villages = roster.counties, roster.townships, roster.villages
    areas, home = roster.areas, ctx.home.county
    before = len(areas._ids)  # noqa: SLF001 - counting areas the import creates
    seen: set[tuple] = set()
    for members in households.values():
        first = members[0]
        place = (counties[first], townships[first], villages[first])
        if place in seen:
            continue
        seen.add(place)
        county = place[0] or home  # as area_path: the installation's county when the file has none
        if county and place[1] and place[2]:
            areas.ensure([("county", county), ("township", place[1]), ("village", place[2])])
    ctx.bump("areas_added", len(areas._ids) - before)  # noqa: SLF001


@dataclass
class _Block:
    """Member rows collected household by household, written together (:meth:`_Members.write`)."""

    rows: list[int] = field(default_factory=list)  # the rows to write, in file order within households
    households: list[int] = field(default_factory=list)  # each one's household id
    seen: int = 0  # rows of the households collected, written or not


class _Members:
    """Every row's member values (:attr:`_Roster.member_layout`), made column by column once,
    and the rows whose phone is warned about (with the warning); written a block of rows at a
    time, a column at a time. Row by row, looking the columns up and matching the phone took
    0.5 s of a 165,000-person roster, and adding each person one call at a time another 0.3 s;
    the pinyin is made once per name (150,000 persons, 84,000 names)."""

    def __init__(self, roster: _Roster):
        member = roster.member
        names = member.names
        pinyin = {name: initials(name) for name in set(names)}
        self.columns = [*member.own, member.genders, member.births, list(map(pinyin.__getitem__, names))]
        self.problems: dict[int, str] = {}
        if roster.has_phone:
            phones = member.phones
            texts = [phone or "" for phone in phones]
            landlines = [1 if match else 0 for match in map(LANDLINE.match, texts)]
            self.columns += [phones, landlines]
            # A parsed phone is already normalised: a mobile or landline needs no second look,
            # and the rest are looked at once per value (blank phones: most of them).
            said: dict[object, str | None] = {}
            for i in [i for i, mobile in enumerate(map(MOBILE.match, texts)) if not (mobile or landlines[i])]:
                phone = phones[i]
                problem = said[phone] if phone in said else said.setdefault(phone, phone_problem(phone, landline_ok=True))
                if problem:
                    self.problems[i] = problem
        self.ids, self.table, self.layout = member.ids, roster.persons, roster.member_layout
        self.outcomes = {"added": 0, "changed": 0, "unchanged": 0}

    def write(self, ctx: WriteContext, block: _Block) -> None:
        """The block's persons added or updated (new ones together, as columns), their phones
        warned about in row order; then the rows are counted as written (ctx.written)."""
        rows = block.rows
        if rows:
            stored = self.table.rows
            ids = self.ids
            new = [n for n, i in enumerate(rows) if (ids[i],) not in stored]
            if len(new) < len(rows):
                self._update(block, [n for n, i in enumerate(rows) if (ids[i],) in stored])
            if new:
                self._add(block, new)
            self._warn(ctx, block)
        ctx.written(block.seen)

    def _gathered(self, block: _Block, positions: list[int]) -> tuple[list, list[list], list]:
        """(证件号码, member columns, household ids) of the block's rows at ``positions``."""
        rows = [block.rows[n] for n in positions]
        households = [block.households[n] for n in positions]
        take = operator.itemgetter(*rows) if len(rows) > 1 else lambda column: (column[rows[0]],)
        return list(take(self.ids)), [take(column) for column in self.columns], households

    def _add(self, block: _Block, positions: list[int]) -> None:
        ids, columns, households = self._gathered(block, positions)
        self.table.add_columns([ids], self.layout, [*columns, households])
        self.outcomes["added"] += len(ids)

    def _update(self, block: _Block, positions: list[int]) -> None:
        ids, columns, households = self._gathered(block, positions)
        apply, layout, outcomes = self.table.apply_values, self.layout, self.outcomes
        self.table.fetch_values(list(map(self.table.rows.get, zip(ids))))  # PERSONS_HELD
        for key, values in zip(zip(ids), zip(*columns, households)):
            outcomes[apply(key, layout, values)[0]] += 1

    def _warn(self, ctx: WriteContext, block: _Block) -> None:
        problems = self.problems
        if not problems:
            return
        records, ids, find = ctx.parsed.records, self.ids, self.table.find
        for i, hh_id in zip(block.rows, block.households):
            if i in problems:
                ctx.warn(records[i], "phone", problems[i], find((ids[i],)), hh_id)


def _first_filled(column: list, members: list[int]) -> object:
    """The first member's value of ``column`` that is filled (not None and not empty)."""
    value = column[members[0]]
    if value:  # usually the first member's: no generator for 50,000 households
        return value
    return next((column[m] for m in members if column[m]), None)


def _write_household(ctx: WriteContext, roster: _Roster, hh_no: str, members: list[int]) -> int | None:
    """The household of ``members`` added or updated; its id, or None when it cannot be placed
    or is new without its 户类型 (its members are then not written)."""
    first = ctx.parsed.records[members[0]]
    village = _village_of(ctx, roster, hh_no, members)
    if village is None:
        return None
    village_id, township_id = village
    households, present = roster.households, ctx.parsed.present
    row: dict = {"area_id": _kept_group(roster, hh_no, village_id)}
    _household_codes(roster, hh_no, members, row)
    if "site_name" in present:
        sites = roster.column("site_name")
        named = members[0] if sites[members[0]] else next((m for m in members if sites[m]), None)
        row["site_id"] = _site_id(ctx, roster, named, township_id) if named is not None else None
    if "hh_phone" in present:
        row["phone"] = _first_filled(roster.column("hh_phone"), members)
    head, headless = _head_of(ctx, roster, hh_no, members)
    if head is not None or "head_name" in present:
        row["head_name"] = head
    if row.get("hh_type") is None:
        row.pop("hh_type", None)  # a blank required cell: reported by the parser, stored value kept
        if households.find((hh_no,)) is None:
            return None
    outcome, hh_id = households.apply((hh_no,), row)
    ctx.bump(f"households_{outcome}")
    if headless:
        ctx.warn(first, "relation", f"户编号{hh_no}没有与户主关系为“户主”的成员", household_id=hh_id)
    if row.get("hh_type") == "监测户" and "monitor_category" in row and not row["monitor_category"]:
        ctx.warn(first, "monitor_category", "监测户未填写监测对象类别", household_id=hh_id)
    return hh_id


def _village_of(ctx: WriteContext, roster: _Roster, hh_no: str, members: list[int]) -> tuple[int, int] | None:
    """(village id, township id) of the household, from its first row (created when new);
    members naming another village are warned about."""
    records = ctx.parsed.records
    first = members[0]
    townships, villages = roster.townships, roster.villages
    place = (townships[first], villages[first])
    known = roster.places.get((roster.counties[first], *place))
    if known is None:
        # A place not met before: its path (which names a blank or foreign county) and areas.
        path = area_path(ctx, records[first], ("township", "village"))
        records[first].forget_values()
        if path is None or len(path) < 3:
            return None  # township/village are required columns: the parser already named the blank
    township, village = place
    for other in members[1:]:
        if townships[other] != township or villages[other] != village:
            ctx.warn(records[other], "village", f"户编号{hh_no}在第{records[first].row}行的村不同，"
                                                f"按第{records[first].row}行")
    if known is None:
        areas = roster.areas
        before = len(areas._ids)  # noqa: SLF001 - counting areas the import creates
        known = roster.places[(roster.counties[first], *place)] = (areas.ensure(path), areas.find(path[:2]))
        ctx.bump("areas_added", len(areas._ids) - before)  # noqa: SLF001
    return known


def _kept_group(roster: _Roster, hh_no: str, village_id: int) -> int:
    """The household's area: its village, or the 组 of that village it is filed under already
    (the file has no 组 column)."""
    if roster.group_village:
        current = roster.households.stored_value((hh_no,), "area_id")
        if current in roster.group_village and roster.group_village[current] == village_id:
            return current
    return village_id


def _household_codes(roster: _Roster, hh_no: str, members: list[int], row: dict) -> None:
    """户类型, 监测对象类别, 脱贫年度 and 是否易地扶贫搬迁 of the columns the file has, into
    ``row``: each the first member's that is not None (0 is 否, a value)."""
    first = members[0]
    for key, column in roster.codes:
        value = column[first]
        if value is None:
            value = next((column[m] for m in members if column[m] is not None), None)
        row[key] = value
    if "relocated" in row and row["relocated"] is None:
        row["relocated"] = 0  # NOT NULL column: a blank 是否易地扶贫搬迁 means no
    if row.get("hh_type") == "一般户":
        # 一般户/非贫困户 are not poor households (DOMAIN.md): relocated with the poor they are
        # 同步搬迁户 (F6 counts them); otherwise outside every group the forms count.
        relocated = row["relocated"] if "relocated" in row else \
            roster.households.stored_value((hh_no,), "relocated")
        if relocated:
            row["hh_type"] = "同步搬迁户"


def _head_of(ctx: WriteContext, roster: _Roster, hh_no: str, members: list[int]) -> tuple[str | None, bool]:
    """(户主姓名, whether a new household names no 户主): the 户主姓名 column, else the member
    whose 与户主关系 is 户主."""
    head = _first_filled(roster.head_names, members)
    if head is not None:
        return head, False
    names, relations, first = roster.names, roster.relations, members[0]
    head = names[first] if relations[first] == "户主" else \
        next((names[m] for m in members if relations[m] == "户主"), None)
    headless = head is None and "relation" in ctx.parsed.present and roster.households.find((hh_no,)) is None
    return head, headless


def _site_id(ctx: WriteContext, roster: _Roster, i: int, township_id: int) -> int:
    """The relocation site named on row ``i`` (added when new)."""
    name, sites = roster.column("site_name")[i], roster.sites
    if name not in sites:
        sites[name] = ctx.db.execute(
            "INSERT INTO relocation_sites(name, county, township, area_id, batch_id) VALUES (?, ?, ?, ?, ?)",
            [name, roster.column("county")[i] or ctx.home.county, roster.column("township")[i],
             township_id, ctx.batch_id]).lastrowid
        ctx.bump("sites_added")
    return sites[name]


def preload_persons(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out: dict = {}
    preload_stored(db, out, *HOUSEHOLDS)
    preload_stored(db, out, *PERSONS, **PERSONS_HELD)
    return out
