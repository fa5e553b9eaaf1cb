"""What is due next and what is late, for this installation's province.

The calendar arithmetic is :mod:`.deadlines` (pure); this module reads the province from the
installation settings and the submitted reports from the archive (已报送报表): a report is
late when its due date has passed and a form it names has no archived report with the
period's end as its 数据截止日期.

A township submits nothing to the city: its county does, from the changes the township sends
it by 数据交换. So at a township the same deadlines are the county's, and a period is done
once a package went to the county on or after the period's last day (a package carries every
change made until it was written). Periods due before the township's ledger was set up from
the county's package are not its to send.

Nor are a county's periods due before its ledger began (建账日期): a county that installs the
program today has already submitted last month's forms by hand, and a demo county made today
has submitted nothing it could have. The ledger began on the day set in 设置 (``wengang setup
--started``), else on the day of its first record (the first change in the 修改记录, import or
archived report); a database with no record yet owes every period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlite_utils

from wengang.services.duties.deadlines import Deadline, calendar_for, due_dates
from wengang.services.reports.forms import FormError, get_form
from wengang.store.areas import installation
from wengang.store.city import installation_level
from wengang.store.db import get_setting, set_setting

# The settings key of the day the ledger began, when set by hand (an ISO date).
LEDGER_STARTED = "ledger_started"


@dataclass(frozen=True)
class Sender:
    """How this installation meets a deadline: a county archives the forms it submits; a
    township (``township``) sends its changes to the county, its packages to the county sent
    on ``sent`` (oldest first, ``last_seq`` the newest's number). Either owes only what falls
    due once its ledger began (``started``: 建账日期)."""

    township: bool = False
    started: dt.date | None = None
    sent: tuple[dt.date, ...] = ()
    last_seq: int | None = None

    # What the three places that show a schedule (the command, 概览, 报送时间) call things.
    @property
    def due_word(self) -> str:
        return "县里报送截止" if self.township else "报送截止"

    @property
    def done_word(self) -> str:
        return "已发给县里" if self.township else "已报送"

    @property
    def overdue_word(self) -> str:
        return "逾期未发给县里" if self.township else "逾期未报送"

    @property
    def late_word(self) -> str:
        return "已" + self.overdue_word

    @property
    def last_sent(self) -> str:
        """The township's newest package to the county, or that there was none ("" at a county)."""
        if not self.township:
            return ""
        if not self.sent:
            return "还没有给县里发过交换包"
        return f"上次发给县里：第{self.last_seq}号交换包（{self.sent[-1].isoformat()}）"

    def owes(self, deadline: Deadline) -> bool:
        """The deadline asks something of this installation: it falls due once the ledger began."""
        return self.started is None or deadline.due >= self.started


def _day(stamp: str | None) -> dt.date | None:
    return dt.date.fromisoformat(stamp[:10]) if stamp else None


# The ledger's first records, each the first row of its table (ids grow with time: no scan).
_FIRST_RECORDS = ("SELECT at FROM audit_log ORDER BY id LIMIT 1",
                  "SELECT started_at FROM import_batches ORDER BY id LIMIT 1",
                  "SELECT submitted_at FROM report_archive ORDER BY id LIMIT 1")


def first_record_day(db: sqlite_utils.Database) -> dt.date | None:
    """The day of the ledger's first record, None while it has none."""
    days = [_day(row[0]) for sql in _FIRST_RECORDS if (row := db.execute(sql).fetchone())]
    return min((d for d in days if d), default=None)


def ledger_started(db: sqlite_utils.Database) -> tuple[dt.date | None, str]:
    """(建账日期, how it is known): the day set in 设置; at a township the day the county's
    first package came; else the day of the ledger's first record."""
    stated = get_setting(db, LEDGER_STARTED)
    if stated:
        return dt.date.fromisoformat(stated), "设置"
    if installation_level(db) == "township":
        first = db.execute("SELECT min(at) FROM exchange_packages WHERE direction = 'in'").fetchone()[0]
        return _day(first), "收到县里第一个交换包"
    return first_record_day(db), "第一条记录"


def set_ledger_started(db: sqlite_utils.Database, day: dt.date | None) -> None:
    """Set the 建账日期 by hand (None: back to the day of the first record)."""
    set_setting(db, LEDGER_STARTED, day.isoformat() if day else None)


def sender(db: sqlite_utils.Database) -> Sender:
    """This installation's :class:`Sender`."""
    started, _how = ledger_started(db)
    if installation_level(db) != "township":
        return Sender(started=started)
    sent = db.execute("SELECT at, seq FROM exchange_packages WHERE direction = 'out' ORDER BY at, seq").fetchall()
    return Sender(True, started, tuple(_day(at) for at, _seq in sent), sent[-1][1] if sent else None)


@dataclass
class DeadlineState:
    deadline: Deadline
    missing: tuple[str, ...]        # form numbers not yet archived for the period

    @property
    def submitted(self) -> bool:
        return not self.missing


@dataclass
class Schedule:
    today: dt.date
    province: str | None
    upcoming: list[DeadlineState] = field(default_factory=list)   # due today or later
    late: list[DeadlineState] = field(default_factory=list)       # due date passed, not archived
    problem: str | None = None      # no province, no calendar for it
    unknown: list[str] = field(default_factory=list)  # due dates in a year the holiday calendar lacks
    sender: Sender = field(default_factory=Sender)
    before_ledger: int = 0          # past due dates not counted: they fell due before the ledger began


def _form_id(number: str) -> str:
    try:
        return get_form(number).id
    except FormError:
        return number


def missing_forms(db: sqlite_utils.Database, deadline: Deadline, by: Sender | None = None) -> tuple[str, ...]:
    """The deadline's forms with no archived report for its period; at a township (``by``),
    all of them until a package went to the county on or after the period's last day."""
    if by is not None and by.township:
        return () if any(day >= deadline.period_end for day in by.sent) else tuple(deadline.forms)
    out = []
    for number in deadline.forms:
        found = db.execute("SELECT 1 FROM report_archive WHERE form_id IN (?, ?) AND as_of = ? LIMIT 1",
                           [_form_id(number), number, deadline.period_end.isoformat()]).fetchone()
        if found is None:
            out.append(number)
    return tuple(out)


def schedule(db: sqlite_utils.Database, today: dt.date, *, ahead: int = 2, back_days: int = 190) -> Schedule:
    """The next ``ahead`` reports due from ``today`` and the late ones of the last ``back_days``."""
    province = installation(db).province
    result = Schedule(today, province, sender=sender(db))
    try:
        calendar = calendar_for(province)
        past = due_dates(calendar, today - dt.timedelta(days=back_days), today, result.unknown)
        coming = due_dates(calendar, today - dt.timedelta(days=100), today + dt.timedelta(days=200), [])
    except (LookupError, ValueError) as exc:
        result.problem = str(exc)
        return result
    for deadline in past:
        if deadline.due >= today:
            continue
        if not result.sender.owes(deadline):
            result.before_ledger += 1
        elif missing := missing_forms(db, deadline, result.sender):
            result.late.append(DeadlineState(deadline, missing))
    for deadline in coming:
        if deadline.due >= today and len(result.upcoming) < ahead:
            result.upcoming.append(DeadlineState(deadline, missing_forms(db, deadline, result.sender)))
    if len(result.upcoming) < ahead:
        # the next due date lies in a year the holiday calendar does not know: say so
        unknown: list[str] = []
        due_dates(calendar, today, today + dt.timedelta(days=200), unknown)
        result.unknown.extend(u for u in unknown if u not in result.unknown)
    return result


def state_word(db: sqlite_utils.Database, deadline: Deadline, today: dt.date, by: Sender) -> str:
    """One deadline as the year's table shows it: due before the ledger began, done, not yet
    due, late. A county's report archived here for a period before the ledger began was made
    after all (done); a township's package covers every earlier period by its nature (建账前)."""
    done = not missing_forms(db, deadline, by)
    if not by.owes(deadline) and (by.township or not done):
        return "建账前"
    if done:
        return by.done_word
    return "未到" if deadline.due >= today else by.overdue_word
