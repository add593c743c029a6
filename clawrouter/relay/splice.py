"""Plain pass-through chunks written from the upstream connection's own callback.

While a same-format stream sends chunks the pump would forward unchanged (relay.plain_chunks),
the lean upstream client hands each one to `Splice` as it is parsed, and it goes to the
client's socket at once: no future resolved, no task woken, no chain of coroutines resumed and
no aiohttp write path per event. The first chunk that is not plain (usage, the end, an error),
a client that is gone or reads slower than the upstream writes, or anything unexpected hands
the stream back to the pump's coroutine (Pump.passthrough), which carries on from that chunk
exactly as it does without a splice. Only the lean client's Body can splice; with
`relay.upstream_client = "aiohttp"` every chunk goes through the coroutine."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from clawrouter.http.upstream_client.response import Body

log = logging.getLogger(__name__)

# Bytes queued for the client above which the coroutine takes over: its writes wait for the
# client to drain them (aiohttp's own write limit), and the upstream is read no faster.
WRITE_LIMIT = 1 << 16


class Splice:
    """Armed (its sink on the Body) only while the pump's decoder is between events, every
    chunk before was sent and the client keeps up; each sink call sends one whole plain chunk
    or declines it (the Body then keeps it, in order, for the coroutine) and disarms."""

    __slots__ = ("_body", "_chunked", "_plain", "_pump", "_transport")

    def __init__(self, pump: Any, body: Body, transport: asyncio.Transport, chunked: bool) -> None:
        self._pump = pump
        self._plain: Callable[[bytes], bytes | None] = pump._plain
        self._body = body
        self._transport = transport
        self._chunked = chunked

    @classmethod
    def attach(cls, pump: Any, resp: Any, out: web.StreamResponse, transport: Any) -> Splice | None:
        """A splice for this stream, or None when it cannot have one: not the lean client's
        body, no client transport, or a body aiohttp encodes (compressed)."""
        body = getattr(resp, "content", None)
        if type(body) is not Body or transport is None:
            return None
        if "Content-Encoding" in out.headers:
            return None
        chunked = out.headers.get("Transfer-Encoding", "").lower() == "chunked"
        return cls(pump, body, transport, chunked)

    def arm(self) -> None:
        t = self._transport
        if not t.is_closing() and t.get_write_buffer_size() < WRITE_LIMIT:
            self._body.sink = self._take

    def disarm(self) -> None:
        self._body.sink = None

    def _take(self, chunk: bytes) -> bool:
        """Send one upstream chunk if it is plain (True), else leave it to the coroutine."""
        t = self._transport
        try:
            data = None if t.is_closing() else self._plain(chunk)
        except Exception:  # the coroutine meets the same chunk and handles what is wrong
            log.exception("stream splice failed; the pump carries on")
            data = None
        if data is None:
            self._body.sink = None
            return False
        # The chunk is counted (Pump._plain): from here on it is consumed, sent or not; a
        # client gone meanwhile shows on the coroutine's next write.
        try:
            t.write(b"%x\r\n%b\r\n" % (len(data), data) if self._chunked else data)
            self._pump.last_write = time.monotonic()
            if t.get_write_buffer_size() >= WRITE_LIMIT:
                self._body.sink = None
        except Exception:
            log.exception("stream splice failed to write; the pump carries on")
            self._body.sink = None
        return True
