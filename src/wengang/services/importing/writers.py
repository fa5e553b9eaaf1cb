"""Writing parsed records, one function per kind, all on :class:`Upserter`.

The writers run inside the import's single ``db.atomic()``; they resolve people, households,
areas and organisations, add row errors the parser could not see (an unknown 证件号码) and the
data-quality warnings of DOMAIN.md, and count added/changed/unchanged per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import sqlite_utils

from wengang.domain.codes import labour_skills, not_student_values
from wengang.domain.dates import DateError, parse_date
from wengang.domain.phones import LANDLINE, MOBILE, phone_problem
from wengang.domain.pinyin import initials
from wengang.services.importing.model import Counts
from wengang.services.importing.parse import PROGRESS_EVERY, Parsed, Progress, Record
from wengang.services.importing.places import Place, derive_region, split_place
from wengang.services.importing.spec import KindSpec
from wengang.services.importing.upsert import Upserter, load_stored
from wengang.store.areas import AreaCache, Installation, installation, set_installation

# Parsed keys that identify or describe the person rather than being stored on the record.
_PERSON_REF = ("id_number", "name", "gender", "birth_date")


@dataclass
class WriteContext:
    db: sqlite_utils.Database
    parsed: Parsed
    batch_id: int | None
    home: Installation
    progress: Progress | None = None
    counts: Counts = field(default_factory=Counts)
    details: dict[str, int] = field(default_factory=dict)
    # (warning index in parsed.warnings) → (person_id, household_id), for quality_findings
    finding_refs: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    # Every table writer of this import, in creation order: parents before children.
    upserters: list[Upserter] = field(default_factory=list)
    _present: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    # Counties in the file other than the installation's, each warned about once.
    foreign_counties: set[str] = field(default_factory=set)
    # What the kind's preload read while the file was being read (see PRELOADS), used once.
    preloaded: dict = field(default_factory=dict)

    def upserter(self, table: str, key: tuple[str, ...], columns: tuple[str, ...], **options) -> Upserter:
        """An :class:`Upserter` for this batch; its writes are sent by :meth:`flush`."""
        stored = self.preloaded.pop(_stored_key(table, key, columns, options), None)
        upserter = Upserter(self.db, table, key, columns, self.batch_id, stored=stored, **options)
        self.upserters.append(upserter)
        return upserter

    def people(self) -> dict[str, tuple]:
        """证件号码 → (id, name, labour_skill, student_status) of every person."""
        people = self.preloaded.pop("people", None)
        return _person_lookup(self.db) if people is None else people

    def flush(self) -> None:
        """Write what the upserters collected, parents first (the foreign keys are checked)."""
        for upserter in self.upserters:
            upserter.flush()

    def warn(self, record: Record, key: str, message: str, person_id: int | None = None,
             household_id: int | None = None) -> None:
        self.parsed.warn(record, key, message)
        self.finding_refs[len(self.parsed.warnings) - 1] = (person_id, household_id)

    def good(self, records: list[Record]):
        """Records without errors, ticking progress as they go."""
        total = len(records)
        for i, record in enumerate(records):
            self.tick(i, total)
            if not record.bad:
                yield record

    def tick(self, i: int, total: int) -> None:
        if self.progress and i % PROGRESS_EVERY == 0:
            self.progress(i, total, "正在写入")

    def bump(self, name: str) -> None:
        self.details[name] = self.details.get(name, 0) + 1

    def present(self, record: Record, keys: tuple[str, ...]) -> dict:
        """The record's values for the columns the file has (absent columns stay untouched)."""
        have = self._present.get(keys)
        if have is None:  # once per writer and key list, not once per row
            have = self._present[keys] = tuple(k for k in keys if k in self.parsed.present)
        return dict(zip(have, map(record.values.get, have)))


