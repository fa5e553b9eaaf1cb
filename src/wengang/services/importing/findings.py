"""An import's 提示 (warnings) kept as findings for the 数据质量 panel, and the earlier ones
its file shows were corrected.

A hint is kept once: an identical open finding, or one checked by hand (``rules.reviews``),
is not added again. An import resolves the open hints of earlier imports of its kind that its
file no longer gives, about what the file shows whole:
- a roster (its rows are the persons): the persons and households it holds. The phone was
  corrected in the national system, the file says so, and "联系电话为空" leaves the panel
  instead of staying open for good (23,631 of them after the 50k demo's roster);
- a file of a person's records (务工, 意愿, 服务, 抽查, 公益性岗位: rows keyed by the person and
  a date): the persons all of whose records it holds, as the national system's monthly
  export does. A file holding some of a person's spells (a month's new ones) says nothing of
  the others: the hint about an earlier one stays (133,356 务工 hints stayed open for good
  after the 200k county's export, whatever the next month's said).
A hint about someone the file does not hold (another township's export) stays open. A hint
given again naming another row (第N行: the rows move from month to month) replaces the old
one, which is closed, not counted as corrected. Undoing the import opens what it closed again
(``store.undo``, by ``resolved_batch_id``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from wengang.services.importing.upsert import insert_grouped, now_stamp
from wengang.services.importing.writers import WriteContext
from wengang.services.rules.reviews import apply_reviews

_OPEN = "SELECT id, person_id, household_id, field, message FROM quality_findings WHERE rule = ? AND resolved_at IS NULL"
_REVIEWED = "SELECT person_id, household_id, field, message FROM quality_findings WHERE rule = ? AND review_id IS NOT NULL"
# The person's 证件号码 and the household's 户编号 of the findings (ids in a JSON list) not given again.
_WHOSE = """SELECT f.id, f.person_id, p.id_number, h.hh_no
    FROM quality_findings f
    LEFT JOIN persons p ON p.id = f.person_id
    LEFT JOIN households h ON h.id = f.household_id
    WHERE f.id IN (SELECT value FROM json_each(?))"""


_INTO = "quality_findings(rule, person_id, household_id, field, message, batch_id, found_at)"


def save_findings(ctx: WriteContext) -> int:
    """Keep this import's hints and resolve the earlier ones its file no longer gives (above);
    returns how many it shows corrected (those replaced by the same hint naming another row
    are closed too, not counted)."""
    rule = f"import.{ctx.parsed.spec.name}"
    open_rows = ctx.db.execute(_OPEN, [rule]).fetchall()
    given: set[tuple] = set()
    # found_at given once, as the column's default would give it row by row (its localtime
    # conversion was 0.013 s of 23,632 findings' 0.08 s insert).
    found_at, overwrites = now_stamp(), ctx.overwrites
    if overwrites:
        _save_overwrites(ctx, found_at)
    hints = (i for i in range(len(ctx.parsed.warnings)) if i not in overwrites)
    rows = _new_rows(ctx, rule, hints, _kept(ctx, rule, open_rows), found_at, given)
    gone = [row for row in open_rows if row[1:5] not in given]
    alike = {_alike(key) for key in given} if gone else set()
    replaced = [row[0] for row in gone if _alike(row[1:5]) in alike]
    corrected = _corrected(ctx, [row for row in gone if _alike(row[1:5]) not in alike])
    if corrected or replaced:
        ctx.db.conn.executemany("UPDATE quality_findings SET resolved_at = ?, resolved_batch_id = ? WHERE id = ?",
                                [(found_at, ctx.batch_id, finding_id) for finding_id in corrected + replaced])
    # Many rows to a statement (still inside the import's atomic()): 23,632 findings of a
    # 165,000-person roster 0.08 -> 0.055 s CPU, one row a statement run.
    insert_grouped(ctx.db.conn, _INTO, 7, rows)
    # A hint checked by hand whose finding is gone (its import undone) comes back closed by its review.
    apply_reviews(ctx.db, rule)
    return len(corrected)


def _kept(ctx: WriteContext, rule: str, open_rows: list[tuple]) -> set[tuple]:
    """The keys (person, household, field, message) of ``rule``'s findings not to keep again:
    the open ones and those checked by hand (rules.reviews: they stand, 已处理)."""
    return {row[1:5] for row in open_rows} | {tuple(row) for row in ctx.db.execute(_REVIEWED, [rule])}


def _new_rows(ctx: WriteContext, rule: str, indexes: Iterable[int], kept: set[tuple], found_at: str,
              given: set[tuple] | None = None) -> list[tuple]:
    """The findings rows of the warnings at ``indexes`` not ``kept`` already, each once (their
    keys added to ``given`` when asked)."""
    warnings, refs, rows = ctx.parsed.warnings, ctx.finding_refs, []
    for i in indexes:
        issue = warnings[i]
        person_id, household_id = refs.get(i, (None, None))
        key = (person_id, household_id, issue.field, issue.message)
        if given is not None:
            given.add(key)
        if key not in kept:
            kept.add(key)
            rows.append((rule, person_id, household_id, issue.field, issue.message, ctx.batch_id, found_at))
    return rows


def _save_overwrites(ctx: WriteContext, found_at: str) -> None:
    """The values changed here that this file overwrote (importing.hand_edits), as findings of
    their own rule: each once, open until checked by hand (none is resolved by a later file)."""
    # the rules module is loaded only now: an import with nothing overwritten does without it (24 ms)
    from wengang.services.rules.quality import IMPORT_OVERWRITTEN  # noqa: PLC0415

    kept = _kept(ctx, IMPORT_OVERWRITTEN, ctx.db.execute(_OPEN, [IMPORT_OVERWRITTEN]).fetchall())
    insert_grouped(ctx.db.conn, _INTO, 7,
                   _new_rows(ctx, IMPORT_OVERWRITTEN, sorted(ctx.overwrites), kept, found_at))


_ROW = re.compile(r"第\d+行")


def _alike(key: tuple) -> tuple:
    """A finding's key (person, household, field, message) with the rows its message names
    left out: the same hint in next month's file names other rows."""
    person_id, household_id, field, message = key
    return person_id, household_id, field, _ROW.sub("第…行", message)


