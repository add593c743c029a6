"""The real application on 127.0.0.1 (random port, temp SQLite files) and API client helpers."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from clawrouter.app import create_app
from clawrouter.auth.passwords import hash_password
from clawrouter.config import Config
from clawrouter.db.repo import channels as channels_repo
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.keys import LOG_DB, MAIN_DB, RELAY, WRITER
from clawrouter.runner import runner_options


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


class LiveServer:
    """The app served on a free loopback port exactly as `python -m clawrouter` serves it
    (runner.runner_options: handler cancellation on hang-up, access log, shutdown grace)."""

    def __init__(self, app: web.Application, config: Config) -> None:
        self.runner = web.AppRunner(app, **runner_options(config))
        self.port = 0

    async def start_server(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def close(self) -> None:
        await self.runner.cleanup()


class Gateway:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.server: LiveServer | None = None
        self.clients: list[Client] = []

    def make_app(self) -> web.Application:
        return create_app(self.config)

    async def start(self) -> None:
        self.app = self.make_app()
        self.server = LiveServer(self.app, self.config)
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
        uid = await users_repo.insert_user(self.app[MAIN_DB], row)
        await self.app[RELAY].reload_user(uid)
        return uid

    async def add_channel(self, base_url: str, **fields: Any) -> int:
        """Insert a channel straight into the store and refresh the relay's routing index."""
        row = {
            "type": 1,
            "key": "sk-upstream-test",
            "name": "test",
            "base_url": base_url,
            "models": "gpt-4o-mini",
            "group": "default",
            "status": 1,
            "created_time": 1_800_000_000,
            **fields,
        }
        (cid,) = await channels_repo.insert_channels(self.app[MAIN_DB], [row])
        await self.app[RELAY].reload_channels([cid])
        return cid

    async def add_token(self, user_id: int = 1, **fields: Any) -> str:
        """Insert an API key for user_id and return it as a client would send it (sk-...)."""
        key = fields.pop("key", None) or secrets.token_hex(24)
        row = {
            "user_id": user_id,
            "key": key,
            "name": "test-key",
            "status": 1,
            "expired_time": -1,
            "remain_quota": 0,
            "unlimited_quota": 1,
            **fields,
        }
        tid = await tokens_repo.insert_token(self.app[MAIN_DB], row)
        await self.app[RELAY].reload_token(tid)
        await self.app[RELAY].reload_user(user_id)
        return "sk-" + key


class RelayEnv:
    """A gateway with a channel on a fake upstream and an API key, plus SDK clients."""

    def __init__(self, gateway: Gateway, upstream: Any) -> None:
        self.gw, self.up = gateway, upstream
        self.channel_id = 0
        self.key = ""
        self._sdk_clients: list[Any] = []

    def openai(self, key: str | None = None, **kw: Any):
        """The openai SDK on the gateway's /v1, validating every response strictly."""
        from tests.support.sdk import openai_client

        client = openai_client(self.gw.base + "/v1", key or self.key, **kw)
        self._sdk_clients.append(client)
        return client

    async def close(self) -> None:
        for client in self._sdk_clients:
            await client.close()

    async def flush(self) -> None:
        """Write the pending balances and log rows now (the relay writes them behind)."""
        await self.gw.app[WRITER].flush()

    async def logs(self) -> list[dict[str, Any]]:
        await self.flush()
        return await self.gw.app[LOG_DB].fetchall("SELECT * FROM logs ORDER BY id")

    async def user_row(self, user_id: int = 1) -> dict[str, Any]:
        await self.flush()
        row = await users_repo.get_user(self.gw.app[MAIN_DB], user_id)
        assert row is not None
        return row

    async def post(self, path: str, body: Any, key: str | None = None, **headers: str):
        """Raw POST with the API key; returns (status, parsed JSON or text, headers)."""
        hdrs = {"Authorization": f"Bearer {key or self.key}", **headers}
        async with aiohttp.ClientSession() as http:
            kw = {"json": body} if not isinstance(body, bytes) else {"data": body}
            async with http.post(self.gw.base + path, headers=hdrs, **kw) as resp:
                text = await resp.text()
                try:
                    parsed: Any = orjson.loads(text)
                except orjson.JSONDecodeError:
                    parsed = text
                return resp.status, parsed, resp.headers
