"""Streams: bytes reach the client as they arrive, the idle timeout, upstream errors and cuts
mid-stream in the client's format, and client disconnects (upstream cancelled, usage billed)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import orjson

from clawrouter.config import replace
from tests.support.gateway import RelayEnv


def body(model: str, **extra) -> dict:
    return {
        "model": model, "stream": True, "messages": [{"role": "user", "content": "hello there"}],
        **extra,
    }  # fmt: skip


async def mapped(env: RelayEnv, upstream_model: str) -> None:
    mapping = orjson.dumps({"gpt-4o": upstream_model}).decode()
    await env.gw.add_channel(env.up.base_url, models="gpt-4o", model_mapping=mapping, priority=9)


async def read_events(resp: aiohttp.ClientResponse) -> list[str]:
    text = (await resp.read()).decode()
    return [block for block in text.split("\n\n") if block.strip()]


async def test_first_token_arrives_long_before_the_end(relay_env: RelayEnv):
    await mapped(relay_env, "gpt-4o-slow-60")
    headers = {"Authorization": f"Bearer {relay_env.key}"}
    async with aiohttp.ClientSession() as http:
        start = time.perf_counter()
        async with http.post(relay_env.gw.base + "/v1/chat/completions", json=body("gpt-4o"),
                             headers=headers) as resp:  # fmt: skip
            assert resp.headers["Content-Type"].startswith("text/event-stream")
            assert resp.headers["X-Accel-Buffering"] == "no" and resp.headers["X-Request-Id"]
            first = await resp.content.readline()
            t_first = time.perf_counter() - start
            await resp.read()
            t_end = time.perf_counter() - start
    assert first.startswith(b"data: ")
    assert t_first < 0.15 and t_end > 0.25, (t_first, t_end)


async def test_client_disconnect_cancels_upstream_and_bills_what_was_produced(relay_env: RelayEnv):
    await mapped(relay_env, "gpt-4o-slow-50-long")
    headers = {"Authorization": f"Bearer {relay_env.key}"}
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            relay_env.gw.base + "/v1/chat/completions", json=body("gpt-4o"), headers=headers
        )
        for _ in range(4):
            await resp.content.readline()
        resp.close()
    await relay_env.up.wait_aborted(1, within=3)
    for _ in range(100):
        logs = await relay_env.logs()
        if logs:
            break
        await asyncio.sleep(0.02)
    (log,) = logs
    other = orjson.loads(log["other"])
    assert other["stream_status"]["end_reason"] == "client_gone"
    assert 0 < log["completion_tokens"] < 200 and log["quota"] > 0


async def test_idle_timeout_ends_stream_with_error_event(relay_env: RelayEnv):
    gw = relay_env.gw
    await gw.stop()
    gw.config = replace(gw.config, relay={"stream_idle_timeout_seconds": 0.3})
    await gw.start()
    await mapped(relay_env, "gpt-4o-slow-1000")
    headers = {"Authorization": f"Bearer {relay_env.key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(gw.base + "/v1/chat/completions", json=body("gpt-4o"), headers=headers) as resp,
    ):
        events = await read_events(resp)
    assert events[-1] == "data: [DONE]"
    assert "idle timeout" in events[-2]
    (log,) = await relay_env.logs()
    assert orjson.loads(log["other"])["stream_status"] == {
        "status": "error",
        "end_reason": "timeout",
    }


async def test_upstream_error_midstream_is_passed_on(relay_env: RelayEnv):
    await mapped(relay_env, "gpt-4o-midstream-error")
    headers = {"Authorization": f"Bearer {relay_env.key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            relay_env.gw.base + "/v1/chat/completions", json=body("gpt-4o"), headers=headers
        ) as resp,
    ):
        events = await read_events(resp)
    assert any('"error"' in e for e in events)


async def test_upstream_cut_gives_an_error_event(relay_env: RelayEnv):
    await mapped(relay_env, "gpt-4o-cut")
    headers = {"Authorization": f"Bearer {relay_env.key}"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            relay_env.gw.base + "/v1/chat/completions", json=body("gpt-4o"), headers=headers
        ) as resp,
    ):
        events = await read_events(resp)
    assert "closed the stream unexpectedly" in events[-2]
    (log,) = await relay_env.logs()
    assert orjson.loads(log["other"])["stream_status"]["end_reason"] == "upstream_cut"


async def test_sdk_stream_of_anthropic_and_gemini_clients_errors(relay_env: RelayEnv):
    """An Anthropic-format stream that fails mid-way ends with an `event: error`."""
    await mapped(relay_env, "gpt-4o-cut")
    headers = {"x-api-key": relay_env.key, "anthropic-version": "2023-06-01"}
    req = {"model": "gpt-4o", "max_tokens": 64, "stream": True,
           "messages": [{"role": "user", "content": "hello"}]}  # fmt: skip
    async with (
        aiohttp.ClientSession() as http,
        http.post(relay_env.gw.base + "/v1/messages", json=req, headers=headers) as resp,
    ):
        events = await read_events(resp)
    assert events[0].startswith("event: message_start")
    assert events[-1].startswith("event: error")


async def test_keepalive_pings_while_upstream_is_silent(relay_env: RelayEnv):
    from clawrouter.keys import OPTIONS

    opts = relay_env.gw.app[OPTIONS]
    await opts.set("general_setting.ping_interval_enabled", True)
    await opts.set("general_setting.ping_interval_seconds", 1)
    await mapped(relay_env, "gpt-4o-slow-1300")
    headers = {"Authorization": f"Bearer {relay_env.key}"}
    req = body("gpt-4o", max_tokens=2)
    async with (
        aiohttp.ClientSession() as http,
        http.post(relay_env.gw.base + "/v1/chat/completions", json=req, headers=headers) as resp,
    ):
        events = await read_events(resp)
    assert ": PING" in events and events[-1] == "data: [DONE]"
