"""relay.splice: which upstream chunks go straight to the client's socket from the lean
client's callback, and how every other chunk stays, in order, for the pump's coroutine."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from clawrouter.http.upstream_client.response import Body, Response
from clawrouter.relay.splice import WRITE_LIMIT, Splice


class Transport:
    """What the splice uses of the client's transport, recording what it was given."""

    def __init__(self, queued: int = 0) -> None:
        self.written: list[bytes] = []
        self.queued = queued  # bytes the kernel has not taken yet
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return self.queued


class Pump:
    """The two things the splice reads of relay.streaming.Pump: _plain and last_write."""

    def __init__(self, fail: bool = False) -> None:
        self.last_write = 0.0
        self.counted: list[bytes] = []
        self.fail = fail

    def _plain(self, chunk: bytes) -> bytes | None:
        if self.fail:
            raise ValueError("boom")
        if chunk.startswith(b"data: plain"):
            self.counted.append(chunk)
            return chunk
        return None


def sse_out(transfer_encoding: str | None = "chunked", encoding: str | None = None):
    out = web.StreamResponse()
    if transfer_encoding:
        out.headers["Transfer-Encoding"] = transfer_encoding
    if encoding:
        out.headers["Content-Encoding"] = encoding
    return out


@pytest.fixture
async def body() -> Body:
    return Body(asyncio.get_running_loop(), None)


def spliced(body: Body, pump: Pump, transport: Transport, **out) -> Splice:
    resp = Response(200, CIMultiDictProxy(CIMultiDict()), body, None)
    splice = Splice.attach(pump, resp, sse_out(**out), transport)
    assert splice is not None
    splice.arm()
    return splice


async def test_plain_chunks_go_straight_to_the_client_framed_as_chunks(body: Body):
    pump, t = Pump(), Transport()
    spliced(body, pump, t)
    body.feed(b"data: plain 1\n\n")
    body.feed(b"data: plain 22\n\n")
    assert t.written == [b"f\r\ndata: plain 1\n\n\r\n", b"10\r\ndata: plain 22\n\n\r\n"]
    assert pump.counted == [b"data: plain 1\n\n", b"data: plain 22\n\n"]
    assert pump.last_write > 0 and body._chunks == []  # nothing left for the coroutine


async def test_a_close_delimited_answer_gets_the_bytes_unframed(body: Body):
    pump, t = Pump(), Transport()
    spliced(body, pump, t, transfer_encoding=None)
    body.feed(b"data: plain 1\n\n")
    assert t.written == [b"data: plain 1\n\n"]


async def test_the_first_chunk_that_is_not_plain_and_all_after_it_wait_for_the_coroutine(
    body: Body,
):
    pump, t = Pump(), Transport()
    spliced(body, pump, t)
    body.feed(b"data: plain 1\n\n")
    body.feed(b'data: {"usage":{}}\n\n')
    body.feed(b"data: plain 2\n\n")  # plain, but after a kept chunk: kept too, in order
    assert len(t.written) == 1 and body.sink is None
    assert body._chunks == [b'data: {"usage":{}}\n\n', b"data: plain 2\n\n"]
    assert pump.counted == [b"data: plain 1\n\n"]  # the kept ones are not counted twice


async def test_a_client_that_falls_behind_hands_the_stream_back_after_that_write(body: Body):
    pump, t = Pump(), Transport()
    spliced(body, pump, t)
    t.queued = WRITE_LIMIT  # the client stopped reading
    body.feed(b"data: plain 1\n\n")
    body.feed(b"data: plain 2\n\n")
    assert t.written == [b"f\r\ndata: plain 1\n\n\r\n"] and body.sink is None
    assert body._chunks == [b"data: plain 2\n\n"]  # the coroutine's write waits for the drain


async def test_arming_waits_until_the_client_has_drained(body: Body):
    pump, t = Pump(), Transport(queued=WRITE_LIMIT)
    splice = spliced(body, pump, t)
    assert body.sink is None
    t.queued = WRITE_LIMIT - 1
    splice.arm()
    assert body.sink is not None


async def test_a_client_gone_is_left_to_the_coroutine(body: Body):
    pump, t = Pump(), Transport()
    spliced(body, pump, t)
    t.closing = True
    body.feed(b"data: plain 1\n\n")
    assert t.written == [] and pump.counted == [] and body._chunks == [b"data: plain 1\n\n"]


async def test_a_failure_in_the_splice_leaves_the_chunk_to_the_coroutine(body: Body, caplog):
    pump, t = Pump(fail=True), Transport()
    spliced(body, pump, t)
    body.feed(b"data: plain 1\n\n")
    assert t.written == [] and body._chunks == [b"data: plain 1\n\n"] and body.sink is None
    assert "stream splice failed" in caplog.text


async def test_disarm_stops_it(body: Body):
    pump, t = Pump(), Transport()
    splice = spliced(body, pump, t)
    splice.disarm()
    body.feed(b"data: plain 1\n\n")
    assert t.written == [] and body._chunks == [b"data: plain 1\n\n"]


async def test_no_splice_for_other_bodies_a_compressed_answer_or_no_transport(body: Body):
    pump, t = Pump(), Transport()
    resp = Response(200, CIMultiDictProxy(CIMultiDict()), body, None)

    class Other:
        content = object()  # aiohttp's StreamReader (relay.upstream_client = "aiohttp")

    assert Splice.attach(pump, Other(), sse_out(), t) is None
    assert Splice.attach(pump, resp, sse_out(encoding="gzip"), t) is None
    assert Splice.attach(pump, resp, sse_out(), None) is None
