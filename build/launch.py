"""Entry script for the frozen build: the same ``main`` the ``wengang`` console script runs."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["--wengang-read-sheet"]:
        # This executable started again by an import to read a large sheet beside it
        # (services/importing/sheet_process.CHILD_FLAG): only that, before Qt or the CLI loads.
        from wengang.services.importing.sheet_process import child_main

        sys.exit(child_main(sys.argv[2]))
    from wengang.cli.main import main

    sys.exit(main())
