"""Entry point for ``python -m workstream``."""

from workstream.cli import main

raise SystemExit(main())
