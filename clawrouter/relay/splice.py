"""Stream chunks handled in the upstream connection's own callback.

While a same-format stream sends chunks the pump would forward unchanged (relay.plain_chunks),
the lean upstream client hands each one to `Splice` as it is parsed, and it goes to the
client's socket at once: no future resolved, no task woken, no chain of coroutines resumed and
no aiohttp write path per event. Converted streams splice too: a chunk of whole events that
names none of CONVERTED_MARKERS cannot end the stream, so the callback decodes, converts and
writes it as Pump.converted would. The first chunk that does not qualify (usage, the end, an
error), a client that is gone or reads slower than the upstream writes, or anything unexpected
hands the stream back to the pump's coroutine, which carries on from that chunk exactly as it
does without a splice. Only the lean client's Body can splice; with
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
# Bytes without which a converted chunk cannot end the stream (the decoder's terminator, an
# Anthropic message_stop, an error): Pump.converted stops only on those.
CONVERTED_MARKERS = (b"error", b"[DONE]", b"message_stop")


class Splice:
    """Armed (its sink on the Body) only while the pump's decoder is between events, every
    chunk before was sent and the client keeps up; each sink call consumes one chunk or
    declines it (the Body then keeps it, in order, for the coroutine) and disarms."""

    __slots__ = ("_body", "_chunked", "_decoder", "_plain", "_pump", "_sink", "_transport")

    def __init__(
        self, pump: Any, body: Body, transport: asyncio.Transport, chunked: bool, decoder: Any
    ) -> None:
        self._pump = pump
        self._plain: Callable[[bytes], bytes | None] = pump._plain
        self._body = body
        self._transport = transport
        self._chunked = chunked
        self._decoder = decoder
        self._sink = self._take if decoder is None else self._take_converted

    @classmethod
    def attach(
        cls, pump: Any, resp: Any, out: web.StreamResponse, transport: Any, decoder: Any = None
    ) -> Splice | None:
        """A splice for this stream (`decoder`: the converted stream's), or None when it cannot
        have one: not the lean client's body, no client transport, a body aiohttp encodes
        (compressed), or a decoder that cannot say it is between events."""
        body = getattr(resp, "content", None)
        if type(body) is not Body or transport is None:
            return None
        if "Content-Encoding" in out.headers:
            return None
        if decoder is not None and not hasattr(decoder, "idle"):
            return None
        chunked = out.headers.get("Transfer-Encoding", "").lower() == "chunked"
        return cls(pump, body, transport, chunked, decoder)

    def arm(self) -> None:
        """Splice the next chunks, unless the client is behind or gone, or (converted) the
        decoder holds part of an event."""
        t = self._transport
        if t.is_closing() or t.get_write_buffer_size() >= WRITE_LIMIT:
            return
        if self._decoder is None or self._decoder.idle():
            self._body.sink = self._sink

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
        self._write(data)
        return True

    def _take_converted(self, chunk: bytes) -> bool:
        """Decode, convert and send a chunk that cannot end the stream (True), else leave it
        to the coroutine. A chunk that leaves part of an event pending disarms: the rest of
        that event, with a marker split across chunks, goes through the coroutine."""
        if self._transport.is_closing() or any(m in chunk for m in CONVERTED_MARKERS):
            self._body.sink = None
            return False
        pump, decoder = self._pump, self._decoder
        try:
            for obj in decoder.feed(chunk):
                pump._convert_one(obj)
            if not decoder.idle():
                self._body.sink = None
            data = pump.take()
        except Exception as e:  # consumed half-way: the pump ends the stream as it would
            self._body.sink = None
            self._body.set_exception(e)
            return True
        if data:
            self._write(data)
        return True

    def _write(self, data: bytes) -> None:
        t = self._transport
        try:
            t.write(b"%x\r\n%b\r\n" % (len(data), data) if self._chunked else data)
            self._pump.last_write = time.monotonic()
            if t.get_write_buffer_size() >= WRITE_LIMIT:
                self._body.sink = None
        except Exception:
            log.exception("stream splice failed to write; the pump carries on")
            self._body.sink = None
