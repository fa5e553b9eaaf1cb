"""``python -m wengang``: same as the ``wengang`` command."""

from wengang.cli.main import main

raise SystemExit(main())