def _person_lookup(db: sqlite_utils.Database) -> dict[str, tuple]:
    """证件号码 → (id, name, labour_skill, student_status); the two codes are one object per
    value (165,000 persons: 88 MB → 60 MB, and it is held while a sheet is read)."""
    shared: dict = {}
    share = shared.setdefault
    rows = db.execute("SELECT id_number, id, name, labour_skill, student_status FROM persons")
    return {r[0]: (r[1], r[2], share(r[3], r[3]), share(r[4], r[4])) for r in rows}


def _stored_key(table: str, key: tuple[str, ...], columns: tuple[str, ...], options: dict) -> tuple:
    return ("stored", table, key, columns, tuple(sorted(options.items())))


def _preload_stored(db: sqlite_utils.Database, out: dict, table: str, key: tuple[str, ...],
                    columns: tuple[str, ...], **options) -> None:
    """Read what ``ctx.upserter(table, key, columns, **options)`` will compare with."""
    out[_stored_key(table, key, columns, options)] = load_stored(db, table, key, columns, **options)


def _resolve_person(ctx: WriteContext, record: Record, people: dict[str, tuple],
                    required: bool = True) -> int | None:
    number = record.values.get("id_number")
    if not number:
        return None
    hit = people.get(number)
    if hit is None:
        if required or number:
            ctx.parsed.error(record, "id_number", f"证件号码{number}未登记，请先导入人员信息")
        return None
    name = record.values.get("name")
    if name and name != hit[1]:
        ctx.warn(record, "name", f"姓名“{name}”与登记的“{hit[1]}”不一致，按证件号码导入", hit[0])
    return hit[0]


def _area_path(ctx: WriteContext, record: Record, levels: tuple[str, ...]) -> list[tuple[str, str]] | None:
    county = record.values.get("county") or ctx.home.county
    if not county:
        ctx.parsed.error(record, "county", "未填写县（市、区），本单位所在县也未设置")
        return None
    home = ctx.home.county
    if home and county != home and county not in ctx.foreign_counties:
        # Usually a file meant for another office; a city-level installation may want it anyway.
        ctx.foreign_counties.add(county)
        ctx.warn(record, "county", f"县（市、区）“{county}”不是本单位所在的“{home}”，"
                                   f"这些人将登记在{county}之下；如果文件选错了，请撤销本次导入")
    path = [("county", county)]
    for level in levels:
        name = record.values.get(level)
        if not name:
            break
        path.append((level, name))
    return path


# --- persons ------------------------------------------------------------------------------
HOUSEHOLD_COLUMNS = ("head_name", "hh_type", "monitor_category", "exit_year", "relocated", "site_id",
                     "area_id", "phone")
PERSON_COLUMNS = ("household_id", "name", "gender", "birth_date", "relation", "labour_skill",
                  "student_status", "phone", "phone_is_landline", "pinyin_initials", "person_no",
                  "education", "health")
HOUSEHOLDS = ("households", ("hh_no",), HOUSEHOLD_COLUMNS)
PERSONS = ("persons", ("id_number",), PERSON_COLUMNS)


def _site_id(ctx: WriteContext, record: Record, sites: dict[str, int], township_id: int) -> int | None:
    name = record.values.get("site_name")
    if not name:
        return None
    if name not in sites:
        sites[name] = ctx.db.execute(
            "INSERT INTO relocation_sites(name, county, township, area_id, batch_id) VALUES (?, ?, ?, ?, ?)",
            [name, record.values.get("county") or ctx.home.county, record.values.get("township"),
             township_id, ctx.batch_id]).lastrowid
        ctx.bump("sites_added")
    return sites[name]


def _learn_installation(ctx: WriteContext) -> None:
    """An installation without its 省/县 takes them from an export's 省/市/县 columns (DOMAIN.md)."""
    if ctx.home.configured or "province" not in ctx.parsed.present:
        return
    first = next((r for r in ctx.parsed.records if r.values.get("province") and r.values.get("county")), None)
    if first is not None:
        v = first.values
        set_installation(ctx.db, v["province"], v.get("city"), v["county"])
        ctx.home = installation(ctx.db)


