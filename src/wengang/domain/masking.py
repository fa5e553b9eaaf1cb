"""Masking personal numbers for ledgers that leave the office (上报、公示、打印张贴).

A masked 证件号码 keeps the first 6 digits (the county of registration) and the last 4 (so a
caseworker can still tell two people apart): ``620702********123X``. A masked 联系电话 hides
the middle of the number: ``138****5678``. The same rules exist in SQL (:func:`mask_id_sql`,
:func:`mask_phone_sql`) so ledgers mask while streaming, without a Python pass per person.
"""

from __future__ import annotations

ID_KEEP_HEAD = 6
ID_KEEP_TAIL = 4
PHONE_KEEP_HEAD = 3
PHONE_KEEP_TAIL = 4


def mask_id(value: str | None) -> str | None:
    """``620702198505011234`` → ``620702********1234``; short or blank values pass through
    masked as far as they go (never revealing more than head and tail)."""
    if not value:
        return value
    text = str(value).strip()
    if len(text) <= ID_KEEP_HEAD + ID_KEEP_TAIL:
        return "*" * len(text)
    return text[:ID_KEEP_HEAD] + "*" * (len(text) - ID_KEEP_HEAD - ID_KEEP_TAIL) + text[-ID_KEEP_TAIL:]


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; a landline keeps its last 4 digits only."""
    if not value:
        return value
    text = str(value).strip()
    if len(text) <= PHONE_KEEP_TAIL:
        return "*" * len(text)
    if len(text) <= PHONE_KEEP_HEAD + PHONE_KEEP_TAIL:
        return "*" * (len(text) - PHONE_KEEP_TAIL) + text[-PHONE_KEEP_TAIL:]
    return text[:PHONE_KEEP_HEAD] + "*" * (len(text) - PHONE_KEEP_HEAD - PHONE_KEEP_TAIL) + text[-PHONE_KEEP_TAIL:]


def _mask_sql(expr: str, head: int, tail: int) -> str:
    # Same rule as the Python functions for values longer than head + tail (all valid IDs
    # and mobile numbers); anything shorter is starred out entirely.
    return (
        f"CASE WHEN {expr} IS NULL OR {expr} = '' THEN {expr} "
        f"WHEN length({expr}) <= {head + tail} THEN substr('********************', 1, length({expr})) "
        f"ELSE substr({expr}, 1, {head}) || substr('********************', 1, length({expr}) - {head + tail})"
        f" || substr({expr}, -{tail}) END"
    )


def mask_id_sql(expr: str) -> str:
    """SQL expression masking the 证件号码 in ``expr`` like :func:`mask_id`."""
    return _mask_sql(expr, ID_KEEP_HEAD, ID_KEEP_TAIL)


def mask_phone_sql(expr: str) -> str:
    """SQL expression masking the 联系电话 in ``expr`` like :func:`mask_phone` (mobiles)."""
    return _mask_sql(expr, PHONE_KEEP_HEAD, PHONE_KEEP_TAIL)


_ID_IN_TEXT = None


def mask_personal(value):
    """Any 证件号码 (18 characters) or mobile number (11 digits) inside a text value masked as
    above; other values unchanged. For lists that do not know which column holds what (a
    quality finding's description, a consistency report's differing values)."""
    global _ID_IN_TEXT
    if not isinstance(value, str) or len(value) < 11:
        return value
    if _ID_IN_TEXT is None:
        import re  # noqa: PLC0415

        _ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9Xx])")
    return _ID_IN_TEXT.sub(lambda m: mask_id(m[0]) if len(m[0]) == 18 else mask_phone(m[0]), value)
