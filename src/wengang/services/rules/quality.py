"""Data-quality rules, declared in ``resources/rules/quality.json`` and evaluated in SQL.

Each rule names an entity (person, household or employment spell), a SQL condition and a SQL
message expression; :func:`run_quality` turns every rule into one
``INSERT INTO quality_findings … SELECT … WHERE <condition>`` over the whole county, so the
rules cost one query each instead of a Python loop over people. Checks that SQL cannot do
(the GB 11643 check digit) are named Python checks (``"check": "id_number"``).

Findings written here replace the previous findings of the same rules; findings recorded by
importers under other rule names stay. Those a caseworker checked by hand (``rules.reviews``)
are written 已处理 again, and not counted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import lru_cache

import sqlite_utils

from wengang.domain.codes import labour_skills, not_student_values
from wengang.domain.fields import require_in_any
from wengang.domain.ids import check_id
from wengang.domain.populations import Dialect, compile_expr
from wengang.domain.sqltext import sql_texts, stamp_shown
from wengang.domain.status import AsOf, age_sql, labour_sql
from wengang.paths import resource_path
from wengang.services.rules.reviews import apply_reviews
from wengang.store.areas import AREA_SUBTREE, AREA_TOWNSHIP, household_village
from wengang.store.db import get_setting, set_setting

Progress = Callable[[int, int, str], None]

# NOT INDEXED: the rules read every spell and every person; SQLite would otherwise walk the
# start_date index for the date conditions and fetch rows one by one (measured 8x slower at
# 245k spells), or the labour_skill index for {labour} (0.06 → 0.04 s a rule at 165k persons).
ENTITY_FROM = {
    "person": ("p.id", "FROM persons p NOT INDEXED JOIN households h ON h.id = p.household_id"),
    "household": ("NULL", "FROM households h"),
    "spell": ("p.id", ("FROM employment_spells s NOT INDEXED JOIN persons p ON p.id = s.person_id "
                       "JOIN households h ON h.id = p.household_id")),
}



RULE_FILE = "rules/quality.json"

# How each kind of rule reads the population registry's aliases (``{labour}``, ``{spell_recent}``
# …): rules run over the stored rows, without the statuses at D, so of those only what a
# person's own fields decide is readable — whether they are labour force (the status table
# derives ``is_labour`` from the same expression).
_PERSON_ATTRIBUTES = {"st.is_labour": labour_sql("p")}
RULE_DIALECTS = {
    "person": Dialect("人员规则（p、h）", {"p": "p", "h": "h"}, _PERSON_ATTRIBUTES),
    "household": Dialect("户规则（h）", {"h": "h"}),
    "spell": Dialect("务工记录规则（s、p、h）", {"spell": "s", "p": "p", "h": "h"}, _PERSON_ATTRIBUTES),
}


def expressions() -> dict[str, str]:
    """The ``{name}`` placeholders that are values rather than populations: code lists, the
    age at D and the installation's own place."""
    return {
        "not_student": sql_texts(not_student_values()),
        "labour_skills": sql_texts(labour_skills()),
        "age": age_sql("p"),
        # the installation's own place (settings), for 就业地域 against 务工地点; "甘肃" = "甘肃省".
        # The setting's replace() inside its sub-select: SQLite reads that once a statement, but
        # replaced it again on every spell (0.07 of the rule's 0.14 s at 50,000 households).
        "same_province": ("(replace(s.place_province, '省', '') = "
                          "(SELECT replace(value, '省', '') FROM settings WHERE key = 'province'))"),
        "home_county": "(SELECT value FROM settings WHERE key = 'county')",
    }


def expand(sql: str, entity: str, *, source: str = RULE_FILE) -> str:
    """Replace the ``{name}`` placeholders of a rule about ``entity``: an expression of
    :func:`expressions` or a population of the registry, in the rule's aliases. An unknown
    name is refused, naming ``source`` and the name."""
    known = expressions()

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in known:
            return known[name]
        return compile_expr(name, RULE_DIALECTS[entity], source=source).sql or "1"

    return re.sub(r"\{([a-z_0-9]+)\}", replace, sql)


@dataclass(frozen=True)
class QualityRule:
    id: str
    title: str
    severity: str
    entity: str
    field: str | None = None
    where: str | None = None
    message: str | None = None
    check: str | None = None

    @property
    def severity_label(self) -> str:
        return severity_labels().get(self.severity, self.severity)


# A rule about a person, household or spell may point at a column of any of the three.
RULE_FIELD_TABLES = ("persons", "employment_spells", "households")


@lru_cache(maxsize=1)
def _rule_file() -> dict:
    return json.loads(resource_path(RULE_FILE).read_text(encoding="utf-8"))


