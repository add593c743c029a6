"""Shared fixtures: a config on a temp data dir, the real app served on a loopback port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawrouter.config import Config, load, replace
from tests.support.gateway import Gateway, RelayEnv
from tests.support.upstreams import FakeUpstream


@pytest.fixture
def config(tmp_path: Path) -> Config:
    overrides = {"server.data_dir": str(tmp_path / "data")}
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
