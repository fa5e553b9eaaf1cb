"""Code lists (代码表) as data: canonical values and their aliases, read from ``codes.json``.

A province that names things differently edits the JSON, not the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from wengang.domain.text import fold
from wengang.paths import resource_path


class CodeError(ValueError):
    """A value that is not in a code list (after alias folding)."""


@dataclass(frozen=True)
class CodeList:
    name: str
    label: str
    values: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    free_text: bool = False
    extra: dict = field(default_factory=dict)
    _lookup: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = {fold(v): v for v in self.values}
        table.update({fold(k): v for k, v in self.aliases.items()})
        object.__setattr__(self, "_lookup", table)

    def normalise(self, raw: object, *, required: bool = False) -> str | None:
        """The canonical value for ``raw`` (folded, alias-resolved); ``None`` when blank.

        Raises :class:`CodeError` with a message naming the allowed values.
        """
        text = fold(raw)
        if not text:
            if required:
                raise CodeError(f"{self.label}不能为空")
            return None
        if text in self._lookup:
            return self._lookup[text]
        if self.free_text:
            return text
        allowed = "、".join(self.values)
        raise CodeError(f"{self.label}“{raw}”不在代码表中，应为：{allowed}")


@lru_cache(maxsize=4)
def load_codes(path: str | None = None) -> dict[str, CodeList]:
    """All code lists, keyed by field name (``hh_type``, ``channel`` …)."""
    source = Path(path) if path else resource_path("codes.json")
    raw = json.loads(source.read_text(encoding="utf-8"))
    lists: dict[str, CodeList] = {}
    for name, spec in raw.items():
        if name.startswith("_"):
            continue
        known = {"label", "values", "aliases", "free_text"}
        lists[name] = CodeList(
            name=name,
            label=spec["label"],
            values=tuple(spec["values"]),
            aliases=dict(spec.get("aliases", {})),
            free_text=bool(spec.get("free_text", False)),
            extra={k: v for k, v in spec.items() if k not in known},
        )
    return lists


def codes(name: str) -> CodeList:
    """One code list by field name."""
    return load_codes()[name]


def labour_skills() -> tuple[str, ...]:
    """劳动技能 values that make a labour-force person (the first three)."""
    return tuple(codes("labour_skill").extra["labour"])


def not_student_values() -> tuple[str, ...]:
    """在校生状况 values meaning "not a student" (blank or 非在校生)."""
    return tuple(codes("student_status").extra["not_student"])
