"""UpstreamClient: one HTTP/1.1 request on a pooled connection, written as aiohttp's session
would write it (the same request line, Host, Accept, Accept-Encoding, User-Agent, Content-Length
and Content-Type), for a bytes body (or none) to an http(s) URL. A reused connection that was
closed before any byte of the answer is retried once on a fresh one (as Go's Transport does)."""

from __future__ import annotations

import asyncio
import ssl

from aiohttp.http import SERVER_SOFTWARE
from yarl import URL

from clawrouter.http.upstream_client.connection import StaleConnection
from clawrouter.http.upstream_client.pool import Key, Pool
from clawrouter.http.upstream_client.response import Response

_URL_CACHE = 1024  # parsed URLs kept per client (cleared when full)
_HEAD_CACHE = 1024  # request heads kept per client (cleared when full); see _head
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))


class _Target:
    __slots__ = ("host", "key", "path")

    def __init__(self, key: Key, host: str, path: str) -> None:
        self.key, self.host, self.path = key, host, path


def _parse(url: str) -> _Target | None:
    u = URL(url)
    if u.scheme not in ("http", "https") or not u.raw_host or u.raw_user or u.raw_password:
        return None
    port = u.port
    assert port is not None  # http and https have default ports
    return _Target((u.scheme, u.raw_host, port), u.host_port_subcomponent or u.raw_host,
                   u.raw_path_qs)  # fmt: skip


class UpstreamClient:
    def __init__(
        self,
        limit: int,
        idle_timeout: float = 15.0,
        dns_ttl: float = 300.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._pool = Pool(self._loop, limit, idle_timeout, dns_ttl, ssl_context)
        self._urls: dict[str, _Target | None] = {}
        self._heads: dict[tuple[object, ...], tuple[bytes, bytes | None]] = {}

    def can_send(self, url: str) -> bool:
        """Whether this client sends to `url` (http or https, no credentials in it)."""
        return self._target(url) is not None

    def _target(self, url: str) -> _Target | None:
        try:
            return self._urls[url]
        except KeyError:
            pass
        if len(self._urls) >= _URL_CACHE:
            self._urls.clear()
        try:
            target = _parse(url)
        except ValueError:
            target = None
        self._urls[url] = target
        return target

    async def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        connect_timeout: float | None,
        read_timeout: float | None,
    ) -> Response:
        """Send; return once the answer's headers are in. `read_timeout` bounds each wait for
        bytes (to the first one, then between reads), as aiohttp's sock_read does."""
        target = self._target(url)
        if target is None:
            raise ValueError(f"the lean upstream client does not send to {url!r}")
        data = self._request_bytes(method, url, target, headers, body)
        head_only = method == "HEAD"
        fresh = False
        while True:
            conn = await self._pool.acquire(target.key, connect_timeout, fresh)
            try:
                return await conn.send(data, head_only, read_timeout)
            except StaleConnection:
                fresh = True  # a fresh connection is never stale: at most one retry
            except BaseException:
                conn.abandon()  # cancelled (the client hung up), timed out or failed
                raise

    async def close(self) -> None:
        self._pool.close()
        await asyncio.sleep(0)  # let the transports' connection_lost run

    def _request_bytes(
        self, method: str, url: str, t: _Target, headers: dict[str, str], body: bytes | None
    ) -> bytes:
        """The request as bytes. Its head is built once per method, URL and headers (an
        upstream's calls differ only in their body, and so in Content-Length)."""
        key = (method, url, body is None, *headers.items())
        parts = self._heads.get(key)
        if parts is None:
            if len(self._heads) >= _HEAD_CACHE:
                self._heads.clear()
            parts = self._heads[key] = _head(method, t, headers, body is not None)
        head, after_length = parts
        if after_length is not None:  # the Content-Length value goes between the two
            size = b"%d" % len(body) if body is not None else b"0"
            head = head + size + after_length
        return head + body if body else head


def _head(
    method: str, t: _Target, headers: dict[str, str], has_body: bool
) -> tuple[bytes, bytes | None]:
    """(the request head, None), or (its bytes up to the Content-Length value, the rest) when
    the length is ours to write. Raises ValueError for a header with a line break."""
    lines = [f"{method} {t.path} HTTP/1.1"]
    names = {name.lower() for name in headers}
    if "host" not in names:
        lines.append(f"Host: {t.host}")
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    if "accept" not in names:
        lines.append("Accept: */*")
    if "accept-encoding" not in names:
        lines.append("Accept-Encoding: gzip, deflate")
    if "user-agent" not in names:
        lines.append(f"User-Agent: {SERVER_SOFTWARE}")
    length = has_body or method in _BODY_METHODS
    if length:
        if "content-length" not in names:
            lines.append("Content-Length: \0")  # the placeholder for the body's length
        else:
            length = False  # the caller's own
        if "content-type" not in names:
            lines.append("Content-Type: application/octet-stream")
    n = len(lines)
    head = "\r\n".join(lines)
    if head.count("\n") != n - 1 or head.count("\r") != n - 1:
        raise ValueError("Newline or carriage return character detected in HTTP headers")
    raw = (head + "\r\n\r\n").encode("utf-8", "surrogateescape")
    if not length:
        return raw, None
    before, _, after = raw.rpartition(b"Content-Length: \0")
    return before + b"Content-Length: ", after
