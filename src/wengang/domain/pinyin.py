"""Pinyin initials for search: "张三" → "zs", so caseworkers can type "zs" (no FTS needed:
ENGINEERING.md measured FTS5 trigram useless for 2-character Chinese names)."""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

# Names written in Chinese characters only (almost all of them) take the per-character path.
_HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@cache
def _pypinyin():
    """pypinyin, loaded when a name's initials are first asked for (an import, an edit): its
    dictionaries cost a new process 0.1 s, and the window's search reads the stored initials."""
    import pypinyin  # noqa: PLC0415

    return pypinyin


def _first_letters(text: str) -> list[str]:
    pypinyin = _pypinyin()
    return pypinyin.lazy_pinyin(text, style=pypinyin.Style.FIRST_LETTER, errors="default")


@cache
def _readings() -> dict[str, str]:
    """pypinyin's table of single characters (``pinyin_dict.json``: code point → readings, the
    first the usual one), read without importing pypinyin: importing it loads its table of
    400,000 phrases as well (41 MB and 0.12 s, kept to the end of an import), which only names
    with other characters than Chinese ones need. Empty if the file is not where pypinyin keeps it."""
    spec = importlib.util.find_spec("pypinyin")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "pinyin_dict.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    return {}


@cache
def _initial(char: str) -> str:
    """One character's initial. Names reuse a few thousand characters, so a 150,000-person
    roster asks a few thousand times instead of once per name (84,000 distinct names of the
    demo county: 1.8 s → 0.09 s, every result the same as asking for the whole name). The
    first letter of the character's first reading with its tone mark taken off is what
    pypinyin's FIRST_LETTER style gives (the same for all 41,923 characters of its table)."""
    reading = _readings().get(str(ord(char)))
    if reading:
        return unicodedata.normalize("NFD", reading)[:1].lower()
    parts = _first_letters(char)
    return parts[0][:1].lower() if parts and parts[0] else ""


def initials(name: str | None) -> str:
    """Lower-case first letters of each character's pinyin; other characters are kept folded."""
    if not name:
        return ""
    if _HAN_ONLY.fullmatch(name):
        return "".join(map(_initial, name))
    # Latin letters, digits, spaces: pypinyin keeps such runs whole ("abc" → "a"); ask it as before.
    letters = _first_letters(name)
    return "".join(part[:1].lower() for part in letters if part)
