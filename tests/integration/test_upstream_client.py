"""The lean upstream client (clawrouter.http.upstream_client) against real servers on
127.0.0.1: the request as aiohttp writes it, every body framing (content-length, chunked,
close-delimited, gzip, deflate), 1xx skipped, HEAD and 204 without body, and the pool: keep-alive
reuse, the limit on connections in use, idle connections closed."""

# ruff: noqa: F401, F811  (the shared fixtures client and serve are imported, then named as parameters)
from __future__ import annotations

import asyncio
import gzip
import zlib

import aiohttp
import pytest

from clawrouter.http.upstream_client import UpstreamClient
from tests.support.raw_upstream import Link, Request, answer, chunked, client, serve  # fixtures

GZIP, DEFLATE = "Content-Encoding: gzip\r\n", "Content-Encoding: deflate\r\n"
CT = {"Content-Type": "application/json", "Authorization": "Bearer sk-x"}


async def ok(link: Link, req: Request) -> bool:
    await link.send(answer(b'{"ok":%d}' % len(req.body)))
    return True


async def test_the_request_is_written_as_aiohttp_writes_it(client: UpstreamClient, serve):
    up = await serve(ok)
    calls = [("POST", "/v1/chat?a=1", CT, b'{"x":1}'), ("GET", "/v1/models", {}, None),
             ("POST", "/v1/x", {}, None), ("POST", "/v1/y", {"Host": "example.com:99"}, b"z")]  # fmt: skip
    async with aiohttp.ClientSession() as http:
        for method, path, headers, body in calls:
            async with http.request(method, up.base + path, headers=headers, data=body) as r:
                await r.read()
            resp = await client.request(method, up.base + path, dict(headers), body, 5, 5)
            assert resp.status == 200 and await resp.read() == b'{"ok":%d}' % len(body or b"")
    mine, theirs = up.requests[1::2], up.requests[0::2]
    for a, b in zip(mine, theirs, strict=True):
        assert (a.method, a.target, a.body) == (b.method, b.target, b.body)
        assert list(a.headers.items()) == list(b.headers.items())
    assert mine[0].headers["Accept-Encoding"] == "gzip, deflate"
    assert mine[3].headers["Host"] == "example.com:99"


async def test_a_repeated_call_reuses_its_head_with_each_body_length(client: UpstreamClient, serve):
    """The head is built once per method, URL and headers (then kept): calls that differ only
    in their body are still written as aiohttp writes each, Content-Length and all."""
    up = await serve(ok)
    calls = [("POST", CT, b'{"x":1}'), ("POST", CT, b'{"x":12345}' * 100), ("POST", CT, None),
             ("POST", {**CT, "Content-Length": "3"}, b"abc"), ("GET", {}, b"12"),
             ("GET", {}, None), ("POST", CT, b"{}")]  # fmt: skip
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            for method, headers, body in calls:
                async with http.request(method, up.base + "/v1/x", headers=headers, data=body) as r:
                    await r.read()
                resp = await client.request(method, up.base + "/v1/x", dict(headers), body, 5, 5)
                assert resp.status == 200 and await resp.read() == b'{"ok":%d}' % len(body or b"")
    mine, theirs = up.requests[1::2], up.requests[0::2]
    for a, b in zip(mine, theirs, strict=True):
        assert (a.method, a.target, a.body) == (b.method, b.target, b.body)
        assert list(a.headers.items()) == list(b.headers.items())
    lengths = [r.headers.get("Content-Length") for r in mine[:7]]
    assert lengths == ["7", "1100", "0", "3", "2", None, "2"]


async def test_header_injection_is_refused(client: UpstreamClient, serve):
    up = await serve(ok)
    for _ in range(2):  # each time: a refused head is never kept
        with pytest.raises(ValueError):
            await client.request("GET", up.base + "/", {"X-A": "1\r\nX-B: 2"}, None, 5, 5)
    assert up.requests == []


