"""Door-to-door sheets (入户摸排/核实, seed 002): per village or household, every member with
the current record filled in (labour skill, current work, last survey) and blank columns for
the new answers; the filled sheet imports back all or nothing, with the importers' error
workbook when a cell is wrong.

Flags on each person (counted by village: :func:`flags_by_village`): 从未摸排, 摸排已超过N个月, 计划外出月份已过
(latest survey willing, its planned month before D's, still not at work). :func:`reasons_by_village`
gives the 未外出原因 and 增收措施 counts of the not-yet list (去年务工今年未务工) by village.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wengang.domain.phones import normalise_phone, phone_problem
from wengang.domain.populations import status_population
from wengang.domain.status import AsOf
from wengang.domain.yesno import YesNoError, parse_yes_no
from wengang.services.duties.spot_check import SheetCheck, SheetRow
from wengang.services.importing.errors_book import default_errors_path, write_errors_workbook
from wengang.services.importing.model import Issue
from wengang.services.importing.reader import ReadError, read_table
from wengang.services.xlsx_stream import HEADER_FILL, StreamedWorkbook, print_a4_landscape, style_attribute
from wengang.store.areas import AREA_SUBTREE, AREA_TOWNSHIP, heading
from wengang.store.status import status_table

FILLED = ("乡镇（街道）", "行政村（社区）", "户编号", "户主姓名", "姓名", "证件号码", "与户主关系", "劳动技能",
          "目前务工情况", "上次摸排", "提醒")
ANSWERS = ("摸排日期", "是否有外出意愿", "计划外出时间", "未外出原因", "增收措施", "培训需求", "联系电话（核实）")
SHEET_COLUMNS = FILLED + ANSWERS
_WIDTHS = (10, 10, 19, 8, 8, 21, 8, 14, 28, 24, 20, 11, 9, 10, 16, 16, 12, 13)
DEFAULT_STALE_MONTHS = 6


class SurveySheetError(ValueError):
    """A sheet that cannot be written or read; the message is for the caseworker."""


def _flags(row: dict, as_of: dt.date, stale_months: int) -> list[str]:
    flags = []
    if not row["survey_date"]:
        flags.append("从未摸排")
    else:
        surveyed = dt.date.fromisoformat(row["survey_date"])
        months = (as_of.year - surveyed.year) * 12 + as_of.month - surveyed.month - (as_of.day < surveyed.day)
        if months >= stale_months:
            flags.append(f"摸排已超过{stale_months}个月")
        planned = row["planned_month"]
        if row["willing"] == 1 and planned and planned[:7] < as_of.isoformat()[:7] and not row["employed_now"]:
            flags.append("计划外出月份已过")
    return flags


def sheet_rows(db: sqlite_utils.Database, as_of: dt.date | AsOf, *, area_id: int | None = None,
               hh_no: str | None = None, stale_months: int = DEFAULT_STALE_MONTHS,
               labour_only: bool = False) -> list[dict]:
    """The people a sheet lists (households of 脱贫户/监测户 in the area, or one household), in
    the lists' order, with their current record and flags."""
    return list(_iter_sheet_rows(db, as_of, area_id=area_id, hh_no=hh_no, stale_months=stale_months,
                                 labour_only=labour_only))


def flags_by_village(db: sqlite_utils.Database, as_of: dt.date | AsOf, *, area_id: int | None = None,
                     stale_months: int = DEFAULT_STALE_MONTHS) -> dict[tuple[str, str], Counter]:
    """(乡镇, 村) → how many 劳动力 and how many carry each flag, villages in the lists' order.
    Counted as the rows come: the county's 459,000 labourers as dicts took 1 GiB at 200,000
    households."""
    by_village: dict[tuple[str, str], Counter] = {}
    for row in _iter_sheet_rows(db, as_of, area_id=area_id, stale_months=stale_months, labour_only=True):
        counter = by_village.setdefault((row["township"], row["village"]), Counter())
        counter["劳动力"] += 1
        counter.update(row["flags"])
    return by_village


