"""Native Anthropic and Gemini channels end to end, through the official SDKs: pass-through of
the client's own format (what the client got, what the upstream received) and quota to the
token from the upstream's usage. Cross-format pairs are in test_relay_cross_format.py."""

from __future__ import annotations

import aiohttp
import anthropic
import orjson
import pytest
from google.genai import types as gtypes

from tests.support.gateway import RelayEnv
from tests.support.native import (
    CLAUDE,
    CLAUDE_KEY,
    CLAUDE_TOOLS,
    GEMINI,
    GEMINI_KEY,
    SDK_WARNINGS,
    USER,
    WEATHER,
    WEATHER_ARGS,
    billed,
    claude_upstream,
    gemini_upstream,
    sdk_version,
)

pytestmark = SDK_WARNINGS


# ---------------------------------------------------------------- Anthropic client, Anthropic channel

CACHED = {"prompt_tokens": 1000, "cached_tokens": 600, "cache_creation_5m": 100, "cache_creation_1h": 50}  # fmt: skip


async def test_claude_messages_json_bills_cache_tokens(env: RelayEnv, claude):
    env.up.usage_override = CACHED
    msg = await claude.messages.create(
        model=CLAUDE, max_tokens=256, system="be brief", messages=USER
    )
    assert msg.content[0].text == "Hello from fake-anthropic." and msg.stop_reason == "end_turn"
    u = msg.usage
    assert (u.input_tokens, u.cache_read_input_tokens, u.cache_creation_input_tokens) == (
        250,
        600,
        150,
    )
    body = claude_upstream(env, stream=False, version=sdk_version(claude))
    assert body == {"model": CLAUDE, "max_tokens": 256, "system": "be brief", "messages": USER}
    log = await billed(env, CLAUDE)
    # 250 + 600×0.1 + 100×1.25 + 50×2 + 3×5 = 550 units × 1.5 = 825
    assert log["quota"] == 825 and log["prompt_tokens"] == 1000
    other = orjson.loads(log["other"])
    assert other["usage_semantic"] == "anthropic" and other["cache_creation_tokens_1h"] == 50
    assert "request_conversion" not in other


async def test_claude_messages_stream_event_order_and_billing(env: RelayEnv, claude):
    env.up.usage_override = CACHED
    async with claude.messages.stream(model=CLAUDE, max_tokens=64, messages=USER) as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_message()
    raw = [k for k in kinds if k not in ("text", "content_block")]  # SDK helper events
    assert raw == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert final.content[0].text == "Hello from fake-anthropic."
    assert final.usage.cache_read_input_tokens == 600 and final.usage.output_tokens == 3
    assert env.up.last.headers["Accept"] == "text/event-stream"
    claude_upstream(env, stream=True, version=sdk_version(claude))
    log = await billed(env, CLAUDE)
    assert log["quota"] == 825 and log["is_stream"] == 1
    assert orjson.loads(log["other"])["stream_status"] == {"status": "ok", "end_reason": "done"}


async def test_claude_tools_and_thinking(env: RelayEnv, claude):
    thinking = {"type": "enabled", "budget_tokens": 1024}
    msg = await claude.messages.create(
        model=CLAUDE, max_tokens=2000, messages=USER, tools=CLAUDE_TOOLS, thinking=thinking
    )
    think, tool = msg.content
    assert think.type == "thinking" and think.signature and tool.type == "tool_use"
    assert tool.name == "get_weather" and tool.input == WEATHER_ARGS
    body = claude_upstream(env, stream=False, version=sdk_version(claude))
    assert body["tools"] == CLAUDE_TOOLS and body["thinking"] == thinking
    await billed(env, CLAUDE)
    async with claude.messages.stream(
        model=CLAUDE, max_tokens=2000, messages=USER, tools=CLAUDE_TOOLS, thinking=thinking
    ) as stream:
        final = await stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "tool_use"]
    assert final.content[1].input == WEATHER_ARGS
    assert final.usage.output_tokens == env.up.last_usage.completion_tokens
    await billed(env, CLAUDE)


async def test_claude_beta_query_and_headers_pass_on(env: RelayEnv, claude):
    msg = await claude.beta.messages.create(
        model=CLAUDE, max_tokens=32, messages=USER, betas=["token-efficient-tools-2025-02-19"],
        extra_query={"beta": "true"},  # what Claude Code sends
    )  # fmt: skip
    assert msg.content[0].text == "Hello from fake-anthropic."
    rec = env.up.last
    assert rec.path == "/v1/messages" and rec.query == {"beta": "true"}
    assert rec.headers["anthropic-beta"] == "token-efficient-tools-2025-02-19"
    assert rec.headers["x-api-key"] == CLAUDE_KEY


async def test_claude_missing_max_tokens_gets_a_default(env: RelayEnv):
    status, body, _ = await env.post(
        "/v1/messages", {"model": CLAUDE, "messages": USER}, **{"anthropic-version": "2023-06-01"}
    )
    assert status == 200 and body["type"] == "message"
    assert env.up.last.json["max_tokens"] == 8192
    await billed(env, CLAUDE)


