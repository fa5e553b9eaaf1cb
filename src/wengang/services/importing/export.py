"""The database's records in the canonical template layout (round trips, bench, seed data).

Each kind names the SQL expression for each template column over one FROM clause; the same
queries give the consistency check its database side.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook

from wengang.domain.numbers import plain_amount
from wengang.services.importing.spec import kind_spec
from wengang.services.xlsx_stream import fast_sheet, save_workbook
from wengang.store.areas import LEVELS, areas_at_level

_PERSON = "JOIN persons p ON p.id = x.person_id"
# Kinds whose 县/乡镇/行政村 columns come from an area id (selected as "county"): the id is
# replaced by the names of its county, township and village, found by each ancestor's level —
# a household may hang on a 组 below its village, an organisation on a township or the county.
AREA_PATH_KINDS = ("persons", "orgs")

# kind → (FROM … ORDER BY, {field key: expression})
EXPORTS: dict[str, tuple[str, dict[str, str]]] = {
    "persons": (
        ("FROM persons p JOIN households h ON h.id = p.household_id "
         "LEFT JOIN relocation_sites s ON s.id = h.site_id ORDER BY h.hh_no, p.id"),
        {"county": "h.area_id", "township": "NULL", "village": "NULL", "hh_no": "h.hh_no",
         "head_name": "h.head_name", "hh_type": "h.hh_type", "monitor_category": "h.monitor_category",
         "exit_year": "h.exit_year", "relocated": "h.relocated", "site_name": "s.name", "name": "p.name",
         "id_number": "p.id_number", "relation": "p.relation", "labour_skill": "p.labour_skill",
         "student_status": "p.student_status", "phone": "p.phone", "person_no": "p.person_no",
         "education": "p.education", "health": "p.health", "hh_phone": "h.phone"}),
    "employment": (
        f"FROM employment_spells x {_PERSON} ORDER BY p.id_number, x.start_date",
        {"id_number": "p.id_number", "name": "p.name", "region": "x.region", "channel": "x.channel",
         "place_province": "x.place_province", "place_city": "x.place_city", "place_county": "x.place_county",
         "employer_name": "x.employer_name", "industry": "x.industry", "start_date": "x.start_date",
         "end_date": "x.end_date", "return_reason": "x.return_reason", "monthly_income": "x.monthly_income",
         "point_to_point": "x.point_to_point", "transport_subsidy": "x.transport_subsidy"}),
    "surveys": (
        f"FROM surveys x {_PERSON} ORDER BY p.id_number, x.survey_date",
        {"id_number": "p.id_number", "name": "p.name", "survey_date": "x.survey_date", "willing": "x.willing",
         "planned_month": "x.planned_month", "reason": "x.reason", "measure": "x.measure"}),
    "services": (
        f"FROM services x {_PERSON} ORDER BY p.id_number, x.service_date, x.kind",
        {"id_number": "p.id_number", "name": "p.name", "service_date": "x.service_date", "kind": "x.kind",
         "provider": "x.provider", "note": "x.note"}),
    "subsidies": (
        ("FROM subsidies x LEFT JOIN persons p ON p.id = x.person_id "
         "LEFT JOIN organisations o ON o.id = x.org_id ORDER BY x.paid_date, x.id"),
        {"id_number": "p.id_number", "name": "p.name", "org_name": "o.name", "paid_date": "x.paid_date",
         "kind": "x.kind", "amount": "x.amount", "funding": "x.funding", "persons_covered": "x.persons_covered",
         "policy_text": "x.policy_text", "note": "x.note"}),
    "checks": (
        f"FROM spot_checks x {_PERSON} ORDER BY x.check_date, p.id_number",
        {"id_number": "p.id_number", "name": "p.name", "check_date": "x.check_date",
         "phone_connected": "x.phone_connected", "place_consistent": "x.place_consistent",
         "time_consistent": "x.time_consistent", "policy_aware": "x.policy_aware", "checker": "x.checker"}),
    "targets": (
        "FROM targets x JOIN areas a ON a.id = x.area_id ORDER BY x.year, a.level, a.sort_order, a.id",
        {"area_name": "a.name", "year": "x.year", "target": "x.target"}),
    "sites": (
        "FROM relocation_sites x ORDER BY x.county, x.township, x.name",
        {"county": "x.county", "township": "x.township", "name": "x.name", "site_type": "x.site_type",
         "over_800": "x.over_800"}),
    "orgs": (
        "FROM organisations x ORDER BY x.kind, x.name",
        {"name": "x.name", "kind": "x.kind", "county": "x.area_id", "township": "NULL", "village": "NULL",
         "contact": "x.contact", "phone": "x.phone", "recognised_date": "x.recognised_date",
         "closed_date": "x.closed_date"}),
    "posts": (
        "FROM welfare_posts w JOIN employment_spells x ON x.id = w.spell_id " + _PERSON
        + " ORDER BY p.id_number, x.start_date",
        {"id_number": "p.id_number", "name": "p.name", "post_name": "w.post_name", "post_type": "w.post_type",
         "developer": "w.developer", "funding": "w.funding", "pay_standard": "w.pay_standard",
         "start_date": "x.start_date", "end_date": "x.end_date"}),
}


def area_names(db: sqlite_utils.Database) -> dict[int, tuple[str | None, str | None, str | None]]:
    """area id → (county, township, village) names of the area and its ancestors, by level:
    a 组's village is its parent, a township's village is None. Read level by level from the
    top, so every area's parent is placed before it."""
    paths: dict[int, dict[str, str]] = {}
    for level in LEVELS:
        for area in areas_at_level(db, level):
            paths[area["id"]] = {**paths.get(area["parent_id"], {}), level: area["name"]}
    return {aid: (path.get("county"), path.get("township"), path.get("village")) for aid, path in paths.items()}


