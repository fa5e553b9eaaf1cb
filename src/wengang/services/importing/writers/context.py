"""What every writer shares: the import's :class:`WriteContext`, the people look-up, the
preloaded rows, and resolving a row's person and place.

The writers run inside the import's single ``db.atomic()``; they resolve people, households,
areas and organisations, add row errors the parser could not see (an unknown 证件号码) and the
data-quality warnings of DOMAIN.md, and count added/changed/unchanged per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from wengang.services.importing.model import Counts
from wengang.services.importing.parse import PROGRESS_EVERY, Parsed, Progress, Record
from wengang.services.importing.sender import Sender
from wengang.services.importing.upsert import Upserter, load_stored
from wengang.store.areas import Installation

# New rows of one table collected before the import's tables are sent what they have (see
# WriteContext.send_when_full): a bounded part of the file's rows in memory at once. 10,000,
# not 20,000: about 5 MiB off a 244,303-spell import's peak, no CPU seen (issue 20).
SEND_ROWS = 10_000
# Parsed keys that identify or describe the person rather than being stored on the record.
PERSON_REF = ("id_number", "name", "gender", "birth_date")


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
    # The warnings (their indexes) saying a value changed here is overwritten (importing.hand_edits):
    # kept as findings of their own, reviewed by hand, not closed by the next import.
    overwrites: set[int] = field(default_factory=set)
    # Every table writer of this import, in creation order: parents before children.
    upserters: list[Upserter] = field(default_factory=list)
    _present: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    # Counties in the file other than the installation's, each warned about once.
    foreign_counties: set[str] = field(default_factory=set)
    # What the kind's preload read while the file was being read (see PRELOADS), used once.
    preloaded: dict = field(default_factory=dict)
    # The import writes what it collects (not a preview): new rows may be sent before the end.
    write: bool = False
    # The thread the handed-off rows are inserted on (importing.sender); None: on this one.
    sender: Sender | None = None
    _unchecked: int = 0  # rows written since written() last looked at the upserters

    def upserter(self, table: str, key: tuple[str, ...], columns: tuple[str, ...], **options) -> Upserter:
        """An :class:`Upserter` for this batch; its writes are sent by :meth:`flush`."""
        stored = self.preloaded.pop(_stored_key(table, key, columns, options), None)
        upserter = Upserter(self.db, table, key, columns, self.batch_id, stored=stored, **options)
        self.upserters.append(upserter)
        return upserter

    def people(self) -> dict[str, tuple]:
        """证件号码 → (id, name, labour_skill, student_status) of every person."""
        people = self.preloaded.pop("people", None)
        return person_lookup(self.db) if people is None else people

    def flush(self) -> None:
        """Write what the upserters collected, parents first (the foreign keys are checked),
        after the rows handed off before (whose error, if any, is raised here)."""
        if self.sender is not None:
            self.sender.wait()
        for upserter in self.upserters:
            upserter.flush()

    @property
    def send_every(self) -> int:
        """Rows between two looks at the upserters (:meth:`written`): a writer handing rows
        over in blocks makes them no larger."""
        return min(SEND_ROWS, 1000)

    def written(self, rows: int = 1) -> None:
        """Count ``rows`` handed to the upserters; once one table has :data:`SEND_ROWS` new rows,
        insert every table's, parents first (a member's household is in before the member), so
        a large file's rows are not all held until the end: on the :attr:`sender`'s thread when
        there is one, while this one goes on with the next rows. Only in an import that will write:
        a preview, or a file with an error already, sends nothing (the transaction is rolled
        back in the end either way)."""
        self._unchecked += rows
        if self._unchecked < self.send_every:  # looked at now and then, not per row
            return
        self._unchecked = 0
        if self.write and not self.parsed.errors and any(u.pending >= SEND_ROWS for u in self.upserters):
            conn = self.db.conn  # waits for the rows handed off before (importing.sender)
            jobs = [job for job in (u.hand_off(conn) for u in self.upserters) if job is not None]
            if self.sender is not None:
                self.sender.submit(jobs)  # inserted while the next rows are built
            else:
                for job in jobs:
                    job(self.db.conn)

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

    @property
    def doing(self) -> str:
        """What the writers' progress says they do: a preview's only compare with the database."""
        return "正在写入" if self.write else "正在与已有数据比对"

    def tick(self, i: int, total: int) -> None:
        if self.progress and i % PROGRESS_EVERY == 0:
            self.progress(i, total, self.doing)

    def bump(self, name: str, by: int = 1) -> None:
        self.details[name] = self.details.get(name, 0) + by

    def present(self, record: Record, keys: tuple[str, ...]) -> dict:
        """The record's values for the columns the file has (absent columns stay untouched)."""
        have = self._present.get(keys)
        if have is None:  # once per writer and key list, not once per row
            have = self._present[keys] = tuple(k for k in keys if k in self.parsed.present)
        return dict(zip(have, map(record.values.get, have)))


def person_lookup(db: sqlite_utils.Database) -> dict[str, tuple]:
    """证件号码 → (id, name, labour_skill, student_status); the two codes are one object per
    value (165,000 persons: 88 MB → 60 MB, and it is held while a sheet is read)."""
    shared: dict = {}
    share = shared.setdefault
    rows = db.execute("SELECT id_number, id, name, labour_skill, student_status FROM persons")
    return {r[0]: (r[1], r[2], share(r[3], r[3]), share(r[4], r[4])) for r in rows}


def _stored_key(table: str, key: tuple[str, ...], columns: tuple[str, ...], options: dict) -> tuple:
    return ("stored", table, key, columns, tuple(sorted(options.items())))


def preload_stored(db: sqlite_utils.Database, out: dict, table: str, key: tuple[str, ...],
                   columns: tuple[str, ...], **options) -> None:
    """Read what ``ctx.upserter(table, key, columns, **options)`` will compare with."""
    out[_stored_key(table, key, columns, options)] = load_stored(db, table, key, columns, **options)


def unregistered(number: str) -> str:
    """The row error of a 证件号码 no person has (every kind that links a person says it so)."""
    return f"证件号码{number}未登记，请先导入人员信息"


def check_name(ctx: WriteContext, record: Record, name: str | None, person: tuple) -> None:
    """Warn when the file's 姓名 differs from the registered one; the 证件号码 decides."""
    if name and name != person[1]:
        ctx.warn(record, "name", f"姓名“{name}”与登记的“{person[1]}”不一致，按证件号码导入", person[0])


def resolve_person(ctx: WriteContext, record: Record, people: dict[str, tuple]) -> int | None:
    """The registered person of the row's 证件号码 (an unknown one is the row's error)."""
    number = record.values.get("id_number")
    if not number:
        return None
    hit = people.get(number)
    if hit is None:
        ctx.parsed.error(record, "id_number", unregistered(number))
        return None
    check_name(ctx, record, record.values.get("name"), hit)
    return hit[0]


def area_path(ctx: WriteContext, record: Record, levels: tuple[str, ...]) -> list[tuple[str, str]] | None:
    """The row's place from its county down through ``levels`` while they are filled; the
    installation's county when the file has none; None (the row's error) without either."""
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
