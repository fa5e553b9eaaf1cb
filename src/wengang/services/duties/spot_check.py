"""Telephone spot checks (抽查核查, seed 004): draw a sample, print the call sheet, enter or
import the answers; F9 is then computed from ``spot_checks`` as before.

- :func:`draw_sample` — reproducible (the same data and seed give the same people), N per
  township, stratified by 就业地域 of the person's work this year (proportional, largest
  remainder), leaving out people checked in the last K months; the calls can be assigned to
  another township (交叉核查) or to named units of other counties (a city's cross-county check).
- :func:`write_call_sheet` — the call sheet: 抽查编号, name, masked ID, phone, recorded work
  place and start month, and the four 是/否 columns to fill (drop-down lists), 核查日期, 核查人.
- :func:`import_call_sheet` — a filled sheet back: all or nothing, with the importer's error
  workbook (the input rows, bad cells in red, a 错误说明 column) when any cell is wrong.
- :func:`record_call` — one answered call (the window's keyboard entry uses it too).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wengang.domain.dates import parse_date
from wengang.domain.masking import mask_id
from wengang.domain.populations import status_population
from wengang.domain.status import AsOf
from wengang.domain.yesno import YesNoError, parse_yes_no
from wengang.services.importing.errors_book import default_errors_path, write_errors_workbook
from wengang.services.importing.model import Issue
from wengang.services.importing.reader import ReadError, Table, read_table
from wengang.store.areas import AREA_SUBTREE, AREA_TOWNSHIP, heading, household_village, installation
from wengang.store.status import status_table

ANSWERS = ("电话接通", "务工地一致", "务工时间一致", "政策知晓")
SHEET_COLUMNS = ("抽查编号", "核查单位", "乡镇（街道）", "行政村（社区）", "姓名", "证件号码", "联系电话",
                 "登记务工地点", "登记外出时间", *ANSWERS, "核查日期", "核查人", "备注")
_WIDTHS = (10, 14, 12, 12, 8, 21, 13, 24, 12, 9, 10, 11, 9, 12, 8, 16)


class SpotCheckError(ValueError):
    """A sample or sheet that cannot be used; the message is for the caseworker."""


@dataclass
class Sample:
    id: int
    as_of: dt.date
    seed: int
    per_township: int
    exclude_months: int
    by_township: dict[str, int] = field(default_factory=dict)
    available: dict[str, int] = field(default_factory=dict)   # candidates before sampling

    @property
    def size(self) -> int:
        return sum(self.by_township.values())


def _allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` over strata of ``sizes`` (largest remainder, ties by
    name), never more than a stratum holds."""
    total = sum(sizes.values())
    if total <= n:
        return dict(sizes)
    exact = {k: n * v / total for k, v in sizes.items()}
    out = {k: int(x) for k, x in exact.items()}
    for k in sorted(sizes, key=lambda k: (-(exact[k] - out[k]), k))[: n - sum(out.values())]:
        out[k] += 1
    return out


def candidates(db: sqlite_utils.Database, as_of: AsOf, exclude_months: int = 0,
               area_id: int | None = None) -> list[tuple[int, str, str, int | None]]:
    """Who may be called: 脱贫人口和监测对象 at work this year (their latest spell of the year
    is the one the call checks), not checked in the last ``exclude_months`` months.
    ``(person_id, township, stratum = 就业地域, spell_id)`` in person order."""
    table = status_table(db, as_of)
    params = {**as_of.params(), "months": f"-{int(exclude_months)} months"}
    scope = ""
    if area_id is not None:
        scope = f" AND ps.area_id IN {AREA_SUBTREE}"
        params["area_id"] = area_id
    excluded = ""
    if exclude_months > 0:
        excluded = (" AND NOT EXISTS (SELECT 1 FROM spot_checks c WHERE c.person_id = ps.person_id "
                    "AND c.check_date > date(:as_of, :months) AND c.check_date <= :as_of)")
    sql = f"""WITH RECURSIVE {AREA_TOWNSHIP}
        SELECT ps.person_id, coalesce(t.name, ''), coalesce(ps.this_year_region, '未填地域'), ps.this_year_spell_id
        FROM temp.{table} ps
        LEFT JOIN area_township tw ON tw.area_id = ps.area_id LEFT JOIN areas t ON t.id = tw.township_id
        WHERE {status_population("poor & employed_this_year")}{scope}{excluded}
        ORDER BY ps.person_id"""
    return [tuple(r) for r in db.execute(sql, params).fetchall()]


