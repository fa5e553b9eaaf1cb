"""Writing parsed records, one writer per kind of file, all on :class:`Upserter`.

Each family has its module: the roster (:mod:`.persons`), work spells (:mod:`.employment`),
records of a person or organisation (:mod:`.linked`), records filed under an area
(:mod:`.areas`), public-welfare posts (:mod:`.posts`); what they share is :mod:`.context`.
Here the engine finds each kind's writer and the look-ups it starts with.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from wengang.services.importing.spec import KindSpec
from wengang.services.importing.writers.areas import write_orgs, write_sites, write_targets
from wengang.services.importing.writers.context import WriteContext
from wengang.services.importing.writers.employment import preload_employment, write_employment
from wengang.services.importing.writers.linked import preload_linked, write_linked
from wengang.services.importing.writers.persons import preload_persons, write_persons
from wengang.services.importing.writers.posts import preload_posts, write_posts

# kind → the look-ups its writer starts with (people by 证件号码, the rows it compares with),
# handed to the writer as ``WriteContext.preloaded``. The engine reads them once the sheet is
# read and the backup done (beside the xlsx stream, which holds the GIL, they slowed the read),
# before the import's transaction: nothing else writes meanwhile (the program holds the
# database's lock and runs its database work on one thread), and the writers change none of
# these tables before using them. Kinds without an entry read their look-ups inside the writer, as before.
PRELOADS: dict[str, Callable[[sqlite_utils.Database, KindSpec], dict]] = {
    "persons": preload_persons, "employment": preload_employment, "posts": preload_posts,
    "surveys": preload_linked, "services": preload_linked, "subsidies": preload_linked,
    "checks": preload_linked,
}

WRITERS: dict[str, Callable[[WriteContext], None]] = {
    "persons": write_persons, "employment": write_employment, "surveys": write_linked,
    "services": write_linked, "subsidies": write_linked, "checks": write_linked,
    "targets": write_targets, "sites": write_sites, "orgs": write_orgs, "posts": write_posts,
}

# Writers that read the columns (Parsed.values_by_key), not the records' dicts: the engine
# parses their files lazily.
COLUMN_WRITERS = frozenset({"employment", "persons"})

__all__ = ["COLUMN_WRITERS", "PRELOADS", "WRITERS", "WriteContext"]
