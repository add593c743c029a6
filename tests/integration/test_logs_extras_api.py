"""/api/log extras: stat and self/stat (rpm / tpm window on the injected clock), token logs read
with the key, batched delete, the deprecated search routes, and the role matrix."""

from __future__ import annotations

import time

import orjson
import pytest
from aiohttp import web

from clawrouter.app import create_app
from clawrouter.db.repo.usage import LOG_COLUMNS, insert_logs
from clawrouter.keys import LOG_DB
from tests.support.gateway import Gateway

NOW = int(time.time()) // 60 * 60  # sessions are checked against real time too


class ClockGateway(Gateway):
    """The gateway with a clock the test sets."""

    now = float(NOW)

    def make_app(self) -> web.Application:
        return create_app(self.config, clock=lambda: self.now)


@pytest.fixture
async def gw(config):
    gateway = ClockGateway(config)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


def row(**fields) -> tuple:
    base = {c: "" for c in LOG_COLUMNS} | {
        "user_id": 1, "created_at": NOW, "type": 2, "username": "root", "token_name": "k",
        "model_name": "gpt-4o", "quota": 100, "prompt_tokens": 10, "completion_tokens": 5,
        "use_time": 1, "is_stream": 0, "channel_id": 0, "token_id": 1, "group": "default",
    }  # fmt: skip
    return tuple((base | fields)[c] for c in LOG_COLUMNS)


@pytest.fixture
async def admin(gw: ClockGateway):
    await gw.setup_root()
    rows = [
        row(created_at=NOW - 3600),  # in range, outside the minute
        row(created_at=NOW - 30, quota=7, model_name="claude-3"),
        row(created_at=NOW - 59),
        row(created_at=NOW - 10, type=5, quota=999),  # not a consume log
        row(created_at=NOW - 5, user_id=2, username="bob", quota=1000, prompt_tokens=1),
    ]
    await insert_logs(gw.app[LOG_DB], rows, [])
    return await gw.login("root", "rootpass123")


async def stat(client, query: str = "") -> dict:
    status, reply = await client.json("GET", f"/api/log/stat?{query}")
    assert status == 200 and reply["success"], reply
    return reply["data"]


async def test_stat_window_follows_the_clock(gw: ClockGateway, admin):
    assert await stat(admin) == {"quota": 1207, "rpm": 3, "tpm": 15 * 2 + 6}
    assert await stat(admin, "username=root") == {"quota": 207, "rpm": 2, "tpm": 30}
    assert await stat(admin, "model_name=claude%25") == {"quota": 7, "rpm": 1, "tpm": 15}
    range_ = f"start_timestamp={NOW - 100}&end_timestamp={NOW}"
    assert (await stat(admin, range_))["quota"] == 1107
    assert (await stat(admin, range_))["rpm"] == 3, "the minute ignores the range"
    gw.now = NOW + 31  # rows at NOW-30 and NOW-59 leave the window
    assert await stat(admin) == {"quota": 1207, "rpm": 1, "tpm": 6}
    gw.now = NOW + 1000
    assert await stat(admin) == {"quota": 1207, "rpm": 0, "tpm": 0}


async def test_self_stat_is_scoped(gw: ClockGateway, admin):
    status, reply = await admin.json("GET", "/api/log/self/stat?username=bob")
    assert reply["data"] == {"quota": 207, "rpm": 2, "tpm": 30}
    await gw.add_user("bob")
    bob = await gw.login("bob", "userpass123")
    status, reply = await bob.json("GET", "/api/log/self/stat")
    assert reply["data"] == {"quota": 1000, "rpm": 1, "tpm": 6}
    status, reply = await bob.json("GET", "/api/log/stat")
    assert reply["success"] is False and "privilege" in reply["message"]
    status, reply = await bob.json("GET", "/api/log/self/stat?start_timestamp=x")
    assert status == 400 and reply["success"] is False
    for path in ("/api/log/stat", "/api/log/self/stat"):
        status, reply = await gw.client(user_id=1).json("GET", path)
        assert status == 401 and reply["success"] is False


async def test_token_logs(gw: ClockGateway, admin):
    key = await gw.add_token(1, key="a" * 48)
    other = {"admin_info": {"x": 1}, "model_ratio": 2}
    await insert_logs(
        gw.app[LOG_DB], [row(token_id=1, other=orjson.dumps(other).decode()), row(token_id=9)], []
    )
    anon = gw.client()
    for kw in ({"headers": {"Authorization": f"Bearer {key}"}}, {"params": {"key": key}}):
        status, reply = await anon.json("GET", "/api/log/token", **kw)
        assert status == 200 and reply["success"], reply
        items = reply["data"]
        assert [i["id"] for i in items] == [1, 2, 3, 4, 5, 6], "the five fixture rows + one"
        assert orjson.loads(items[0]["other"]) == {"model_ratio": 2}
    status, reply = await anon.json("GET", "/api/log/token?key=sk-nope")
    assert reply["success"] is False and status == 401
    status, reply = await anon.json("GET", "/api/log/token")
    assert reply["success"] is False and status == 401
    await gw.add_user("eve", status=2)
    eve_key = await gw.add_token(2)
    status, reply = await anon.json("GET", f"/api/log/token?key={eve_key}")
    assert status == 403 and reply["success"] is False


async def test_token_logs_rate_limited(gw: ClockGateway, admin):
    anon = gw.client()
    statuses = [(await anon.request("GET", "/api/log/token?key=sk-x")).status for _ in range(25)]
    assert 429 in statuses


async def test_delete_logs_in_batches(gw: ClockGateway, admin):
    await insert_logs(gw.app[LOG_DB], [row(created_at=100 + i) for i in range(2500)], [])
    status, reply = await admin.json("DELETE", "/api/log/?target_timestamp=3000")
    assert reply == {"success": True, "message": "", "data": 2500}
    assert await gw.app[LOG_DB].fetchval("SELECT COUNT(*) FROM logs") == 5
    status, reply = await admin.json("DELETE", f"/api/log/?target_timestamp={NOW - 20}")
    assert reply["data"] == 3
    for path in ("/api/log/", "/api/log/?target_timestamp=0"):
        status, reply = await admin.json("DELETE", path)
        assert reply["success"] is False and "target_timestamp" in reply["message"]
    status, reply = await admin.json("DELETE", "/api/log/?target_timestamp=abc")
    assert status == 400
    await gw.add_user("bob")
    bob = await gw.login("bob", "userpass123")
    status, reply = await bob.json("DELETE", f"/api/log/?target_timestamp={NOW * 2}")
    assert reply["success"] is False
    assert await gw.app[LOG_DB].fetchval("SELECT COUNT(*) FROM logs") == 2


async def test_search_is_deprecated(gw: ClockGateway, admin):
    for path in ("/api/log/search", "/api/log/self/search"):
        status, reply = await admin.json("GET", path)
        assert reply == {"success": False, "message": "this endpoint is deprecated"}
