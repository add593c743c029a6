"""The lean client's answer: status, headers and a body reader with the part of
aiohttp.ClientResponse's surface the relay uses (read, content.read(n), readany, iter_any,
release, close, content_type, content_length). The connection feeds the body in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDictProxy

if TYPE_CHECKING:
    from clawrouter.http.upstream_client.connection import Connection

# Reading from the socket pauses while this much body waits unread, and resumes below LOW.
HIGH_WATER, LOW_WATER = 1 << 18, 1 << 16


class Body:
    """The body as it arrives: chunks, end of body or an error, one waiting reader. An error
    is raised once the chunks received before it were read."""

    __slots__ = ("_chunks", "_conn", "_eof", "_exc", "_loop", "_size", "_waiter", "sink")

    def __init__(self, loop: asyncio.AbstractEventLoop, conn: Connection | None) -> None:
        self._loop = loop
        self._conn = conn  # for flow control, until the body is complete
        self._chunks: list[bytes] = []
        self._size = 0
        self._eof = False
        self._exc: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        # Set by relay.splice: takes a chunk as it arrives (True) instead of keeping it for
        # the reader; only while nothing is kept, so the reader still sees every other chunk
        # in order.
        self.sink: Callable[[bytes], bool] | None = None

    # ---- fed by the connection ---------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        sink = self.sink
        if sink is not None and not self._chunks and sink(data):
            return
        self._chunks.append(data)
        self._size += len(data)
        if self._size > HIGH_WATER and self._conn is not None:
            self._conn.pause()
        self._wake()

    def feed_eof(self) -> None:
        self._eof = True
        self._conn = None
        self._wake()

    def set_exception(self, exc: BaseException) -> None:
        if not self._eof and self._exc is None:
            self._exc = exc
        self._conn = None
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    @property
    def complete(self) -> bool:
        return self._eof

    # ---- read by the relay -------------------------------------------------------------------
    async def _wait(self) -> None:
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _take(self, n: int) -> bytes:
        chunks = self._chunks
        if n < 0 or self._size <= n:
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            chunks.clear()
        else:
            joined = b"".join(chunks)
            data, rest = joined[:n], joined[n:]
            chunks[:] = [rest]
        self._size -= len(data)
        conn = self._conn
        if conn is not None and conn.paused and self._size < LOW_WATER:
            conn.resume()
        return data

    async def read(self, n: int = -1) -> bytes:
        """n < 0: the whole (rest of the) body; else up to n bytes, as soon as any are there."""
        if n < 0:
            while not self._eof and self._exc is None:
                await self._wait()
            if self._exc is not None:
                raise self._exc
            return self._take(-1) if self._chunks else b""
        return await self._some(n)

    async def readany(self) -> bytes:
        return await self._some(-1)

    async def _some(self, n: int) -> bytes:
        while not self._chunks:
            if self._exc is not None:
                raise self._exc
            if self._eof:
                return b""
            await self._wait()
        return self._take(n)

    def iter_any(self) -> Body:
        return self

    def __aiter__(self) -> Body:
        return self

    async def __anext__(self) -> bytes:
        data = await self._some(-1)
        if not data:
            raise StopAsyncIteration
        return data


class Response:
    """One upstream answer. Its body fully read, the connection is back in the pool; release()
    or close() before that closes the connection (the upstream sees the request end)."""

    __slots__ = ("_conn", "content", "headers", "status")

    def __init__(self, status: int, headers: CIMultiDictProxy[str], body: Body, conn: Any) -> None:
        self.status = status
        self.headers = headers
        self.content = body
        self._conn: Connection | None = conn  # None once the body is complete

    @property
    def content_type(self) -> str:
        raw = self.headers.get("Content-Type")
        if not raw:
            return "application/octet-stream"
        return raw.partition(";")[0].strip().lower()

    @property
    def content_length(self) -> int | None:
        raw = self.headers.get("Content-Length")
        return int(raw) if raw is not None and raw.isdigit() else None

    async def read(self) -> bytes:
        try:
            return await self.content.read()
        finally:
            self.release()

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.abandon()

    def close(self) -> None:
        self.release()

    def detach(self) -> None:
        """Called by the connection once the body is complete (it is pooled or closed)."""
        self._conn = None

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()