def _checkers(townships: list[str], cross: bool, units: list[str] | None, own: str | None) -> dict[str, str]:
    """Who calls each township's sample: itself; the next township (交叉核查); or, for a
    city's cross-county check, the named units in turn, never the township's own county."""
    if units:
        others = [u for u in units if u != own] or units
        return {t: others[i % len(others)] for i, t in enumerate(townships)}
    if cross and len(townships) > 1:
        return {t: townships[(i + 1) % len(townships)] for i, t in enumerate(townships)}
    return {t: t for t in townships}


def draw_sample(db: sqlite_utils.Database, as_of: dt.date | AsOf, *, per_township: int = 100, seed: int = 1,
                exclude_months: int = 0, cross: bool = False, checker_units: list[str] | None = None,
                area_id: int | None = None, note: str | None = None) -> Sample:
    """Draw and keep a sample; the same data, date and seed always give the same people."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    if per_township < 1:
        raise SpotCheckError("每个乡镇至少抽1人")
    pool: dict[str, dict[str, list[tuple[int, int | None]]]] = {}
    for person_id, township, stratum, spell_id in candidates(db, as_of, exclude_months, area_id):
        pool.setdefault(township, {}).setdefault(stratum, []).append((person_id, spell_id))
    if not pool:
        raise SpotCheckError("没有可抽查的人员（今年务工的脱贫人口和监测对象，排除近期已抽查的）")
    rank = {name: n for n, (name,) in enumerate(db.execute(
        "SELECT name FROM areas WHERE level = 'township' ORDER BY sort_order, id").fetchall())}
    townships = sorted(pool, key=lambda t: (rank.get(t, len(rank)), t))   # the county's own order
    checkers = _checkers(townships, cross, checker_units, installation(db).county)
    with db.atomic():
        sample_id = db.execute(
            "INSERT INTO spot_check_samples (as_of, seed, per_township, exclude_months, cross_check, note) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [as_of.date.isoformat(), seed, per_township, exclude_months, int(bool(cross or checker_units)), note],
        ).lastrowid
        sample = Sample(sample_id, as_of.date, seed, per_township, exclude_months)
        seq = 0
        for township in townships:
            strata = pool[township]
            quota = _allocate({k: len(v) for k, v in strata.items()}, per_township)
            sample.available[township] = sum(len(v) for v in strata.values())
            picked = []
            for stratum in sorted(strata):
                rng = random.Random(f"{seed}|{township}|{stratum}")
                picked += [(stratum, *p) for p in sorted(rng.sample(strata[stratum], quota[stratum]))]
            for stratum, person_id, spell_id in sorted(picked, key=lambda p: p[1]):
                seq += 1
                db.execute("INSERT INTO spot_check_sample_persons (sample_id, seq, person_id, township, stratum, "
                           "checker_unit, spell_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [sample_id, seq, person_id, township, stratum, checkers[township], spell_id])
            sample.by_township[township] = len(picked)
    return sample


def sample_code(sample_id: int, seq: int) -> str:
    return f"{sample_id}-{seq:04d}"


def _month(day: str | None) -> str:
    return f"{day[:4]}年{day[5:7]}月" if day else ""


def sample_rows(db: sqlite_utils.Database, sample_id: int) -> list[dict]:
    """The sample's calls in sheet order, with the recorded facts and any answer already in."""
    sql = f"""SELECT sp.seq, sp.person_id, sp.checker_unit, sp.township, v.name AS village, p.name, p.id_number,
            coalesce(p.phone, h.phone) AS phone,
            nullif(coalesce(s.place_province, '') || coalesce(s.place_city, '') || coalesce(s.place_county, ''), '')
              AS place, s.start_date, s.region,
            c.phone_connected, c.place_consistent, c.time_consistent, c.policy_aware, c.check_date, c.checker
        FROM spot_check_sample_persons sp
        JOIN spot_check_samples sa ON sa.id = sp.sample_id
        JOIN persons p ON p.id = sp.person_id JOIN households h ON h.id = p.household_id
        {household_village('h.area_id')}
        LEFT JOIN employment_spells s ON s.id = sp.spell_id
        LEFT JOIN spot_checks c ON c.id = (SELECT c2.id FROM spot_checks c2 WHERE c2.person_id = sp.person_id
                                            AND c2.check_date >= sa.as_of ORDER BY c2.check_date DESC LIMIT 1)
        WHERE sp.sample_id = ? ORDER BY sp.seq"""
    cursor = db.execute(sql, [sample_id])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def samples(db: sqlite_utils.Database) -> list[dict]:
    """Drawn samples, newest first, with their size and how many calls have answers."""
    cursor = db.execute("""SELECT sa.id, sa.drawn_at, sa.as_of, sa.seed, sa.per_township, sa.exclude_months,
            count(sp.person_id) AS size,
            sum(EXISTS (SELECT 1 FROM spot_checks c WHERE c.person_id = sp.person_id AND c.check_date >= sa.as_of))
              AS answered
        FROM spot_check_samples sa LEFT JOIN spot_check_sample_persons sp ON sp.sample_id = sa.id
        GROUP BY sa.id ORDER BY sa.id DESC""")
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _yn(value) -> str:
    return "" if value is None else ("是" if value else "否")


