"""A hung Redis (paused with SIGSTOP: its connections stay open, nothing is answered) degrades as
docs/scaling.md says: a relay request answers 503 ledger_unavailable in its own format within the
link's bound (never two timeouts, even with the model request limits on, which ask Redis first),
charges nothing and logs nothing; a management write that moves money answers a clear 503; a
claim is refused quickly; the shared rate limits let requests through; once Redis is resumed,
requests succeed again without a restart, and a change made while the change feed's
subscription hung reaches the other gateway. Real redis-server, SQLite store."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from redis.exceptions import TimeoutError as RedisTimeoutError

from clawrouter.changes.redis_feed import PING_EVERY
from clawrouter.config import load
from clawrouter.config_sections import RedisConfig
from clawrouter.errors import ServiceUnavailableError
from clawrouter.keys import CHANGES, CLAIMS, LOG_DB, REDIS, RELAY, WRITER
from clawrouter.redis_link import COOLDOWN_SECONDS, RedisLink
from clawrouter.relay import ledger_redis
from clawrouter.relay.ledger_redis_scripts import RESERVE
from tests.integration.test_change_feed import chat_status
from tests.integration.test_change_feed_redis import within
from tests.support.gateway import Client, Gateway
from tests.support.gateway_pair import gateway_pair
from tests.support.redis_server import RedisServer, running_redis
from tests.support.upstreams import FakeUpstream

MARGIN = 3.0  # seconds on top of the bound for a loaded machine (before the fix: 10 s and more)
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


class Env:
    def __init__(self, a: Gateway, b: Gateway, root: Client, up: FakeUpstream) -> None:
        self.a, self.b, self.root, self.up = a, b, root, up


@pytest.fixture
async def env(tmp_path: Path, redis_server: RedisServer) -> AsyncIterator[Env]:
    overrides = {
        "server.data_dir": str(tmp_path / "data"),  # one store, one session secret
        "redis.url": redis_server.url,
        "redis.channel": f"test-{uuid.uuid4().hex}",
    }
    config = load(env={}, overrides=overrides)  # rate limits on: shared in Redis, fail open
    async with gateway_pair(config) as (a, b, root, up):
        try:
            yield Env(a, b, root, up)
        finally:
            redis_server.resume()  # before the gateways stop


async def post(base: str, path: str, key: str, body: Any, **headers: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        hdrs = {"Authorization": f"Bearer {key}", **headers}
        async with http.post(base + path, json=body, headers=hdrs) as resp:
            return resp.status, await resp.json(content_type=None)


async def timed(awaitable: Awaitable[Any]) -> tuple[Any, float]:
    start = time.monotonic()
    result = await awaitable
    return result, time.monotonic() - start


async def test_a_hung_redis_answers_503_fast_and_charges_nothing(
    env: Env, redis_server: RedisServer
):
    gw, link = env.a, env.a.app[REDIS]
    bound = link.bound  # connect + command timeout: 2 s by default
    key = await gw.add_token(remain_quota=10**6, unlimited_quota=0)
    tid = gw.app[RELAY].tokens[key.removeprefix("sk-")].id
    assert await chat_status(gw.base, key) == 200  # connected; the key's balance is in Redis
    redis_server.pause()
    try:
        # OpenAI format: the reservation is sent, Redis never answers: 503 within the bound
        (status, reply), took = await timed(post(gw.base, "/v1/chat/completions", key, BODY))
        assert status == 503 and reply["error"]["code"] == "ledger_unavailable", reply
        assert took < bound + MARGIN, f"{took:.1f} s with Redis paused (bound {bound} s)"
        # Anthropic format, once the link tries Redis again: a second reservation sent
        await within(COOLDOWN_SECONDS + MARGIN, _true(lambda: not link.hung))
        body = {**BODY, "max_tokens": 16}
        (status, reply), took = await timed(
            post(gw.base, "/v1/messages", key, body, **{"anthropic-version": "2023-06-01"})
        )
        assert status == 503 and reply["type"] == "error", reply
        assert took < bound + MARGIN
        # the model request limits on (asked of Redis before the reservation): still one wait
        for option, value in (("ModelRequestRateLimitEnabled", "true"),
                              ("ModelRequestRateLimitCount", "1000")):  # fmt: skip
            body = {"key": option, "value": value}
            (status, reply), took = await timed(env.root.json("PUT", "/api/option/", json=body))
            assert reply["success"], reply  # the rate limits let it through; publish logged
            assert took < 2 * bound + MARGIN  # the api limit's wait, then the publish's
        await within(COOLDOWN_SECONDS + MARGIN, _true(lambda: not link.hung))
        (status, reply), took = await timed(post(gw.base, "/v1/chat/completions", key, BODY))
        assert status == 503 and reply["error"]["code"] == "ledger_unavailable", reply
        assert took < bound + MARGIN, "one wait for Redis per request, not one per command"
        # a management write that moves money: a clear 503, never a 500
        (status, reply), took = await timed(
            env.root.json("POST", "/api/user/manage",
                          json={"id": 1, "action": "add_quota", "mode": "override", "value": 5})
        )  # fmt: skip
        assert status == 503 and reply["success"] is False, reply
        assert "Redis" in reply["message"] and took < bound + MARGIN
        # a claim (a passkey challenge, a Telegram login, the channel-test lease): refused
        started = time.monotonic()
        with pytest.raises(ServiceUnavailableError) as refused:
            await gw.app[CLAIMS].claim(f"test:{uuid.uuid4().hex}", 30, "t")
        assert refused.value.code == "claims_unavailable"
        assert time.monotonic() - started < bound + MARGIN
    finally:
        redis_server.resume()
    # The reservations sent to the paused Redis run when it comes back, late: no-ops. Requests
    # succeed again, no restart; the key is charged for the two successful calls only.
    await within(10, lambda: _status_is(gw, key, 200))
    check = aioredis.from_url(redis_server.url)
    try:

        async def charged_exactly() -> bool:
            rows = await _rows(gw, tid)
            left = int(await check.get(ledger_redis._t(tid)))
            return len(rows) == 2 and left == 10**6 - sum(r["quota"] for r in rows)

        await within(5, charged_exactly)  # the last settlement lands within milliseconds
        assert [r["type"] for r in await _rows(gw, tid)] == [2, 2], "no row for the 503s"
    finally:
        await check.aclose()


async def _rows(gw: Gateway, tid: int) -> list[dict[str, Any]]:
    await gw.app[WRITER].flush()
    return await gw.app[LOG_DB].fetchall(
        "SELECT type, quota FROM logs WHERE token_id = ? ORDER BY id", (tid,)
    )


async def _status_is(gw: Gateway, key: str, expected: int) -> bool:
    return await chat_status(gw.base, key) == expected


async def test_a_change_made_while_the_subscription_hung_arrives_after_resume(
    env: Env, redis_server: RedisServer
):
    feed_b = env.b.app[CHANGES]
    channels_b = env.b.app[RELAY].channels
    await within(5, _true(lambda: len(channels_b) == 1))
    (cid,) = channels_b
    assert feed_b.subscribed.is_set()
    redis_server.pause()
    try:
        # B notices: it pings a silent subscription and gets no answer within the bound
        bound = env.b.app[REDIS].bound
        await within(PING_EVERY + bound + MARGIN, _true(lambda: not feed_b.subscribed.is_set()))
        # A change made meanwhile: committed and answered; its publish fails (logged)
        (status, reply), took = await timed(
            env.root.json("PUT", "/api/channel/", json={"id": cid, "status": 2})
        )
        assert status == 200 and reply["success"], reply
        assert took < bound + MARGIN
        assert channels_b[cid].status == 1, "B missed it"
    finally:
        redis_server.resume()
    # B subscribes again (backoff up to 5 s, each attempt bounded) and resyncs everything
    await within(5 + 2 * bound + MARGIN, _true(lambda: channels_b[cid].status == 2))
    assert feed_b.subscribed.is_set()


def _true(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def run() -> bool:
        return check()

    return run


async def test_a_reservation_run_after_its_deadline_changes_nothing(redis_server: RedisServer):
    """A command given up on sits in the paused Redis's socket and runs when it comes back: the
    ledger's scripts carry their caller's deadline (in Redis's clock) and then change nothing,
    so a request answered 503 is never charged later."""
    link = RedisLink(RedisConfig(url=redis_server.url))
    try:
        client = link.client
        reserve = client.register_script(RESERVE)
        wallet, key = ledger_redis._u(9001), ledger_redis._t(9002)
        await client.mset({wallet: 1000, key: 1000})
        await link.sync_clock()
        keys = [wallet, key, ledger_redis.DIRTY_U, ledger_redis.DIRTY_T]
        args = [10, 0, 9001, 9002, 0]
        assert await reserve(keys=keys, args=[*args, link.not_after()]) == [0, 990, 990]
        calls = (await client.info("commandstats"))["cmdstat_evalsha"]["calls"]
        redis_server.pause()
        try:
            started = time.monotonic()
            with pytest.raises(RedisTimeoutError):
                async with link.deadline():  # on the connection just used: the script is sent
                    await reserve(keys=keys, args=[*args, link.not_after()])
            assert time.monotonic() - started < link.bound + MARGIN
        finally:
            redis_server.resume()

        async def ran_late() -> bool:  # the late call reached Redis and was run
            if link.hung:
                return False
            stats = await client.info("commandstats")
            return stats["cmdstat_evalsha"]["calls"] == calls + 1

        await within(COOLDOWN_SECONDS + MARGIN, ran_late)
        assert [int(v) for v in await client.mget([wallet, key])] == [990, 990], "not charged"
    finally:
        await link.close()
