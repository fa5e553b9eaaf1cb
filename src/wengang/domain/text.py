"""Text folding for what caseworkers type: full-width forms, stray spaces."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u3000\u00a0]+")


def fold(value: object) -> str:
    """NFKC-fold (full-width letters, digits and brackets to half-width) and strip all spaces.

    ``"（务工）　１２３ "`` → ``"(务工)123"``. ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub("", text)


def fold_header(value: object) -> str:
    """A header folded for alias lookup: also unify brackets (（）→()), drop ``*`` marks."""
    return fold(value).replace("*", "").replace("＊", "")


_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def file_name(text: str) -> str:
    """A title as a file name Windows accepts: ``\\ / : * ? " < > |`` become ``_``."""
    return _NOT_IN_FILE_NAMES.sub("_", text).strip()
