"""The change feed over Redis: two gateways in this process, one Redis (a real redis-server the
module starts) and one store (a SQLite file; PostgreSQL too when installed). A key revoked, a
channel disabled, a user disabled, a wallet credited or an option changed through one gateway is
obeyed by the other within 1 s; a publish made while Redis is down is made good by the full
resync the listener runs when it subscribes again."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import openai
import pytest
import redis.asyncio as aioredis

from clawrouter.changes.change import Change
from clawrouter.changes.redis_feed import RedisFeed
from clawrouter.config import Config, load, replace
from clawrouter.db.repo import channels as channels_repo
from clawrouter.keys import CHANGES, CLAIMS, MAIN_DB, RELAY
from tests.integration.test_change_feed import MESSAGES, chat_status, new_key
from tests.support.gateway import Client, Gateway
from tests.support.gateway_pair import gateway_pair
from tests.support.redis_server import RedisServer, running_redis
from tests.support.sdk import openai_client
from tests.support.upstreams import FakeUpstream

BOUND = 1.0  # seconds: the documented bound for a change to reach every gateway


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


class Pair:
    def __init__(self, a: Gateway, b: Gateway, root_a: Client, up: FakeUpstream) -> None:
        self.a, self.b, self.root_a, self.up = a, b, root_a, up


@pytest.fixture(params=["sqlite", "postgresql"])
async def pair(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[Pair]:
    overrides = {
        "server.data_dir": str(tmp_path / "data"),  # one data dir: one store, one session secret
        "redis.url": redis_server.url,
        "redis.channel": f"test-{uuid.uuid4().hex}",
    }
    if request.param == "postgresql":
        overrides["database.url"] = request.getfixturevalue("postgres_url")
    config: Config = replace(
        load(env={}, overrides=overrides), security={"api_rate_limit": 0, "web_rate_limit": 0}
    )
    async with gateway_pair(config) as (a, b, root_a, up):
        yield Pair(a, b, root_a, up)


async def within(seconds: float, check: Callable[[], Awaitable[bool]]) -> float:
    """Poll `check` until it holds; returns how long that took (fails past `seconds`)."""
    start = time.monotonic()
    while not await check():
        assert time.monotonic() - start < seconds, f"not seen within {seconds} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_gateways_share_the_redis_feed(pair: Pair):
    feeds = [pair.a.app[CHANGES], pair.b.app[CHANGES]]
    assert all(isinstance(f, RedisFeed) and f.subscribed.is_set() for f in feeds)
    assert feeds[0].origin != feeds[1].origin


async def test_junk_on_the_channel_is_dropped_and_the_feed_goes_on(pair: Pair):
    feed_b = pair.b.app[CHANGES]
    seen: list[Change] = []

    async def record(change: Change) -> None:
        seen.append(change)

    feed_b.subscribe(record)
    client = aioredis.from_url(feed_b.url)
    try:
        await client.publish(feed_b.channel, b"not json")
        await client.publish(feed_b.channel, b'{"o": "x", "k": "nope", "i": []}')
        await client.publish(feed_b.channel, Change("channel", 99).encode(feed_b.origin))  # own
        await client.publish(feed_b.channel, Change("user", 5).encode("another-gateway"))
    finally:
        await client.aclose()
    await within(BOUND, _true(lambda: Change("user", 5) in seen))
    assert Change("channel", 99) not in seen, "its own message comes back and is skipped"
    assert feed_b.subscribed.is_set()


async def test_a_key_made_and_revoked_on_one_is_obeyed_by_the_other(pair: Pair):
    token_id, key = await new_key(pair.root_a)
    await within(BOUND, lambda: _status_is(pair.b, key, 200))
    body = {"id": token_id, "status": 2}
    status, reply = await pair.root_a.json("PUT", "/api/token/?status_only=true", json=body)
    assert status == 200 and reply["success"], reply
    assert await chat_status(pair.a.base, key) == 401, "the gateway that wrote it: at once"
    await within(BOUND, lambda: _status_is(pair.b, key, 401))


async def test_a_channel_disabled_on_one_routes_nothing_on_the_other(pair: Pair):
    _, key = await new_key(pair.root_a)
    await within(BOUND, lambda: _status_is(pair.b, key, 200))
    (cid,) = pair.b.app[RELAY].channels
    status, reply = await pair.root_a.json("PUT", "/api/channel/", json={"id": cid, "status": 2})
    assert reply["success"], reply
    await within(BOUND, lambda: _status_is(pair.b, key, 503))
    assert pair.b.app[RELAY].index == {}


async def test_users_wallets_and_options_reach_the_other(pair: Pair):
    uid = await pair.a.add_user("alice")  # straight into the store: B has not heard of her
    assert uid not in pair.b.app[RELAY].users
    body = {"id": uid, "action": "add_quota", "mode": "override", "value": 12345}
    status, reply = await pair.root_a.json("POST", "/api/user/manage", json=body)
    assert status == 200 and reply["success"], reply
    users_b = pair.b.app[RELAY].users
    await within(BOUND, _true(lambda: uid in users_b and users_b[uid].quota == 12345))

    status, reply = await pair.root_a.json(
        "POST", "/api/user/manage", json={"id": uid, "action": "disable"}
    )
    assert reply["success"], reply
    await within(BOUND, _true(lambda: users_b[uid].status == 2))

    body = {"key": "SystemName", "value": "Fleet"}
    status, reply = await pair.root_a.json("PUT", "/api/option/", json=body)
    assert reply["success"], reply
    probe = pair.b.client()

    async def named() -> bool:
        _, reply = await probe.json("GET", "/api/status")
        return reply["data"]["system_name"] == "Fleet"

    await within(BOUND, named)


async def test_a_channel_the_relay_disables_on_one_is_disabled_on_the_other(pair: Pair):
    """Auto-disable happens in the relay of one gateway; it stores it, then tells the others."""
    _, key = await new_key(pair.root_a)
    body = {"key": "AutomaticDisableChannelEnabled", "value": "true"}
    status, reply = await pair.root_a.json("PUT", "/api/option/", json=body)
    assert reply["success"], reply
    body = {
        "mode": "single",
        "channel": {"type": 1, "name": "bad", "key": "sk-up", "base_url": pair.up.base_url,
                    "models": "gpt-4o", "group": "default",
                    "model_mapping": '{"gpt-4o": "gpt-4o-fail-401"}'},
    }  # fmt: skip
    status, reply = await pair.root_a.json("POST", "/api/channel/", json=body)
    assert reply["success"], reply
    channels_b = pair.b.app[RELAY].channels
    await within(BOUND, _true(lambda: any(c.name == "bad" for c in channels_b.values())))
    (bad,) = [c.id for c in channels_b.values() if c.name == "bad"]

    client = openai_client(pair.a.base + "/v1", key)
    try:
        with pytest.raises(openai.AuthenticationError):
            await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    finally:
        await client.close()
    assert pair.a.app[RELAY].channels[bad].status == 3, "auto-disabled where it failed"
    await within(BOUND, _true(lambda: channels_b[bad].status == 3))
    assert "gpt-4o" not in pair.b.app[RELAY].index.get("default", {})


async def test_a_session_made_on_one_is_valid_on_the_other(pair: Pair):
    other = pair.b.client(pair.root_a.user_id)
    other.session.cookie_jar.update_cookies(
        {c.key: c.value for c in pair.root_a.session.cookie_jar}
    )
    status, reply = await other.json("GET", "/api/user/self")
    assert status == 200 and reply["data"]["username"] == "root", reply


async def test_redis_down_then_back_resyncs_everything(pair: Pair, redis_server: RedisServer):
    _, key = await new_key(pair.root_a)
    await within(BOUND, lambda: _status_is(pair.b, key, 200))
    (cid,) = pair.b.app[RELAY].channels
    redis_server.stop()
    try:
        await within(5, _true(lambda: not pair.b.app[CHANGES].subscribed.is_set()))
        # the write commits and is answered; the publish fails and is logged
        status, reply = await pair.root_a.json(
            "PUT", "/api/channel/", json={"id": cid, "status": 2}
        )
        assert reply["success"], reply
        assert await chat_status(pair.a.base, key) == 503
        # B missed it (Redis was down); it cannot serve either: the shared ledger is in Redis
        assert pair.b.app[RELAY].channels[cid].status == 1, "B missed it: Redis was down"
        assert await chat_status(pair.b.base, key) == 503
    finally:
        redis_server.start()
    # B subscribes again (retry delays up to 5 s) and resyncs in full
    await within(15, lambda: _status_is(pair.b, key, 503))


def _true(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def run() -> bool:
        return check()

    return run


async def _status_is(gw: Gateway, key: str, expected: int) -> bool:
    return await chat_status(gw.base, key) == expected


async def test_a_gateway_starts_without_redis_and_catches_up_when_it_comes(
    tmp_path: Path, redis_server: RedisServer
):
    """Redis unreachable at start: the gateway serves anyway (logging it), subscribes once
    Redis answers and then resyncs in full."""
    late = RedisServer(redis_server.program)  # not started yet: nothing listens on its port
    overrides = {"server.data_dir": str(tmp_path / "data"), "redis.url": late.url}
    gw = Gateway(load(env={}, overrides=overrides))
    await gw.start()
    try:
        feed = gw.app[CHANGES]
        assert isinstance(feed, RedisFeed) and not feed.subscribed.is_set()
        _, reply = await gw.client().json("GET", "/api/status")
        assert reply["success"], reply
        row = {"type": 1, "key": "sk-x", "name": "meanwhile", "base_url": "http://127.0.0.1:9",
               "models": "m", "group": "default", "status": 1}  # fmt: skip
        (cid,) = await channels_repo.insert_channels(gw.app[MAIN_DB], [row])  # no one was told
        assert cid not in gw.app[RELAY].channels
        late.start()
        await within(10, _true(feed.subscribed.is_set))
        await within(BOUND, _true(lambda: cid in gw.app[RELAY].channels))
    finally:
        await gw.stop()
        late.remove()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server of the test's own: it pauses or stops it."""
    with running_redis() as server:
        yield server


