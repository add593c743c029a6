"""A client that hangs up cancels the upstream request at once — not at the next write, not at
the idle timeout — in every client format, streamed or not, on the server exactly as
`python -m clawrouter` runs it; it is billed for what was produced."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from clawrouter.keys import OPTIONS, RELAY
from tests.support.gateway import RelayEnv
from tests.support.stream_calls import client_call


async def route(env: RelayEnv, upstream_model: str) -> None:
    """Requests for `broken` go to the OpenAI channel as `upstream_model` (its markers)."""
    mapping = orjson.dumps({"broken": upstream_model}).decode()
    await env.gw.add_channel(env.up.base_url, models="broken", model_mapping=mapping, priority=50)
    opts = env.gw.app[OPTIONS]
    await opts.set("ModelRatio", orjson.dumps({"broken": 1}).decode())


async def one_log(env: RelayEnv) -> dict:
    for _ in range(100):
        logs = await env.logs()
        if logs:
            (log,) = logs
            return log
        await asyncio.sleep(0.02)
    raise AssertionError("no log row")


@pytest.mark.parametrize("fmt", ["chat", "messages", "responses", "gemini"])
async def test_hanging_up_a_silent_stream_cancels_the_upstream_at_once(relay_env: RelayEnv, fmt):
    await route(relay_env, "gpt-4o-slow-2500-long")  # 2.5 s of silence after each event
    path, body, headers = client_call(fmt, relay_env.key)
    async with aiohttp.ClientSession() as http:
        resp = await http.post(relay_env.gw.base + path, json=body, headers=headers)
        assert resp.status == 200
        while not (await resp.content.readline()).startswith(b"data:"):
            pass  # the first event arrived; the upstream is now silent
        resp.close()
    await relay_env.up.wait_aborted(1, within=1.0)
    log = await one_log(relay_env)
    assert orjson.loads(log["other"])["stream_status"]["end_reason"] == "client_gone"
    assert log["prompt_tokens"] > 0 and log["quota"] > 0


@pytest.mark.parametrize("stream", [False, True])
async def test_hanging_up_before_the_answer_bills_the_prompt(relay_env: RelayEnv, stream):
    await route(relay_env, "gpt-4o-hang")
    path, body, headers = client_call("chat", relay_env.key)
    body["stream"] = stream
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        with pytest.raises(TimeoutError):
            await http.post(relay_env.gw.base + path, json=body, headers=headers)
    await relay_env.up.wait_aborted(1, within=1.0)
    log = await one_log(relay_env)
    assert log["prompt_tokens"] > 0 and log["completion_tokens"] == 0 and log["quota"] > 0
    assert "client disconnected before the answer" in log["content"]


async def test_a_management_write_completes_when_its_client_hangs_up(root, gateway):
    """/api writes are shielded: a user whose creation was abandoned while its password was
    being hashed (about 70 ms of bcrypt) is still created, in the store and in memory."""
    body = {"username": "gone", "password": "password-123", "display_name": "gone"}
    headers = {"New-Api-User": str(root.user_id)}
    with pytest.raises(TimeoutError):
        await root.session.post(
            root.base + "/api/user/", json=body, headers=headers,
            timeout=aiohttp.ClientTimeout(total=0.02),
        )  # fmt: skip
    for _ in range(100):
        status, data = await root.json("GET", "/api/user/search?keyword=gone")
        if data["data"]["items"]:
            break
        await asyncio.sleep(0.02)
    (user,) = data["data"]["items"]
    assert user["username"] == "gone" and user["id"] in gateway.app[RELAY].users
