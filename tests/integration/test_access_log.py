"""The access log in JSON: one object per request with request_id, method, path, status,
duration_ms and, when known, user_id, token_id, model and channel as fields; secrets in the
query redacted; INFO for client errors, WARNING only for 5xx."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from clawrouter import logs
from clawrouter.keys import OPTIONS
from tests.support.gateway import RelayEnv

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger at INFO writing JSON lines (logs.setup's formatter) into a buffer."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(logs._Context())
    handler.setFormatter(logs._Json())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def access_lines(buf: io.StringIO) -> list[dict]:
    lines = [orjson.loads(line) for line in buf.getvalue().splitlines()]
    # the fake upstream's own server logs there too, in aiohttp's format (no fields)
    return [r for r in lines if r["logger"] == "aiohttp.access" and "method" in r]


async def test_json_access_lines_carry_the_request_fields(
    relay_env: RelayEnv, json_lines: io.StringIO
):
    gw = relay_env.gw
    await gw.app[OPTIONS].set("RetryTimes", 0)
    reply = await relay_env.openai().chat.completions.create(**CHAT)
    assert reply.choices[0].message.content
    root = await gw.login("root", "rootpass123")
    status, body = await root.json("GET", "/api/user/self")
    assert status == 200 and body["success"]
    missing = await gw.client().request("GET", "/v1beta/models/x?key=sk-abcdefghijklmnopqrstu")
    assert missing.status in (401, 404)
    await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o-mini", name="broken", priority=10,
        model_mapping='{"gpt-4o-mini": "gpt-4o-mini-fail-500"}',
    )  # fmt: skip
    status, _, _ = await relay_env.post("/v1/chat/completions", {**CHAT, "model": "gpt-4o-mini"})
    assert status == 500

    lines = access_lines(json_lines)
    by_path = {(r["method"], r["path"].split("?")[0], r["status"]): r for r in lines}
    chat = by_path["POST", "/v1/chat/completions", 200]
    assert chat["level"] == "info" and chat["user_id"] == 1 and chat["token_id"] >= 1
    assert chat["model"] == "gpt-4o" and chat["channel"] == relay_env.channel_id
    assert len(chat["request_id"]) > 20 and chat["duration_ms"] > 0
    assert chat["message"].startswith("POST /v1/chat/completions 200 ")
    me = by_path["GET", "/api/user/self", 200]
    assert me["user_id"] == root.user_id and me["token_id"] is None and me["model"] is None
    (refused,) = [r for r in lines if r["path"].startswith("/v1beta/models/x")]
    assert refused["level"] == "info"  # a client error is no warning
    assert "sk-abcdefghijklmnop" not in json_lines.getvalue()
    assert "key=****" in refused["path"]
    failed = by_path["POST", "/v1/chat/completions", 500]
    assert failed["level"] == "warning" and failed["model"] == "gpt-4o-mini"
    assert failed["channel"] is not None and failed["user_id"] == 1
    every = ("request_id", "method", "path", "status", "duration_ms")
    every += ("user_id", "token_id", "model", "channel")
    assert all(set(every) <= set(r) for r in lines)
