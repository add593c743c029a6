"""Command line: serve (default), migrate, reset-password, config show, db copy, backup,
restore, version."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys

import orjson

from clawrouter import __version__
from clawrouter.config import Config, ConfigError, as_dict, env_warnings, load, redact_url
from clawrouter.newapi.command import add_import_parser

COMMANDS = ("serve", "migrate", "reset-password", "config", "db", "backup", "restore", "version")


def _common(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    p.add_argument("--config", metavar="PATH", default=default, help="TOML config file")
    p.add_argument("--host", default=default, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=default, help="port to listen on (default 3000)")
    p.add_argument(
        "--data-dir", default=default, help="where the SQLite stores live (default ./data)"
    )
    p.add_argument(
        "--workers",
        default=default,
        metavar="N",
        help='processes serving the port (default 1; "auto": one per core; docs/scaling.md)',
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clawrouter",
        description="ClawRouter: a self-hosted LLM API gateway "
        "(OpenAI, Anthropic and Gemini formats on one port).",
    )
    _common(parser, suppress=False)
    parser.add_argument("--version", action="version", version=f"clawrouter {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, text in (
        ("serve", "run the gateway (the default)"),
        ("migrate", "create or upgrade the databases, then exit"),
        ("version", "print the version"),
    ):
        _common(sub.add_parser(name, help=text, description=text), suppress=True)
    rp = sub.add_parser(
        "reset-password", help="set a user's password", description="set a user's password"
    )
    _common(rp, suppress=True)
    rp.add_argument("username")
    rp.add_argument("--password", help="the new password (default: generate and print one)")
    cp = sub.add_parser(
        "config", help="show the effective configuration", description="configuration"
    )
    _common(cp, suppress=True)
    cp.add_argument(
        "action", choices=["show"], help="show: print the effective config, secrets redacted"
    )
    text = "copy the whole store (main and logs) into another, SQLite <-> PostgreSQL"
    dp = sub.add_parser("db", help=text, description=text + " (docs/database.md)")
    _common(dp, suppress=True)
    dp.add_argument("action", choices=["copy"], help="copy: verified by row counts per table")
    dp.add_argument("--to", required=True, metavar="URL", help="postgresql://... or sqlite:///PATH")
    dp.add_argument(
        "--from", dest="source", default="", metavar="URL", help="default: the configured store"
    )
    dp.add_argument("--batch", type=int, default=2000, help="rows per insert transaction")
    add_import_parser(sub, _common)
    for name, text, arg in (
        ("backup", "copy the SQLite stores while the gateway runs", "a new or empty directory"),
        ("restore", "put a backup back (stop the gateway first)", "a directory made by backup"),
    ):
        bp = sub.add_parser(name, help=text, description=text + " (docs/operations.md)")
        _common(bp, suppress=True)
        bp.add_argument("path", metavar="PATH", help=arg)
    return parser


def _backup(command: str, config: Config, path: str) -> int:
    from pathlib import Path

    from clawrouter.db.backup import BackupError, backup, restore

    try:
        if command == "backup":
            manifest = backup(config, Path(path))
            print(f"backup written to {path}: " + ", ".join(manifest["files"]))
        else:
            for line in restore(config, Path(path)):
                print(line)
    except BackupError as e:
        print(f"clawrouter: {command}: {e}", file=sys.stderr)
        return 2 if config.db_backend != "sqlite" else 1
    return 0


def _config(args: argparse.Namespace) -> Config:
    overrides = {
        "server.host": args.host,
        "server.port": args.port,
        "server.data_dir": args.data_dir,
        "server.workers": args.workers,
    }
    return load(args.config, overrides=overrides)


async def _migrate(config: Config) -> list[str]:
    from clawrouter.db.stores import open_stores

    main, logs, applied = await open_stores(config)
    await main.close()
    await logs.close()
    return applied


async def _reset_password(config: Config, username: str, password: str) -> bool:
    from clawrouter.auth.passwords import hash_password
    from clawrouter.db.repo import users
    from clawrouter.db.stores import open_stores

    main, logs, _ = await open_stores(config)
    try:
        user = await users.get_user_by_username(main, username)
        if user is None:
            return False
        # also ends every session of the user and revokes the access token
        await users.set_password(main, user["id"], await hash_password(password))
        return True
    finally:
        await main.close()
        await logs.close()


def _db_copy(config: Config, args: argparse.Namespace) -> int:
    from clawrouter.db.copy import CopyError, copy_store
    from clawrouter.db.store import StoreError

    def progress(table: str, rows: int) -> None:
        print(f"  {table}: {rows} rows", flush=True)

    print(f"copying into {redact_url(args.to)}")
    try:
        counts = asyncio.run(
            copy_store(config, args.to, from_url=args.source, batch=max(1, args.batch),
                       progress=progress)
        )  # fmt: skip
    except (CopyError, StoreError, ConfigError) as e:
        print(f"clawrouter: db copy failed: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # the driver's: connection refused, no such database, ...
        print(f"clawrouter: db copy failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    total = sum(n for _, n, _ in counts)
    print(f"done: {len(counts)} tables, {total} rows; row counts match on both sides")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as e:
        print(f"clawrouter: configuration error: {e}", file=sys.stderr)
        return 2
    command = args.command or "serve"
    if command != "serve":
        for warning in env_warnings():
            print(f"clawrouter: warning: {warning}", file=sys.stderr)
    if command == "version":
        print(f"clawrouter {__version__}")
        return 0
    if command == "config":
        sys.stdout.write(orjson.dumps(as_dict(config), option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if command == "migrate":
        applied = asyncio.run(_migrate(config))
        print("applied: " + ", ".join(applied) if applied else "the databases are up to date")
        return 0
    if command == "db":
        return _db_copy(config, args)
    if command in ("backup", "restore"):
        return _backup(command, config, args.path)
    if command == "reset-password":
        from clawrouter.auth.passwords import check_length

        password = args.password or secrets.token_urlsafe(12)
        if len(password) < 8 or check_length(password):
            print("clawrouter: the password must be 8 to 72 bytes", file=sys.stderr)
            return 2
        if not asyncio.run(_reset_password(config, args.username, password)):
            print(f"clawrouter: no user named {args.username!r}", file=sys.stderr)
            return 1
        print(f"password of {args.username} set" + ("" if args.password else f" to: {password}"))
        print("the user's login sessions are ended and the access token is revoked")
        return 0
    if command == "import-newapi":
        from clawrouter.newapi.command import run_command

        return run_command(config, args)
    from clawrouter import logs
    from clawrouter.runner import run

    logs.setup(config.logging.level, config.logging.format)
    for warning in env_warnings():
        logging.getLogger("clawrouter").warning("%s", warning)
    return run(config)