async def test_every_body_framing(client: UpstreamClient, serve):
    text = b"hello world " * 500
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    zipped = gzip.compress(text)
    answers = [
        answer(text),
        chunked(text[:100], text[100:], extra="X-Kind: chunked\r\n"),
        answer(zipped, extra=GZIP),
        chunked(*(zipped[i : i + 10] for i in range(0, len(zipped), 10)), extra=GZIP),
        answer(zlib.compress(text), extra=DEFLATE),
        answer(raw_deflate.compress(text) + raw_deflate.flush(), extra=DEFLATE),
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        + answer(text),
    ]

    async def script(link: Link, req: Request) -> bool:
        await link.send(answers[len(up.requests) - 1])
        return True

    up = await serve(script)
    for _ in answers:
        resp = await client.request("POST", up.base + "/", {}, b"{}", 5, 5)
        assert resp.status == 200
        assert await resp.read() == text
    assert [r.conn for r in up.requests] == [0] * len(answers)  # every answer kept it reusable


async def test_close_delimited_body_and_no_reuse(client: UpstreamClient, serve):
    async def script(link: Link, req: Request) -> bool:
        await link.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ")
        await asyncio.sleep(0.05)
        await link.send(b"part two")
        return False  # closes: the end of the body

    up = await serve(script)
    for _ in range(2):
        resp = await client.request("GET", up.base + "/", {}, None, 5, 5)
        assert resp.content_type == "text/plain" and resp.content_length is None
        assert await resp.read() == b"part one, part two"
    assert up.opened == 2


async def test_head_and_204_have_no_body(client: UpstreamClient, serve):
    async def script(link: Link, req: Request) -> bool:
        if req.method == "HEAD":
            await link.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
        else:
            await link.send(b"HTTP/1.1 204 No Content\r\n\r\n")
        return True

    up = await serve(script)
    resp = await client.request("HEAD", up.base + "/", {}, None, 5, 5)
    assert (resp.status, resp.content_length, await resp.read()) == (200, 1234, b"")
    for _ in range(2):
        resp = await client.request("DELETE", up.base + "/", {}, None, 5, 5)
        assert (resp.status, await resp.read()) == (204, b"")
    assert [r.conn for r in up.requests] == [0, 1, 1]  # HEAD's connection is not reused


async def test_stream_read_methods(client: UpstreamClient, serve):
    async def script(link: Link, req: Request) -> bool:
        await link.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(4):
            await link.send(b"7\r\nevent %d\r\n" % i)
            await asyncio.sleep(0.02)
        await link.send(b"0\r\n\r\n")
        return True

    up = await serve(script)
    resp = await client.request("POST", up.base + "/", {}, b"{}", 5, 5)
    assert await resp.content.read(3) == b"eve"
    assert await resp.content.readany() == b"nt 0"
    got = [chunk async for chunk in resp.content.iter_any()]
    assert b"".join(got) == b"event 1event 2event 3" and len(got) == 3
    assert await resp.content.read(10) == b""
    resp.release()
    resp = await client.request("POST", up.base + "/", {}, b"{}", 5, 5)
    assert await resp.read() == b"event 0event 1event 2event 3"
    assert up.opened == 1


async def test_limit_bounds_connections_in_use(serve):
    gate = asyncio.Event()

    async def script(link: Link, req: Request) -> bool:
        await gate.wait()
        await link.send(answer(b"{}"))
        return True

    up = await serve(script)
    client = UpstreamClient(limit=2)
    try:
        calls = [
            asyncio.create_task(client.request("GET", up.base + f"/{i}", {}, None, 5, 5))
            for i in range(5)
        ]
        await asyncio.sleep(0.2)
        assert up.opened == 2 and len(up.requests) == 2  # the other three wait for room
        gate.set()
        for call in calls:
            resp = await call
            assert await resp.read() == b"{}"
        assert up.opened == 2 and len(up.requests) == 5
    finally:
        await client.close()


async def test_idle_connections_are_closed_after_the_idle_timeout(serve):
    up = await serve(ok)
    client = UpstreamClient(limit=10, idle_timeout=0.3)
    try:
        resp = await client.request("GET", up.base + "/", {}, None, 5, 5)
        await resp.read()
        await asyncio.sleep(0.1)
        assert up.closes == 0
        await up.wait_closes(1, within=1.0)
        resp = await client.request("GET", up.base + "/", {}, None, 5, 5)
        assert await resp.read() == b'{"ok":0}' and up.opened == 2
    finally:
        await client.close()
