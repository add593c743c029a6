"""Claims (clawrouter/claims.py) hold across instances: two gateways on one SQLite file, on one
PostgreSQL, and on one Redis. A claim made on one is refused on the other until it expires or
its holder releases it; renew and release are the holder's only. What uses them: a Telegram
login replayed to the other gateway is refused; a "test all channels" run on one makes the
other refuse to start one (the lease), and the lease is let go when the run ends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from clawrouter.api.channel_probe import LEASE
from clawrouter.claims import StoreClaims
from clawrouter.config import Config, load, replace
from clawrouter.db.stores import open_stores
from clawrouter.keys import CHANNEL_TESTS, CLAIMS
from tests.integration.test_oauth_telegram import BOT_TOKEN, signed, tg_login
from tests.support.gateway import Client, Gateway
from tests.support.oauth_cases import set_options
from tests.support.redis_server import RedisServer, running_redis


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


class Pair:
    def __init__(self, a: Gateway, b: Gateway, root_a: Client, root_b: Client) -> None:
        self.a, self.b, self.root_a, self.root_b = a, b, root_a, root_b


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
async def pair(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Pair]:
    overrides = {"server.data_dir": str(tmp_path / "data")}  # one store, one session secret
    if request.param == "postgresql":
        overrides["database.url"] = request.getfixturevalue("postgres_url")
    if request.param == "redis":
        overrides["redis.url"] = request.getfixturevalue("redis_server").url
        overrides["redis.channel"] = f"test-{uuid.uuid4().hex}"
    config: Config = replace(
        load(env={}, overrides=overrides), security={"api_rate_limit": 0, "web_rate_limit": 0}
    )
    a, b = Gateway(config), Gateway(config)
    await a.start()
    await b.start()
    try:
        await a.setup_root()
        root_a = await a.login("root", "rootpass123")
        root_b = await b.login("root", "rootpass123")
        yield Pair(a, b, root_a, root_b)
    finally:
        await b.stop()
        await a.stop()


async def test_a_claim_on_one_is_refused_on_the_other(pair: Pair):
    one, other = pair.a.app[CLAIMS], pair.b.app[CLAIMS]
    name = f"test:{uuid.uuid4().hex}"
    assert await one.claim(name, 30, "a") is True
    assert await other.claim(name, 30, "b") is False
    assert await one.claim(name, 30, "a") is False  # once means once, for the holder too
    assert await other.holder(name) == "a"
    assert await other.renew(name, 30, "b") is False  # only the holder renews or releases
    await other.release(name, "b")
    assert await one.holder(name) == "a"
    assert await one.renew(name, 30, "a") is True
    await one.release(name, "a")
    assert await other.holder(name) is None
    assert await other.claim(name, 30, "b") is True


async def test_a_claim_expires(pair: Pair):
    one, other = pair.a.app[CLAIMS], pair.b.app[CLAIMS]
    name = f"test:{uuid.uuid4().hex}"
    assert await one.claim(name, 1, "a")
    assert not await other.claim(name, 1, "b")
    await asyncio.sleep(2.1)  # the store counts whole seconds
    assert await other.holder(name) is None
    assert await other.renew(name, 30, "a") is False  # expired: no longer the holder's
    assert await other.claim(name, 30, "b")


async def test_a_telegram_login_replayed_to_the_other_is_refused(pair: Pair):
    telegram = {
        "TelegramBotToken": BOT_TOKEN,
        "TelegramBotName": "fake_bot",
        "TelegramOAuthEnabled": True,
    }
    for root in (pair.root_a, pair.root_b):  # no change feed between these two: set on each
        await set_options(root, telegram)
    uid = await pair.a.add_user("tele", telegram_id="5550077")
    fields = signed(5550077)
    body = await tg_login(pair.a.client(), fields)
    assert body["success"] and body["data"]["id"] == uid, body
    for gateway in (pair.b, pair.a):  # the same widget data again, on either gateway
        body = await tg_login(gateway.client(), fields)
        assert body["success"] is False, body
        assert "used to sign in already" in body["message"]
    body = await tg_login(pair.b.client(), signed(5550077, age=3))  # fresh data: fine
    assert body["success"] and body["data"]["id"] == uid, body


async def test_one_channel_test_run_per_gateway_not_per_instance(pair: Pair):
    holder = uuid.uuid4().hex
    assert await pair.a.app[CLAIMS].claim(LEASE, 60, holder)  # a run going on gateway a
    status, body = await pair.root_b.json("GET", "/api/channel/test")
    assert status == 200 and body["success"] is False
    assert "already running" in body["message"]
    await pair.a.app[CLAIMS].release(LEASE, holder)
    status, body = await pair.root_b.json("GET", "/api/channel/test")
    assert status == 200 and body["success"] is True, body
    await pair.b.app[CHANNEL_TESTS].wait()  # no channels: over at once, and the lease let go
    assert await pair.a.app[CLAIMS].holder(LEASE) is None
    status, body = await pair.root_a.json("GET", "/api/channel/test")
    assert status == 200 and body["success"] is True, body


async def test_store_claims_sweep_expired_rows(tmp_path: Path):
    """A claim deletes every expired row on its way, so the table holds live claims only."""
    now = [1000.0]
    config = load(env={}, overrides={"server.data_dir": str(tmp_path / "data")})
    main, logs, _ = await open_stores(config)
    try:
        claims = StoreClaims(main, lambda: now[0])
        for i in range(5):
            assert await claims.claim(f"old:{i}", 10)
        now[0] += 11
        assert await claims.claim("new", 10)
        assert await main.fetchval("SELECT COUNT(*) FROM claims") == 1
    finally:
        await logs.close()
        await main.close()
