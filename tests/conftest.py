"""Shared fixtures: a config on a temp data dir, the real app served on a loopback port.

CLAWROUTER_TEST_DB=postgresql runs the same tests on PostgreSQL: the config fixture points
database.url at a fresh database on a real server the session starts (tests/support/postgres.py).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from clawrouter.config import Config, load, replace
from tests.support.gateway import Gateway, RelayEnv
from tests.support.postgres import PostgresServer, find_bin_dir
from tests.support.upstreams import FakeUpstream


def pytest_report_header() -> str:
    db = os.environ.get("CLAWROUTER_TEST_DB") or "sqlite"
    return f"clawrouter store: {db} (CLAWROUTER_TEST_DB)"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl): its tests are skipped")
    server = PostgresServer(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test, dropped after it."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def config(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    overrides = {"server.data_dir": str(tmp_path / "data")}
    if os.environ.get("CLAWROUTER_TEST_DB", "sqlite") == "postgresql":
        overrides["database.url"] = request.getfixturevalue("postgres_url")
    # A dashboard built elsewhere (CLAWROUTER_WEB_OUT=... npm run build) for a work in progress;
    # unset, the gateway serves the committed static/.
    if os.environ.get("CLAWROUTER_TEST_STATIC_DIR"):
        overrides["server.static_dir"] = os.environ["CLAWROUTER_TEST_STATIC_DIR"]
    base = load(env={}, overrides=overrides)
    # The global per-IP limits are off: every test client is 127.0.0.1. Their own tests turn
    # them on (tests/integration/test_rate_limits.py).
    return replace(base, security={"api_rate_limit": 0, "web_rate_limit": 0})


@pytest.fixture
async def gateway(config: Config) -> AsyncIterator[Gateway]:
    gw = Gateway(config)
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


@pytest.fixture
async def root(gateway: Gateway):
    """The gateway after first-run setup, with a logged-in root client."""
    await gateway.setup_root()
    return await gateway.login("root", "rootpass123")


@pytest.fixture
async def upstream() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as up:
        yield up


@pytest.fixture
async def relay_env(gateway: Gateway, upstream: FakeUpstream) -> AsyncIterator[RelayEnv]:
    """Root set up, one OpenAI channel on the fake upstream, one unlimited key for root."""
    await gateway.setup_root()
    env = RelayEnv(gateway, upstream)
    env.channel_id = await gateway.add_channel(upstream.base_url, models="gpt-4o-mini,gpt-4o")
    env.key = await gateway.add_token()
    try:
        yield env
    finally:
        await env.close()