def _iter_sheet_rows(db: sqlite_utils.Database, as_of: dt.date | AsOf, *, area_id: int | None = None,
                     hh_no: str | None = None, stale_months: int = DEFAULT_STALE_MONTHS,
                     labour_only: bool = False) -> Iterator[dict]:
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    table = status_table(db, as_of)
    params: dict = dict(as_of.params())
    where = [status_population("poor")]
    if area_id is not None:
        where.append(f"ps.area_id IN {AREA_SUBTREE}")
        params["area_id"] = area_id
    if hh_no:
        where.append("h.hh_no = :hh_no")
        params["hh_no"] = hh_no
    if labour_only:
        where.append("ps.is_labour")
    sql = f"""WITH RECURSIVE {AREA_TOWNSHIP}
        SELECT ps.person_id, coalesce(t.name, '') AS township, coalesce(v.name, '') AS village, h.hh_no,
               h.head_name, p.name, p.id_number, p.relation, p.labour_skill, p.phone, ps.employed_now,
               cur.region, cur.channel, cur.employer_name,
               nullif(coalesce(cur.place_province, '') || coalesce(cur.place_city, '') || coalesce(cur.place_county, ''), '')
                 AS place, ps.survey_date, ps.willing, ps.planned_month, ps.survey_reason, ps.survey_measure
        FROM temp.{table} ps
        JOIN persons p ON p.id = ps.person_id JOIN households h ON h.id = ps.household_id
        LEFT JOIN employment_spells cur ON cur.id = ps.now_spell_id
        LEFT JOIN areas v ON v.id = ps.area_id
        LEFT JOIN area_township tw ON tw.area_id = ps.area_id LEFT JOIN areas t ON t.id = tw.township_id
        WHERE {' AND '.join(where)}
        ORDER BY t.sort_order, t.id, v.sort_order, v.id, h.hh_no, p.relation <> '户主', p.id"""
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        if row["employed_now"]:
            row["work"] = "、".join(x for x in (row["region"], row["place"], row["channel"], row["employer_name"]) if x)
        else:
            row["work"] = "未务工"
        if row["survey_date"]:
            said = "有意愿" if row["willing"] == 1 else "无意愿"
            extra = f"，计划{row['planned_month']}" if row["willing"] == 1 and row["planned_month"] else ""
            extra += f"，{row['survey_reason']}" if row["willing"] != 1 and row["survey_reason"] else ""
            row["last_survey"] = f"{row['survey_date']} {said}{extra}"
        else:
            row["last_survey"] = ""
        row["flags"] = _flags(row, as_of.date, stale_months)
        yield row


def write_survey_sheet(db: sqlite_utils.Database, as_of: dt.date | AsOf, path: str | Path, *,
                       area_id: int | None = None, hh_no: str | None = None, stale_months: int = DEFAULT_STALE_MONTHS,
                       labour_only: bool = False, title: str | None = None) -> int:
    """The door-to-door sheet as .xlsx (A4 landscape, header on every page); returns the rows.

    Streamed into the file (``xlsx_stream.StreamedWorkbook``) with each column's style written
    into its cells' XML: a township of 72,297 persons at 200,000 households took 22 s and
    744 MiB as a whole openpyxl sheet with a style set on each of its 1.3 million cells."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    # The filled columns only, a tuple per person (the caption counts them before they stream).
    rows = [(r["township"], r["village"], r["hh_no"], r["head_name"], r["name"], r["id_number"], r["relation"],
             r["labour_skill"], r["work"], r["last_survey"], "、".join(r["flags"]))
            for r in _iter_sheet_rows(db, as_of, area_id=area_id, hh_no=hh_no, stale_months=stale_months,
                                      labour_only=labour_only)]
    if not rows:
        raise SurveySheetError("所选范围内没有脱贫户、监测户的人员")
    book = StreamedWorkbook(path, "入户摸排核实表")
    try:
        sheet = book.sheet
        styles = _sheet_head(sheet, db, as_of, title, len(rows))
        blank = ("",) * len(ANSWERS)
        for row in rows:
            sheet.append_styled(row + blank, styles)
        book.save()
    except BaseException:
        book.abandon()
        raise
    return len(rows)


def _sheet_head(sheet, db: sqlite_utils.Database, as_of: AsOf, title: str | None, count: int) -> tuple[str, ...]:
    """Title, caption and header of the sheet, its columns, print set-up, validation and
    frozen panes (all before the rows stream out); the style of each column's data cells."""
    last = get_column_letter(len(SHEET_COLUMNS))
    thin = Side(style="thin")
    common = {"border": Border(left=thin, right=thin, top=thin, bottom=thin), "number_format": "@",
              "alignment": Alignment(wrap_text=True, vertical="center")}
    looks = {"plain": {}, "answer": {"fill": PatternFill("solid", fgColor="FFF2CC")},
             "flag": {"font": Font(color="FF9C0006")}}
    style_of = {}
    for name, extra in looks.items():
        style_of[name] = style_attribute(sheet, **common, **extra)
    for col, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    # Every data row two lines high (long work places and flags wrap): the sheet's default row
    # height, not a height per row.
    sheet.sheet_format.defaultRowHeight = 30
    sheet.sheet_format.customHeight = True
    sheet.row_dimensions[1].height = 20
    sheet.row_dimensions[2].height = 15
    sheet.freeze_panes = "F4"
    print_a4_landscape(sheet, "3:3")
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    col = get_column_letter(SHEET_COLUMNS.index("是否有外出意愿") + 1)
    yes_no.add(f"{col}4:{col}{count + 3}")
    sheet.data_validations.append(yes_no)
    head = WriteOnlyCell(sheet, title or "脱贫人口入户摸排核实表")
    head.font, head.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    sheet.append([head])
    unit = heading(db).unit_name
    sheet.append([(f"填报单位：{unit}　　信息截止：{as_of.date:%Y年%m月%d日}　　共{count}人　　"
                   "左侧为台账现有信息，请入户核实后填写右侧黄色各列；计划外出时间写年月（如2027-03）")])
    header = []
    for label in SHEET_COLUMNS:
        cell = WriteOnlyCell(sheet, label)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.merged_cells.add(f"A2:{last}2")
    return tuple(style_of["answer"] if label in ANSWERS else style_of["flag"] if label == "提醒" else style_of["plain"]
                 for label in SHEET_COLUMNS)


