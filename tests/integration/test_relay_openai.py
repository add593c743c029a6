"""The OpenAI-format relay through the official openai SDK against a fake OpenAI upstream:
chat (JSON, stream, tools), completions, embeddings, moderations, and quota to the token."""

from __future__ import annotations

import base64
import struct
from fractions import Fraction

import orjson
import pytest

from tests.support.gateway import RelayEnv
from tests.support.sdk import LENIENT

MSG = [{"role": "user", "content": "Say hello to the gateway"}]


def quota_for(prompt: int, completion: int, model_ratio: str, completion_ratio: str) -> int:
    """The settlement formula, by hand: (prompt + completion × cr) × mr, rounded half up."""
    exact = (prompt + completion * Fraction(completion_ratio)) * Fraction(model_ratio)
    return max(int(exact + Fraction(1, 2)), 1)


async def test_chat_json_bills_upstream_usage_exactly(relay_env: RelayEnv):
    client = relay_env.openai()
    before = (await relay_env.user_row())["quota"]
    r = await client.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert r.choices[0].message.content == "Hello from fake-openai."
    usage = relay_env.up.last_usage
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == (
        usage.prompt_tokens,
        usage.completion_tokens,
    )
    sent = relay_env.up.last
    assert sent.json["model"] == "gpt-4o-mini" and sent.api_key == "sk-upstream-test"
    expected = quota_for(usage.prompt_tokens, usage.completion_tokens, "0.075", "4")
    row = await relay_env.user_row()
    assert before - row["quota"] == expected
    assert row["used_quota"] == expected and row["request_count"] == 1
    (log,) = await relay_env.logs()
    assert (log["type"], log["quota"], log["model_name"]) == (2, expected, "gpt-4o-mini")
    assert (log["prompt_tokens"], log["completion_tokens"]) == (
        usage.prompt_tokens,
        usage.completion_tokens,
    )
    assert log["is_stream"] == 0 and log["channel_id"] == relay_env.channel_id
    assert log["token_name"] == "test-key" and log["username"] == "root"
    assert log["request_id"] and log["group"] == "default"
    other = orjson.loads(log["other"])
    assert other["model_ratio"] == 0.075 and other["completion_ratio"] == 4
    assert other["admin_info"]["use_channel"] == [str(relay_env.channel_id)]
    assert other["frt"] > 0 and other["request_path"] == "/v1/chat/completions"


async def test_chat_stream_passes_usage_chunk_and_bills(relay_env: RelayEnv):
    client = relay_env.openai()
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=MSG, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from fake-openai."
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    usage = relay_env.up.last_usage
    assert chunks[-1].usage.completion_tokens == usage.completion_tokens
    assert relay_env.up.last.json["stream_options"] == {"include_usage": True}
    (log,) = await relay_env.logs()
    assert log["is_stream"] == 1
    assert log["quota"] == quota_for(usage.prompt_tokens, usage.completion_tokens, "0.075", "4")
    other = orjson.loads(log["other"])
    assert other["stream_status"] == {"status": "ok", "end_reason": "done"}


async def test_stream_usage_chunk_default_and_explicit_false(relay_env: RelayEnv):
    client = relay_env.openai()
    chunks = [
        c
        async for c in await client.chat.completions.create(
            model="gpt-4o-mini", messages=MSG, stream=True
        )
    ]
    assert chunks[-1].usage is not None, "no stream_options: usage is passed on (reference)"
    assert relay_env.up.last.json["stream_options"] == {"include_usage": True}
    chunks = [
        c async for c in await client.chat.completions.create(
            model="gpt-4o-mini", messages=MSG, stream=True,
            stream_options={"include_usage": False},
        )
    ]  # fmt: skip
    assert all(c.usage is None for c in chunks), "include_usage=false: the usage chunk is held back"
    assert relay_env.up.last.json["stream_options"] == {"include_usage": True}
    logs = await relay_env.logs()
    assert logs[-1]["completion_tokens"] == relay_env.up.last_usage.completion_tokens


async def test_stream_without_upstream_usage_gets_a_synthetic_chunk(relay_env: RelayEnv):
    await relay_env.gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", model_mapping='{"gpt-4o": "gpt-4o-no-usage"}',
        priority=5,
    )  # fmt: skip
    client = relay_env.openai()
    chunks = [
        c
        async for c in await client.chat.completions.create(
            model="gpt-4o", messages=MSG, stream=True
        )
    ]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    (log,) = await relay_env.logs()
    assert "estimated" in log["content"]
    assert orjson.loads(log["other"])["admin_info"]["local_count_tokens"] is True


