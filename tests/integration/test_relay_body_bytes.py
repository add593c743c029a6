"""The client's body bytes go upstream as they came when nothing in the body changes (same
format, no model mapping, override or added field); any change re-serialises the body."""

from __future__ import annotations

import orjson

from tests.support.gateway import RelayEnv

# Spacing, key order, a float's spelling and an escaped character re-serialising would change.
RAW = (
    b'{ "messages": [ {"role": "user", "content": "caf\\u00e9 1"} ],\n'
    b'  "temperature": 0.50, "model": "gpt-4o" }'
)


async def test_an_unchanged_body_is_forwarded_byte_for_byte(relay_env: RelayEnv):
    status, body, _ = await relay_env.post("/v1/chat/completions", RAW)
    assert status == 200 and body["choices"][0]["message"]["role"] == "assistant"
    assert relay_env.up.last.body == RAW
    (log,) = await relay_env.logs()
    assert log["model_name"] == "gpt-4o" and log["quota"] > 0


async def test_a_mapped_model_is_re_serialised(relay_env: RelayEnv):
    gw = relay_env.gw
    await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", priority=9,
        model_mapping='{"gpt-4o": "gpt-4o-2024-08-06"}',
    )  # fmt: skip
    status, _, _ = await relay_env.post("/v1/chat/completions", RAW)
    assert status == 200
    sent = relay_env.up.last
    assert sent.body != RAW
    assert sent.json == {**orjson.loads(RAW), "model": "gpt-4o-2024-08-06"}


async def test_a_param_override_is_re_serialised(relay_env: RelayEnv):
    await relay_env.gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", priority=9,
        param_override='{"temperature": 0.25}',
    )  # fmt: skip
    status, _, _ = await relay_env.post("/v1/chat/completions", RAW)
    assert status == 200
    assert relay_env.up.last.json["temperature"] == 0.25


async def test_duplicate_model_keys_are_never_forwarded(relay_env: RelayEnv):
    raw = (
        b'{"model": "gpt-4-32k", "model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}'
    )
    status, _, _ = await relay_env.post("/v1/chat/completions", raw)
    assert status == 200
    sent = relay_env.up.last.body
    assert sent.count(b'"model"') == 1 and orjson.loads(sent)["model"] == "gpt-4o"


async def test_a_stream_with_forced_usage_is_re_serialised(relay_env: RelayEnv):
    raw = RAW[:-1] + b', "stream": true}'
    status, text, _ = await relay_env.post("/v1/chat/completions", raw)
    assert status == 200 and "[DONE]" in text
    assert relay_env.up.last.json["stream_options"] == {"include_usage": True}


async def test_upstream_cookies_never_follow_into_another_request(relay_env: RelayEnv):
    answer = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }  # fmt: skip
    # by host name: aiohttp's default jar ignores cookies from IP addresses
    base = relay_env.up.base_url.replace("127.0.0.1", "localhost")
    await relay_env.gw.add_channel(base, models="gpt-4o", priority=9)
    relay_env.up.queue(json=answer, headers={"Set-Cookie": "session=caller-one; Path=/"})
    status, _, _ = await relay_env.post("/v1/chat/completions", RAW)
    assert status == 200
    status, _, _ = await relay_env.post("/v1/chat/completions", RAW)
    assert status == 200
    assert "Cookie" not in relay_env.up.last.headers
