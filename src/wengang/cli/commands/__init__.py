"""One module per command (or command group). Each defines ``register(subparsers)``; the
parser found in ``set_defaults(run=…)`` is called with the parsed args and returns an exit
code. Modules are discovered, so adding a command touches no shared file."""