async def test_claude_upstream_error_keeps_anthropic_shape(env: RelayEnv, claude):
    await env.gw.add_channel(
        env.up.base_url, type=14, models="claude-haiku-4-5", key=CLAUDE_KEY,
        model_mapping='{"claude-haiku-4-5": "claude-haiku-4-5-fail-529"}',
    )  # fmt: skip
    with pytest.raises(anthropic.APIStatusError) as err:
        await claude.messages.create(model="claude-haiku-4-5", max_tokens=8, messages=USER)
    assert err.value.status_code == 529
    assert err.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


async def test_claude_midstream_error_event_passes_through(env: RelayEnv, claude):
    await env.gw.add_channel(
        env.up.base_url, type=14, models="claude-haiku-4-5", key=CLAUDE_KEY,
        model_mapping='{"claude-haiku-4-5": "claude-haiku-4-5-midstream-error"}',
    )  # fmt: skip
    with pytest.raises(anthropic.APIStatusError, match="overloaded"):
        async with claude.messages.stream(
            model="claude-haiku-4-5", max_tokens=8, messages=USER
        ) as stream:
            _ = [e async for e in stream]
    assert env.up.last.path == "/v1/messages" and not env.up.last.completed


# ---------------------------------------------------------------- Gemini client, Gemini channel

DECL = gtypes.FunctionDeclaration(name="get_weather", parameters_json_schema=WEATHER)
NO_AFC = gtypes.AutomaticFunctionCallingConfig(disable=True)


async def test_gemini_generate_content(env: RelayEnv, gem):
    env.up.usage_override = {"prompt_tokens": 100, "cached_tokens": 40}
    resp = await gem.aio.models.generate_content(model=GEMINI, contents="Say hello to the gateway")
    assert resp.text == "Hello from fake-gemini."
    assert resp.usage_metadata.prompt_token_count == 100
    assert resp.usage_metadata.cached_content_token_count == 40
    gemini_upstream(env, stream=False)
    log = await billed(env, GEMINI)
    assert log["prompt_tokens"] == 100


async def test_gemini_generate_content_stream(env: RelayEnv, gem):
    stream = await gem.aio.models.generate_content_stream(model=GEMINI, contents="Say hi")
    chunks = [c async for c in stream]
    assert "".join(c.text or "" for c in chunks) == "Hello from fake-gemini."
    assert chunks[-1].candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert env.up.last.headers["Accept"] == "text/event-stream"
    gemini_upstream(env, stream=True)
    log = await billed(env, GEMINI)
    assert log["is_stream"] == 1
    assert orjson.loads(log["other"])["stream_status"] == {"status": "ok", "end_reason": "done"}


async def test_gemini_key_in_query(env: RelayEnv):
    body = {"contents": [{"role": "user", "parts": [{"text": "hello there"}]}]}
    url = f"{env.gw.base}/v1beta/models/{GEMINI}:generateContent?key={env.key}"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as resp:
        data = await resp.json()
    assert resp.status == 200, data
    assert data["candidates"][0]["content"]["parts"][0]["text"] == "Hello from fake-gemini."
    gemini_upstream(env, stream=False)
    assert env.up.last.query == {} and env.up.last.json == body
    await billed(env, GEMINI)


async def test_gemini_function_calls(env: RelayEnv, gem):
    config = gtypes.GenerateContentConfig(
        tools=[gtypes.Tool(function_declarations=[DECL])], automatic_function_calling=NO_AFC
    )
    resp = await gem.aio.models.generate_content(model=GEMINI, contents="weather?", config=config)
    assert resp.function_calls[0].name == "get_weather"
    assert resp.function_calls[0].args == WEATHER_ARGS
    body = gemini_upstream(env, stream=False)
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "get_weather"
    await billed(env, GEMINI)
    stream = await gem.aio.models.generate_content_stream(
        model=GEMINI, contents="weather?", config=config
    )
    calls = [fc for c in [c async for c in stream] for fc in c.function_calls or []]
    assert [(c.name, c.args) for c in calls] == [("get_weather", WEATHER_ARGS)]
    await billed(env, GEMINI)


async def test_gemini_thinking_suffix_reaches_upstream_as_config(env: RelayEnv, gem):
    await env.gw.add_channel(
        env.up.base_url, type=24, models="gemini-2.5-flash-thinking-2048", key=GEMINI_KEY,
    )  # fmt: skip
    resp = await gem.aio.models.generate_content(
        model="gemini-2.5-flash-thinking-2048", contents="think"
    )
    assert resp.candidates[0].content.parts[0].thought
    rec = env.up.last
    assert rec.path == f"/v1beta/models/{GEMINI}:generateContent"
    config = rec.json["generationConfig"]["thinkingConfig"]
    assert config == {"thinkingBudget": 2048, "includeThoughts": True}
