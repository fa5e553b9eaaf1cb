"""An import's 提示 (warnings) kept as findings for the 数据质量 panel, and the earlier ones
its file shows were corrected.

A hint is kept once: an identical open finding is not added again. A roster import (its rows
are the persons) resolves the open hints of earlier roster imports about the persons and
households its file holds that this file no longer gives: the phone was corrected in the
national system, the file says so, and "联系电话为空" leaves the panel instead of staying open
for good (nothing else ever resolved an import's hint; 23,631 of them after the 50k demo's
roster). A hint about someone the file does not hold (another township's export) stays open.
An import whose rows are events (务工, 意愿, 服务) resolves nothing: a person's row in it says
nothing about their other spells. Undoing the import opens what it resolved again
(``store.undo``, by ``resolved_batch_id``).
"""

from __future__ import annotations

import json

from wengang.services.importing.upsert import insert_grouped, now_stamp
from wengang.services.importing.writers import WriteContext

_OPEN = "SELECT id, person_id, household_id, field, message FROM quality_findings WHERE rule = ? AND resolved_at IS NULL"
# The person's 证件号码 and the household's 户编号 of the findings (ids in a JSON list) not given again.
_WHOSE = """SELECT f.id, f.person_id, p.id_number, h.hh_no
    FROM quality_findings f
    LEFT JOIN persons p ON p.id = f.person_id
    LEFT JOIN households h ON h.id = f.household_id
    WHERE f.id IN (SELECT value FROM json_each(?))"""


def save_findings(ctx: WriteContext) -> int:
    """Keep this import's hints and resolve the earlier ones its file no longer gives (above);
    returns how many it resolved."""
    rule = f"import.{ctx.parsed.spec.name}"
    open_rows = ctx.db.execute(_OPEN, [rule]).fetchall()
    kept = {row[1:5] for row in open_rows}
    given: set[tuple] = set()
    rows = []
    # found_at given once, as the column's default would give it row by row (its localtime
    # conversion was 0.013 s of 23,632 findings' 0.08 s insert).
    found_at, refs = now_stamp(), ctx.finding_refs
    for i, issue in enumerate(ctx.parsed.warnings):
        person_id, household_id = refs.get(i, (None, None))
        key = (person_id, household_id, issue.field, issue.message)
        given.add(key)
        if key not in kept:
            kept.add(key)
            rows.append((rule, person_id, household_id, issue.field, issue.message, ctx.batch_id, found_at))
    corrected = _corrected(ctx, open_rows, given)
    if corrected:
        ctx.db.conn.executemany("UPDATE quality_findings SET resolved_at = ?, resolved_batch_id = ? WHERE id = ?",
                                [(found_at, ctx.batch_id, finding_id) for finding_id in corrected])
    # Many rows to a statement (still inside the import's atomic()): 23,632 findings of a
    # 165,000-person roster 0.08 -> 0.055 s CPU, one row a statement run.
    insert_grouped(ctx.db.conn, "quality_findings(rule, person_id, household_id, field, message, batch_id, found_at)",
                   7, rows)
    return len(corrected)


def _corrected(ctx: WriteContext, open_rows: list[tuple], given: set[tuple]) -> list[int]:
    """The open hints (``open_rows`` of :data:`_OPEN`) about a person or household this roster
    holds that it gives no more; none for a file whose rows are not persons. A file that gives
    every open hint again (the same roster next month) costs one pass over them."""
    if ctx.parsed.spec.table != "persons":
        return []
    gone = [row[0] for row in open_rows if row[1:5] not in given]
    if not gone:
        return []
    values = ctx.parsed.values_by_key()
    ids, hh_nos = set(values.get("id_number") or ()), set(values.get("hh_no") or ())
    return [finding_id for finding_id, person_id, id_number, hh_no in ctx.db.execute(_WHOSE, [json.dumps(gone)])
            if (id_number in ids if person_id is not None else hh_no in hh_nos) and (id_number or hh_no)]
