"""Phone numbers: mobiles are 11 digits starting 1[3-9]; landlines are allowed when marked."""

from __future__ import annotations

import re

from wengang.domain.text import fold

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalise_phone(raw: object) -> str:
    """Digits (and one dash for a landline) only; ``"+86 136-1965-9571"`` → ``"13619659571"``."""
    if type(raw) is str and raw.isdigit() and raw.isascii():
        # Plain ASCII digits, nearly every cell of a roster, come out as they are: folding
        # leaves them alone and there is nothing to strip (165,000 phones: 0.3 s).
        return raw
    text = fold(raw)
    if text.endswith(".0") and text[:-2].isdigit():  # Excel stored it as a number
        text = text[:-2]
    text = text.removeprefix("+86")
    if LANDLINE.match(text):
        return text
    return re.sub(r"[^0-9]", "", text)


def phone_problem(raw: object, *, landline_ok: bool = False) -> str | None:
    """``None`` when the number is plausible, else a message (used as a warning, not an error)."""
    number = normalise_phone(raw)
    if not number:
        return "联系电话为空"
    if MOBILE.match(number):
        return None
    if landline_ok and LANDLINE.match(number):
        return None
    if LANDLINE.match(number):
        return f"联系电话{number}是固定电话，未标注为固话"
    # Say what is wrong with it: a digit short is the usual slip, a wrong start the rarer one.
    if number.isdigit() and len(number) != 11:
        return f"联系电话{number}是{len(number)}位，手机号码应为11位"
    if number.isdigit():
        return f"联系电话{number}不是手机号码（手机号码以13-19开头）"
    return f"联系电话{number}不是11位手机号码"
