"""Same-format streams whose middle chunks go from the upstream connection straight to the
client's socket (relay.splice): the client gets every byte, in order, as without the splice —
one event per read, a flood read slowly (the splice hands over to the pump and back, again and
again), Gemini's CRLF events re-framed — and the usage at the end is billed."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson

from tests.support.gateway import RelayEnv

# ruff: noqa: F401, F811
from tests.support.raw_upstream import Link, RawUpstream, Request, serve

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def chat_event(i: int) -> bytes:
    delta = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}]}  # fmt: skip
    return b"data: " + orjson.dumps(delta) + b"\n\n"


CHAT_TAIL = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":'
    b'[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],'
    b'"usage":{"prompt_tokens":7,"completion_tokens":4321,"total_tokens":4328}}\n\n'
    b"data: [DONE]\n\n"
)


def script(events: list[bytes], tail: bytes, pause: float | None):
    """Each event in its own HTTP chunk, with `pause` seconds between (None: a flood, each
    still its own write), then the tail and the end."""

    async def run(link: Link, req: Request) -> bool:
        await link.send(HEAD)
        for ev in events:
            link.writer.write(chunk(ev))
            if pause is not None:
                await link.writer.drain()
                await asyncio.sleep(pause)
        await link.send(chunk(tail) + b"0\r\n\r\n")
        return True

    return run


async def stream_through(env: RelayEnv, up: RawUpstream, path: str, body: dict,
                         read_pause: float = 0.0) -> bytes:  # fmt: skip
    headers = {"Authorization": f"Bearer {env.key}"}
    got = bytearray()
    async with (
        aiohttp.ClientSession() as http,
        http.post(env.gw.base + path, json=body, headers=headers) as resp,
    ):
        assert resp.status == 200, await resp.text()
        while True:
            part = await resp.content.read(65536)
            if not part:
                break
            got += part
            if read_pause:
                await asyncio.sleep(read_pause)
    return bytes(got)


CHAT = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


async def test_one_event_per_read_arrives_unchanged_and_the_usage_is_billed(relay_env, serve):
    events = [chat_event(i) for i in range(60)]
    up = await serve(script(events, CHAT_TAIL, pause=0.002))
    await relay_env.gw.add_channel(up.base, models="gpt-4o", priority=9)
    got = await stream_through(relay_env, up, "/v1/chat/completions", CHAT)
    assert got == b"".join(events) + CHAT_TAIL
    (log,) = await relay_env.logs()
    assert log["completion_tokens"] == 4321 and log["prompt_tokens"] == 7
    other = orjson.loads(log["other"])
    assert other["stream_status"]["end_reason"] == "done"


async def test_a_flood_read_slowly_arrives_whole_and_in_order(relay_env, serve):
    # ~6 MB of events, far beyond the splice's write limit and the body's high water: the
    # stream goes from the splice to the pump (waiting for the client) and back many times.
    events = [chat_event(i) for i in range(40_000)]
    up = await serve(script(events, CHAT_TAIL, pause=None))
    await relay_env.gw.add_channel(up.base, models="gpt-4o", priority=9)
    got = await stream_through(relay_env, up, "/v1/chat/completions", CHAT, read_pause=0.002)
    assert len(got) == sum(map(len, events)) + len(CHAT_TAIL)
    assert got == b"".join(events) + CHAT_TAIL
    (log,) = await relay_env.logs()
    assert log["completion_tokens"] == 4321


def gemini_event(i: int, finish: bool = False) -> bytes:
    cand = {"content": {"role": "model", "parts": [{"text": f"w{i} "}]}, "index": 0}
    if finish:
        cand["finishReason"] = "STOP"
    usage = {"promptTokenCount": 5, "candidatesTokenCount": i + 1, "totalTokenCount": i + 6}
    return b"data: " + orjson.dumps({"candidates": [cand], "usageMetadata": usage}) + b"\r\n\r\n"


async def test_gemini_events_are_reframed_and_the_last_usage_counts(relay_env, serve):
    events = [gemini_event(i) for i in range(40)]
    tail = gemini_event(40, finish=True)
    up = await serve(script(events, tail, pause=0.002))
    await relay_env.gw.add_channel(up.base, type=24, key="g-key", models="gemini-2.0-flash")
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    path = "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
    got = await stream_through(relay_env, up, path, body)
    assert got == b"".join(e.replace(b"\r\n\r\n", b"\n\n") for e in [*events, tail])
    (log,) = await relay_env.logs()
    assert log["completion_tokens"] == 41 and log["prompt_tokens"] == 5


async def test_an_http_1_0_client_gets_the_stream_unframed(relay_env, serve):
    events = [chat_event(i) for i in range(30)]
    up = await serve(script(events, CHAT_TAIL, pause=0.002))
    await relay_env.gw.add_channel(up.base, models="gpt-4o", priority=9)
    host, port = relay_env.gw.base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    body = orjson.dumps(CHAT)
    writer.write(
        b"POST /v1/chat/completions HTTP/1.0\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (host.encode(), relay_env.key.encode(), len(body), body)
    )
    raw = await asyncio.wait_for(reader.read(), 10)  # HTTP/1.0: the body ends with the connection
    writer.close()
    head, _, got = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") and b"transfer-encoding" not in head.lower()
    assert got == b"".join(events) + CHAT_TAIL
