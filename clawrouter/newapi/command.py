"""The `import-newapi` command line: its arguments and its run (the report on stdout)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from clawrouter.config import Config


def add_import_parser(sub: Any, common: Callable[..., None]) -> None:
    text = "import a new-api or one-api database (users, API keys, channels, options, ...)"
    p = sub.add_parser("import-newapi", help=text, description=text + " (docs/migrating.md)")
    common(p, suppress=True)
    p.add_argument(
        "source",
        help="a SQLite file, postgres://user:pass@host:5432/db, or MySQL as "
        "user:pass@tcp(host:3306)/db (new-api's SQL_DSN form) or mysql://...",
    )
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument("--logs", action="store_true", help="also import request logs and usage data")
    p.add_argument(
        "--logs-source", default="", metavar="DSN", help="where the logs are, if not in SOURCE"
    )
    p.add_argument("--batch", type=int, default=1000, help="rows read and written at a time")


def run_command(config: Config, args: argparse.Namespace) -> int:
    from clawrouter.db.newapi_source import SourceError
    from clawrouter.db.store import StoreError
    from clawrouter.newapi.importer import run_import

    try:
        report = asyncio.run(
            run_import(
                config,
                args.source,
                dry_run=args.dry_run,
                with_logs=args.logs or bool(args.logs_source),
                logs_source=args.logs_source,
                batch=max(1, args.batch),
            )
        )
    except (SourceError, StoreError) as e:
        print(f"clawrouter: import-newapi: {e}", file=sys.stderr)
        return 1
    print(report.text())
    if not args.dry_run:
        print("start (or restart) the gateway to serve the imported data")
    return 0
