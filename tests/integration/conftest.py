"""Fixtures for the native-channel relay tests: relay_env plus an Anthropic and a Gemini channel,
and the official SDK clients pointed at the gateway; `gw`, a gateway whose clock the test moves
(modules may override these names)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import pytest
from google import genai

from tests.support.gateway import RelayEnv
from tests.support.native import add_native_channels, claude_client, gemini_client
from tests.support.twofa import ClockGateway


@pytest.fixture
async def env(relay_env: RelayEnv) -> RelayEnv:
    await add_native_channels(relay_env)
    return relay_env


@pytest.fixture
async def claude(env: RelayEnv) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with claude_client(env) as client:
        yield client


@pytest.fixture
async def gem(env: RelayEnv) -> AsyncIterator[genai.Client]:
    async with gemini_client(env) as client:
        yield client


@pytest.fixture
async def gw(config) -> AsyncIterator[ClockGateway]:
    """A gateway whose clock is `gw.now` (starts at the real time; the test moves it)."""
    gateway = ClockGateway(config)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()