@dataclass
class SurveyImport:
    surveys: int = 0
    phones: int = 0
    training: int = 0
    untouched: int = 0
    errors: list[Issue] = field(default_factory=list)
    errors_path: Path | None = None


_MONTH = re.compile(r"^(\d{4})\D{0,2}(\d{1,2})")


def _month(text: str) -> str:
    """``2027-03``, ``2027年3月``, ``2027.3``, ``202703`` → ``2027-03``."""
    compact = text.strip().replace("年", "-").replace("月", "").replace(".", "-").replace("/", "-")
    match = _MONTH.match(compact if "-" in compact else compact[:4] + "-" + compact[4:])
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"“{text}”应写成年月，如 2027-03")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


# The answers that make a survey (摸排); 培训需求 and the verified phone are kept without one.
SURVEY_ANSWERS = ("摸排日期", "是否有外出意愿", "计划外出时间", "未外出原因", "增收措施")


def import_survey_sheet(db: sqlite_utils.Database, path: str | Path, *,
                        errors_path: str | Path | None = None) -> SurveyImport:
    """Read a filled door-to-door sheet back: surveys, verified phones and 培训需求 for every row
    with an answer — or nothing at all, with the error workbook, if any cell is wrong."""
    path = Path(path)
    try:
        table = read_table(path)
    except ReadError as exc:
        raise SurveySheetError(str(exc)) from exc
    check, result = SheetCheck(table), SurveyImport()
    cols = {}
    for label in ("证件号码", *ANSWERS):
        if label in table.headers:
            cols[label] = table.headers.index(label)
        else:
            check.errors.append(Issue(table.header_row, label, "缺少这一列（请用本程序导出的入户摸排核实表填写）"))
    writes: list[tuple] = []
    if not check.errors:
        today = dt.date.today()
        for row in check.rows(cols):
            answers = {label: row.cell(label).strip() for label in ANSWERS}
            if not any(answers.values()):
                result.untouched += 1
                continue
            answered = _answered_row(db, row, answers, today)
            if answered is not None:
                writes.append(answered)
    if check.errors:
        result.errors = check.errors
        result.errors_path = write_errors_workbook(check, Path(errors_path) if errors_path  # type: ignore[arg-type]
                                                   else default_errors_path(path))
        return result
    with db.atomic():
        _save_answers(db, writes, result)
    return result


def _answered_row(db: sqlite_utils.Database, row: SheetRow, answers: dict[str, str],
                  today: dt.date) -> tuple | None:
    """(person, survey, verified phone, 培训需求) of an answered row, the survey None when the
    row gives none; None when a cell is wrong (said as the row's error)."""
    number = row.cell("证件号码").strip().upper()
    found = db.execute("SELECT id FROM persons WHERE id_number = ?", [number]).fetchone()
    if found is None:
        row.bad("证件号码", f"“{number}”不在台账中（请勿改动左侧已填信息）")
        return None
    person_id = found[0]
    survey = _survey(row, person_id, answers, today) if any(answers[k] for k in SURVEY_ANSWERS) else None
    phone = _verified_phone(row, answers["联系电话（核实）"])
    if not row.ok:
        return None
    return person_id, survey, phone, answers["培训需求"] or None


