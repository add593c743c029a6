"""One HTTP/1.1 connection to an upstream: writes a request, parses the answer with httptools
(llhttp), feeds the body to the Response, and goes back to its pool when the answer is
complete and keep-alive. Errors reach the caller as aiohttp's own exception types."""

from __future__ import annotations

import asyncio
import zlib
from typing import TYPE_CHECKING, Any

import httptools
from aiohttp import ClientOSError, ClientPayloadError, ServerDisconnectedError, SocketTimeoutError
from aiohttp.hdrs import CONTENT_ENCODING, CONTENT_LENGTH, TRANSFER_ENCODING  # istr: no folding
from multidict import CIMultiDict, CIMultiDictProxy

from clawrouter.http.upstream_client.response import Body, Response

if TYPE_CHECKING:
    from clawrouter.http.upstream_client.pool import Pool

_NO_BODY = (204, 304)


class StaleConnection(Exception):
    """A reused connection was closed before any byte of the answer: the upstream dropped an
    idle keep-alive connection, so the request can go again on a fresh one."""


def _decoder(encoding: str | None) -> Any:
    if not encoding:
        return None
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _Deflate()
    return None


class _Deflate:
    """deflate as sent: zlib-wrapped, or raw (some servers), told apart by the first byte."""

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: Any = None

    def decompress(self, data: bytes) -> bytes:
        if self._d is None:
            wbits = zlib.MAX_WBITS if data[0] & 0x0F == 8 else -zlib.MAX_WBITS
            self._d = zlib.decompressobj(wbits)
        return self._d.decompress(data)

    def flush(self) -> bytes:
        return self._d.flush() if self._d is not None else b""


class Connection(asyncio.Protocol):
    def __init__(self, pool: Pool, key: tuple[str, str, int]) -> None:
        self.pool = pool
        self.key = key
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reused = False  # has answered a request before: may have gone stale
        self.paused = False
        self.idle_since = 0.0
        self._head: asyncio.Future[Response] | None = None  # until the headers are in
        self._resp: Response | None = None  # until the body is complete
        self._body: Body | None = None
        self._headers: list[tuple[str, str]] = []
        self._got_bytes = False
        self._skip = False  # a 1xx answer, skipped
        self._head_only = False  # HEAD: no body whatever the headers say
        self._until_close = False  # a close-delimited body
        self._decode: Any = None
        self._timer: asyncio.TimerHandle | None = None
        self._timeout = 0.0
        self._last = 0.0

    # ---- asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self._head is None and self._body is None:
            self.abort()  # bytes nobody asked for: the connection cannot be trusted
            return
        self._got_bytes = True
        self._last = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as e:
            self._fail(ClientPayloadError(f"invalid HTTP response from the upstream: {e}"))
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._stop_timer()
        self.pool.lost(self)
        if self._head is not None:
            if self.reused and not self._got_bytes:
                err: Exception = StaleConnection()
            elif isinstance(exc, OSError):
                err = ClientOSError(*exc.args)
            else:
                err = ServerDisconnectedError()
            self._fail(err)
        elif self._body is not None:
            if self._until_close and exc is None:
                self._finish_body()
            else:
                why = f": {exc!r}" if exc is not None else ""
                self._fail(ClientPayloadError(f"Response payload is not completed{why}"))

    # ---- requests ------------------------------------------------------------------------------
    def send(self, data: bytes, head_only: bool, timeout: float | None) -> asyncio.Future[Response]:
        self._head = fut = self.loop.create_future()
        self._got_bytes = self._skip = False
        self._head_only = head_only
        assert self.transport is not None
        self.transport.write(data)
        self._timeout = timeout or 0.0
        if timeout:
            self._last = now = self.loop.time()
            self._arm(now + timeout)
        return fut

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.abort()

    def abandon(self) -> None:
        """The caller is done before the answer was: close, so the upstream stops working."""
        self._head = None
        self._body = self._resp = None
        self._stop_timer()
        self.abort()

    def pause(self) -> None:
        if not self.paused and self.transport is not None and not self.closed:
            self.paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self._last = self.loop.time()
            self.transport.resume_reading()

    # ---- timeouts: a timer re-armed from the last read when it fires --------------------------
    # A call's end leaves the timer armed (it finds nothing to time out when it fires), so the
    # next call on the connection, with the same timeout, arms none: a timer started and
    # cancelled per call cost ~3 µs on uvloop.
    def _arm(self, due: float) -> None:
        timer = self._timer
        if timer is not None:
            if timer.when() <= due:
                return  # it fires in time and re-arms itself from the last read
            timer.cancel()
        self._timer = self.loop.call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if (self._head is None and self._body is None) or not self._timeout:
            return
        now = self.loop.time()
        due = self._last + self._timeout
        if self.paused or now + 0.001 < due:
            self._timer = self.loop.call_at(max(due, now + 0.01), self._on_timer)
            return
        self._fail(SocketTimeoutError("Timeout on reading data from socket"))
        self.abort()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fail(self, exc: Exception) -> None:
        self._stop_timer()
        head, self._head = self._head, None
        if head is not None and not head.done():
            head.set_exception(exc)
        body, self._body, self._resp = self._body, None, None
        if body is not None:
            body.set_exception(exc)

    # ---- httptools callbacks -------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._headers = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append(
            (name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape"))
        )

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:
            self._skip = True
            return
        head = self._head
        if head is None:
            raise RuntimeError("an answer to no request")
        headers = CIMultiDictProxy(CIMultiDict(self._headers))
        self._body = body = Body(self.loop, self)
        self._resp = resp = Response(status, headers, body, self)
        self._head = None
        no_body = self._head_only or status in _NO_BODY
        self._until_close = not no_body and (
            CONTENT_LENGTH not in headers and TRANSFER_ENCODING not in headers
        )
        self._decode = None if no_body else _decoder(headers.get(CONTENT_ENCODING))
        if not head.done():
            head.set_result(resp)
        if self._head_only:
            self._finish_body()
            self.abort()  # llhttp would expect a body the headers announce: not reused

    def on_body(self, data: bytes) -> None:
        body = self._body
        if body is None:
            return
        if self._decode is not None:
            try:
                data = self._decode.decompress(data)
            except zlib.error as e:
                self._fail(ClientPayloadError(f"cannot decode the upstream's body: {e}"))
                self.abort()
                return
        if data:
            body.feed(data)

    def on_message_complete(self) -> None:
        if self._skip:
            self._skip = False
            return
        if self._body is None:
            return
        keep = self.parser.should_keep_alive() and not self._until_close
        if self._finish_body() and keep and not self.closed:
            self.reused = True
            self.pool.put_back(self)
        else:
            self.abort()

    def _finish_body(self) -> bool:
        # the timer stays armed for the connection's next call (see _arm); closing stops it
        if self.paused:
            self.resume()
        body, resp = self._body, self._resp
        self._body = self._resp = None
        if body is None:
            return False
        if self._decode is not None:
            try:
                tail = self._decode.flush()
            except zlib.error as e:
                body.set_exception(ClientPayloadError(f"cannot decode the upstream's body: {e}"))
                return False
            if tail:
                body.feed(tail)
        if resp is not None:
            resp.detach()
        body.feed_eof()
        return True
