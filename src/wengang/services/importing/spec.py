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


@lru_cache(maxsize=1)
def load_kinds() -> dict[str, KindSpec]:
    raw = json.loads(resource_path("import", "kinds.json").read_text(encoding="utf-8"))
    kinds = {}
    for name, spec in raw.items():
        if name.startswith("_"):
            continue
        fields = tuple(
            FieldSpec(key=f["key"], label=f["label"], parse=f["parse"], aliases=tuple(f.get("aliases", ())),
                      required=bool(f.get("required", False)), code=f.get("code"), role=f.get("role", "day"),
                      note=f.get("note", ""), example=str(f.get("example", "")), extra=bool(f.get("extra", False)))
            for f in spec["fields"]
        )
        kinds[name] = KindSpec(name=name, label=spec["label"], table=spec["table"], key=tuple(spec["key"]),
                               person_link=spec.get("person_link", False), fields=fields,
                               ignored=tuple(spec.get("ignored", ())))
    return kinds


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
