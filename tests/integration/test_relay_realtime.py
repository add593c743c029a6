"""The Realtime API relay (GET /v1/realtime, WebSocket) end to end: the official openai SDK's
realtime.connect and a browser-style raw WebSocket through the gateway to a fake Realtime
upstream (tests/support/fake_realtime.py); per-turn billing with the audio formula, balance
checks per turn, failover before the session, cut turns, closes both ways, errors."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson
import pytest
from openai.types.realtime import RealtimeErrorEvent

from clawrouter.keys import OPTIONS, RELAY
from tests.support.fake_realtime import FakeRealtime
from tests.support.gateway import Gateway, RelayEnv
from tests.support.sdk import openai_client

MODEL = "gpt-4o-realtime-preview"
# gpt-4o-realtime-preview: model ratio 2.5 ($5/1M in), completion 4 ($20), audio 8 ($40 in),
# audio completion 2 ($80 out). REALTIME_USAGE: text in 40, audio in 60, text out 20, audio
# out 30 -> (40 + 20*4 + 60*8 + 30*8*2) * 2.5 = 1080 * 2.5
TURN_QUOTA = 2700


@pytest.fixture
async def rt():
    async with FakeRealtime() as fake:
        yield fake


@pytest.fixture
async def env(gateway: Gateway, rt: FakeRealtime):
    await gateway.setup_root()
    env = RelayEnv(gateway, rt)
    env.channel_id = await gateway.add_channel(rt.base_url, models=MODEL, name="rt-openai")
    env.key = await gateway.add_token()
    try:
        yield env
    finally:
        await env.close()


def ws_url(gw: Gateway, query: str = f"model={MODEL}") -> str:
    return gw.base.replace("http://", "ws://") + "/v1/realtime?" + query


async def turn(conn: Any) -> list[Any]:
    """Send one user message and response.create; the events up to response.done."""
    await conn.conversation.item.create(
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    )
    await conn.response.create()
    events = []
    async for event in conn:
        events.append(event)
        if event.type in ("response.done", "error"):
            break
    return events


async def test_sdk_session_two_turns_billed_exactly(env: RelayEnv, rt: FakeRealtime):
    client = openai_client(env.gw.base + "/v1", env.key)
    async with client.realtime.connect(model=MODEL) as conn:
        first = await conn.recv()
        assert first.type == "session.created" and first.session.model == MODEL
        events = await turn(conn)
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        assert text == "Hello from fake-realtime."
        assert events[-1].type == "response.done"
        assert events[-1].response.usage.input_tokens == 100
        await turn(conn)
    await client.close()
    (session,) = rt.sessions
    await asyncio.wait_for(session.ended.wait(), 5)
    assert session.headers["Authorization"] == "Bearer sk-upstream-test"
    assert "OpenAI-Beta" not in session.headers  # a GA client: the upstream speaks GA too
    assert session.query == {"model": MODEL}
    assert session.types().count("response.create") == 2 and session.closed_by_client
    logs = await env.logs()
    assert [log["quota"] for log in logs] == [TURN_QUOTA, TURN_QUOTA]
    assert [log["content"] for log in logs] == ["realtime turn 1", "realtime turn 2"]
    other = orjson.loads(logs[0]["other"])
    assert (other["audio_input"], other["audio_output"]) == (60, 30)
    assert (other["text_input"], other["text_output"]) == (40, 20)
    assert (other["audio_ratio"], other["audio_completion_ratio"]) == (8.0, 2.0)
    assert logs[0]["prompt_tokens"] == 100 and logs[0]["completion_tokens"] == 50
    assert logs[0]["channel_id"] == env.channel_id and logs[0]["is_stream"] == 1
    user = await env.user_row()
    assert user["used_quota"] == 2 * TURN_QUOTA and user["request_count"] == 2


async def test_browser_subprotocol_key_and_beta_interface(env: RelayEnv, rt: FakeRealtime):
    protocols = ("realtime", f"openai-insecure-api-key.{env.key}", "openai-beta.realtime-v1")
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(env.gw), protocols=protocols) as ws,
    ):
        assert ws.protocol == "realtime"  # browsers need one of their offers answered
        created = await ws.receive_json()
        assert created["type"] == "session.created"
        await ws.send_bytes(b"\x00\x01\x02")  # binary frames pass through untouched
        echo = await ws.receive_json()
        assert (echo["type"], echo["size"]) == ("fake.binary", 3)
    (session,) = rt.sessions
    await asyncio.wait_for(session.ended.wait(), 5)
    assert session.headers["OpenAI-Beta"] == "realtime=v1"
    assert session.binary_frames == 1
    assert "insecure" not in str(session.headers)  # the client's key never goes upstream


async def test_failover_before_the_session(env: RelayEnv, rt: FakeRealtime):
    async with FakeRealtime() as refusing:
        refusing.refuse = 500
        await env.gw.app[OPTIONS].set("RetryTimes", 1)
        await env.gw.app[OPTIONS].set("ErrorLogEnabled", True)
        bad = await env.gw.add_channel(refusing.base_url, models=MODEL, priority=5, name="bad")
        client = openai_client(env.gw.base + "/v1", env.key)
        async with client.realtime.connect(model=MODEL) as conn:
            assert (await conn.recv()).type == "session.created"
            events = await turn(conn)
            assert events[-1].type == "response.done"
        await client.close()
        assert len(refusing.sessions) == 1 and len(rt.sessions) == 1
    logs = await env.logs()
    errors = [log for log in logs if log["type"] == 5]
    assert len(errors) == 1 and errors[0]["channel_id"] == bad
    consumed = [log for log in logs if log["type"] == 2]
    assert [log["channel_id"] for log in consumed] == [env.channel_id]
    assert orjson.loads(consumed[0]["other"])["admin_info"]["use_channel"] == [
        str(bad),
        str(env.channel_id),
    ]


async def test_every_channel_refusing_is_a_plain_http_error(env: RelayEnv, rt: FakeRealtime):
    rt.refuse = 401
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {env.key}"}
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(ws_url(env.gw), headers=headers)
        assert info.value.status == 401
        plain = {**headers, "Connection": "Upgrade", "Upgrade": "websocket",
                 "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}  # fmt: skip
        async with http.get(ws_url(env.gw).replace("ws://", "http://"), headers=plain) as resp:
            body = await resp.json()
    assert resp.status == 401
    assert "refused the realtime session" in body["error"]["message"]
    assert (await env.user_row())["used_quota"] == 0


@pytest.mark.parametrize(
    ("query", "headers", "status", "words"),
    [
        (f"model={MODEL}", {}, 400, "WebSocket"),  # a plain GET, no upgrade
        ("", {"Upgrade": "websocket"}, 400, "model"),
        (f"model={MODEL}", {"Upgrade": "websocket", "Authorization": "Bearer sk-nope"}, 401, ""),
    ],
)
async def test_refusals_before_the_upgrade(env: RelayEnv, query, headers, status, words):
    upgrade = {"Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} if headers else {}  # fmt: skip
    sent = {"Authorization": f"Bearer {env.key}", **upgrade, **headers}
    async with aiohttp.ClientSession() as http:
        url = env.gw.base + "/v1/realtime" + (f"?{query}" if query else "")
        async with http.get(url, headers=sent) as resp:
            body = await resp.json()
    assert resp.status == status and words in body["error"]["message"]
    assert set(body["error"]) >= {"message", "type"}


async def test_a_turn_that_exhausts_the_wallet_ends_the_session(env: RelayEnv, rt: FakeRealtime):
    uid = await env.gw.add_user("poor", quota=TURN_QUOTA - 100, group="default")
    key = await env.gw.add_token(user_id=uid)
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {key}"}
        async with http.ws_connect(ws_url(env.gw), headers=auth) as ws:
            await ws.receive_json()
            await ws.send_str('{"type": "response.create"}')
            seen = []
            while (msg := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                seen.append(orjson.loads(msg.data))
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1008
    kinds = [e["type"] for e in seen]
    assert kinds[-2:] == ["response.done", "error"]  # the turn is served, then told why
    error = RealtimeErrorEvent.model_validate(seen[-1], strict=True)
    assert (
        error.error.code == "insufficient_user_quota" and error.error.type == "insufficient_quota"
    )
    (session,) = rt.sessions
    await asyncio.wait_for(session.ended.wait(), 5)
    assert session.types() == ["response.create"]
    user = await env.user_row(uid)
    assert user["quota"] == -100 and user["used_quota"] == TURN_QUOTA  # the turn is billed whole


async def test_an_exhausted_key_cannot_start_a_turn(env: RelayEnv, rt: FakeRealtime):
    key = await env.gw.add_token(unlimited_quota=0, remain_quota=1)
    state_key = key.removeprefix("sk-")
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {key}"}
        async with http.ws_connect(ws_url(env.gw), headers=auth) as ws:
            await ws.receive_json()
            for entry in env.gw.app[RELAY].tokens.values():
                if entry.key == state_key:
                    entry.remain_quota = 0  # spent by another request meanwhile
            await ws.send_str('{"type": "response.create"}')
            error = await ws.receive_json()
            closing = await ws.receive()
    assert error["type"] == "error" and error["error"]["code"] == "insufficient_token_quota"
    assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 1008
    (session,) = rt.sessions
    await asyncio.wait_for(session.ended.wait(), 5)
    assert session.types() == []  # the refused response.create never went upstream
    assert [log["type"] for log in await env.logs()] == []


async def test_client_hang_up_mid_turn_closes_upstream_and_bills_the_text(
    env: RelayEnv, rt: FakeRealtime
):
    rt.reply = "one two three four five six"
    rt.cut_after_deltas = 3  # three words, then the upstream waits for more to happen
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {env.key}"}
        ws = await http.ws_connect(ws_url(env.gw), headers=auth)
        await ws.receive_json()
        await ws.send_str('{"type": "response.create"}')
        deltas = 0
        while deltas < 3:
            if (await ws.receive_json())["type"] == "response.output_text.delta":
                deltas += 1
        await ws.close()
    (session,) = rt.sessions
    await asyncio.wait_for(session.ended.wait(), 5)  # the upstream was closed at once
    (log,) = await env.logs()
    other = orjson.loads(log["other"])
    assert "cut short" in log["content"] and other["admin_info"]["local_count_tokens"]
    assert log["completion_tokens"] > 0 and log["quota"] > 0
    assert other["stream_status"] == {"status": "error", "end_reason": "client_gone"}


async def test_upstream_close_mid_turn_reaches_the_client(env: RelayEnv, rt: FakeRealtime):
    rt.cut_after_deltas, rt.cut_close = 2, 1011
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {env.key}"}
        async with http.ws_connect(ws_url(env.gw), headers=auth) as ws:
            await ws.receive_json()
            await ws.send_str('{"type": "response.create"}')
            while (msg := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                pass
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1011
    (log,) = await env.logs()
    other = orjson.loads(log["other"])
    assert other["stream_status"]["end_reason"] == "upstream_closed"


async def test_azure_realtime_url_and_key(gateway: Gateway, rt: FakeRealtime):
    await gateway.setup_root()
    env = RelayEnv(gateway, rt)
    await gateway.add_channel(
        rt.base_url, type=3, models=MODEL, key="azure-key", other="2025-04-01-preview"
    )
    env.key = await gateway.add_token()
    client = openai_client(gateway.base + "/v1", env.key)
    async with client.realtime.connect(model=MODEL) as conn:
        assert (await conn.recv()).type == "session.created"
        assert (await turn(conn))[-1].type == "response.done"
    await client.close()
    (session,) = rt.sessions
    assert session.path == "/openai/realtime"
    assert session.query == {"api-version": "2025-04-01-preview", "deployment": MODEL}
    assert session.headers["api-key"] == "azure-key" and "Authorization" not in session.headers
    assert [log["quota"] for log in await env.logs()] == [TURN_QUOTA]


async def test_shutdown_tells_open_sessions_the_server_is_going_away(
    env: RelayEnv, rt: FakeRealtime
):
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {env.key}"}
        async with http.ws_connect(ws_url(env.gw), headers=auth) as ws:
            await ws.receive_json()
            stopping = asyncio.create_task(env.gw.stop())
            msg = await asyncio.wait_for(ws.receive(), 5)
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1001
            await asyncio.wait_for(stopping, 10)