def _survey(row: SheetRow, person_id: int, answers: dict[str, str], today: dt.date) -> tuple | None:
    """The surveys row the answers make: a 摸排日期 not in the future, 是否有外出意愿 是 or 否, a
    planned month, and a 未外出原因 when there is no will to go; None when a cell is wrong."""
    day = row.past_day("摸排日期", answers["摸排日期"], today=today, missing="填了摸排结果的行要填摸排日期")
    try:
        willing = parse_yes_no(answers["是否有外出意愿"])
    except YesNoError as exc:
        row.bad("是否有外出意愿", str(exc))
        willing = None
    if row.ok and willing is None:
        row.bad("是否有外出意愿", "填了摸排结果的行要填是或否")
    planned = None
    if answers["计划外出时间"]:
        try:
            planned = _month(answers["计划外出时间"])
        except ValueError as exc:
            row.bad("计划外出时间", str(exc))
    if row.ok and willing is False and not answers["未外出原因"]:
        row.bad("未外出原因", "没有外出意愿的要写未外出原因（种子文件002要求按村统计）")
    if not row.ok:
        return None
    return (person_id, day.isoformat(), int(willing), planned if willing else None,
            None if willing else answers["未外出原因"], answers["增收措施"] or None)


def _verified_phone(row: SheetRow, text: str) -> str | None:
    """The 联系电话（核实） normalised; a number that cannot be a phone is the row's error."""
    if not text:
        return None
    problem = phone_problem(text, landline_ok=True)
    if problem:
        row.bad("联系电话（核实）", problem)
        return None
    return normalise_phone(text)


def _save_answers(db: sqlite_utils.Database, writes: list[tuple], result: SurveyImport) -> None:
    """Every checked row kept: its survey (a second one the same day replaces the first), the
    verified phone when it changed, the 培训需求."""
    for person_id, survey, phone, training in writes:
        if survey:
            db.execute("INSERT INTO surveys (person_id, survey_date, willing, planned_month, reason, measure) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, survey_date) DO UPDATE SET "
                       "willing = excluded.willing, planned_month = excluded.planned_month, "
                       "reason = excluded.reason, measure = excluded.measure", list(survey))
            result.surveys += 1
        if phone:
            db.execute("UPDATE persons SET phone = ?, verified_at = ? WHERE id = ? AND coalesce(phone, '') <> ?",
                       [phone, dt.date.today().isoformat(), person_id, phone])
            result.phones += 1
        if training:
            db.execute("UPDATE persons SET training_need = ? WHERE id = ?", [training, person_id])
            result.training += 1


@dataclass
class VillageReasons:
    township: str
    village: str
    not_yet: int
    surveyed: int
    reasons: Counter
    measures: Counter


def reasons_by_village(db: sqlite_utils.Database, as_of: dt.date | AsOf,
                       area_id: int | None = None) -> list[VillageReasons]:
    """The not-yet list (去年务工而今年未务工) by village: how many, how many surveyed, and the
    counts of their latest survey's 未外出原因 and 增收措施 (seed 002)."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    table = status_table(db, as_of)
    params: dict = dict(as_of.params())
    scope = ""
    if area_id is not None:
        scope = f" AND ps.area_id IN {AREA_SUBTREE}"
        params["area_id"] = area_id
    sql = f"""WITH RECURSIVE {AREA_TOWNSHIP}
        SELECT coalesce(t.name, ''), coalesce(v.name, ''), ps.survey_date, ps.survey_reason, ps.survey_measure
        FROM temp.{table} ps LEFT JOIN areas v ON v.id = ps.area_id
        LEFT JOIN area_township tw ON tw.area_id = ps.area_id LEFT JOIN areas t ON t.id = tw.township_id
        WHERE {status_population("poor & employed_last_year & not_employed_this_year")}{scope}
        ORDER BY t.sort_order, t.id, v.sort_order, v.id"""
    out: dict[tuple[str, str], VillageReasons] = {}
    for township, village, surveyed, reason, measure in db.execute(sql, params).fetchall():
        item = out.setdefault((township, village), VillageReasons(township, village, 0, 0, Counter(), Counter()))
        item.not_yet += 1
        if surveyed:
            item.surveyed += 1
            if reason:
                item.reasons[reason] += 1
            if measure:
                item.measures[measure] += 1
    return list(out.values())
