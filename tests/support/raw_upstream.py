"""A raw asyncio HTTP/1.1 server on 127.0.0.1 for the lean upstream client's tests: each
connection's requests are read (head and Content-Length body) and answered by a script that
writes whatever bytes it likes — chunked, gzip, close-delimited, 1xx, hangs, resets."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from clawrouter.http.upstream_client import UpstreamClient


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    conn: int  # which connection (0, 1, ...) carried it


@dataclass
class Link:
    """One accepted connection, as the script sees it."""

    number: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    served: int = 0  # requests answered on it so far
    gone: bool = False  # the client closed it (or the script did)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    def reset(self) -> None:
        """Close with RST (SO_LINGER 0), as a crashed upstream would."""
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


Script = Callable[[Link, Request], Awaitable[bool]]  # True: keep the connection for more


@dataclass
class RawUpstream:
    script: Script
    requests: list[Request] = field(default_factory=list)
    opened: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)  # set on every close seen
    closes: int = 0
    server: asyncio.Server | None = None
    links: list[Link] = field(default_factory=list)
    tasks: set[asyncio.Task] = field(default_factory=set)

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> RawUpstream:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for link in self.links:
            link.writer.transport.abort()
        for task in self.tasks:
            task.cancel()  # a script still waiting on something
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.server.wait_closed()

    async def wait_closes(self, n: int, within: float = 2.0) -> None:
        async with asyncio.timeout(within):
            while self.closes < n:
                self.closed.clear()
                await self.closed.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = Link(self.opened, reader, writer)
        self.links.append(link)
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.opened += 1
        watch = asyncio.create_task(self._watch(link))
        try:
            while True:
                req = await self._read(link)
                if req is None:
                    break
                self.requests.append(req)
                keep = await self.script(link, req)
                link.served += 1
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # a cancelled script ends its connection: stop() is waiting for it
        finally:
            watch.cancel()
            writer.close()
            self._gone(link)

    async def _watch(self, link: Link) -> None:
        """Notice the client closing even while a script sleeps (no pipelining: after a request
        the client sends nothing until it has the answer)."""
        while not link.reader.at_eof() and not link.writer.transport.is_closing():  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # (a poll: the reader has no event for its EOF)
        self._gone(link)

    def _gone(self, link: Link) -> None:
        if not link.gone:
            link.gone = True
            self.closes += 1
            self.closed.set()

    async def _read(self, link: Link) -> Request | None:
        try:
            head = await link.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # the client closed the connection
        first, *lines = head.decode().split("\r\n")
        method, target, _ = first.split(" ", 2)
        headers = {}
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip()] = value.strip()
        size = int(headers.get("Content-Length", "0"))
        body = await link.reader.readexactly(size) if size else b""
        return Request(method, target, headers, body, link.number)


def answer(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    """A content-length answer."""
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def chunked(*parts: bytes, extra: str = "") -> bytes:
    out = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n{extra}\r\n".encode()
    for p in parts:
        out += b"%x\r\n%s\r\n" % (len(p), p)
    return out + b"0\r\n\r\n"


# Fixtures for the lean client's tests (imported by them: `from ... import client, serve`).


@pytest.fixture
async def client() -> AsyncIterator[UpstreamClient]:
    c = UpstreamClient(limit=10)
    yield c
    await c.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[RawUpstream]]]:
    """serve(script) -> a started RawUpstream, stopped after the test."""
    started: list[RawUpstream] = []

    async def start(script) -> RawUpstream:
        started.append(await RawUpstream(script).start())
        return started[-1]

    yield start
    for up in started:
        await up.stop()
