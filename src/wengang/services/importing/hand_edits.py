"""What the file would change of what was changed here since its last import, said first.

A caseworker records a 返乡 on 30 November; the national system's export of 1 December still
has the spell open, because the national entry comes later. Re-imported, the file reopened the
spell, and the preview only said "修改 1 条". Nothing is overwritten silently: every value a
row was given here (by hand, a batch 登记 or an exchange) since an import last wrote it, and
that the file now changes, is a 提示 of its own, before the import is confirmed, and after it
a finding of its own in 数据质量 (``rules.quality.IMPORT_OVERWRITTEN``, 导入时以文件为准的台账修改), open until
the caseworker marks it checked (an event, not a state the next file can show corrected). The file still wins (it is the national system's record): the caseworker who
sees the 提示 corrects the national system or records the change here again.
"""

from __future__ import annotations

from wengang.domain.fields import label
from wengang.services.importing.model import Issue
from wengang.services.importing.writers.context import WriteContext
from wengang.services.read.lookups import row_owners
from wengang.store.audit import hand_edits_since_import


def _said(value: object) -> str:
    return "空" if value in (None, "") else f"“{value}”"


def warn_hand_edits_overwritten(ctx: WriteContext) -> int:
    """A 提示 for each value the file changes that was changed here since the row's last
    import (called before the updates are sent: :meth:`Upserter.updates`); returns how many."""
    said = 0
    for upserter in ctx.upserters:
        changes = dict(upserter.updates())
        edits = hand_edits_since_import(ctx.db, upserter.table, list(changes), ctx.batch_id)
        if not edits:
            continue
        owners = row_owners(ctx.db, upserter.table, list(edits))
        for row_id, edit in edits.items():
            whose, person_id, household_id = owners.get(row_id, ("", edit.person_id, None))
            for column, here in edit.values.items():
                if column not in changes[row_id]:
                    continue
                there = changes[row_id][column]
                ctx.parsed.warnings.append(Issue(0, label(upserter.table, column), (
                    f"{whose}：台账中{edit.at[:10]}改为{_said(here)}（{edit.user or '本机'}），"
                    f"文件中为{_said(there)}，导入后以文件为准；如文件有误，请在国家系统中更正")))
                ctx.finding_refs[len(ctx.parsed.warnings) - 1] = (person_id, household_id)
                ctx.overwrites.add(len(ctx.parsed.warnings) - 1)
                said += 1
    return said
