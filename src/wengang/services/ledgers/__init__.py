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
from wengang.services.ledgers.export import (
    ledger_file_name,
    write_ledger,
    write_ledgers,
)
from wengang.services.ledgers.query import SEQ_LABEL, LedgerQuery, ledger_query

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
