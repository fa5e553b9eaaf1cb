"""Services: import, reports, ledgers, exports and rules. No Qt: usable from the CLI and tests."""

import wengang.store  # noqa: F401 - first, so sqlite-utils loads without pandas/numpy (see there)