def export_rows(db: sqlite_utils.Database, kind: str, limit: int | None = None) -> tuple[list[str], list[dict]]:
    """(field keys in template order, one dict per record) — raw stored values; the first
    ``limit`` records in the export's order when given."""
    keys, rows = export_tuples(db, kind, limit)
    return keys, [dict(zip(keys, row)) for row in rows]


def export_tuples(db: sqlite_utils.Database, kind: str, limit: int | None = None) -> tuple[list[str], Iterator[tuple]]:
    """:func:`export_rows` as tuples (values in the keys' order), read as they are iterated: a
    county's 165,479 persons held as dicts took 270 MiB (the consistency check holds them all)."""
    spec = kind_spec(kind)
    source, exprs = EXPORTS[kind]
    keys = [f.key for f in spec.fields if f.key in exprs]
    cursor = db.execute(f"SELECT {', '.join(exprs[k] for k in keys)} {source}"
                        + ("" if limit is None else f" LIMIT {int(limit)}"))
    if kind not in AREA_PATH_KINDS:
        return keys, iter(cursor)
    at = keys.index("county")  # the area id, then the names of its county, township and village
    if keys[at:at + 3] != ["county", "township", "village"]:
        raise ValueError(f"{kind}: 县、乡镇、行政村 must follow each other")
    names = area_names(db)

    def placed() -> Iterator[tuple]:
        for row in cursor:
            yield (*row[:at], *names.get(row[at], (None, None, None)), *row[at + 3:])

    return keys, placed()


def display(value: object, parse: str) -> object:
    """A stored value as the template expects it typed."""
    if value is None:
        return None
    if parse == "yesno":
        return "是" if value else "否"
    return plain_amount(value)


def export_kind(db: sqlite_utils.Database, kind: str, path: str | Path, *, limit: int | None = None) -> int:
    """Write every ``kind`` record (or the first ``limit``) to ``path`` with the template's
    header row; returns the count."""
    spec = kind_spec(kind)
    fields = spec.template_fields
    _, rows = export_rows(db, kind, limit)
    wb = Workbook(write_only=True)
    ws = fast_sheet(wb, spec.label)
    ws.append_values([f.label for f in fields])
    for row in rows:
        ws.append_values([display(row.get(f.key), f.parse) for f in fields])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return len(rows)
