"""Cell parsers named by the declarations' ``parse`` key: text in, stored value out.

Each parser returns the value to store or raises :class:`CellError` with a message in the
caseworker's words (the engine adds the row number and the column label).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from wengang.domain.codes import CodeError, codes
from wengang.domain.dates import DateError, parse_date
from wengang.domain.ids import check_id, place_warnings
from wengang.domain.phones import normalise_phone
from wengang.domain.text import fold
from wengang.domain.yesno import YesNoError, parse_yes_no
from wengang.services.importing.spec import FieldSpec


class CellError(ValueError):
    """A cell that cannot be stored."""


_CHECK = "10X98765432"
# GB 11643's weights are 2^(17-i) mod 11 and 13 ≡ 2 (mod 11), so the weighted sum of the first
# 17 digits is 2 × int(digits, 13) mod 11: one C call instead of 17 products.
_BASE = 13


@lru_cache(maxsize=65536)
def _birth(digits: str) -> str | None:
    """``"19800101"`` → ``"1980-01-01"`` when it is a real day from 1900 on (birthdays repeat)."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return birth.isoformat() if birth.year >= 1900 else None


def parse_id(text: str, today: str | None = None) -> tuple[str, str, str, tuple[str, ...]]:
    """(number, gender, birth ISO, warnings) for a valid 证件号码, else :class:`CellError`.

    The common case (18 characters, valid date and check digit) is checked here directly for
    speed — 150,000-person rosters — and every other case goes to ``domain.ids.check_id``
    for its exact message, so both always agree (tests compare them). ``today`` (ISO) lets a
    caller checking a whole column ask the clock once.
    """
    # Plain ASCII letters and digits (nearly every cell) need no folding.
    number = text.upper() if text.isascii() and text.isalnum() else fold(text).upper()
    if len(number) == 18 and number[:17].isascii() and number[:17].isdigit():
        birth = _birth(number[6:14])
        if (birth is not None and _CHECK[2 * int(number[:17], _BASE) % 11] == number[17]
                and birth <= (today or dt.date.today().isoformat())):
            gender = "男" if int(number[16]) % 2 == 1 else "女"
            return number, gender, birth, place_warnings(number[:6])
    result = check_id(text)
    if not result.ok:
        raise CellError(result.error)
    return result.number, result.gender or "", result.birth_date.isoformat(), result.warnings


def parse_ids(texts: Iterable[str], today: str) -> dict[str, tuple | CellError]:
    """:func:`parse_id` of each text (a column's distinct IDs): the answer, or the CellError.

    The common case is the first test of parse_id written out in the loop, without a call
    per ID (165,000 rosters' IDs: 0.41 s → 0.3 s); anything else goes through parse_id."""
    out: dict[str, tuple | CellError] = {}
    check, birth_of, warnings_of = _CHECK, _birth, place_warnings
    for text in texts:
        if len(text) == 18 and text.isascii() and text.isalnum() and text[:17].isdigit():
            # The cell's own text unless it ends in a small x: no second copy of 150,000 IDs.
            number = text if text[17] != "x" else text.upper()
            birth = birth_of(number[6:14])
            if birth is not None and check[2 * int(number[:17], _BASE) % 11] == number[17] and birth <= today:
                out[text] = (number, "男" if number[16] in "13579" else "女", birth, warnings_of(number[:6]))
                continue
        try:
            out[text] = parse_id(text, today)
        except CellError as exc:
            out[text] = exc
    return out


def _date(spec: FieldSpec) -> Callable[[str], str | None]:
    role = spec.role

    def parse(text: str) -> str | None:
        try:
            value = parse_date(text, role)  # type: ignore[arg-type]
        except DateError as exc:
            raise CellError(str(exc)) from exc
        if value is None:
            return None
        if value.year < 1950 or value > dt.date.today() + dt.timedelta(days=366):
            raise CellError(f"日期{value.isoformat()}不合理，请核对")
        return value.isoformat()

    return parse


def _month(text: str) -> str | None:
    try:
        value = parse_date(text, "start")
    except DateError as exc:
        raise CellError(str(exc)) from exc
    return value.isoformat()[:7] if value else None