def severity_labels() -> dict[str, str]:
    return dict(_rule_file().get("severity_labels", {}))


def settings_parameters(db: sqlite_utils.Database) -> dict[str, int]:
    """Rule parameters the caseworker sets (settings table), e.g. the labour-age bounds the
    settings dialog stores; the rule file gives the defaults (16 and 65)."""
    params = {}
    for key, default in _rule_file().get("settings_parameters", {}).items():
        value = get_setting(db, key)
        try:
            params[key] = int(value) if value not in (None, "") else int(default)
        except ValueError:  # a hand-edited setting that is not a number: the default
            params[key] = int(default)
    return params


def quality_rules() -> list[QualityRule]:
    """All declared rules, in file order."""
    rules = []
    for spec in _rule_file()["rules"]:
        rule = QualityRule(**{k: v for k, v in spec.items() if not k.startswith("_")})
        if rule.entity not in ENTITY_FROM:
            raise ValueError(f"规则{rule.id}的对象类型{rule.entity}未知")
        if not rule.check and not (rule.where and rule.message):
            raise ValueError(f"规则{rule.id}缺少 where/message 或 check")
        source = f"{RULE_FILE} 规则{rule.id}"
        if rule.field is not None:  # the column a finding points at: a declared field (fields.json)
            require_in_any(source, RULE_FIELD_TABLES, rule.field)
        for sql in (rule.where, rule.message):  # every population it names is declared and readable
            if sql:
                expand(sql, rule.entity, source=source)
        rules.append(rule)
    return rules


# --- named Python checks --------------------------------------------------------------------------
_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_CHECK_CHARS = "10X98765432"


def id_digits_sql(column: str) -> str:
    """The first 17 characters of the ID in ``column`` as an integer, for :func:`plainly_valid_id_sql`."""
    return f"CAST(substr({column}, 1, 17) AS INTEGER)"


def plainly_valid_id_sql(column: str, digits: str | None = None) -> str:
    """SQL true for a clean, valid 18-digit ID in ``column`` (17 ASCII digits, its check
    character, a birth date that exists, from 1900 to ``:today`` as YYYYMMDD); every other value
    goes to :func:`wengang.domain.ids.check_id` for its verdict and message. Stricter than
    check_id (a lowercase x, full-width digits go to it), never laxer. ``digits``: a column
    holding :func:`id_digits_sql` of ``column``, computed once a row (by default the expression
    itself, computed again at each use).

    In SQL rather than a Python loop over the rows: at 200,000 households (660,519 persons) the
    loop took 6.3 s of the 18.7 s quality run and held the GIL throughout, so the window's
    thread stalled behind it."""
    number = digits or id_digits_sql(column)

    def two(i: int) -> str:
        return f"substr({column}, {i}, 2)"

    # The 17 digits read off one integer (division and remainder) rather than as 17 substr()
    # and CAST: 0.33 → 0.22 s with that integer in a column (_check_id_numbers), at 165,000
    # persons; "17 ASCII digits" as the integer written back with its leading zeros, not a GLOB
    # of 17 character classes. A CASE of month lengths: 0.4 s at 660,000 persons, against 1.4 s
    # for date(…, '+0 days').
    checksum = " + ".join(f"{number} / {10 ** (16 - i)} % 10 * {w}" for i, w in enumerate(_WEIGHTS))
    leap = f"{two(9)} % 4 = 0 AND ({two(9)} != '00' OR {two(7)} % 4 = 0)"
    month_days = (f"CASE {two(11)} WHEN '02' THEN CASE WHEN {leap} THEN '29' ELSE '28' END"
                  " WHEN '04' THEN '30' WHEN '06' THEN '30' WHEN '09' THEN '30' WHEN '11' THEN '30' ELSE '31' END")
    return (f"(length({column}) = 18 AND {number} >= 0 AND printf('%017d', {number}) = substr({column}, 1, 17)"
            f" AND substr({column}, 7, 8) BETWEEN '19000101' AND :today"
            f" AND {two(11)} BETWEEN '01' AND '12' AND {two(13)} BETWEEN '01' AND {month_days}"
            f" AND substr('{_CHECK_CHARS}', ({checksum}) % 11 + 1, 1) = substr({column}, 18, 1))")


