"""The real application on 127.0.0.1 (random port, temp SQLite files) and API client helpers."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from clawrouter.app import create_app
from clawrouter.auth.passwords import hash_password
from clawrouter.config import Config
from clawrouter.db.repo import users as users_repo
from clawrouter.keys import MAIN_DB


class Client:
    """An HTTP client with its own cookie jar and, once logged in, the New-Api-User header."""

    def __init__(self, base: str, user_id: int | None = None) -> None:
        self.base = base
        self.user_id = user_id
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.headers: dict[str, str] = {}

    async def request(self, method: str, path: str, **kw: Any) -> aiohttp.ClientResponse:
        headers = {**self.headers, **kw.pop("headers", {})}
        if self.user_id is not None:
            headers.setdefault("New-Api-User", str(self.user_id))
        resp = await self.session.request(method, self.base + path, headers=headers, **kw)
        await resp.read()
        return resp

    async def json(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        resp = await self.request(method, path, **kw)
        return resp.status, await resp.json(content_type=None)

    async def close(self) -> None:
        await self.session.close()


class Gateway:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.server: TestServer | None = None
        self.clients: list[Client] = []

    async def start(self) -> None:
        self.app = create_app(self.config)
        self.server = TestServer(self.app, host="127.0.0.1")
        await self.server.start_server()

    async def stop(self) -> None:
        for c in self.clients:
            await c.close()
        self.clients.clear()
        if self.server is not None:
            await self.server.close()
            self.server = None

    async def restart(self) -> None:
        """Stop and start a fresh app on the same data dir (clients keep their cookies)."""
        assert self.server is not None
        await self.server.close()
        await self.start()
        for c in self.clients:
            c.base = self.base

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def client(self, user_id: int | None = None) -> Client:
        c = Client(self.base, user_id)
        self.clients.append(c)
        return c

    async def setup_root(self, username: str = "root", password: str = "rootpass123") -> None:
        status, body = await self.client().json(
            "POST",
            "/api/setup",
            json={"username": username, "password": password, "confirmPassword": password},
        )
        assert status == 200 and body["success"], body

    async def login(self, username: str, password: str) -> Client:
        c = self.client()
        status, body = await c.json(
            "POST", "/api/user/login", json={"username": username, "password": password}
        )
        assert status == 200 and body["success"], body
        c.user_id = body["data"]["id"]
        return c

    async def add_user(
        self, username: str, password: str = "userpass123", role: int = 1, **fields: Any
    ) -> int:
        """Insert a user straight into the store (user management lands with the API later)."""
        row = {
            "username": username,
            "password": await hash_password(password),
            "display_name": username,
            "role": role,
            **fields,
        }
        return await users_repo.insert_user(self.app[MAIN_DB], row)
