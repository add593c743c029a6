"""Shared fixtures: a config on a temp data dir, the real app served on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawrouter.config import Config, load, replace
from tests.support.gateway import Gateway


@pytest.fixture
def config(tmp_path: Path) -> Config:
    base = load(env={}, overrides={"server.data_dir": str(tmp_path / "data")})
    return replace(base, security={"api_rate_limit": 0})


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