def _check_id_numbers(db: sqlite_utils.Database, rule: QualityRule) -> list[tuple]:
    rows = []
    today = dt.date.today().strftime("%Y%m%d")
    # MATERIALIZED: each person's 17 digits computed once, not at each of the check's 19 uses
    for person_id, household_id, number in db.execute(
            f"""WITH numbers AS MATERIALIZED (
                    SELECT id, household_id, id_number, {id_digits_sql('id_number')} AS digits FROM persons)
                SELECT id, household_id, id_number FROM numbers
                WHERE NOT coalesce({plainly_valid_id_sql('id_number', 'digits')}, 0)""",
            {"today": today}):
        result = check_id(number)
        if not result.ok:
            rows.append((rule.id, rule.severity, person_id, household_id, rule.field, result.error))
    return rows


PY_CHECKS: dict[str, Callable[[sqlite_utils.Database, QualityRule], list[tuple]]] = {
    "id_number": _check_id_numbers,
}


# --- running ---------------------------------------------------------------------------------------
@dataclass
class QualitySummary:
    """What :func:`run_quality` found: counts per rule, per township, and per both."""

    as_of: str
    rules: list[QualityRule]
    by_rule: dict[str, int] = field(default_factory=dict)
    by_township: dict[str, int] = field(default_factory=dict)
    by_rule_township: dict[tuple[str, str], int] = field(default_factory=dict)
    seconds: float = 0.0
    reviewed: int = 0  # findings of these rules checked by hand (rules.reviews), not counted above

    @property
    def total(self) -> int:
        return sum(self.by_rule.values())


def _evaluate(db: sqlite_utils.Database, rule: QualityRule, params: dict) -> None:
    if rule.check:
        check = PY_CHECKS.get(rule.check)
        if check is None:
            raise ValueError(f"规则{rule.id}引用的检查{rule.check}不存在")
        rows = check(db, rule)
        if rows:
            db.conn.executemany("INSERT INTO quality_findings(rule, severity, person_id, household_id, field, "
                                "message) VALUES (?, ?, ?, ?, ?, ?)", rows)
        return
    person, source = ENTITY_FROM[rule.entity]
    db.execute(
        f"""INSERT INTO quality_findings(rule, severity, person_id, household_id, field, message)
            SELECT :rule_id, :severity, {person}, h.id, :field, {expand(rule.message, rule.entity)}
            {source} WHERE {expand(rule.where, rule.entity)}""",
        {**params, "rule_id": rule.id, "severity": rule.severity, "field": rule.field},
    )


def run_quality(db: sqlite_utils.Database, as_of, progress: Progress | None = None,
                rules: list[QualityRule] | None = None, *, done: set[str] | None = None) -> QualitySummary:
    """Evaluate the rules over the whole county at ``as_of`` (a date or :class:`AsOf`) and
    replace their rows in ``quality_findings``; returns the counts.

    Each rule's rows are replaced in a transaction of their own, then its id is added to
    ``done`` (when given); a rule already in ``done`` is not evaluated again. So a run stopped
    part way (the window stops its idle run for whatever the caseworker asks: 14 s of rules at
    200,000 households, started again from the first after every click) goes on from the rule
    it stopped in when asked again with the same set, the data unchanged since."""
    as_of = as_of if isinstance(as_of, AsOf) else AsOf(as_of)
    rules = rules if rules is not None else quality_rules()
    started = time.perf_counter()
    params = {**as_of.params(), **settings_parameters(db)}
    for n, rule in enumerate(rules):
        if done is not None and rule.id in done:
            continue
        if progress:
            progress(n, len(rules), rule.title)
        with db.atomic():
            db.execute("DELETE FROM quality_findings WHERE rule = ?", [rule.id])
            _evaluate(db, rule, params)
            apply_reviews(db, rule.id)  # what was checked by hand stays 已处理
        if done is not None:
            done.add(rule.id)
    if progress:
        progress(len(rules), len(rules), "完成")
    summary = QualitySummary(as_of.date.isoformat(), rules, by_rule={r.id: 0 for r in rules})
    marks = ", ".join("?" for _ in rules)
    for rule_id, township, count in db.execute(
        f"""WITH RECURSIVE {AREA_TOWNSHIP}
            SELECT f.rule, coalesce(t.name, '（未分乡镇）'), count(*)
            FROM quality_findings f
            LEFT JOIN households h ON h.id = f.household_id
            LEFT JOIN area_township at ON at.area_id = h.area_id
            LEFT JOIN areas t ON t.id = at.township_id
            WHERE f.rule IN ({marks}) AND f.resolved_at IS NULL
            GROUP BY f.rule, t.id ORDER BY t.sort_order, t.id""", [r.id for r in rules]).fetchall():
        summary.by_rule[rule_id] += count
        summary.by_township[township] = summary.by_township.get(township, 0) + count
        summary.by_rule_township[(rule_id, township)] = count
    summary.reviewed = db.execute(f"SELECT count(*) FROM quality_findings WHERE rule IN ({marks}) "
                                  "AND review_id IS NOT NULL", [r.id for r in rules]).fetchone()[0]
    summary.seconds = time.perf_counter() - started
    # When the check last ran (and at which date): the window says "未检查" until it has run,
    # rather than a misleading 0.
    set_setting(db, LAST_CHECK_KEY, f"{dt.datetime.now().isoformat(timespec='seconds')}|{as_of.date.isoformat()}")
    return summary


