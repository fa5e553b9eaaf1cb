"""Work places: splitting a place path and deriving 就业地域 against the installation.

National work-monitoring exports give 务工所在县 as one path (``浙江省宁波市鄞州区``) and no
就业地域: same county is 县内, same province 省内县外, otherwise 省外 (DOMAIN.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wengang.store.areas import Installation

_PROVINCE = re.compile(r"^(北京市|天津市|上海市|重庆市|.+?(?:特别行政区|自治区|省))")
_MUNICIPALITY_SHORT = re.compile(r"^(北京|天津|上海|重庆)(?!市)")
_CITY = re.compile(r"^(.+?(?:自治州|地区|盟|市))")


@dataclass(frozen=True)
class Place:
    province: str | None
    city: str | None
    county: str | None


def split_place(path: str) -> Place:
    """``浙江省宁波市鄞州区`` → (浙江省, 宁波市, 鄞州区); ``广东省东莞市`` → (广东省, 东莞市, None)."""
    rest = path.strip()
    province = None
    if m := _PROVINCE.match(rest):
        province = m.group(1)
        rest = rest[m.end():]
        if province in ("北京市", "天津市", "上海市", "重庆市"):
            return Place(province, None, rest or None)
    elif m := _MUNICIPALITY_SHORT.match(rest):
        return Place(m.group(1) + "市", None, rest[m.end():] or None)
    city = None
    if m := _CITY.match(rest):
        city = m.group(1)
        rest = rest[m.end():]
    return Place(province, city, rest or None)


def _same(a: str | None, b: str | None) -> bool:
    """Names equal up to the administrative suffix (甘肃 = 甘肃省)."""
    if not a or not b:
        return False
    strip = re.compile(r"(省|市|自治区|特别行政区|县|区|旗)$")
    return a == b or strip.sub("", a) == strip.sub("", b)


def derive_region(place: Place, home: Installation) -> str | None:
    """县内 / 省内县外 / 省外, or ``None`` when the place cannot be placed."""
    if place.province is None:
        # A bare county or city name: only the installation's own county can be placed.
        if place.county and _same(place.county, home.county) or (
                place.city and not place.county and _same(place.city, home.county)):
            return "县内"
        return None
    if not _same(place.province, home.province):
        return "省外"
    if _same(place.county, home.county) and (place.city is None or home.city is None
                                              or _same(place.city, home.city)):
        return "县内"
    return "省内县外"
