"""What the villages wrote back in 数据质量问题按村导出 (核实情况（村里填写）), read into the panel.

The county sends each village its sheet of findings; the village checks each one and writes
what it found. Read back, a row is matched to the finding it was written for by what the sheet
shows of it (户编号, 姓名, 问题, 说明: the 证件号码 is masked in the sheet), among the findings
the rules give now (run them first: data corrected since the sheet went out no longer gives its
finding). Then:

* the village says the data is right as it is (本人无手机, 收入属实): 标记为已核实 with its words
  (``村里核实：…``), as the caseworker would (``rules.reviews``), when accepted;
* the village says it corrected it (已改正, 已补录…) but the data still gives the finding: not
  closed; listed, for someone to correct the data (a village's 已改正 is not a correction);
* the finding is no longer 待处理 (corrected, or checked before) or not found at all: listed as such.

Nothing is written until :func:`accept_replies`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from wengang.services.importing.reader import ReadError, read_sheets
from wengang.services.rules.export import VILLAGE_COLUMNS
from wengang.services.rules.quality import findings
from wengang.services.rules.reviews import NOTE_MAX, review_findings

_LABEL = {key: label for label, key, _ in VILLAGE_COLUMNS}
ANSWER = _LABEL["answer"]
_MATCHED_BY = ("hh_no", "person_name", "title", "message")
NOTE_PREFIX = "村里核实："

# A village saying it corrected the data (已改正, 已经补录了电话, 已整改): its finding stays open
# until the data no longer gives it. 已核实 / 属实 are not corrections.
_SAYS_CORRECTED = re.compile(r"已经?(改|更正|修正|纠正|补|完善|调整|录入|更新|整改|变更|删除)")


class ReplyError(ValueError):
    """A file that is not a village sheet of findings, in the caseworker's words."""


@dataclass(frozen=True)
class Reply:
    """One row a village wrote something in: where (sheet, row as Excel numbers it), whom and
    what it concerns, what it says, and the findings it was matched to (none: not found)."""
    sheet: str
    row: int
    person_name: str
    title: str
    answer: str
    finding_ids: tuple[int, ...] = ()
    key: tuple[str, ...] = ()   # what the sheet shows of its finding (户编号, 姓名, 问题, 说明)

    @property
    def note(self) -> str:
        """The 核实情况 a review records: the village's words, cut to what a review keeps."""
        note = NOTE_PREFIX + " ".join(self.answer.split())
        return note if len(note) <= NOTE_MAX else note[:NOTE_MAX - 1] + "…"

    def where(self) -> str:
        return f"“{self.sheet}”第{self.row}行"


@dataclass
class VillageReplies:
    """A village workbook read back (:func:`read_village_replies`)."""
    sheets: int = 0
    blank: int = 0                                           # rows nothing was written in
    to_review: list[Reply] = field(default_factory=list)     # 待处理, the data said to be right
    said_corrected: list[Reply] = field(default_factory=list)  # 待处理, though said corrected
    already_reviewed: list[Reply] = field(default_factory=list)
    gone: list[Reply] = field(default_factory=list)          # no such finding now (corrected since)

    def summary(self) -> str:
        kinds = [(len(getattr(self, name)), said) for name, said in _SAID]
        parts = [f"{self.sheets}个村的表里有{sum(n for n, _ in kinds)}条写了核实情况"]
        return "，".join(parts + [said.format(n) for n, said in kinds if n]) + "。"


# What a summary says of each kind of reply, in this order.
_SAID = (("to_review", "{}条可记为已核实"),
         ("said_corrected", "{}条村里写了已改正，但数据还是这样，需要在登记页改正"),
         ("already_reviewed", "{}条以前已核实"),
         ("gone", "{}条已不是待处理的问题（数据已改正，或不是本库的问题）"))


def _same(text: str) -> str:
    return " ".join(str(text or "").split())


