"""Pinyin initials for search: "张三" → "zs", so caseworkers can type "zs" (no FTS needed:
ENGINEERING.md measured FTS5 trigram useless for 2-character Chinese names)."""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
import zlib
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


def _pinyin_dict() -> Path | None:
    """pypinyin's table of single characters (``pinyin_dict.json``: code point → readings, the
    first the usual one), found without importing pypinyin: importing it loads its table of
    400,000 phrases as well (41 MB and 0.12 s, kept to the end of an import), which only names
    with other characters than Chinese ones need. None if it is not where pypinyin keeps it."""
    spec = importlib.util.find_spec("pypinyin")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "pinyin_dict.json"
        if path.is_file():
            return path
    return None


@cache
def _readings() -> dict[str, str]:
    """pypinyin's table of single characters, as it is; empty if not found."""
    path = _pinyin_dict()
    return json.loads(path.read_text(encoding="utf-8")) if path else {}


def _letter(reading: str) -> str:
    """The first letter of a reading with its tone mark taken off: what pypinyin's FIRST_LETTER
    style gives (the same for all 41,923 characters of its table)."""
    return unicodedata.normalize("NFD", reading)[:1].lower()


HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # :data:`_HAN_ONLY`'s
_UNKNOWN = "?"


def initials_table(readings: dict[str, str]) -> tuple[tuple[int, str], ...]:
    """Per range of :data:`HAN_RANGES`: its first code point and, per code point, the letter of
    its usual reading in ``readings`` (pypinyin's table), or ``?`` where it has none."""
    return tuple((first, "".join(_letter(r) if (r := readings.get(str(code))) else _UNKNOWN
                                 for code in range(first, last + 1)))
                 for first, last in HAN_RANGES)


def _signature(data: bytes) -> tuple[int, int]:
    return len(data), zlib.crc32(data)


@cache
def _known_letters() -> tuple[tuple[int, str], ...]:
    """The letters of the characters pypinyin's table has, as :func:`initials_table` gives
    them: :mod:`.pinyin_initials` (made from it, 0.5 ms to check it is the one here) where it
    is, else made from the table itself (json and the letters, 25 ms at the first name an
    import spells; issue 20). Empty when the table is not found."""
    path = _pinyin_dict()
    if path is None:
        return ()
    data = path.read_bytes()
    from wengang.domain import pinyin_initials  # noqa: PLC0415 - 50 KB, only with the table

    if _signature(data) == pinyin_initials.SOURCE:
        return pinyin_initials.RANGES
    return initials_table(json.loads(data.decode("utf-8")))


def _known_letter(char: str) -> str | None:
    code = ord(char)
    for first, letters in _known_letters():
        if first <= code < first + len(letters):
            return None if letters[code - first] == _UNKNOWN else letters[code - first]
    return None


@cache
def _initial(char: str) -> str:
    """One character's initial. Names reuse a few thousand characters, so a 150,000-person
    roster asks a few thousand times instead of once per name (84,000 distinct names of the
    demo county: 1.8 s → 0.09 s, every result the same as asking for the whole name)."""
    letter = _known_letter(char)
    if letter is not None:
        return letter
    parts = _first_letters(char)
    return parts[0][:1].lower() if parts and parts[0] else ""


def write_initials_table(path: Path) -> None:
    """Write :mod:`.pinyin_initials` from the pypinyin installed here (after pypinyin changes)."""
    source = _pinyin_dict()
    if source is None:
        raise SystemExit("pypinyin's pinyin_dict.json not found")
    data = source.read_bytes()
    ranges = initials_table(json.loads(data.decode("utf-8")))
    lines = ['"""The first letter of each Chinese character\'s usual reading in pypinyin\'s',
             "``pinyin_dict.json`` (``pinyin.initials_table``), read instead of that file when it is",
             "the one this was made from (its size and CRC-32). Made by ``python -m wengang.domain.pinyin``;",
             'do not edit."""', "",
             f"SOURCE = ({_signature(data)[0]}, {_signature(data)[1]:#010x})", "",
             "RANGES = ("]
    for first, letters in ranges:
        lines.append(f"    ({first:#06x}, (")
        lines += [f'        "{letters[i:i + 80]}"' for i in range(0, len(letters), 80)]
        lines.append("    )),")
    lines.append(")")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def initials(name: str | None) -> str:
    """Lower-case first letters of each character's pinyin; other characters are kept folded."""
    if not name:
        return ""
    if _HAN_ONLY.fullmatch(name):
        return "".join(map(_initial, name))
    # Latin letters, digits, spaces: pypinyin keeps such runs whole ("abc" → "a"); ask it as before.
    letters = _first_letters(name)
    return "".join(part[:1].lower() for part in letters if part)


if __name__ == "__main__":
    write_initials_table(Path(__file__).with_name("pinyin_initials.py"))
