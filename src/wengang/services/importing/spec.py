"""Import declarations (``resources/import/kinds.json``): what each kind of file holds.

A kind names its target table, its natural key and its fields. A field has the canonical
column label the template writes, the aliases real exports use, whether it is required, how
its cells are parsed, and (for ``code`` fields) its code list. Header matching folds
full-width/half-width forms, brackets, spaces and ``*`` marks, so one alias covers them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from wengang.domain import fields
from wengang.domain.codes import load_codes
from wengang.domain.text import fold_header
from wengang.paths import resource_path


@dataclass(frozen=True)
class FieldSpec:
    """One column of an import file."""

    key: str
    label: str
    parse: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    code: str | None = None
    role: str = "day"
    note: str = ""
    example: str = ""
    extra: bool = False  # accepted on import, not written by the template

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class KindSpec:
    """One kind of import file (persons, employment, …)."""

    name: str
    label: str
    table: str
    key: tuple[str, ...]
    person_link: bool | str
    fields: tuple[FieldSpec, ...]
    ignored: tuple[str, ...] = ()
    _lookup: dict = field(default_factory=dict, compare=False, repr=False)
    # key → field (first wins): every warning and error names its column's label, 60,000 a file.
    _by_key: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        lookup = {}
        for f in self.fields:
            for name in f.names:
                lookup.setdefault(fold_header(name), f)
        object.__setattr__(self, "_lookup", lookup)
        by_key: dict = {}
        for f in self.fields:
            by_key.setdefault(f.key, f)
        object.__setattr__(self, "_by_key", by_key)

    @property
    def template_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if not f.extra]

    def field_for(self, header: str) -> FieldSpec | None:
        return self._lookup.get(fold_header(header))

    def is_ignored(self, header: str) -> bool:
        folded = fold_header(header)
        return not folded or folded in {fold_header(h) for h in self.ignored}

    def field(self, key: str) -> FieldSpec:
        hit = self._by_key.get(key)
        return hit if hit is not None else next(f for f in self.fields if f.key == key)


KINDS_FILE = "import/kinds.json"
# What a kind and a field may say; anything else is a typo, refused when the file loads.
KIND_ATTRIBUTES = frozenset({"label", "table", "key", "person_link", "ignored", "fields"})
FIELD_ATTRIBUTES = frozenset({"key", "label", "aliases", "parse", "required", "code", "role", "note", "example",
                              "extra"})
# How a cell may be parsed (services/importing/parsers.py has one parser for each).
PARSE_KINDS = frozenset({"text", "id", "date", "month", "yesno", "code", "money", "int", "year", "phone", "place"})
# Field keys that name no stored field: the place a row is filed under (resolved to an area,
# a site or an organisation) and the household phone the roster carries per member.
FILE_ONLY_KEYS = frozenset({"province", "city", "county", "township", "village", "place_path", "area_name",
                            "site_name", "org_name", "hh_phone"})
# Besides its own table, a kind's fields may be the linked person's, household's or spell's.
_LINKED_TABLES = ("persons", "households", "employment_spells")


@lru_cache(maxsize=1)
def load_kinds() -> dict[str, KindSpec]:
    return read_kinds(resource_path(KINDS_FILE), KINDS_FILE)


def read_kinds(path: Path, source: str | None = None) -> dict[str, KindSpec]:
    """The kinds declared in ``path``; a declaration naming an unknown attribute, table, field,
    parse or code list is refused (:class:`fields.UnknownFieldError`, naming ``source`` — the
    file — and the name)."""
    source = source or str(path)
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: _kind(name, spec, source) for name, spec in raw.items() if not name.startswith("_")}


def _kind(name: str, spec: dict, source: str) -> KindSpec:
    where = f"{source} {name}"
    _refuse_unknown(where, spec, KIND_ATTRIBUTES)
    table = spec["table"]
    tables = tuple(dict.fromkeys((table, *_LINKED_TABLES)))
    fields.entity(table, source=where)
    for column in spec["key"]:
        fields.require_in_any(where, tables, column)
    declared = tuple(_field(where, tables, f) for f in spec["fields"])
    return KindSpec(name=name, label=spec["label"], table=table, key=tuple(spec["key"]),
                    person_link=spec.get("person_link", False), fields=declared,
                    ignored=tuple(spec.get("ignored", ())))


def _field(where: str, tables: tuple[str, ...], f: dict) -> FieldSpec:
    _refuse_unknown(f"{where} {f.get('key', '')}".rstrip(), f, FIELD_ATTRIBUTES)
    key = f["key"]
    if key not in FILE_ONLY_KEYS:
        fields.require_in_any(where, tables, key)
    if f["parse"] not in PARSE_KINDS:
        raise fields.UnknownFieldError(f"{where}：字段“{key}”的解析方式“{f['parse']}”未知"
                                       f"（可用：{'、'.join(sorted(PARSE_KINDS))}）")
    code = f.get("code")
    if (code is not None or f["parse"] == "code") and code not in load_codes():
        raise fields.UnknownFieldError(f"{where}：字段“{key}”的代码表“{code}”在 codes.json 中不存在")
    return FieldSpec(key=key, label=f["label"], parse=f["parse"], aliases=tuple(f.get("aliases", ())),
                     required=bool(f.get("required", False)), code=code, role=f.get("role", "day"),
                     note=f.get("note", ""), example=str(f.get("example", "")), extra=bool(f.get("extra", False)))


def _refuse_unknown(where: str, declared: dict, known: frozenset[str]) -> None:
    unknown = sorted(k for k in declared if k not in known and not k.startswith("_"))
    if unknown:
        raise fields.UnknownFieldError(f"{where}：未知的声明项“{'”“'.join(unknown)}”"
                                       f"（可用：{'、'.join(sorted(known))}）")


def kind_spec(kind: str) -> KindSpec:
    kinds = load_kinds()
    if kind not in kinds:
        raise KeyError(f"未知的导入类型“{kind}”，应为：{'、'.join(kinds)}")
    return kinds[kind]


KINDS: tuple[str, ...] = tuple(load_kinds())


def all_header_names() -> set[str]:
    """Every folded header name any kind knows (finds the header row under title rows)."""
    names: set[str] = set()
    for spec in load_kinds().values():
        names.update(spec._lookup)  # noqa: SLF001
    return names


def detect_kind(headers: list[str]) -> str | None:
    """The kind whose declared columns best explain ``headers``; ``None`` if nothing fits.

    A kind qualifies only when all its required columns are present; among those the one
    matching most columns wins (ties go to the kind with fewer declared fields, the narrower).
    """
    best: tuple[int, int, str] | None = None
    for spec in load_kinds().values():
        matched = {f.key for h in headers if (f := spec.field_for(h))}
        if not all(f.key in matched for f in spec.fields if f.required):
            continue
        score = (len(matched), -len(spec.fields), spec.name)
        if best is None or score > best:
            best = score
    return best[2] if best else None
