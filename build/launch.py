"""Entry script for the frozen build: the same ``main`` the ``wengang`` console script runs."""

import sys

from wengang.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