def write_persons(ctx: WriteContext) -> None:
    db, parsed = ctx.db, ctx.parsed
    _learn_installation(ctx)
    areas = AreaCache(db)
    sites = {r[0]: r[1] for r in db.execute("SELECT name, id FROM relocation_sites")}
    # 组 (groups) → their village: a roster names villages only, so a household filed under a
    # 组 of the village its row names stays on that 组.
    group_village = {r[0]: r[1] for r in db.execute("SELECT id, parent_id FROM areas WHERE level = 'group'")}
    households = ctx.upserter(*HOUSEHOLDS)
    persons = ctx.upserter(*PERSONS)
    first_row: dict[str, int] = {}
    groups: dict[str, list[Record]] = {}
    # From the columns (the parser made no dict per row): a record's values are made when its
    # household is written and dropped after it, so 150,000 dicts never live at once.
    by_key = parsed.values_by_key()
    blank = [None] * len(parsed.records)
    for record, number, hh_no in zip(parsed.records, by_key.get("id_number", blank), by_key.get("hh_no", blank)):
        if number:
            if number in first_row:
                parsed.error(record, "id_number", f"证件号码{number}与第{first_row[number]}行重复")
                continue
            first_row[number] = record.row
        if hh_no:
            groups.setdefault(hh_no, []).append(record)
    done, total = 0, len(parsed.records)
    has_phone = "phone" in parsed.present
    lazy = bool(parsed.column_values)
    for hh_no, members in groups.items():
        hh_id = _write_household(ctx, hh_no, members, areas, sites, households, group_village)
        for record in members:
            ctx.tick(done, total)
            done += 1
            if hh_id is None or record.bad or not record.values.get("id_number"):
                continue
            v = record.values
            row = ctx.present(record, ("name", "relation", "labour_skill", "student_status", "person_no",
                                       "education", "health"))
            row.update(household_id=hh_id, gender=v["gender"], birth_date=v["birth_date"],
                       pinyin_initials=initials(v.get("name")))
            phone = v.get("phone")
            landline = bool(phone and LANDLINE.match(phone))
            if has_phone:
                row["phone"] = phone
                row["phone_is_landline"] = int(landline)
            outcome, pid = persons.apply((v["id_number"],), row)
            ctx.counts.count(outcome)
            # A parsed phone is already normalised: a mobile or landline needs no second look.
            if has_phone and not (landline or (phone and MOBILE.match(phone))) and \
                    (problem := phone_problem(phone, landline_ok=True)):
                ctx.warn(record, "phone", problem, pid, hh_id)
        if lazy:
            for record in members:
                record.forget_values()


