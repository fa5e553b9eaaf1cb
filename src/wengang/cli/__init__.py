"""Command line: ``wengang [--db PATH] COMMAND …``. Each command lives in ``commands/``."""