def _key(row: dict) -> tuple[str, ...]:
    return tuple(_same(row.get(name)) for name in _MATCHED_BY)


def _index(rows: list[dict]) -> dict[tuple[str, ...], tuple[int, ...]]:
    """The findings ``rows`` by what a sheet shows of them."""
    index: dict[tuple[str, ...], list[int]] = {}
    for row in rows:
        index.setdefault(_key(row), []).append(row["id"])
    return {key: tuple(ids) for key, ids in index.items()}


def _village_sheet(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """(index of the header row, column of each VILLAGE_COLUMNS key) when ``rows`` is a village
    sheet: its first non-blank row names 户编号, 姓名, 问题, 说明 and 核实情况（村里填写）."""
    for number, row in enumerate(rows):
        if not any(row):
            continue
        columns = {key: row.index(label) for key, label in _LABEL.items() if label in row}
        needed = (*_MATCHED_BY, "answer")
        return (number, columns) if all(key in columns for key in needed) else None
    return None


def read_village_replies(db: sqlite_utils.Database, path: str | Path) -> VillageReplies:
    """The village sheets of ``path`` read back and each answered row matched to the findings
    the rules give now (:class:`ReadError` when the file cannot be read, :class:`ReplyError` when
    no sheet of it is a village sheet). Reads only."""
    try:
        sheets = read_sheets(path)
    except ReadError as exc:
        raise ReplyError(str(exc)) from exc
    found = [(name, rows, layout) for name, rows in sheets if (layout := _village_sheet(rows)) is not None]
    if not found:
        raise ReplyError(f"“{Path(path).name}”不是“数据质量问题按村导出”的表：没有找到“{ANSWER}”一栏")
    result = VillageReplies(sheets=len(found))
    answered: list[tuple[str, int, dict[str, str]]] = []
    for name, rows, (header, columns) in found:
        width = max(columns.values()) + 1
        for number, row in enumerate(rows[header + 1:], start=header + 2):
            row = row + [""] * (width - len(row))
            if _same(row[columns["answer"]]):
                answered.append((name, number, {key: row[column] for key, column in columns.items()}))
            else:
                result.blank += any(row)
    if not answered:
        return result
    # Only the findings of the households and persons answered about: a reply file answers a few
    # of a county's (150,794 open at 200,000 households: 3.7 → 0.3 s for one village's sheet).
    shown = {(values["hh_no"], values["person_name"]) for _, _, values in answered}
    open_now = _index(findings(db, open_only=True, shown=shown))
    reviewed = _index(findings(db, reviewed_only=True, shown=shown))
    for name, number, values in answered:
        answer, key = _same(values["answer"]), _key(values)
        reply = Reply(name, number, _same(values["person_name"]), _same(values["title"]), answer,
                      open_now.get(key) or reviewed.get(key, ()), key)
        if key in open_now:
            (result.said_corrected if _SAYS_CORRECTED.search(answer) else result.to_review).append(reply)
        elif key in reviewed:
            result.already_reviewed.append(reply)
        else:
            result.gone.append(reply)
    return result


def accept_replies(db: sqlite_utils.Database, replies: list[Reply], user: str | None = None) -> int:
    """Record each reply's words as the 核实情况 of its findings that are still 待处理
    (``rules.reviews``: audited, taken back with 取消核实); returns how many findings were
    reviewed. All or nothing. The findings are found again by what the sheet shows of them: the
    rules re-run in the background after every change and replace their rows (new ids), so
    the ids found when the file was read may be gone by the time the caseworker agrees."""
    with db.atomic():
        shown = {key[:2] for key in (reply.key for reply in replies) if key}
        open_now = _index(findings(db, open_only=True, shown=shown)) if shown else {}
        by_note: dict[str, set[int]] = {}
        for reply in replies:
            by_note.setdefault(reply.note, set()).update(open_now.get(reply.key, ()))
        return sum(review_findings(db, ids, note, user) for note, ids in by_note.items() if ids)
