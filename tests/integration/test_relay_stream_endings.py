"""How streams end, for every client format on every upstream protocol: a complete upstream
stream ends normally; one that stops without its terminator ([DONE], message_stop, Gemini's
last chunk with a finishReason, response.completed) ends with an error event in the client's
protocol and is billed for what was delivered."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from clawrouter.keys import OPTIONS
from tests.support import native
from tests.support.gateway import RelayEnv
from tests.support.stream_calls import client_call, events

UPSTREAMS = {"openai": (1, native.GPT), "anthropic": (14, native.CLAUDE),
             "gemini": (24, native.GEMINI)}  # fmt: skip


def is_final(obj: dict) -> bool:
    choices = obj.get("choices") or obj.get("candidates") or []
    return any(c.get("finish_reason") or c.get("finishReason") for c in choices)


def is_error(fmt: str, event: tuple[str | None, str]) -> bool:
    name, data = event
    if fmt in ("messages", "responses"):
        return name == "error" and orjson.loads(data)["type"] == "error"
    return data != "[DONE]" and "error" in orjson.loads(data)


async def stream(env: RelayEnv, kind: str, fmt: str, marker: str) -> list:
    ctype, model = UPSTREAMS[kind]
    mapping = orjson.dumps({"broken": f"{model}{marker}"}).decode()
    key = {1: native.OPENAI_KEY, 14: native.CLAUDE_KEY, 24: native.GEMINI_KEY}[ctype]
    await env.gw.add_channel(
        env.up.base_url, type=ctype, key=key, models="broken", model_mapping=mapping, priority=50
    )
    path, body, headers = client_call(fmt, env.key)
    async with (
        aiohttp.ClientSession() as http,
        http.post(env.gw.base + path, json=body, headers=headers) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return events(await resp.read())


@pytest.fixture
async def env(relay_env: RelayEnv) -> RelayEnv:
    opts = relay_env.gw.app[OPTIONS]
    await opts.set("ModelRatio", orjson.dumps({"broken": 1}).decode())
    await opts.set("CompletionRatio", orjson.dumps({"broken": 2}).decode())
    return relay_env


@pytest.mark.parametrize("fmt", ["chat", "messages", "responses", "gemini"])
@pytest.mark.parametrize("kind", sorted(UPSTREAMS))
async def test_an_upstream_that_stops_short_ends_with_an_error(env: RelayEnv, kind, fmt):
    got = await stream(env, kind, fmt, "-slow-1-long-eof")
    tail = got[-2:] if fmt == "chat" else got[-1:]
    assert is_error(fmt, tail[0]), got[-3:]
    assert "before it was complete" in tail[0][1]
    if fmt == "chat":
        assert tail[1] == (None, "[DONE]")
    names = [name for name, _ in got]
    assert "message_stop" not in names and "response.completed" not in names
    finished = [e for e in got if e[1] != "[DONE]" and is_final(orjson.loads(e[1]))]
    assert not finished  # no finish_reason / finishReason reached the client
    (log,) = await env.logs()
    other = orjson.loads(log["other"])
    assert other["stream_status"] == {"status": "error", "end_reason": "eof"}
    assert log["completion_tokens"] > 0 and log["quota"] > 0  # what was delivered is billed


@pytest.mark.parametrize("fmt", ["chat", "messages", "responses", "gemini"])
@pytest.mark.parametrize("kind", sorted(UPSTREAMS))
async def test_a_complete_upstream_stream_ends_normally(env: RelayEnv, kind, fmt):
    got = await stream(env, kind, fmt, "")
    assert not any(is_error(fmt, e) for e in got if e[1] != "[DONE]"), got
    last = {"chat": (None, "[DONE]")}.get(fmt)
    if last:
        assert got[-1] == last
    elif fmt == "messages":
        assert got[-1][0] == "message_stop"
    elif fmt == "responses":
        assert got[-1][0] == "response.completed"
    else:
        assert orjson.loads(got[-1][1])["candidates"][0]["finishReason"] == "STOP"
    (log,) = await env.logs()
    assert orjson.loads(log["other"])["stream_status"] == {"status": "ok", "end_reason": "done"}


async def test_a_finished_chat_answer_without_done_is_complete(env: RelayEnv):
    """[DONE] missing after the finish and usage chunks: the client gets its normal ending."""
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}],
    }
    last = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}  # fmt: skip
    sse = b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in (chunk, last))
    env.up.queue(body=sse, headers={"Content-Type": "text/event-stream"})
    got = await stream(env, "openai", "chat", "")
    assert got[-1] == (None, "[DONE]") and orjson.loads(got[-2][1])["usage"]["total_tokens"] == 4
    (log,) = await env.logs()
    assert orjson.loads(log["other"])["stream_status"] == {"status": "ok", "end_reason": "done"}


async def test_a_finished_anthropic_answer_without_message_stop_is_complete(env: RelayEnv):
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "m",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 3, "output_tokens": 1},
        },
    }
    events_ = [start,
               {"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}},
               {"type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": "Hi"}},
               {"type": "content_block_stop", "index": 0},
               {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 1}}]  # fmt: skip
    sse = b"".join(
        f"event: {e['type']}\ndata: ".encode() + orjson.dumps(e) + b"\n\n" for e in events_
    )
    env.up.queue(body=sse, headers={"Content-Type": "text/event-stream"})
    got = await stream(env, "anthropic", "messages", "")
    assert [name for name, _ in got][-2:] == ["message_delta", "message_stop"]
    (log,) = await env.logs()
    assert orjson.loads(log["other"])["stream_status"] == {"status": "ok", "end_reason": "done"}
