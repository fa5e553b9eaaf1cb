"""GUI layer (PySide6): widgets, table models, dialogs and workers. Thin: logic lives in services."""
