"""A fake notification server on 127.0.0.1 speaking what the gateway's quota notices reach: a
webhook endpoint (POST JSON), a Bark server (GET /{key}/{title}/{body}) and a Gotify server
(POST /message?token=...). It records every request as it arrived (method, path, query,
headers, raw body); `hang` makes every answer wait until `release` is set."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: dict[str, str] = field(default_factory=dict)
    answered: bool = False

    def json(self) -> Any:
        return orjson.loads(self.body)


class FakeNotifyServer:
    def __init__(self, *, hang: bool = False, status: int = 200) -> None:
        self.hang, self.status = hang, status
        self.release = asyncio.Event()
        self.seen: list[Seen] = []
        self._arrived = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        app.router.add_get("/bark/{key}/{title}/{body}", self._handle)
        app.router.add_post("/gotify/message", self._handle)
        app.router.add_post("/redirect", self._redirect)  # 307 to `redirect_to`
        self.redirect_to = ""
        self._runner = web.AppRunner(app)
        self.base = ""

    async def _redirect(self, request: web.Request) -> web.Response:
        await self._handle(request)
        raise web.HTTPTemporaryRedirect(self.redirect_to)

    async def _handle(self, request: web.Request) -> web.Response:
        seen = Seen(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            await request.read(),
            dict(request.match_info),
        )
        async with self._arrived:
            self.seen.append(seen)
            self._arrived.notify_all()
        if self.hang:
            await self.release.wait()
        seen.answered = True
        return web.json_response({"ok": True}, status=self.status)

    async def wait_for(self, count: int = 1, seconds: float = 5.0) -> list[Seen]:
        async with asyncio.timeout(seconds), self._arrived:
            await self._arrived.wait_for(lambda: len(self.seen) >= count)
        return self.seen

    async def __aenter__(self) -> FakeNotifyServer:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release.set()
        await self._runner.cleanup()
