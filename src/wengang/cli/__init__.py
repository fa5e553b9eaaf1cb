"""Command line: ``wengang [--db PATH] COMMAND …``. Each command lives in ``commands/``.

Nothing is imported here: ``wengang --help`` needs only the table in ``commands``; the store
(and sqlite-utils, loaded without pandas/numpy, see ``wengang.store``) comes with the command
being run (``main._command_module``).
"""