def write_call_sheet(db: sqlite_utils.Database, sample_id: int, path: str | Path, *, checker_unit: str | None = None,
                     mask: bool = True) -> int:
    """The call sheet as .xlsx (A4 landscape, header on every page, 是/否 drop-downs); returns
    the number of calls. ``checker_unit`` keeps only the calls one unit makes."""
    rows = [r for r in sample_rows(db, sample_id) if checker_unit in (None, r["checker_unit"])]
    if not rows:
        raise SpotCheckError(f"抽查批次{sample_id}中没有{checker_unit or ''}要打的电话")
    wb = Workbook()
    ws = wb.active
    ws.title = "抽查电话单"
    ncols = len(SHEET_COLUMNS)
    unit = heading(db).unit_name
    ws.append([f"脱贫人口务工信息电话抽查登记表（抽查批次{sample_id}）"])
    ws.append([(f"填报单位：{unit}　　核查单位：{checker_unit or '见各行'}　　共{len(rows)}人　　"
               "接通后逐项核对务工地点和外出时间，并询问是否知晓就业帮扶政策；未接通的只填“电话接通”为否")])
    ws.append(list(SHEET_COLUMNS))
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb.add_named_style(NamedStyle("call_plain", border=box, number_format="@"))
    wb.add_named_style(NamedStyle("call_answer", border=box, number_format="@",
                                  fill=PatternFill("solid", fgColor="FFF2CC")))
    for r in rows:
        number = r["id_number"]
        ws.append([sample_code(sample_id, r["seq"]), r["checker_unit"], r["township"], r["village"], r["name"],
                   mask_id(number) if mask else number, r["phone"] or "", r["place"] or r["region"] or "",
                   _month(r["start_date"]), _yn(r["phone_connected"]), _yn(r["place_consistent"]),
                   _yn(r["time_consistent"]), _yn(r["policy_aware"]), r["check_date"] or "", r["checker"] or "", ""])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    from wengang.services.xlsx_stream import HEADER_FILL, print_a4_landscape, save_workbook  # noqa: PLC0415

    for col, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        head = ws.cell(row=3, column=col)
        head.font, head.fill = Font(bold=True), HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.border = box
        # one named style per kind of cell: assigning style objects cell by cell makes
        # openpyxl compare them against every style so far (38 s for 1,200 calls; now 0.5 s)
        style = "call_answer" if SHEET_COLUMNS[col - 1] in (*ANSWERS, "核查日期", "核查人", "备注") else "call_plain"
        for row in range(4, len(rows) + 4):
            ws.cell(row=row, column=col).style = style
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                            errorTitle="只能填是或否", error="请选择“是”或“否”")
    ws.add_data_validation(yes_no)
    first = SHEET_COLUMNS.index(ANSWERS[0]) + 1
    yes_no.add(f"{get_column_letter(first)}4:{get_column_letter(first + 3)}{len(rows) + 3}")
    ws.freeze_panes = "A4"

    print_a4_landscape(ws, "3:3")
    save_workbook(wb, path)  # atomic, no formulas
    return len(rows)


