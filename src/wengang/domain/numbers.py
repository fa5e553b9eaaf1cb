"""Percentages as the seeds print them: rounded half-up (74.245 → 74.25), never banker's."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float | Decimal, decimals: int) -> Decimal:
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def percent(numerator: float, denominator: float, decimals: int = 2) -> Decimal | None:
    """``numerator / denominator × 100`` rounded half-up; ``None`` when the denominator is 0.

    Computed exactly with Decimal so that 51/68 → 75.0 and 146011/196660 → 74.25.
    """
    if not denominator:
        return None
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    return round_half_up(exact, decimals)


def plain_amount(value: object) -> object:
    """An amount as a caseworker writes it: 3500, not 3500.0 (SQLite's REAL comes back a
    float); a fraction stays as it is, anything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
