"""Returnee follow-up (返乡回流跟踪服务, seed 001 §十四): every return this year opens a follow-up
due within N working days (setting ``followup_working_days``, default 10; 调休 counted by
:mod:`.deadlines`); an intention survey or an employment service on or after the return day
closes it. Who returned is the status table's ``returned`` flag and ``return_date`` (the same
definition as the 返乡回流 list and the forms), never derived again here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from wengang.domain.populations import status_population
from wengang.domain.status import AsOf
from wengang.services.duties.deadlines import CalendarUnknown, working_days_after
from wengang.store.areas import AREA_SUBTREE, AREA_TOWNSHIP
from wengang.store.db import get_setting, set_setting
from wengang.store.status import status_table

SETTING_KEY = "followup_working_days"
DEFAULT_DAYS = 10

OPEN, OVERDUE, CLOSED, UNKNOWN = "未到期", "已逾期", "已跟踪", "到期日未知"


def followup_days(db: sqlite_utils.Database) -> int:
    value = get_setting(db, SETTING_KEY)
    return int(value) if value and value.isdigit() and int(value) > 0 else DEFAULT_DAYS


def set_followup_days(db: sqlite_utils.Database, days: int) -> None:
    if days < 1:
        raise ValueError("跟踪期限至少1个工作日")
    set_setting(db, SETTING_KEY, str(days))


@dataclass
class FollowUp:
    person_id: int
    township: str
    village: str
    name: str
    id_number: str
    phone: str | None
    return_date: dt.date
    return_reason: str | None
    came_from: str            # where the returning job was (地域 and place)
    due: dt.date | None       # None: the holiday calendar of that year is not published yet
    closed_on: dt.date | None
    closed_by: str | None     # 意愿摸排 / 就业服务（职业指导 …）
    status: str
    note: str = ""


def followups(db: sqlite_utils.Database, as_of: dt.date | AsOf, *, working_days: int | None = None,
              area_id: int | None = None, today: dt.date | None = None) -> list[FollowUp]:
    """Everyone who returned this year by D, with the follow-up's due date and whether (and
    how) it was closed; ``today`` (default D) decides what is overdue."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    days = working_days or followup_days(db)
    today = today or as_of.date
    table = status_table(db, as_of)
    params: dict = dict(as_of.params())
    scope = ""
    if area_id is not None:
        scope = f" AND ps.area_id IN {AREA_SUBTREE}"
        params["area_id"] = area_id
    sql = f"""WITH RECURSIVE {AREA_TOWNSHIP}
        SELECT ps.person_id, coalesce(t.name, ''), coalesce(v.name, ''), p.name, p.id_number, p.phone,
               ps.return_date, ps.return_reason,
               (SELECT coalesce(s.region, '') || ' ' || coalesce(s.place_province, '') || coalesce(s.place_city, '')
                       || coalesce(s.place_county, '') FROM employment_spells s
                 -- on the (person_id, start_date) index: by end_date or id, SQLite scanned (38 s at 46k)
                 WHERE s.person_id = ps.person_id AND +s.end_date = ps.return_date
                 ORDER BY s.person_id DESC, s.start_date DESC LIMIT 1),
               (SELECT min(survey_date) FROM surveys sv WHERE sv.person_id = ps.person_id
                 AND sv.survey_date >= ps.return_date AND sv.survey_date <= :as_of),
               (SELECT min(service_date) || '|' || kind FROM services se WHERE se.person_id = ps.person_id
                 AND se.service_date >= ps.return_date AND se.service_date <= :as_of)
        FROM temp.{table} ps
        JOIN persons p ON p.id = ps.person_id
        LEFT JOIN areas v ON v.id = ps.area_id
        LEFT JOIN area_township tw ON tw.area_id = ps.area_id LEFT JOIN areas t ON t.id = tw.township_id
        WHERE {status_population("returned & poor")}{scope}
        ORDER BY ps.return_date, t.sort_order, t.id, v.sort_order, v.id, ps.person_id"""
    out = []
    for (pid, township, village, name, number, phone, returned, reason, came_from, surveyed,
         served) in db.execute(sql, params).fetchall():
        back = dt.date.fromisoformat(returned)
        closes = []
        if surveyed:
            closes.append((surveyed, "意愿摸排"))
        if served:
            day, _, kind = served.partition("|")
            closes.append((day, f"就业服务（{kind}）"))
        closed_on, closed_by = (None, None)
        if closes:
            first = min(closes)
            closed_on, closed_by = dt.date.fromisoformat(first[0]), first[1]
        note = ""
        try:
            due = working_days_after(back, days)
        except CalendarUnknown as exc:
            due, note = None, str(exc)
        if closed_on is not None:
            status = CLOSED
            if due is not None and closed_on > due:
                note = f"跟踪晚了{(closed_on - due).days}天"
        elif due is None:
            status = UNKNOWN
        else:
            status = OVERDUE if today > due else OPEN
        out.append(FollowUp(pid, township, village, name, number, phone, back, reason, (came_from or "").strip(),
                            due, closed_on, closed_by, status, note))
    return out


