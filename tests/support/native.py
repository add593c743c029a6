"""Helpers for the native-protocol relay tests (test_relay_native, test_relay_cross_format):
channels on the fake upstream, SDK clients pointed at the gateway, checks of what the upstream
received, and the quota a request must cost, computed by hand from the upstream's usage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from fractions import Fraction
from typing import Any

import anthropic
import orjson
import pytest
from google import genai

from tests.support.gateway import RelayEnv
from tests.support.sdk import anthropic_client, genai_client
from tests.support.upstream_plan import Usage

CLAUDE, GEMINI, GPT = "claude-sonnet-4-5", "gemini-2.5-flash", "gpt-4o-mini"
CLAUDE_KEY, GEMINI_KEY, OPENAI_KEY = "sk-ant-upstream-key", "goog-upstream-key", "sk-upstream-test"
# google-genai's async client subclasses aiohttp.ClientSession; the anthropic SDK warns about
# models nearing end-of-life (claude-sonnet-4-5 has a price row).
SDK_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning"),
]
USER = [{"role": "user", "content": "What is the weather in Paris"}]
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}
WEATHER_ARGS = {"city": "test", "days": 1}  # what the fake upstreams sample from WEATHER
CLAUDE_TOOLS = [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER}]
OAI_TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER},
    }
]


class Price:
    """Default ratios (clawrouter/billing/ratio_defaults.py): model = input $/1M ÷ 2,
    completion = output ÷ input, cache = cache read ÷ input, create = 5m cache write ÷ input;
    a ratio is taken as the decimal its float prints as (billing.ratios.as_fraction)."""

    def __init__(self, model: str, completion: str, cache: str = "1", create: str = "1.25"):
        self.model, self.completion = Fraction(model), Fraction(completion)
        self.cache, self.create = Fraction(cache), Fraction(create)


PRICES = {
    CLAUDE: Price("1.5", "5", "0.1", "1.25"),  # $3 in, $15 out, $0.30 read, $3.75 write
    GEMINI: Price("0.15", "8.333333333333334", "0.1"),  # $0.30 in, $2.50 out, $0.03 read
    GPT: Price("0.075", "4", "0.5"),  # $0.15 in, $0.60 out, $0.075 read
}


def expected_quota(model: str, u: Usage) -> int:
    """pricing.settle_quota by hand: (uncached prompt + cached × cache + 5m writes × create
    + 1h writes × create × 1.6 + completion × completion ratio) × model ratio (group ratio 1),
    rounded half up, at least 1."""
    p = PRICES[model]
    units = (
        u.uncached_prompt_tokens
        + u.cached_tokens * p.cache
        + u.cache_creation_5m * p.create
        + u.cache_creation_1h * p.create * Fraction(8, 5)
        + u.completion_tokens * p.completion
    )
    return max(int(units * p.model + Fraction(1, 2)), 1)


async def billed(env: RelayEnv, model: str) -> dict[str, Any]:
    """The last consume log row, checked against the quota computed from the usage the fake
    upstream reported for its last request."""
    usage = env.up.last_usage
    assert usage is not None
    log = (await env.logs())[-1]
    assert (log["type"], log["model_name"]) == (2, model)
    assert log["quota"] == expected_quota(model, usage), (log["quota"], usage)
    assert (log["prompt_tokens"], log["completion_tokens"]) == (
        usage.prompt_tokens,
        usage.completion_tokens,
    )
    other = orjson.loads(log["other"])
    assert Fraction(repr(other["model_ratio"])) == PRICES[model].model
    assert Fraction(repr(other["completion_ratio"])) == PRICES[model].completion
    return log


async def add_native_channels(env: RelayEnv) -> None:
    """An Anthropic (type 14) and a Gemini (type 24) channel next to relay_env's OpenAI one."""
    up, gw = env.up, env.gw
    await gw.add_channel(up.base_url, type=14, models=CLAUDE, key=CLAUDE_KEY, name="claude")
    await gw.add_channel(up.base_url, type=24, models=GEMINI, key=GEMINI_KEY, name="gemini")


@asynccontextmanager
async def claude_client(env: RelayEnv) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """The anthropic SDK on the gateway, validating every response strictly."""
    async with anthropic_client(env.gw.base, env.key) as client:
        yield client


@asynccontextmanager
async def gemini_client(env: RelayEnv, api_version: str = "v1beta") -> AsyncIterator[genai.Client]:
    """The google-genai SDK on the gateway, every raw body checked (tests/support/sdk.py)."""
    async with genai_client(env.gw.base, env.key, api_version) as client:
        yield client


def sdk_version(client: anthropic.AsyncAnthropic) -> str:
    """The anthropic-version the SDK sends (passed on to the upstream as is)."""
    return str(client.default_headers["anthropic-version"])


def _no_client_key(env: RelayEnv) -> None:
    rec = env.up.last
    secret = env.key.removeprefix("sk-")
    assert secret not in str(dict(rec.headers)) and secret not in rec.path + str(rec.query)


def claude_upstream(env: RelayEnv, *, stream: bool, version: str = "2023-06-01") -> Any:
    """Check the Anthropic request the fake received; returns its body."""
    rec = env.up.last
    assert rec.method == "POST" and rec.path == "/v1/messages" and rec.query == {}
    assert rec.headers["x-api-key"] == CLAUDE_KEY and "Authorization" not in rec.headers
    assert rec.headers["anthropic-version"] == version
    assert rec.json["model"] == CLAUDE and rec.json.get("stream", False) is stream
    _no_client_key(env)
    return rec.json


def gemini_upstream(env: RelayEnv, *, stream: bool) -> Any:
    """Check the Gemini request the fake received; returns its body."""
    rec = env.up.last
    action = "streamGenerateContent" if stream else "generateContent"
    assert rec.path == f"/v1beta/models/{GEMINI}:{action}"
    assert rec.query == ({"alt": "sse"} if stream else {})
    assert rec.headers["x-goog-api-key"] == GEMINI_KEY and "Authorization" not in rec.headers
    assert "model" not in rec.json and rec.json["contents"]
    _no_client_key(env)
    return rec.json


def openai_upstream(env: RelayEnv, *, stream: bool) -> Any:
    """Check the OpenAI chat request the fake received; returns its body."""
    rec = env.up.last
    assert rec.path == "/v1/chat/completions" and rec.api_key == OPENAI_KEY
    assert rec.json["model"] == GPT and bool(rec.json.get("stream")) is stream
    _no_client_key(env)
    return rec.json
