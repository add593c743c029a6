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
        data = _request_bytes(method, target, headers, body)
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


def _request_bytes(method: str, t: _Target, headers: dict[str, str], body: bytes | None) -> bytes:
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
    if body is not None or method in _BODY_METHODS:
        if "content-length" not in names:
            lines.append(f"Content-Length: {len(body) if body is not None else 0}")
        if "content-type" not in names:
            lines.append("Content-Type: application/octet-stream")
    n = len(lines)
    head = "\r\n".join(lines)
    if head.count("\n") != n - 1 or head.count("\r") != n - 1:
        raise ValueError("Newline or carriage return character detected in HTTP headers")
    raw = (head + "\r\n\r\n").encode("utf-8", "surrogateescape")
    return raw + body if body else raw