def summary(items: list[FollowUp]) -> dict[str, int]:
    counts = {OVERDUE: 0, OPEN: 0, CLOSED: 0, UNKNOWN: 0}
    for item in items:
        counts[item.status] += 1
    return counts


COLUMNS = (("乡镇（街道）", 12), ("行政村（社区）", 12), ("姓名", 8), ("证件号码", 21), ("联系电话", 13),
           ("返乡时间", 11), ("返乡原因", 12), ("从哪里返乡", 26), ("跟踪到期", 11), ("状态", 9), ("跟踪日期", 11),
           ("跟踪方式", 20), ("说明", 30))
_LONG_TEXT = [n for n, (label, _width) in enumerate(COLUMNS) if label in ("从哪里返乡", "说明")]  # wrapped


def write_followups(items: list[FollowUp], path: str | Path, *, title: str,
                    progress: Callable[[int, int, str], object] | None = None) -> Path:
    """The follow-up list as .xlsx; ``progress(done, total, words)`` every few thousand rows
    (it may raise to stop: the file is saved whole at the end, or not at all). Streamed, rows
    as they come: a whole sheet of cells took 654 MB and 16 s for the 112,774 returnees of a
    200,000-household county."""
    from wengang.services.xlsx_stream import StreamedWorkbook  # noqa: PLC0415 - atomic, no formulas

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = StreamedWorkbook(path, "返乡回流跟踪")
    try:
        _write_rows(book.sheet, items, title, progress)
    except BaseException:
        book.abandon()  # no file, and any earlier one of that name as it was
        raise
    book.save()
    return path


def _write_rows(sheet, items: list[FollowUp], title: str, progress: Callable[[int, int, str], object] | None) -> None:
    from wengang.services.xlsx_stream import listing_head  # noqa: PLC0415 - with the rest of the writer

    append = listing_head(sheet, title, COLUMNS, wrapped=_LONG_TEXT)  # its 13 columns one page wide
    red = Font(color="FF9C0006")
    for n, item in enumerate(items):
        if progress is not None and n % 2000 == 0:
            progress(n, len(items), f"正在写入第 {n + 1:,} 人（共 {len(items):,} 人）")
        status = _styled(sheet, item.status, red) if item.status == OVERDUE else item.status
        append([item.township, item.village, item.name, item.id_number, item.phone or "",
                item.return_date.isoformat(), item.return_reason or "", item.came_from,
                item.due.isoformat() if item.due else "", status,
                item.closed_on.isoformat() if item.closed_on else "", item.closed_by or "", item.note])


def _styled(sheet, value, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.font, cell.alignment = font, Alignment(vertical="top")  # as its row's other cells
    return cell
