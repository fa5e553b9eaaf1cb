"""Command line: ``wengang [--db PATH] COMMAND …``. Each command lives in ``commands/``."""

import wengang.store  # noqa: F401 - first, so sqlite-utils loads without pandas/numpy (see there)