def _write_household(ctx: WriteContext, hh_no: str, members: list[Record], areas: AreaCache,
                     sites: dict[str, int], households: Upserter, group_village: dict[int, int]) -> int | None:
    first = members[0]
    path = _area_path(ctx, first, ("township", "village"))
    if path is None:
        return None
    if len(path) < 3:
        return None  # township/village are required columns: the parser already named the blank
    for other in members[1:]:
        if (other.values.get("township"), other.values.get("village")) != (first.values.get("township"),
                                                                           first.values.get("village")):
            ctx.warn(other, "village", f"户编号{hh_no}在第{first.row}行的村不同，按第{first.row}行")
    before = len(areas._ids)  # noqa: SLF001 - counting areas the import creates
    village_id = areas.ensure(path)
    township_id = areas.find(path[:2])
    ctx.details["areas_added"] = ctx.details.get("areas_added", 0) + len(areas._ids) - before  # noqa: SLF001
    area_id = village_id
    if group_village:
        current = households.stored_value((hh_no,), "area_id")
        if current in group_village and group_village[current] == village_id:
            area_id = current  # on a 组 of this village: kept (the file has no 组 column)
    row: dict = {"area_id": area_id}
    for key in ("hh_type", "monitor_category", "exit_year", "relocated"):
        if key in ctx.parsed.present:
            row[key] = next((m.values[key] for m in members if m.values.get(key) is not None), None)
    if "relocated" in row and row["relocated"] is None:
        row["relocated"] = 0  # NOT NULL column: a blank 是否易地扶贫搬迁 means no
    if row.get("hh_type") == "一般户":
        # 一般户/非贫困户 are not poor households (DOMAIN.md): relocated with the poor they are
        # 同步搬迁户 (F6 counts them); otherwise outside every group the forms count.
        relocated = row["relocated"] if "relocated" in row else households.stored_value((hh_no,), "relocated")
        if relocated:
            row["hh_type"] = "同步搬迁户"
    if "site_name" in ctx.parsed.present:
        named = next((m for m in members if m.values.get("site_name")), None)
        row["site_id"] = _site_id(ctx, named, sites, township_id) if named else None
    if "hh_phone" in ctx.parsed.present:
        row["phone"] = next((m.values["hh_phone"] for m in members if m.values.get("hh_phone")), None)
    head = next((m.values["head_name"] for m in members if m.values.get("head_name")), None)
    headless = False
    if head is None:
        head = next((m.values.get("name") for m in members if m.values.get("relation") == "户主"), None)
        headless = head is None and "relation" in ctx.parsed.present and households.find((hh_no,)) is None
    if head is not None or "head_name" in ctx.parsed.present:
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


# --- employment ---------------------------------------------------------------------------
SPELL_COLUMNS = ("end_date", "region", "channel", "place_province", "place_city", "place_county",
                 "employer_name", "industry", "monthly_income", "return_reason", "point_to_point",
                 "transport_subsidy")
SPELLS = ("employment_spells", ("person_id", "start_date"), SPELL_COLUMNS)
_AWAY = ("省外", "省内县外")
_LOCAL_CHANNELS = ("公益性岗位", "帮扶车间")


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
                    income: float | None, missing: list[tuple[str, str]], region: str | None, place_county: str | None,
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


def _same_month_start(spells: Upserter, months: dict, pid: int, start: str) -> str | None:
    """An existing spell of ``pid`` starting in ``start``'s month (typed to the day elsewhere)."""
    if not months:
        for person_id, day in spells.rows:
            months.setdefault((person_id, day[:7]), []).append(day)
    hits = months.get((pid, start[:7]), [])
    return hits[0] if len(hits) == 1 else None


_DERIVED = ("place_province", "place_city", "place_county", "region")  # filled from 务工所在县
# The file's stored columns, then the derived ones it lacks (each only when set), as a row is written.
_ROW_ORDER = ("region", "place_province", "place_city", "place_county")


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


