"""A gateway ready to take payments: root sets the provider options through PUT /api/option/,
a buyer with an empty wallet and an API key on the fake upstream's channel; helpers read the
buyer's quota from the API and from the relay's memory, their orders and the top-up log rows,
and try a relay call with the buyer's key."""

from __future__ import annotations

from typing import Any

import aiohttp

from clawrouter.db.repo import topups as topups_repo
from clawrouter.keys import LOG_DB, MAIN_DB, RELAY
from tests.support.gateway import Client, RelayEnv

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
QPU = 500_000


class PayEnv:
    def __init__(self, relay: RelayEnv, root: Client, buyer: Client, uid: int, key: str) -> None:
        self.relay, self.gw, self.root = relay, relay.gw, root
        self.buyer, self.uid, self.key = buyer, uid, key

    @classmethod
    async def start(cls, relay: RelayEnv, **options: Any) -> PayEnv:
        gw = relay.gw
        root = await gw.login("root", "rootpass123")
        uid = await gw.add_user("buyer", quota=0, email="buyer@example.com")
        buyer = await gw.login("buyer", "userpass123")
        key = await gw.add_token(user_id=uid)
        env = cls(relay, root, buyer, uid, key)
        await env.options(ServerAddress="http://gateway.test", **options)
        return env

    async def options(self, **values: Any) -> None:
        for k, v in values.items():
            status, reply = await self.root.json("PUT", "/api/option/", json={"key": k, "value": v})
            assert status == 200 and reply["success"], (k, reply)

    async def call(self, path: str, body: Any, client: Client | None = None) -> dict[str, Any]:
        status, reply = await (client or self.buyer).json("POST", path, json=body)
        assert status == 200, reply
        return reply

    async def quota(self) -> int:
        """The wallet as GET /api/user/self shows it; it must equal the relay's in-memory one."""
        status, reply = await self.buyer.json("GET", "/api/user/self")
        assert status == 200 and reply["success"], reply
        shown = reply["data"]["quota"]
        assert self.gw.app[RELAY].users[self.uid].quota == shown
        return shown

    async def orders(self) -> list[dict[str, Any]]:
        """The buyer's history, newest first (GET /api/user/topup/self)."""
        status, reply = await self.buyer.json("GET", "/api/user/topup/self?page_size=50")
        assert status == 200 and reply["success"], reply
        return reply["data"]["items"]

    async def order(self, trade_no: str) -> dict[str, Any]:
        row = await topups_repo.get_topup(self.gw.app[MAIN_DB], trade_no)
        assert row is not None
        return row

    async def topup_logs(self) -> list[dict[str, Any]]:
        return await self.gw.app[LOG_DB].fetchall(
            "SELECT * FROM logs WHERE type = 1 AND user_id = ? ORDER BY id", (self.uid,)
        )

    async def relay_status(self) -> int:
        status, _, _ = await self.relay.post("/v1/chat/completions", CHAT, key=self.key)
        return status

    async def deliver(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """A provider's webhook delivery: no cookie, no session."""
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.gw.base + path, data=body, headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    async def notify(self, params: dict[str, str], method: str = "GET") -> tuple[int, str]:
        """epay's notify callback, as a query string (GET) or a form (POST)."""
        url = self.gw.base + "/api/user/epay/notify"
        async with aiohttp.ClientSession() as http:
            send = http.get(url, params=params) if method == "GET" else http.post(url, data=params)
            async with send as resp:
                return resp.status, await resp.text()
