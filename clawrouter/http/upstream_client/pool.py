"""Connections to upstreams, keyed by (scheme, host, port): idle keep-alive connections are
reused (most recent first) and closed after `idle_timeout`; at most `limit` are in use at
once (as aiohttp's TCPConnector counts: idle ones do not count); host names are resolved once
per `dns_ttl`. Connect and TLS failures are raised as aiohttp's ClientConnector*Error."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from typing import Any

from aiohttp import (
    ClientConnectorCertificateError,
    ClientConnectorDNSError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ConnectionTimeoutError,
)
from aiohttp.client_reqrep import ConnectionKey

from clawrouter.http.upstream_client.connection import Connection

Key = tuple[str, str, int]  # scheme, host, port


def _conn_key(key: Key) -> ConnectionKey:
    scheme, host, port = key
    https = scheme == "https"
    return ConnectionKey(
        host=host, port=port, is_ssl=https, ssl=True, proxy=None, proxy_auth=None,
        proxy_headers_hash=None,
    )  # fmt: skip


class Pool:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        limit: int,
        idle_timeout: float = 15.0,
        dns_ttl: float = 300.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.loop = loop
        self.limit = limit
        self.idle_timeout = idle_timeout
        self.dns_ttl = dns_ttl
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._idle: dict[Key, list[Connection]] = {}
        self._in_use = 0  # connections handed out or being opened
        self._busy: set[Connection] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._dns: dict[tuple[str, int], tuple[float, list[Any]]] = {}
        self._sweep: asyncio.TimerHandle | None = None
        self.closed = False

    # ---- acquire / release ---------------------------------------------------------------------
    async def acquire(self, key: Key, connect_timeout: float | None, fresh: bool) -> Connection:
        """An idle connection to `key` (unless `fresh`) or a new one, within the limit."""
        if self.limit and self._in_use >= self.limit:
            await self._wait_for_room()
        if not fresh:
            idle = self._idle.get(key)
            while idle:
                conn = idle.pop()
                if not conn.closed:
                    self._in_use += 1
                    self._busy.add(conn)
                    return conn
        self._in_use += 1
        try:
            conn = await self._connect(key, connect_timeout)
        except BaseException:
            self._room()
            raise
        self._busy.add(conn)
        return conn

    async def _wait_for_room(self) -> None:
        while self._in_use >= self.limit:
            fut = self.loop.create_future()
            self._waiters.append(fut)
            try:
                await fut
            except BaseException:
                if fut.done() and not fut.cancelled():
                    self._wake_one()  # pass the room on to the next in line
                raise

    def _room(self) -> None:
        self._in_use -= 1
        self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                return

    def put_back(self, conn: Connection) -> None:
        """The connection's answer is complete and it may be reused."""
        if conn in self._busy:
            self._busy.discard(conn)
            self._room()
        if self.closed:
            conn.abort()
            return
        conn.idle_since = self.loop.time()
        self._idle.setdefault(conn.key, []).append(conn)
        if self._sweep is None:
            self._sweep = self.loop.call_at(conn.idle_since + self.idle_timeout, self._expire)

    def lost(self, conn: Connection) -> None:
        """The connection closed (either side): forget it."""
        if conn in self._busy:
            self._busy.discard(conn)
            self._room()
            return
        idle = self._idle.get(conn.key)
        if idle and conn in idle:
            idle.remove(conn)

    def _expire(self) -> None:
        self._sweep = None
        now = self.loop.time()
        oldest = None
        for key, idle in list(self._idle.items()):
            keep = []
            for conn in idle:
                if conn.closed:
                    continue
                if now - conn.idle_since >= self.idle_timeout - 0.01:
                    conn.abort()
                else:
                    keep.append(conn)
                    oldest = conn.idle_since if oldest is None else min(oldest, conn.idle_since)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]
        if oldest is not None:
            self._sweep = self.loop.call_at(oldest + self.idle_timeout, self._expire)

    def close(self) -> None:
        self.closed = True
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for idle in self._idle.values():
            for conn in idle:
                conn.abort()
        self._idle.clear()
        for conn in list(self._busy):
            conn.abort()

    # ---- connecting ----------------------------------------------------------------------------
    async def _connect(self, key: Key, limit: float | None) -> Connection:
        scheme, host, port = key
        try:
            async with asyncio.timeout(limit):
                infos = await self._resolve(key)
                return await self._open(key, infos)
        except TimeoutError:
            raise ConnectionTimeoutError(
                f"Connection timeout to host {scheme}://{host}:{port}"
            ) from None

    async def _resolve(self, key: Key) -> list[Any]:
        _, host, port = key
        now = self.loop.time()
        hit = self._dns.get((host, port))
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            infos = await self.loop.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
            )
        except OSError as e:
            raise ClientConnectorDNSError(_conn_key(key), e) from e
        if not infos:
            raise ClientConnectorDNSError(_conn_key(key), OSError(f"no address for {host}"))
        self._dns[(host, port)] = (now + self.dns_ttl, infos)
        return infos

    async def _open(self, key: Key, infos: list[Any]) -> Connection:
        scheme, host, _ = key
        https = scheme == "https"
        last: OSError | None = None
        for family, _type, proto, _, addr in infos:
            try:
                _, conn = await self.loop.create_connection(
                    lambda: Connection(self, key), addr[0], addr[1], family=family, proto=proto,
                    ssl=self.ssl_context if https else None,
                    server_hostname=host if https else None,
                )  # fmt: skip
                return conn
            except ssl.SSLCertVerificationError as e:
                raise ClientConnectorCertificateError(_conn_key(key), e) from e
            except ssl.SSLError as e:
                raise ClientConnectorSSLError(_conn_key(key), e) from e
            except OSError as e:
                last = e
        assert last is not None
        raise ClientConnectorError(_conn_key(key), last) from last
