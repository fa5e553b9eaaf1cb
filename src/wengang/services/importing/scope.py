"""What a township installation takes from a file: its own township's rows.

A township's ledger holds its own villages; the county keeps the rest and owns their rows
(services.exchange refuses a township's change to another township's row). A county-wide
national export handed to a township laptop used to go in whole: every township's people
became the township's own, to be sent to the county as its changes. Now the rows of other
townships are left out, and said once with their count, before anything is parsed.

Which rows are whose: the file's 乡/乡镇 column, read as a roster's (a roster; the national
work-monitoring file has one too). A file keyed by 证件号码 alone (a work file without areas,
surveys, services, …) keeps the rows of the persons registered here; it cannot tell another
township's person from one of its own not yet imported, and says so.
"""

from __future__ import annotations

from collections import Counter

import sqlite_utils

from wengang.services.importing.parsers import parser_for
from wengang.services.importing.reader import Table
from wengang.services.importing.spec import kind_spec
from wengang.store.city import own_township

# Kinds whose rows belong to a person (by 证件号码) or, in a roster, to a township. 安置点 and
# 帮扶车间 of another township stay: this township's people are moved to and work in them.
PERSON_KINDS = ("persons", "employment", "surveys", "services", "subsidies", "checks", "posts")


def township_column(headers: list[str]) -> int | None:
    """The file's 乡/乡镇 column, read as a roster's (a work file's own fields have none)."""
    roster = kind_spec("persons")
    township = roster.field("township")
    return next((i for i, h in enumerate(headers) if roster.field_for(h) is township), None)


def within_township(db: sqlite_utils.Database, kind: str, table: Table, verb: str = "导入") -> tuple[Table, str]:
    """``table`` with only this township installation's rows, and what was left out in words
    ("" when nothing was, and at a county or city): not 导入ed, or not 核对ed (``verb``)."""
    own = own_township(db)
    if own is None or kind not in PERSON_KINDS:
        return table, ""
    col = township_column(table.headers)
    if col is not None:
        keep, others = _by_township(table, col, own)
        if not others:
            return table, ""
        listed = "、".join(f"{name}{n:,}行" for name, n in others.most_common(5)) + ("等" if len(others) > 5 else "")
        return table.subset(keep), (f"本机是{own}的乡镇台账：文件中其他乡镇的{sum(others.values()):,}行未{verb}"
                                    f"（{listed}），由县里{verb}")
    spec = kind_spec(kind)
    number = next((i for i, h in enumerate(table.headers) if spec.field_for(h) is spec.field("id_number")), None)
    if number is None or kind == "persons":
        return table, ""
    keep, unknown = _registered(db, table, number)
    if not unknown:
        return table, ""
    return table.subset(keep), (f"本机是{own}的乡镇台账：文件中有{unknown:,}行的证件号码不是本镇登记的人员"
                                f"（多为其他乡镇的人），未{verb}；如其中有本镇新登记的人，请先导入人员信息")


def _by_township(table: Table, col: int, own: str) -> tuple[list[int], Counter]:
    fold = parser_for(kind_spec("persons").field("township"))
    keep, others = [], Counter()
    for index, text in enumerate(table.column(col)):
        name = fold(text) if text else ""
        if not name or name == own:  # a blank 乡镇 is the row's own problem, said by the parse
            keep.append(index)
        else:
            others[name] += 1
    return keep, others


def _registered(db: sqlite_utils.Database, table: Table, col: int) -> tuple[list[int], int]:
    registered = {r[0] for r in db.execute("SELECT id_number FROM persons WHERE id_number IS NOT NULL")}
    keep, unknown = [], 0
    for index, text in enumerate(table.column(col)):
        number = (text or "").strip().upper()
        # a blank 证件号码 (a workshop's subsidy) or a malformed one is kept: the parse says what it is
        if not number or len(number) != 18 or number in registered:
            keep.append(index)
        else:
            unknown += 1
    return keep, unknown