async def test_tool_calls_json_and_stream(relay_env: RelayEnv):
    client = relay_env.openai()
    tools = [{
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                           "required": ["city"]},
        },
    }]  # fmt: skip
    r = await client.chat.completions.create(model="gpt-4o-mini", messages=MSG, tools=tools)
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and "city" in orjson.loads(call.function.arguments)
    assert r.choices[0].finish_reason == "tool_calls"
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=MSG, tools=tools, stream=True
    )
    args, name = "", None
    async for c in stream:
        for tc in (c.choices[0].delta.tool_calls or []) if c.choices else []:
            name = name or tc.function.name
            args += tc.function.arguments or ""
    assert name == "get_weather" and "city" in orjson.loads(args)


async def test_completions(relay_env: RelayEnv):
    client = relay_env.openai()
    r = await client.completions.create(model="gpt-4o-mini", prompt="Once upon a time")
    assert r.choices[0].text and r.usage.prompt_tokens == 4
    assert relay_env.up.last.path == "/v1/completions"


@pytest.mark.parametrize("fmt", ["float", "base64"])
async def test_embeddings(relay_env: RelayEnv, fmt: str):
    await relay_env.gw.add_channel(relay_env.up.base_url, models="text-embedding-3-small")
    client = relay_env.openai(**(LENIENT if fmt == "base64" else {}))  # see sdk.LENIENT
    r = await client.embeddings.create(
        model="text-embedding-3-small", input=["one two", "three"], encoding_format=fmt
    )
    assert len(r.data) == 2 and r.usage.prompt_tokens == 3
    if fmt == "base64":
        raw = base64.b64decode(r.data[0].embedding)
        assert len(struct.unpack(f"<{len(raw) // 4}f", raw)) == 8
    else:
        assert len(r.data[0].embedding) == 8
    assert relay_env.up.last.json["encoding_format"] == fmt
    logs = await relay_env.logs()
    assert logs[-1]["prompt_tokens"] == 3 and logs[-1]["model_name"] == "text-embedding-3-small"


async def test_engine_path_embeddings(relay_env: RelayEnv):
    await relay_env.gw.add_channel(relay_env.up.base_url, models="text-embedding-3-small")
    status, body, _ = await relay_env.post(
        "/v1/engines/text-embedding-3-small/embeddings", {"input": "hello there"}
    )
    assert status == 200 and body["data"][0]["object"] == "embedding"
    assert relay_env.up.last.json["model"] == "text-embedding-3-small"


async def test_moderations_default_model(relay_env: RelayEnv):
    await relay_env.gw.add_channel(relay_env.up.base_url, models="text-moderation-stable")
    status, body, _ = await relay_env.post("/v1/moderations", {"input": "a kind sentence"})
    assert status == 200 and "results" in body
    assert relay_env.up.last.json["model"] == "text-moderation-stable"


async def test_models_in_three_shapes(relay_env: RelayEnv):
    client = relay_env.openai()
    ids = sorted(m.id for m in (await client.models.list()).data)
    assert ids == ["gpt-4o", "gpt-4o-mini"]
    key = relay_env.key
    import aiohttp

    async with aiohttp.ClientSession() as http:
        base = relay_env.gw.base
        headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
        async with http.get(base + "/v1/models", headers=headers) as resp:
            body = await resp.json()
            assert body["data"][0]["type"] == "model" and body["has_more"] is False
        bearer = {"Authorization": f"Bearer {key}", "anthropic-version": "2023-06-01"}
        async with http.get(base + "/v1/models", headers=bearer) as resp:
            assert "has_more" in await resp.json()
        async with http.get(base + "/v1beta/models", headers={"x-goog-api-key": key}) as resp:
            body = await resp.json()
            assert [m["name"] for m in body["models"]] == ["models/gpt-4o", "models/gpt-4o-mini"]
        async with http.get(base + f"/v1/models?key={key}") as resp:
            assert "models" in await resp.json()
        async with http.get(
            base + "/v1/models/gpt-4o", headers=bearer | {"anthropic-version": ""}
        ) as resp:
            assert (await resp.json())["id"] == "gpt-4o"
        async with http.get(
            base + "/v1/models/nope", headers={"Authorization": f"Bearer {key}"}
        ) as resp:
            body = await resp.json()
            assert resp.status == 404 and body["error"]["code"] == "model_not_found"


async def test_fresh_install_through_the_api_only(gateway, upstream):
    """setup -> login -> channel and key through /api -> relay call, with no restart."""
    await gateway.setup_root()
    root = await gateway.login("root", "rootpass123")
    channel = {"type": 1, "name": "up", "key": "sk-x", "base_url": upstream.base_url,
               "models": "gpt-4o-mini", "group": "default"}  # fmt: skip
    status, body = await root.json(
        "POST", "/api/channel/", json={"mode": "single", "channel": channel}
    )
    assert body["success"], body
    status, body = await root.json(
        "POST", "/api/token/", json={"name": "k", "unlimited_quota": True}
    )
    key = body["data"]["key"]
    env = RelayEnv(gateway, upstream)
    status, reply, _ = await env.post(
        "/v1/chat/completions", {"model": "gpt-4o-mini", "messages": MSG}, key=key
    )
    assert status == 200, reply
