"""Reading what other layers hand back without depending on its exact Python shape.

Services return dataclasses, named tuples or dicts; the GUI only needs a few named fields.
:func:`attr` reads a field from any of them, so a tab keeps working whichever landed.
"""

from __future__ import annotations

from typing import Any


def attr(obj: Any, name: str, index: int | None = None, default: Any = None) -> Any:
    """``obj.name``, ``obj[name]`` or ``obj[index]`` — whichever exists — else ``default``."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    if hasattr(obj, name):
        return getattr(obj, name)
    if index is not None and isinstance(obj, (tuple, list)) and index < len(obj):
        return obj[index]
    return default


def label_of(column: Any) -> str:
    """A column's header text, whatever the service calls it."""
    if isinstance(column, str):
        return column
    for name in ("label", "title", "header", "name", "key"):
        value = attr(column, name)
        if value:
            return str(value)
    return str(column)


def key_of(column: Any) -> str:
    if isinstance(column, str):
        return column
    for name in ("key", "name", "label", "title"):
        value = attr(column, name)
        if value:
            return str(value)
    return str(column)
