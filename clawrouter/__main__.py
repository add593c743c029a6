"""`python -m clawrouter` entry point."""

from clawrouter.cli import main

raise SystemExit(main())
