"""Fixtures for the native-channel relay tests: relay_env plus an Anthropic and a Gemini channel,
and the official SDK clients pointed at the gateway (modules may override these names)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import pytest
from google import genai

from tests.support.gateway import RelayEnv
from tests.support.native import add_native_channels, claude_client, gemini_client


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
