"""The scaling set-ups of `make bench`: ClawRouter with `--workers N`, and ClawRouter on a
PostgreSQL store with a Redis change feed (a PostgreSQL started by tests/support/postgres.py and
a temporary redis-server, both on 127.0.0.1, removed at the end). Each is skipped, with the
reason, when this build or this machine cannot run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def workers_supported(repo: Path) -> bool:
    """Whether `python -m clawrouter` takes --workers (another engineer's work, issue 11)."""
    try:
        out = subprocess.run(
            [sys.executable, "-m", "clawrouter", "--help"],
            capture_output=True, text=True, timeout=60, cwd=repo, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return "--workers" in out.stdout


def pg_missing() -> str | None:
    """Why the PostgreSQL + Redis set-up cannot run here, or None."""
    from tests.support.postgres import find_bin_dir
    from tests.support.redis_server import find_redis

    if find_bin_dir() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    if find_redis() is None:
        return "redis-server is not installed (apt-get install redis-server)"
    try:
        import asyncpg  # noqa: F401
        import redis  # noqa: F401
    except ImportError as e:
        return f"{e.name} is not installed (pip install -e '.[postgres,redis]')"
    return None


class PgRedis:
    """A fresh PostgreSQL database and a Redis for one gateway; start() returns its env."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pg = None
        self.redis = None

    def start(self) -> dict[str, str]:
        from tests.support.postgres import PostgresServer, find_bin_dir
        from tests.support.redis_server import RedisServer, find_redis

        bin_dir, program = find_bin_dir(), find_redis()
        assert bin_dir is not None and program is not None  # pg_missing() said so
        self.pg = PostgresServer(bin_dir)
        self.pg.start()
        self.redis = RedisServer(program)
        self.redis.start()
        return {
            "CLAWROUTER_DATABASE_URL": self.pg.new_database(),
            "CLAWROUTER_REDIS_URL": self.redis.url,
        }

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.remove()
        if self.pg is not None:
            self.pg.stop()
