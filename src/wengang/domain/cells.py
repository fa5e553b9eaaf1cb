"""Cells that a spreadsheet would run as a formula (OWASP "CSV injection").

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken by
Excel, WPS and LibreOffice as a formula when the file is opened (``=HYPERLINK(...)`` becomes a
live link). :func:`neutralise` puts an apostrophe in front of such text, as OWASP recommends,
so it shows as typed. Numbers are never touched (``-3`` stays the number −3); only text is.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: object) -> bool:
    """Would a spreadsheet take this text for a formula?"""
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


def _is_number(text: str) -> bool:
    # "-3", "+1.5", "-12%": a signed number written as text is data, not a formula.
    body = text[1:].rstrip("%").replace(",", "")
    if not body or text[0] not in "+-":
        return False
    try:
        float(body)
    except ValueError:
        return False
    return body[0].isdigit() or body[0] == "."


def neutralise(value):
    """``value`` with text that would run as a formula made inert (``'=…``); anything else
    unchanged."""
    if type(value) is str and value and value[0] in "=+-@\t\r" and not _is_number(value):
        return "'" + value
    return value
