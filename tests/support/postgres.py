"""A real PostgreSQL server for the tests: initdb'd in a temp directory, listening on a free
127.0.0.1 port, run as `nobody` when the tests run as root (PostgreSQL refuses root), stopped
and removed at the end. Each test gets a fresh database copied from a migrated template.

Binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin. Without them,
`find_bin_dir()` returns None and the PostgreSQL tests are skipped (and say so).
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

TEMPLATE = "clawrouter_template"


def find_bin_dir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    return None


def run_async(coro_fn: Any, *args: Any) -> Any:
    """Run an async function to completion on a thread of its own (never on the test's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_fn(*args)).result()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="clawrouter-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._user: dict[str, Any] = {}
        self._names = itertools.count(1)
        if os.geteuid() == 0:  # PostgreSQL will not run as root
            self._user = {"user": "nobody", "group": "nogroup"}
            shutil.chown(self.root, "nobody", "nogroup")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        subprocess.run(
            [str(self.bin_dir / argv[0]), *argv[1:]],
            check=True,
            capture_output=True,
            cwd=self.root,
            **self._user,
        )

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")  # fmt: skip
        run_async(self._make_template)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    async def _make_template(self) -> None:
        import asyncpg

        from clawrouter.db.migrate import migrate
        from clawrouter.db.postgres import PgDatabase

        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await conn.close()
        db = PgDatabase(self.url(TEMPLATE))
        await db.open()
        try:
            await migrate(db, "main")
            await migrate(db, "logs")
        finally:
            await db.close()

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database (a copy of the migrated template, or empty); returns its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        template = TEMPLATE if migrated else "template0"
        run_async(self._admin, f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a test's database (its files would otherwise pile up for the session)."""
        name = url.rpartition("/")[2]
        run_async(self._admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    async def _admin(self, sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
