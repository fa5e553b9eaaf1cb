"""Resident identity numbers (居民身份证号码, GB 11643-1999) via python-stdnum.

An 18-digit number: 6-digit birthplace, 8-digit birth date, 3-digit sequence (odd = male),
one check digit (0-9 or X). A lowercase x is accepted and upper-cased. An unknown
birthplace code is only a warning: counties are renamed and merged, and python-stdnum's
list lags behind.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

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
    if "*" in number:
        # a list exported with the middle digits hidden (导出时选了“隐藏中间几位”): whose it is
        # cannot be known from it
        return IdCheck(number, error="证件号码中间几位已隐藏（*），认不出是谁：请用显示完整号码的文件")
    if len(number) == 15 and number.isdigit():
        return IdCheck(number, error="证件号码是15位旧号码，请换成18位身份证号码")
    if len(number) != 18:
        return IdCheck(number, error=f"证件号码应为18位，现为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdCheck(number, error="证件号码只能是17位数字加1位数字或X")
    # python-stdnum imported on the first number off the parsers' path: not at every start
    from stdnum import exceptions as stdnum_exc  # noqa: PLC0415
    from stdnum.cn import ric  # noqa: PLC0415

    try:
        birth = ric.get_birth_date(number)
    except stdnum_exc.ValidationError:
        return IdCheck(number, error=f"证件号码中的出生日期{number[6:14]}不是有效日期")
    if birth > dt.date.today() or birth.year < 1900:
        return IdCheck(number, error=f"证件号码中的出生日期{birth.isoformat()}不合理")
    if number[17] != ric.calc_check_digit(number):
        return IdCheck(number, error="证件号码校验位错误（最后一位不对），请核对")
    warnings = place_warnings(number[:6])
    gender = "男" if int(number[16]) % 2 == 1 else "女"
    return IdCheck(number, None, warnings, birth, gender)


@lru_cache(maxsize=4096)
def place_known(code6: str) -> bool:
    """Whether python-stdnum's region data (``stdnum/cn/loc.dat``) knows the 6-digit code as a
    county in any period. Not only in the birth year: a number keeps the code of where it was
    first issued, and people born before a county got its code (620702 甘州区 exists since 2002,
    before it was 622201 张掖市) carry the new code when their number was issued later."""
    counties = _counties()
    if counties is not None:
        return code6 in counties
    from stdnum import numdb  # noqa: PLC0415 - the file laid out otherwise: its own reader

    try:
        results = numdb.get("cn/loc").info(code6)
    except (OSError, KeyError):
        return True  # no data to judge by: say nothing rather than cry wolf
    info = {k: v for _part, props in results for k, v in props.items()}
    return bool(info.get("county"))


@lru_cache(maxsize=8192)
def place_warnings(code6: str) -> tuple[str, ...]:
    """The warnings :func:`check_id` gives a valid number beginning with ``code6``; they
    depend on those six digits alone, so an import's 150,000 IDs ask once a prefix."""
    return () if place_known(code6) else (f"证件号码前6位行政区划代码{code6}未知",)


@lru_cache(maxsize=1)
def _counties() -> frozenset[str] | None:
    """The codes :func:`place_known` knows, read straight from python-stdnum's data file; None
    when it is laid out otherwise than it is today (then ``numdb`` reads it).

    The file is a 2-digit province per line, its 4-digit counties indented under it
    (``  0600 county="[1983-]保定市"``). ``numdb.get("cn/loc")`` parses every property of its
    6,900 lines into a tree: 0.08–0.14 s, paid by the first ID every import checks (a
    300-row township roster: a tenth of its import); this reads the codes alone in ms."""
    # Found, not imported: importing stdnum imports its util, and that ssl and pydoc (20 ms)
    spec = importlib.util.find_spec("stdnum")
    try:
        folder = Path((spec.submodule_search_locations or [])[0])  # type: ignore[union-attr]
        text = (folder / "cn" / "loc.dat").read_text(encoding="utf-8")
    except (AttributeError, IndexError, OSError, UnicodeDecodeError):
        return None
    counties: set[str] = set()
    province = None
    for line in text.splitlines():
        if not line or line[0] == "#" or line.isspace():
            continue
        if line[:2].isdigit() and line[2:3] == " ":
            province = line[:2]
        elif province is not None and line[:2] == "  " and line[2:6].isdigit() and line[6:7] == " ":
            if 'county="' in line and 'county=""' not in line:
                counties.add(province + line[2:6])
        else:
            return None  # a line this reading does not know: numdb's answers, not a guess
    return frozenset(counties) if counties else None


def age_at(birth: dt.date, on: dt.date) -> int:
    """Full years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def make_id(area6: str, birth: dt.date, seq: int, male: bool) -> str:
    """Build a valid ID (for the demo county and tests): the sequence's last digit sets gender."""
    seq3 = seq % 1000
    if (seq3 % 2 == 1) != male:
        seq3 = (seq3 + 1) % 1000
    body = f"{area6}{birth:%Y%m%d}{seq3:03d}"
    from stdnum.cn import ric  # noqa: PLC0415

    return body + ric.calc_check_digit(body + "0")
