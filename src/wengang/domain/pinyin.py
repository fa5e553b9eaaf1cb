"""Pinyin initials for search: "张三" → "zs", so caseworkers can type "zs" (no FTS needed:
ENGINEERING.md measured FTS5 trigram useless for 2-character Chinese names)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def initials(name: str | None) -> str:
    """Lower-case first letters of each character's pinyin; other characters are kept folded."""
    if not name:
        return ""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1].lower() for part in letters if part)