def write_employment(ctx: WriteContext) -> None:
    """Spells by (person, start), read column by column (the parser made no dict per row):
    the derived places first, then the rows in 证件号码 and 开始时间 order, each checked and
    classified, and handed to the upserter as a tuple (Upserter.apply_values)."""
    parsed = ctx.parsed
    records = parsed.records
    n = len(records)
    people = ctx.people()
    spells = ctx.upserter(*SPELLS)
    months: dict[tuple[int, str], list[str]] = {}
    start_col = parsed.column_of("start_date")
    months_only = month_texts(parsed, start_col)
    checks = _SpellChecks.of(parsed)
    rejected = [r.bad for r in records]  # by the parser: skipped (rows placed badly still meet the checks)
    blank = [None] * n
    by_key = parsed.values_by_key()
    columns = {k: by_key.get(k, blank) for k in
               ("id_number", "name", "start_date", "end_date", "channel", "monthly_income", "place_path")}
    columns |= {k: list(by_key.get(k, blank)) for k in _DERIVED}  # the writer fills these
    _derive_places(ctx, columns)
    ids, names, starts, ends = columns["id_number"], columns["name"], columns["start_date"], columns["end_date"]
    regions, counties, channels = columns["region"], columns["place_county"], columns["channel"]
    incomes = columns["monthly_income"]
    described = [(by_key[k], k, label) for k, label in checks.described]
    # The row written: the file's stored columns, then the derived ones it lacks, when set.
    have = tuple(k for k in SPELL_COLUMNS if k in parsed.present)
    stored = list(zip(*[columns[k] if k in columns else by_key[k] for k in have])) if have \
        else [()] * n
    extra = tuple((k, columns[k]) for k in _ROW_ORDER if k not in have)
    layouts: dict[tuple[str, ...], tuple[str, ...]] = {}
    seen: dict[tuple, int] = {}
    last: dict[int, int] = {}
    outcomes = {"added": 0, "changed": 0, "unchanged": 0}
    apply_values, error, warn = spells.apply_values, parsed.error, ctx.warn
    order = sorted(range(n), key=lambda i: (ids[i] or "", starts[i] or ""))
    progress = ctx.progress
    for done, i in enumerate(order):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, n, "正在写入")
        if rejected[i]:
            continue
        record = records[i]
        number = ids[i]
        if not number:
            continue  # a blank ID: the parser named it
        person = people.get(number)
        if person is None:
            error(record, "id_number", f"证件号码{number}未登记，请先导入人员信息")
            continue
        pid = person[0]
        name = names[i]
        if name and name != person[1]:
            warn(record, "name", f"姓名“{name}”与登记的“{person[1]}”不一致，按证件号码导入", pid)
        start, end = starts[i], ends[i]
        if not start or record.bad:
            continue
        if end and end < start:
            error(record, "end_date", f"结束时间{end}早于开始时间{start}")
            continue
        if months_only and spells.find((pid, start)) is None and \
                parsed.table.rows[i][start_col] in months_only:
            # National exports give months; a caseworker may have typed the day: same spell.
            start = _same_month_start(spells, months, pid, start) or start
        key = (pid, start)
        if key in seen:
            error(record, "start_date", f"与第{seen[key]}行是同一人同一开始时间的重复记录")
            continue
        seen[key] = record.row
        previous = last.get(pid)
        if previous is not None and (ends[previous] is None or ends[previous] > start):
            warn(record, "start_date", f"开始时间早于第{records[previous].row}行那段务工的结束时间（时间重叠）", pid)
        last[pid] = i
        _spell_warnings(ctx, record, pid, person, checks, incomes[i], [(k, label) for c, k, label in described if not c[i]],
                        regions[i], counties[i], channels[i])
        values = stored[i]
        if extra:
            given = tuple(k for k, c in extra if c[i] is not None)
            layout = layouts.get(given)
            if layout is None:
                layout = layouts[given] = have + given
            values = values + tuple(c[i] for k, c in extra if c[i] is not None)
        else:
            layout = have
        outcomes[apply_values(key, layout, values)[0]] += 1
    for outcome, count in outcomes.items():
        setattr(ctx.counts, outcome, getattr(ctx.counts, outcome) + count)


# Writers that read the columns (Parsed.values_by_key), not the records' dicts: the engine
# parses their files lazily.
COLUMN_WRITERS = frozenset({"employment", "persons"})