@pytest.mark.parametrize("redis_is", ["paused", "gone"])
async def test_shutdown_is_bounded_whatever_redis_does(
    tmp_path: Path, redis_is: str, caplog: pytest.LogCaptureFixture, own_redis: RedisServer
):
    """Redis paused (SIGSTOP: its connections stay open and nothing is ever answered) or gone
    at shutdown, with a settlement queued for it: the gateway still stops within its grace
    period, and says which settlement Redis never got. Before the fix a paused Redis held the
    shared ledger's close for two socket timeouts per command (10 s and more)."""
    server = own_redis
    grace = 8.0
    overrides = {
        "server.data_dir": str(tmp_path / "data"),
        "server.shutdown_grace_seconds": grace,
        "redis.url": server.url,
        "redis.channel": f"test-{uuid.uuid4().hex}",
    }
    gw = Gateway(load(env={}, overrides=overrides))  # rate limits on: their client is in use
    stopped = False
    try:
        await gw.start()
        async with FakeUpstream() as up:
            await gw.setup_root()
            await gw.add_channel(up.base_url)
            key = await gw.add_token(remain_quota=10**6, unlimited_quota=0)
            assert await chat_status(gw.base, key) == 200  # the ledger, the limits: connected
            assert await gw.app[CLAIMS].claim(f"test:{uuid.uuid4().hex}", 30, "t")
            state = gw.app[RELAY]
            token, user = state.tokens[key.removeprefix("sk-")], state.users[1]
            if redis_is == "paused":
                server.pause()
            else:
                server.stop()
            state.ledger.move(token, user, 40)  # a settlement Redis will never get
            await asyncio.sleep(0.2)  # the ledger's sender is on it (waiting, or refused)
            started = time.monotonic()
            await gw.stop()
            stopped = True
            took = time.monotonic() - started
        assert took < grace, f"shutdown took {took:.1f} s with Redis {redis_is}"
        assert f"({user.id}, {token.id}), 40)" in caplog.text, "the lost settlement is named"
    finally:
        if not stopped:
            await gw.stop()