# --- answers ------------------------------------------------------------------------------------
@dataclass
class Call:
    sample_id: int
    seq: int
    connected: bool
    place: bool | None
    time: bool | None
    aware: bool | None
    day: dt.date
    checker: str | None = None


def _call_problem(call: Call) -> str | None:
    if call.connected and None in (call.place, call.time, call.aware):
        return "电话已接通：务工地一致、务工时间一致、政策知晓三项都要填是或否"
    if not call.connected and any(v is not None for v in (call.place, call.time, call.aware)):
        return "电话未接通：务工地一致、务工时间一致、政策知晓应空着"
    return None


def _person_of(db: sqlite_utils.Database, sample_id: int, seq: int) -> int | None:
    row = db.execute("SELECT person_id FROM spot_check_sample_persons WHERE sample_id = ? AND seq = ?",
                     [sample_id, seq]).fetchone()
    return row[0] if row else None


def _write_call(db: sqlite_utils.Database, person_id: int, call: Call) -> None:
    values = [int(call.connected), None if call.place is None else int(call.place),
              None if call.time is None else int(call.time), None if call.aware is None else int(call.aware),
              call.checker]
    updated = db.execute("UPDATE spot_checks SET phone_connected = ?, place_consistent = ?, time_consistent = ?, "
                         "policy_aware = ?, checker = ? WHERE person_id = ? AND check_date = ?",
                         [*values, person_id, call.day.isoformat()])
    if updated.rowcount == 0:
        db.execute("INSERT INTO spot_checks (phone_connected, place_consistent, time_consistent, policy_aware, "
                   "checker, person_id, check_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [*values, person_id, call.day.isoformat()])


def record_call(db: sqlite_utils.Database, call: Call) -> None:
    """Keep one answered call (a second answer the same day replaces the first)."""
    problem = _call_problem(call)
    if problem:
        raise SpotCheckError(problem)
    person_id = _person_of(db, call.sample_id, call.seq)
    if person_id is None:
        raise SpotCheckError(f"抽查编号{sample_code(call.sample_id, call.seq)}不在抽查批次中")
    with db.atomic():
        _write_call(db, person_id, call)


@dataclass
class SheetCheck:
    """What the error workbook needs (the importer's ``Parsed`` has the same fields)."""

    table: Table
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    bad_cells: set[tuple[int, int]] = field(default_factory=set)

    def rows(self, columns: dict[str, int]) -> Iterator[SheetRow]:
        """Every data row of the sheet, to be checked cell by cell."""
        for index, (row_no, cells) in enumerate(zip(self.table.row_numbers, self.table.rows)):
            yield SheetRow(self, columns, index, row_no, cells)


@dataclass
class SheetRow:
    """One row of a filled sheet being checked: a wrong cell is the sheet's error, marked in
    the error workbook, and the row is not written (``ok`` turns false)."""

    check: SheetCheck
    columns: dict[str, int]
    index: int
    row_no: int
    cells: list[str]
    ok: bool = True

    def cell(self, label: str) -> str:
        return self.cells[self.columns[label]]

    def bad(self, label: str, message: str) -> None:
        self.check.errors.append(Issue(self.row_no, label, message))
        self.check.bad_cells.add((self.index, self.columns[label]))
        self.ok = False

    def past_day(self, label: str, text: str, *, missing: str, today: dt.date,
                 default: dt.date | None = None) -> dt.date | None:
        """The date the row gives in ``label`` (``default`` when the cell is empty): required
        and not after ``today``; None when wrong, missing or still to come (said as the row's
        error, ``missing`` when there is none)."""
        try:
            day = parse_date(text) if text else default
        except ValueError as exc:
            self.bad(label, str(exc))
            return None
        if day is None:
            self.bad(label, missing)
            return None
        if day > today:
            self.bad(label, f"{day} 还没到")
            return None
        return day


@dataclass
class SheetImport:
    imported: int = 0
    unanswered: int = 0
    errors: list[Issue] = field(default_factory=list)
    errors_path: Path | None = None
    period: tuple[dt.date, dt.date] | None = None     # first and last 核查日期 (F9's period)


def _column(table: Table, label: str, check: SheetCheck) -> int | None:
    try:
        return table.headers.index(label)
    except ValueError:
        check.errors.append(Issue(table.header_row, label, "缺少这一列（请用本程序导出的抽查电话单填写）"))
        return None


def import_call_sheet(db: sqlite_utils.Database, path: str | Path, *, default_date: dt.date | None = None,
                      errors_path: str | Path | None = None) -> SheetImport:
    """Import a filled call sheet: every answered row, or — if any cell is wrong — none, and
    an error workbook next to the file (or at ``errors_path``)."""
    path = Path(path)
    try:
        table = read_table(path)
    except ReadError as exc:
        raise SpotCheckError(str(exc)) from exc
    check, result = SheetCheck(table), SheetImport()
    cols = {label: _column(table, label, check) for label in ("抽查编号", *ANSWERS, "核查日期", "核查人")}
    calls: list[tuple[int, Call]] = []
    if not check.errors:
        for row in check.rows(cols):
            answers = _answers(row)
            raw_day = row.cell("核查日期")
            if all(v is None for v in answers.values()) and not raw_day:
                result.unanswered += 1
                continue
            answered = _answered_call(db, row, answers, raw_day, default_date)
            if answered is not None:
                calls.append(answered)
    if check.errors:
        result.errors = check.errors
        if table.rows or table.headers:
            result.errors_path = write_errors_workbook(check, Path(errors_path) if errors_path
                                                       else default_errors_path(path))  # type: ignore[arg-type]
        return result
    with db.atomic():
        for person_id, call in calls:
            _write_call(db, person_id, call)
    result.imported = len(calls)
    if calls:
        days = [c.day for _, c in calls]
        result.period = (min(days), max(days))
    return result


def _answers(row: SheetRow) -> dict[str, bool | str | None]:
    """The row's 是/否 answers; a cell that is neither is its error and answers "bad"."""
    answers: dict[str, bool | str | None] = {}
    for label in ANSWERS:
        try:
            answers[label] = parse_yes_no(row.cell(label))
        except YesNoError as exc:
            row.bad(label, str(exc))
            answers[label] = "bad"
    return answers


def _answered_call(db: sqlite_utils.Database, row: SheetRow, answers: dict, raw_day: str,
                   default_date: dt.date | None) -> tuple[int, Call] | None:
    """(person, call) of an answered row; None when a cell is wrong (said as the row's error)."""
    code = row.cell("抽查编号").strip()
    sample_id, _, seq = code.partition("-")
    person_id = None
    if sample_id.isdigit() and seq.isdigit():
        person_id = _person_of(db, int(sample_id), int(seq))
    if person_id is None:
        row.bad("抽查编号", f"“{code}”不是本数据库抽出的抽查编号（请勿改动这一列）")
        return None
    day = row.past_day("核查日期", raw_day, today=dt.date.today(), default=default_date,
                       missing="已填核查结果的行要填核查日期（或导入时指定核查日期）")
    if day is None or "bad" in answers.values():
        return None
    if answers["电话接通"] is None:
        row.bad("电话接通", "已填其他结果，电话接通要填是或否")
        return None
    call = Call(int(sample_id), int(seq), answers["电话接通"], answers["务工地一致"], answers["务工时间一致"],
                answers["政策知晓"], day, row.cell("核查人") or None)
    problem = _call_problem(call)
    if problem:
        row.bad("务工地一致" if call.connected else "电话接通", problem)
        return None
    return person_id, call