# --- records that belong to a person or organisation (surveys, services, checks, subsidies) --
def _linked_table(spec) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(table, key, stored columns) of a kind written by :func:`write_linked`."""
    columns = tuple(f.key for f in spec.fields if f.key not in (*_PERSON_REF, "org_name"))
    return spec.table, tuple(spec.key), tuple(c for c in columns if c not in spec.key)


def write_linked(ctx: WriteContext) -> None:
    parsed, spec = ctx.parsed, ctx.parsed.spec
    people = ctx.people() if spec.person_link else {}
    linked = _linked_table(spec)
    store_cols = linked[2]
    orgs: dict[str, list[int]] = {}
    if "org_name" in parsed.present:
        for name, oid in ctx.db.execute("SELECT name, id FROM organisations"):
            orgs.setdefault(name, []).append(oid)
    table = ctx.upserter(*linked)
    seen: dict[tuple, int] = {}
    for record in ctx.good(parsed.records):
        v = record.values
        pid = _resolve_person(ctx, record, people, required=spec.person_link is True) if spec.person_link else None
        if spec.person_link and v.get("id_number") and pid is None:
            continue
        if "org_id" in spec.key:
            oid = None
            if v.get("org_name"):
                hits = orgs.get(v["org_name"], [])
                if len(hits) != 1:
                    problem = "未登记，请先导入机构信息" if not hits else "有多个同名机构，请在机构信息中区分"
                    parsed.error(record, "org_name", f"机构“{v['org_name']}”{problem}")
                    continue
                oid = hits[0]
            if pid is None and oid is None:
                parsed.error(record, "id_number", "发给个人的请填证件号码，发给机构的请填机构名称")
                continue
            v["org_id"] = oid
        if spec.person_link is True and pid is None:
            continue  # blank required ID, already reported
        v["person_id"] = pid
        key = tuple(v.get(k) for k in spec.key)
        if any(k is None for k, name in zip(key, spec.key) if name not in ("person_id", "org_id")):
            continue
        if key in seen:
            parsed.error(record, spec.key[-1] if spec.key[-1] in parsed.present else spec.fields[0].key,
                         f"与第{seen[key]}行重复")
            continue
        seen[key] = record.row
        if spec.name == "surveys" and v.get("willing") == 0 and not v.get("reason"):
            ctx.warn(record, "reason", "无外出意愿但未填写未外出原因", pid)
        row = ctx.present(record, store_cols)
        outcome, _ = table.apply(key, row)
        ctx.counts.count(outcome)


# --- areas and organisations (targets, sites, orgs) ---------------------------------------
def write_targets(ctx: WriteContext) -> None:
    by_name: dict[str, list[int]] = {}
    for aid, name in ctx.db.execute(
            "SELECT id, name FROM areas WHERE level IN ('county', 'township', 'village')"):
        by_name.setdefault(name, []).append(aid)
    table = ctx.upserter("targets", ("area_id", "year"), ("target",))
    for record in ctx.good(ctx.parsed.records):
        v = record.values
        if not v.get("area_name") or v.get("year") is None or v.get("target") is None:
            continue
        hits = by_name.get(v["area_name"], [])
        if len(hits) != 1:
            problem = "不存在，请核对名称（须是本县已登记的乡镇或村）" if not hits else "有重名，请写乡镇名称"
            ctx.parsed.error(record, "area_name", f"地区“{v['area_name']}”{problem}")
            continue
        outcome, _ = table.apply((hits[0], v["year"]), {"target": v["target"]})
        ctx.counts.count(outcome)


def write_sites(ctx: WriteContext) -> None:
    areas = AreaCache(ctx.db)
    table = ctx.upserter("relocation_sites", ("name",), ("county", "township", "area_id", "site_type",
                                                          "over_800"))
    for record in ctx.good(ctx.parsed.records):
        v = record.values
        path = _area_path(ctx, record, ("township",))
        if path is None or not v.get("name") or len(path) < 2:
            continue
        row = ctx.present(record, ("township", "site_type", "over_800"))
        row.update(county=path[0][1], area_id=areas.ensure(path))
        if row.get("over_800") is None and "over_800" in row:
            row["over_800"] = 0
        outcome, _ = table.apply((v["name"],), row)
        ctx.counts.count(outcome)


def write_orgs(ctx: WriteContext) -> None:
    areas = AreaCache(ctx.db)
    table = ctx.upserter("organisations", ("name", "kind"),
                         ("area_id", "contact", "phone", "recognised_date", "closed_date"))
    for record in ctx.good(ctx.parsed.records):
        v = record.values
        if not v.get("name") or not v.get("kind"):
            continue
        path = _area_path(ctx, record, ("township", "village"))
        if path is None:
            continue
        row = ctx.present(record, ("contact", "phone", "recognised_date", "closed_date"))
        row["area_id"] = areas.ensure(path)
        outcome, _ = table.apply((v["name"], v["kind"]), row)
        ctx.counts.count(outcome)


# --- public-welfare posts: a 公益性岗位 spell plus the post's particulars -----------------------
POST_COLUMNS = ("post_name", "post_type", "developer", "funding", "pay_standard")
POST_SPELLS = ("employment_spells", ("person_id", "start_date"), ("end_date", "channel"))
POSTS = ("welfare_posts", ("spell_id",), POST_COLUMNS)


def write_posts(ctx: WriteContext) -> None:
    parsed = ctx.parsed
    people = ctx.people()
    spells = ctx.upserter(*POST_SPELLS)
    posts = ctx.upserter(*POSTS, id_column="spell_id")
    for record in ctx.good(parsed.records):
        v = record.values
        pid = _resolve_person(ctx, record, people)
        if pid is None or not v.get("start_date"):
            continue
        if v.get("end_date") and v["end_date"] < v["start_date"]:
            parsed.error(record, "end_date", "离岗时间早于上岗时间")
            continue
        spell = {"channel": "公益性岗位", **ctx.present(record, ("end_date",))}
        if spells.find((pid, v["start_date"])) is None:
            spell["region"] = "县内"  # village posts are in the county by definition
        spell_outcome, spell_id = spells.apply((pid, v["start_date"]), spell)
        outcome, _ = posts.apply((spell_id,), ctx.present(record, POST_COLUMNS))
        if outcome == "unchanged" and spell_outcome != "unchanged":
            outcome = "changed"
        ctx.counts.count(outcome)


# --- what each kind's writer reads first, read while the file is being read -----------------
def _preload_employment(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out = {"people": _person_lookup(db)}
    _preload_stored(db, out, *SPELLS)
    return out


def _preload_posts(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out = {"people": _person_lookup(db)}
    _preload_stored(db, out, *POST_SPELLS)
    _preload_stored(db, out, *POSTS, id_column="spell_id")
    return out


def _preload_persons(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out: dict = {}
    _preload_stored(db, out, *HOUSEHOLDS)
    _preload_stored(db, out, *PERSONS)
    return out


def _preload_linked(db: sqlite_utils.Database, spec: KindSpec) -> dict:
    out = {"people": _person_lookup(db)} if spec.person_link else {}
    _preload_stored(db, out, *_linked_table(spec))
    return out


# kind → the look-ups its writer starts with (people by 证件号码, the rows it compares with),
# handed to the writer as ``WriteContext.preloaded``. The engine runs them while the reader
# thread parses the sheet (python-calamine lets go of the GIL), before the import's
# transaction: nothing else writes meanwhile (the program holds the database's lock and runs
# its database work on one thread), and the writers change none of these tables before using
# them. Kinds without an entry read their look-ups inside the writer, as before.
PRELOADS: dict[str, Callable[[sqlite_utils.Database, KindSpec], dict]] = {
    "persons": _preload_persons, "employment": _preload_employment, "posts": _preload_posts,
    "surveys": _preload_linked, "services": _preload_linked, "subsidies": _preload_linked,
    "checks": _preload_linked,
}

WRITERS: dict[str, Callable[[WriteContext], None]] = {
    "persons": write_persons, "employment": write_employment, "surveys": write_linked,
    "services": write_linked, "subsidies": write_linked, "checks": write_linked,
    "targets": write_targets, "sites": write_sites, "orgs": write_orgs, "posts": write_posts,
}
