"""A guard against a PySide6 6.12 bug on Python 3.11: every call of a void method
(``QPainter.drawRect``, ``setPen``, ``QLabel.setText`` …) drops one reference to ``None``.

Measured here: 1,000 calls of ``drawRect`` lower ``sys.getrefcount(None)`` by 999. Once the
count reaches zero CPython aborts with "Fatal Python error: none_dealloc" — a 150-row-per-page
ledger PDF of a few thousand rows was enough. Python 3.12+ makes ``None`` immortal, so the
bug only bites on 3.11. The guard gives ``None`` a reference count no program can run down.
It belongs at application start (it protects every widget, not only printing); printing calls
it too so that the command line and tests are safe on their own.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 48
_done = False


def immortalise_none() -> None:
    """Idempotent; a no-op on Python ≥ 3.12 (where ``None`` is immortal already)."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    # ob_refcnt is the first field of every CPython object (non-debug builds).
    ctypes.c_ssize_t.from_address(id(None)).value += _HEADROOM
    _done = True