LAST_CHECK_KEY = "quality_checked"


def last_checked(db: sqlite_utils.Database) -> tuple[str, str] | None:
    """(when, as-of date) of the last run of the rules, or None if they never ran here."""
    value = get_setting(db, LAST_CHECK_KEY)
    if not value or "|" not in value:
        return None
    when, as_of = value.split("|", 1)
    return when, as_of


# The findings of values changed here that an import overwrote (services.importing.hand_edits):
# under import.*, so a quality run keeps them as it keeps every import's hints.
IMPORT_OVERWRITTEN = "import.overwritten"


def group_title(rule_id: str) -> str:
    """A finding group in the caseworker's words: a rule's title, or for the hints kept by an
    import (``import.employment``) "导入时的提示：务工就业信息"."""
    titles = {r.id: r.title for r in quality_rules()}
    if rule_id in titles:
        return titles[rule_id]
    if rule_id == IMPORT_OVERWRITTEN:
        return "导入时以文件为准的台账修改"
    if rule_id.startswith("import."):
        kind = rule_id.removeprefix("import.")
        try:
            from wengang.services.importing.spec import load_kinds  # noqa: PLC0415 - only for import hints
            label = getattr(load_kinds().get(kind), "label", None) or kind
        except (ImportError, OSError, ValueError, AttributeError):
            label = kind
        return f"导入时的提示：{label}"
    return rule_id


def findings(db: sqlite_utils.Database, rule_id: str | None = None, area_id: int | None = None,
             limit: int | None = None, *, open_only: bool = False, reviewed_only: bool = False,
             shown: Collection[tuple[str, str]] | None = None) -> list[dict]:
    """Findings with the person and place they concern (``person_id`` for opening the person),
    optionally of one rule and/or inside one area (any level: county, township, village);
    ``reviewed_only``: those checked by hand, with the review's note (``answer``), who and when;
    ``shown``: of those (户编号, 姓名) alone, as a sheet of them shows them ("" for none: a hint
    about a person, a finding about a household), for a village's replies (``rules.replies``)."""
    titles = {r.id: r.title for r in quality_rules()}
    where, params = ["1 = 1"], {}
    if shown is not None:
        where.append("(coalesce(h.hh_no, ''), coalesce(p.name, '')) IN "
                     "(SELECT value ->> 0, value ->> 1 FROM json_each(:shown))")
        params["shown"] = json.dumps(sorted(shown), ensure_ascii=False)
    if rule_id:
        where.append("f.rule = :rule_id")
        params["rule_id"] = rule_id
    if open_only:
        where.append("f.resolved_at IS NULL")
    if reviewed_only:
        where.append("f.review_id IS NOT NULL")
    if area_id is not None:
        where.append(f"h.area_id IN {AREA_SUBTREE}")
        params["area_id"] = area_id
    sql = f"""WITH RECURSIVE {AREA_TOWNSHIP}
        SELECT f.id, f.rule, f.severity, f.person_id, f.household_id, f.field, f.message, f.found_at,
               {stamp_shown('f.found_at')} AS found_shown, p.name AS person_name, p.id_number, h.hh_no, t.name AS township, v.name AS village,
               r.note AS answer, r.reviewed_by, r.reviewed_at
        FROM quality_findings f
        LEFT JOIN quality_reviews r ON r.id = f.review_id
        LEFT JOIN persons p ON p.id = f.person_id
        LEFT JOIN households h ON h.id = f.household_id
        {household_village('h.area_id')}
        LEFT JOIN area_township at ON at.area_id = h.area_id
        LEFT JOIN areas t ON t.id = at.township_id
        WHERE {' AND '.join(where)}
        ORDER BY t.sort_order, t.id, v.sort_order, v.id, h.id, f.person_id, f.id"""
    if limit:
        sql += f" LIMIT {int(limit)}"
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(columns, values))
        # One title per group, not per finding: group_title reads and checks every rule again,
        # and an import at 200,000 households leaves 158,000 hints (84 s to export them all).
        if row["rule"] not in titles:
            titles[row["rule"]] = group_title(row["rule"])
        row["title"] = titles[row["rule"]]
        row["severity_label"] = severity_labels().get(row["severity"], row["severity"])
        rows.append(row)
    return rows
