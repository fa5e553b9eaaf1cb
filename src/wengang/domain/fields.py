"""The field registry: every stored field of every entity, declared once in
``resources/model/fields.json`` — its column, the caseworker's word for it (``label``), its kind
(how it is parsed and checked), its code list, whether it moves between township and county.

The window's dialogs, person page and data-quality panel take their labels from here
(:func:`label`); the import kinds, ledger declarations and quality rules are checked against it
when they load (:func:`require`), so a declaration naming a field that does not exist is refused
with a message naming its file and the name, instead of failing later in SQL.

Where is 外出时间 defined? ``employment_spells.start_date`` in ``fields.json``; ``grep -rn
"start_date"`` over ``src/`` finds where it is used. The import template keeps the national
system's header for it (开始时间, ``resources/import/kinds.json``): files must match the system.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wengang.paths import resource_path

KINDS = frozenset({"text", "code", "date", "month", "id", "phone", "money", "number", "bool", "int", "ref"})
# Columns every table keeps for itself (identity, provenance): not fields a caseworker sees.
BOOKKEEPING = frozenset({"id", "guid", "created_at", "updated_at", "batch_id", "pinyin_initials"})


class UnknownFieldError(ValueError):
    """A declaration names a field or entity the registry does not know; the message names
    the declaring file and the name."""


@dataclass(frozen=True)
class FieldDef:
    entity: str          # the table: persons, employment_spells, …
    column: str
    label: str           # the caseworker's word (外出时间)
    kind: str            # text / code / date / month / id / phone / money / number / bool / int / ref
    codes: str | None    # the code list (codes.json) of a "code" field
    exchanged: bool      # moves township ⇄ county with its row


@dataclass(frozen=True)
class Entity:
    table: str
    label: str
    owner: str | None    # the column through which a row belongs to an area
    fields: dict[str, FieldDef]


REGISTRY_FILE = "model/fields.json"


def _parse(raw: dict, source: str, code_lists: set[str]) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    for table, decl in raw.items():
        if table.startswith("_"):
            continue
        fields: dict[str, FieldDef] = {}
        for column, spec in decl["fields"].items():
            kind = spec.get("kind", "text")
            if kind not in KINDS:
                raise UnknownFieldError(f"{source}：{table}.{column} 的类型“{kind}”未知（可用：{'、'.join(sorted(KINDS))}）")
            codes = spec.get("codes")
            if codes is not None and codes not in code_lists:
                raise UnknownFieldError(f"{source}：{table}.{column} 的代码表“{codes}”在 codes.json 中不存在")
            fields[column] = FieldDef(table, column, spec["label"], kind, codes, bool(spec.get("exchanged", True)))
        owner = decl.get("owner")
        if owner is not None and owner not in fields:
            raise UnknownFieldError(f"{source}：{table} 的归属字段“{owner}”未声明")
        entities[table] = Entity(table, decl.get("label", table), owner, fields)
    return entities


@lru_cache(maxsize=1)
def registry() -> dict[str, Entity]:
    """Every entity by table name, as declared in ``resources/model/fields.json``."""
    path = resource_path(REGISTRY_FILE)
    code_lists = {k for k in json.loads(resource_path("codes.json").read_text(encoding="utf-8"))
                  if not k.startswith("_")}
    return _parse(json.loads(Path(path).read_text(encoding="utf-8")), REGISTRY_FILE, code_lists)


def entity(table: str, *, source: str = "") -> Entity:
    try:
        return registry()[table]
    except KeyError:
        where = f"{source}：" if source else ""
        raise UnknownFieldError(f"{where}未知的实体“{table}”（{REGISTRY_FILE} 中没有）") from None


def field(table: str, column: str, *, source: str = "") -> FieldDef:
    """The declared field ``table.column``; :class:`UnknownFieldError` names ``source``."""
    ent = entity(table, source=source)
    try:
        return ent.fields[column]
    except KeyError:
        where = f"{source}：" if source else ""
        raise UnknownFieldError(f"{where}{ent.label}没有字段“{column}”（{REGISTRY_FILE} 中未声明）") from None


def label(table: str, column: str) -> str:
    """The caseworker's word for ``table.column`` (外出时间 for ``employment_spells.start_date``)."""
    return field(table, column).label


def require(source: str, table: str, columns: list[str] | tuple[str, ...]) -> None:
    """Refuse a declaration in ``source`` that names a field ``table`` does not have."""
    for column in columns:
        field(table, column, source=source)


def require_in_any(source: str, tables: tuple[str, ...], column: str) -> FieldDef:
    """The field ``column`` of the first of ``tables`` that declares it; refused (naming
    ``source`` and the column) when none does."""
    for table in tables:
        found = entity(table, source=source).fields.get(column)
        if found is not None:
            return found
    raise UnknownFieldError(f"{source}：未知的字段“{column}”（{'、'.join(entity(t).label for t in tables)}"
                            f"都没有，见 {REGISTRY_FILE}）")


def labels_by_column(tables: tuple[str, ...]) -> dict[str, str]:
    """``{column: label}`` over ``tables``, the first table naming a column winning (for lists
    that name a column without its table, such as a quality finding's ``field``)."""
    out: dict[str, str] = {}
    for table in tables:
        for column, fd in entity(table).fields.items():
            out.setdefault(column, fd.label)
    return out


def end_before_start(start: object, end: object) -> str | None:
    """The one wording of a spell that ends before it starts (None when it does not):
    "返乡时间2023-01-05早于外出时间2023-03-01"."""
    if start is None or end is None or str(end) >= str(start):
        return None
    return f"{label('employment_spells', 'end_date')}{end}早于{label('employment_spells', 'start_date')}{start}"
