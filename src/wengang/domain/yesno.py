"""Yes/no cells: 是/否, Y/N, 1/0, √/×, true/false."""

from __future__ import annotations

from wengang.domain.text import fold

_YES = {"是", "y", "yes", "1", "1.0", "√", "✓", "✔", "true", "有", "对", "已"}
_NO = {"否", "n", "no", "0", "0.0", "×", "✗", "✘", "x", "false", "无", "没有", "不是", "未"}


class YesNoError(ValueError):
    pass


def parse_yes_no(raw: object) -> bool | None:
    """``True``/``False`` or ``None`` for a blank cell; raises :class:`YesNoError` otherwise."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = fold(raw).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise YesNoError(f"“{raw}”应填是或否（也可写Y/N、1/0、√/×）")
