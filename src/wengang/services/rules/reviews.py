"""Findings checked by hand: 标记为已核实 and its 核实情况, kept while the data stays as it was.

A review belongs to a finding's identity (rule, person, household, field, message), not to the
finding's row: the rules replace their rows at every run, and an import gives its hints again
next month. Whatever finds the same thing again finds it 已处理 (:func:`apply_reviews`, after
each rule's run and each import's hints); a finding that changed (another phone, another
amount: another message) is a new one, 待处理. Taking a review back (:func:`take_back_reviews`)
opens the findings it closed.

Reviews are rows with a guid, so the audit trail records who reviewed what (and who took it
back) without this module's help; ``reviewed_by`` is the name the trail gives writes
(``store.audit.default_user``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from wengang.store.audit import default_user

# The identity a review is matched by, as the unique index idx_quality_reviews_identity holds it.
_SAME = ("r.rule = f.rule AND coalesce(r.person_id, 0) = coalesce(f.person_id, 0) "
         "AND coalesce(r.household_id, 0) = coalesce(f.household_id, 0) "
         "AND coalesce(r.field, '') = coalesce(f.field, '') AND r.message = f.message")
_IDS = "SELECT value FROM json_each(?)"

NOTE_MAX = 200  # characters of 核实情况: a sentence, as the village sheet's column takes it


class ReviewError(ValueError):
    """A review that cannot be recorded, in the caseworker's words."""


def review_note(text: object) -> str:
    """``text`` as a 核实情况 is kept (its spaces and line breaks made single spaces), or
    :class:`ReviewError` saying what is wrong: checked before anything is written, by the window
    as soon as the note is given."""
    note = " ".join(str(text or "").split())
    if not note:
        raise ReviewError("请填写核实情况（例如：已入户核实，该人无手机）")
    if len(note) > NOTE_MAX:
        raise ReviewError(f"核实情况最多{NOTE_MAX}个字")
    return note


def review_findings(db: sqlite_utils.Database, finding_ids: Iterable[int], note: str,
                    user: str | None = None) -> int:
    """Record ``note`` (核实情况) for the findings ``finding_ids`` and close those open; a
    finding reviewed before gets the new note. Returns how many findings it reviewed."""
    note = review_note(note)
    ids = json.dumps(sorted({int(i) for i in finding_ids}))
    user = user or default_user(db)
    with db.atomic():
        reviewed = db.execute(f"SELECT count(*) FROM quality_findings WHERE id IN ({_IDS})", [ids]).fetchone()[0]
        # A new identity gets a review; one reviewed before keeps its row (and guid), new note.
        db.execute(f"""INSERT INTO quality_reviews (rule, person_id, household_id, field, message, note, reviewed_by)
            SELECT DISTINCT f.rule, f.person_id, f.household_id, f.field, f.message, :note, :user
            FROM quality_findings f WHERE f.id IN ({_IDS.replace('?', ':ids')})
            ON CONFLICT DO UPDATE SET note = excluded.note, reviewed_by = excluded.reviewed_by,
                reviewed_at = strftime('%Y-%m-%dT%H:%M:%S','now','localtime'),
                updated_at = strftime('%Y-%m-%dT%H:%M:%S','now','localtime')""",
                   {"note": note, "user": user, "ids": ids})
        _close(db, f"f.id IN ({_IDS})", [ids])
    return reviewed


def take_back_reviews(db: sqlite_utils.Database, finding_ids: Iterable[int]) -> int:
    """Take back the reviews of the findings ``finding_ids``: the findings they closed are
    待处理 again (those an import closed stay closed). Returns how many reviews it took back."""
    ids = json.dumps(sorted({int(i) for i in finding_ids}))
    with db.atomic():
        reviews = [r[0] for r in db.execute(
            f"SELECT DISTINCT r.id FROM quality_findings f JOIN quality_reviews r ON {_SAME} "
            f"WHERE f.id IN ({_IDS})", [ids])]
        if not reviews:
            return 0
        which = json.dumps(reviews)
        db.execute(f"UPDATE quality_findings SET resolved_at = NULL, review_id = NULL WHERE review_id IN ({_IDS})",
                   [which])
        db.execute(f"DELETE FROM quality_reviews WHERE id IN ({_IDS})", [which])
    return len(reviews)


def apply_reviews(db: sqlite_utils.Database, rule: str) -> int:
    """Close the open findings of ``rule`` that a review matches (after the rule's run, in its
    transaction); how many. Nothing to look up where the rule has no review."""
    if db.execute("SELECT 1 FROM quality_reviews WHERE rule = ? LIMIT 1", [rule]).fetchone() is None:
        return 0
    return _close(db, "f.rule = ?", [rule])


def _close(db: sqlite_utils.Database, where: str, params: list) -> int:
    """Open findings (``where``, on ``f``) that a review matches: closed by it, at its time."""
    return db.execute(f"""UPDATE quality_findings AS f SET review_id = r.id, resolved_at = r.reviewed_at
        FROM quality_reviews r WHERE {where} AND f.resolved_at IS NULL AND {_SAME}""", params).rowcount
