"""GUI layer (PySide6): widgets, table models, dialogs and workers. Thin: logic lives in services."""

import wengang.store  # noqa: F401 - first, so sqlite-utils loads without pandas/numpy (see there)