def _corrected(ctx: WriteContext, gone: list[tuple]) -> list[int]:
    """Of the open hints ``gone`` (rows of :data:`_OPEN` this file does not give again), those
    about what the file shows whole (the module's docstring). A file that gives every open hint
    again (the same roster next month) costs one pass over them."""
    if not gone:
        return []
    spec = ctx.parsed.spec
    if spec.table == "persons":
        return _in_roster(ctx, gone)
    if spec.person_link is True and spec.key[0] == "person_id":
        return _records_all_in_file(ctx, gone, spec.table, spec.key[1:])
    return []


def _in_roster(ctx: WriteContext, gone: list[tuple]) -> list[int]:
    """The hints ``gone`` about a person or household this roster holds."""
    values = ctx.parsed.values_by_key()
    ids, hh_nos = set(values.get("id_number") or ()), set(values.get("hh_no") or ())
    return [finding_id for finding_id, person_id, id_number, hh_no in
            ctx.db.execute(_WHOSE, [json.dumps([row[0] for row in gone])])
            if (id_number in ids if person_id is not None else hh_no in hh_nos) and (id_number or hh_no)]


# Each person's 证件号码 and how many records of theirs ``table`` holds (this file's written).
_RECORDS_OF = """SELECT p.id, p.id_number, (SELECT count(*) FROM {table} r WHERE r.person_id = p.id)
    FROM persons p WHERE p.id IN (SELECT value FROM json_each(?))"""


def _records_all_in_file(ctx: WriteContext, gone: list[tuple], table: str, keys: tuple[str, ...]) -> list[int]:
    """The hints ``gone`` about a person this file gives every stored record of: as many
    distinct keys (``keys``: the record's key after the person) as the table holds of theirs.
    The file's records are all written by now, so as many means the same ones."""
    values = ctx.parsed.values_by_key()
    numbers, columns = values.get("id_number"), [values.get(key) for key in keys]
    persons = {row[1] for row in gone if row[1] is not None}
    if not persons or numbers is None or any(column is None for column in columns):
        return []
    # A table reaching its person through another (公益性岗位: through the spell) holds no
    # person_id or key of its own to count by: nothing resolved.
    if not {"person_id", *keys} <= {row[1] for row in ctx.db.execute(f'PRAGMA table_info("{table}")')}:
        return []
    stored = {number: (person_id, count) for person_id, number, count in
              ctx.db.execute(_RECORDS_OF.format(table=table), [json.dumps(sorted(persons))])}
    in_file: dict[str, set[tuple]] = {}
    for number, *key in zip(numbers, *columns):
        if number in stored:
            in_file.setdefault(number, set()).add(tuple(key))
    whole = {person_id for number, (person_id, count) in stored.items() if count and len(in_file.get(number, ())) == count}
    return [row[0] for row in gone if row[1] in whole]
