"""Resident identity numbers (居民身份证号码, GB 11643-1999) via python-stdnum.

An 18-digit number: 6-digit birthplace, 8-digit birth date, 3-digit sequence (odd = male),
one check digit (0-9 or X). A lowercase x is accepted and upper-cased. An unknown
birthplace code is only a warning: counties are renamed and merged, and python-stdnum's
list lags behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric

from wengang.domain.text import fold


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking one ID: the normalised number or an error, plus warnings."""

    number: str
    error: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    birth_date: dt.date | None = None
    gender: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_id(raw: object) -> IdCheck:
    """Validate a 证件号码; never raises. Messages are in the caseworker's words."""
    if isinstance(raw, float):
        # Excel stored the ID as a number: 15 significant digits survive, the rest are gone.
        return IdCheck(str(raw), error="证件号码被存为数字，末位已丢失，请把该列设为文本后重新导出")
    number = fold(raw).upper()
    if not number:
        return IdCheck("", error="证件号码不能为空")
    if "E+" in number or (number.endswith(".0") and number[:-2].isdigit()):
        return IdCheck(number, error="证件号码被存为数字，末位已丢失，请把该列设为文本后重新导出")
    if len(number) == 15 and number.isdigit():
        return IdCheck(number, error="证件号码是15位旧号码，请换成18位身份证号码")
    if len(number) != 18:
        return IdCheck(number, error=f"证件号码应为18位，现为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdCheck(number, error="证件号码只能是17位数字加1位数字或X")
    try:
        birth = ric.get_birth_date(number)
    except stdnum_exc.ValidationError:
        return IdCheck(number, error=f"证件号码中的出生日期{number[6:14]}不是有效日期")
    if birth > dt.date.today() or birth.year < 1900:
        return IdCheck(number, error=f"证件号码中的出生日期{birth.isoformat()}不合理")
    if number[17] != ric.calc_check_digit(number):
        return IdCheck(number, error="证件号码校验位错误（最后一位不对），请核对")
    warnings: list[str] = []
    if not place_known(number[:6]):
        warnings.append(f"证件号码前6位行政区划代码{number[:6]}未知")
    gender = "男" if int(number[16]) % 2 == 1 else "女"
    return IdCheck(number, None, tuple(warnings), birth, gender)


@lru_cache(maxsize=4096)
def place_known(code6: str) -> bool:
    """Whether python-stdnum's region data (``stdnum/cn/loc.dat``) knows the 6-digit code as a
    county in any period. Not only in the birth year: a number keeps the code of where it was
    first issued, and people born before a county got its code (620702 甘州区 exists since 2002,
    before it was 622201 张掖市) carry the new code when their number was issued later."""
    from stdnum import numdb  # noqa: PLC0415 - loads the region table on first use

    try:
        results = numdb.get("cn/loc").info(code6)
    except (OSError, KeyError):
        return True  # no data to judge by: say nothing rather than cry wolf
    info = {k: v for _part, props in results for k, v in props.items()}
    return bool(info.get("county"))


def age_at(birth: dt.date, on: dt.date) -> int:
    """Full years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def make_id(area6: str, birth: dt.date, seq: int, male: bool) -> str:
    """Build a valid ID (for the demo county and tests): the sequence's last digit sets gender."""
    seq3 = seq % 1000
    if (seq3 % 2 == 1) != male:
        seq3 = (seq3 + 1) % 1000
    body = f"{area6}{birth:%Y%m%d}{seq3:03d}"
    return body + ric.calc_check_digit(body + "0")