def _yesno(text: str) -> int | None:
    try:
        value = parse_yes_no(text)
    except YesNoError as exc:
        raise CellError(str(exc)) from exc
    return None if value is None else int(value)


def _code(spec: FieldSpec) -> Callable[[str], str | None]:
    code_list = codes(spec.code or spec.key)
    cache: dict[str, str | None] = {}

    def parse(text: str) -> str | None:
        if text in cache:
            return cache[text]
        try:
            value = code_list.normalise(text)
        except CodeError as exc:
            raise CellError(str(exc)) from exc
        cache[text] = value
        return value

    return parse


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _money(text: str) -> float | None:
    value = fold(text).replace(",", "").removesuffix("元")
    if not value:
        return None
    if not _NUMBER.match(value):
        raise CellError(f"“{text}”应为数字")
    amount = float(value)
    if amount < 0:
        raise CellError("不能为负数")
    return amount


def _int(text: str) -> int | None:
    value = fold(text).replace(",", "").removesuffix("人")
    if not value:
        return None
    if not _NUMBER.match(value) or float(value) != int(float(value)):
        raise CellError(f"“{text}”应为整数")
    return int(float(value))


def _year(text: str) -> int | None:
    value = fold(text).removesuffix("年")
    if not value:
        return None
    if not (value.isdigit() and len(value) == 4 and 1980 <= int(value) <= 2100):
        raise CellError(f"“{text}”应为4位年份，如2023")
    return int(value)


def _text(text: str) -> str | None:
    # Full-width letters and digits (户编号 typed in a Chinese IME) fold to half-width; inner
    # single spaces in names of firms stay.
    value = " ".join(unicodedata.normalize("NFKC", text).split())
    return value or None


def _phone(text: str) -> str | None:
    return normalise_phone(text) or None


def _place(text: str) -> str | None:
    return fold(text) or None


# Columns whose values repeat (dates, codes, amounts) are parsed once per distinct text.
_MEMO = {"date", "month", "yesno", "money", "int", "year", "code", "place"}


def _memo(parse: Callable[[str], object]) -> Callable[[str], object]:
    cache: dict[str, object] = {}

    def parse_once(text: str) -> object:
        hit = cache.get(text, cache)
        if hit is cache:
            try:
                hit = parse(text)
            except CellError as exc:
                hit = exc
            if len(cache) < 100_000:
                cache[text] = hit
        if isinstance(hit, CellError):
            raise hit
        return hit

    return parse_once


# The texts a parser may change, found without a call per text: the rest are their own
# values (a 150,000-person roster's names and phones: 290,000 calls, 0.5 s). Names and places
# are checked joined into one string; a separator no text holds keeps them apart, and NFKC
# leaves a text alone exactly when it leaves it alone there.
_SEPARATOR = "\x00"
_UNTIDY = re.compile(r"[^\S ]|  |(?:^|\x00) | (?:\x00|$)")  # what " ".join(t.split()) changes
_SPACE = re.compile(r"\s")


def changed_by(spec: FieldSpec, texts: set[str]) -> set[str]:
    """Those of ``texts`` (none blank) that ``spec``'s parser may not return as they are."""
    if spec.parse == "phone":
        return {t for t in texts if not (t.isdigit() and t.isascii())}
    if spec.parse not in ("text", "place"):
        return texts
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1 or not unicodedata.is_normalized("NFKC", joined):
        return texts
    return texts if (_UNTIDY if spec.parse == "text" else _SPACE).search(joined) else set()


def parser_for(spec: FieldSpec) -> Callable[[str], object]:
    """The parser for one declared field, memoised where values repeat."""
    parse = _parser(spec)
    return _memo(parse) if spec.parse in _MEMO else parse


def _parser(spec: FieldSpec) -> Callable[[str], object]:
    simple = {"text": _text, "month": _month, "yesno": _yesno, "money": _money, "int": _int,
              "year": _year, "phone": _phone, "place": _place, "id": lambda t: t}
    if spec.parse == "date":
        return _date(spec)
    if spec.parse == "code":
        return _code(spec)
    if spec.parse in simple:
        return simple[spec.parse]
    raise KeyError(f"kinds.json: unknown parse '{spec.parse}' for {spec.key}")
