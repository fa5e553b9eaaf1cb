"""Person-level ledgers (台账): the six lists of seed 002 and the post, workshop and
relocation ledgers, declared in ``resources/ledgers/*.json`` and read with one SQL query each.

- :func:`list_ledgers` — what can be exported;
- :func:`ledger_query` — count, page or stream a ledger at a date (GUI tables, writers);
- :func:`write_ledger` — .xlsx (write-only, streamed) or .csv;
- :func:`write_ledgers` — several (the six lists, :data:`SIX_LISTS`) into a folder, statuses once.
"""

from wengang.services.ledgers.declarations import (
    SIX_LISTS,
    Ledger,
    LedgerColumn,
    LedgerError,
    get_ledger,
    list_ledgers,
)
from wengang.services.ledgers.query import SEQ_LABEL, LedgerQuery, ledger_query

# The writers (and openpyxl with them) load when first asked for: the window's first tab reads
# the catalogue and queries before its first paint, and writes no file.
_WRITERS = ("ledger_file_name", "write_ledger", "write_ledgers")


def __getattr__(name: str):
    if name in _WRITERS:
        from wengang.services.ledgers import export  # noqa: PLC0415

        return getattr(export, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "SEQ_LABEL",
    "SIX_LISTS",
    "Ledger",
    "LedgerColumn",
    "LedgerError",
    "LedgerQuery",
    "get_ledger",
    "ledger_file_name",
    "ledger_query",
    "list_ledgers",
    "write_ledger",
    "write_ledgers",
]
