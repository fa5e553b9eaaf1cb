"""Entry script for the frozen build: the same ``main`` the ``wengang`` console script runs."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First: an import reads a large sheet in a second process (services/importing/
    # sheet_process), which is this executable started again; freeze_support() runs that
    # process's work and exits before the program (Qt, the CLI) loads. A no-op otherwise.
    multiprocessing.freeze_support()
    from wengang.cli.main import main

    sys.exit(main())
