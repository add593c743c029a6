"""The lean upstream client when things go wrong, against real servers on 127.0.0.1: timeouts
(before the headers, between reads, a slow but steady stream is not cut), resets and cuts
mid-body, refused connections, the stale keep-alive retry, and every way the caller lets go
(cancelled, released early) closing the socket at once — all as aiohttp's exception types."""

# ruff: noqa: F401, F811  (the shared fixtures client and serve are imported, then named as parameters)
from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from clawrouter.http.upstream_client import UpstreamClient
from tests.support.raw_upstream import Link, Request, answer, client, serve  # fixtures

HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


async def hang(link: Link, req: Request) -> bool:
    await asyncio.sleep(30)
    return False


async def test_no_headers_within_the_read_timeout(client: UpstreamClient, serve):
    up = await serve(hang)
    t0 = time.monotonic()
    with pytest.raises(aiohttp.SocketTimeoutError):
        await client.request("POST", up.base + "/", {}, b"{}", 5, 0.3)
    assert 0.25 < time.monotonic() - t0 < 1.5
    await up.wait_closes(1)  # the connection was closed, not pooled


async def test_each_call_on_a_reused_connection_has_its_own_read_timeout(
    client: UpstreamClient, serve
):
    """A call's end leaves its timer armed for the connection's next call (see
    Connection._arm): a later call with a shorter timeout, the same one, or none, on the same
    connection is timed out exactly as a first call would be."""

    async def script(link: Link, req: Request) -> bool:
        if req.target == "/hang":
            await asyncio.sleep(30)
            return False
        if req.target == "/slow":
            await asyncio.sleep(0.5)
        await link.send(answer(b"{}"))
        return True

    async def times_out(seconds: float) -> None:
        t0 = time.monotonic()
        with pytest.raises(aiohttp.SocketTimeoutError):
            await client.request("GET", up.base + "/hang", {}, None, 5, seconds)
        assert seconds - 0.05 < time.monotonic() - t0 < seconds + 1.0

    up = await serve(script)
    resp = await client.request("GET", up.base + "/ok", {}, None, 5, 20)
    assert await resp.read() == b"{}"
    await times_out(0.3)  # shorter than the 20 s timer the first call left armed
    resp = await client.request("GET", up.base + "/ok", {}, None, 5, 0.2)
    assert await resp.read() == b"{}"
    resp = await client.request("GET", up.base + "/slow", {}, None, 5, None)
    assert await resp.read() == b"{}"  # 0.5 s: no timeout for this call, whatever was armed
    resp = await client.request("GET", up.base + "/ok", {}, None, 5, 0.3)
    assert await resp.read() == b"{}"
    await times_out(0.3)  # the same timeout: the armed timer re-arms from this call's start
    assert [r.conn for r in up.requests] == [0, 0, 1, 1, 1, 1]


async def test_silence_between_reads_times_out_but_a_steady_stream_does_not(
    client: UpstreamClient, serve
):
    async def script(link: Link, req: Request) -> bool:
        await link.send(HEAD)
        for _ in range(8 if req.target == "/steady" else 1):
            await link.send(b"2\r\nok\r\n")
            await asyncio.sleep(0.1)
        if req.target == "/steady":
            await link.send(b"0\r\n\r\n")
            return True
        await asyncio.sleep(30)
        return False

    up = await serve(script)
    resp = await client.request("GET", up.base + "/steady", {}, None, 5, 0.3)
    assert await resp.read() == b"ok" * 8  # 0.8 s in all, never 0.3 s of silence
    resp = await client.request("GET", up.base + "/stall", {}, None, 5, 0.3)
    assert await resp.content.readany() == b"ok"
    with pytest.raises(TimeoutError):
        await resp.content.readany()


@pytest.mark.parametrize("how", ["reset", "close"])
async def test_a_body_cut_short_is_a_payload_error(client: UpstreamClient, serve, how: str):
    async def script(link: Link, req: Request) -> bool:
        if req.target == "/length":
            await link.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        else:
            await link.send(HEAD + b"4\r\nsome\r\n")
        await asyncio.sleep(0.05)
        if how == "reset":
            link.reset()
        return False

    up = await serve(script)
    for path in ("/length", "/chunked"):
        resp = await client.request("GET", up.base + path, {}, None, 5, 5)
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()


async def test_failures_before_the_answer(client: UpstreamClient, serve):
    async def script(link: Link, req: Request) -> bool:
        if req.target == "/reset":
            link.reset()
        elif req.target == "/garbage":
            await link.send(b"NOT HTTP AT ALL\r\n\r\n")
        return False  # /close: closed without a word

    up = await serve(script)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.request("GET", up.base + "/close", {}, None, 5, 5)
    with pytest.raises(aiohttp.ClientOSError):
        await client.request("GET", up.base + "/reset", {}, None, 5, 5)
    with pytest.raises(aiohttp.ClientError):
        await client.request("GET", up.base + "/garbage", {}, None, 5, 5)
    assert len(up.requests) == 3  # fresh connections: none retried
    port = int(up.base.rsplit(":", 1)[1])
    await up.stop()
    with pytest.raises(aiohttp.ClientConnectorError) as e:
        await client.request("GET", f"http://127.0.0.1:{port}/", {}, None, 5, 5)
    assert e.value.port == port


async def test_a_stale_keep_alive_connection_is_retried_once_on_a_fresh_one(
    client: UpstreamClient, serve
):
    async def script(link: Link, req: Request) -> bool:
        if link.served == 0:
            await link.send(answer(b'{"n":1}'))
            return True
        return False  # the upstream dropped the idle connection just as the request came

    up = await serve(script)
    assert await (await client.request("GET", up.base + "/", {}, None, 5, 5)).read() == b'{"n":1}'
    resp = await client.request("POST", up.base + "/", {}, b"{}", 5, 5)
    assert await resp.read() == b'{"n":1}'
    assert [r.conn for r in up.requests] == [0, 0, 1]


async def test_a_cancelled_call_closes_its_connection(client: UpstreamClient, serve):
    up = await serve(hang)
    call = asyncio.create_task(client.request("POST", up.base + "/", {}, b"{}", 5, 30))
    await asyncio.sleep(0.1)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await up.wait_closes(1, within=0.5)


async def test_letting_go_of_a_body_closes_and_reading_it_all_pools(client: UpstreamClient, serve):
    async def script(link: Link, req: Request) -> bool:
        await link.send(HEAD + b"5\r\nfirst\r\n")
        await asyncio.sleep(0.1 if req.target == "/short" else 30)
        await link.send(b"0\r\n\r\n")
        return True

    up = await serve(script)
    resp = await client.request("GET", up.base + "/long", {}, None, 5, 30)
    assert await resp.content.read(100) == b"first"
    resp.release()
    await up.wait_closes(1, within=0.5)

    resp = await client.request("GET", up.base + "/long", {}, None, 5, 30)
    reader = asyncio.create_task(resp.content.read())
    await asyncio.sleep(0.1)
    reader.cancel()  # the relay's handler cancelled (its client hung up)
    with pytest.raises(asyncio.CancelledError):
        await reader
    resp.close()
    await up.wait_closes(2, within=0.5)

    resp = await client.request("GET", up.base + "/short", {}, None, 5, 30)
    assert await resp.read() == b"first"
    resp = await client.request("GET", up.base + "/short", {}, None, 5, 30)
    assert await resp.read() == b"first"
    assert [r.conn for r in up.requests][-2:] == [2, 2] and up.closes == 2
