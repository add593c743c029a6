"""Shared rate limits: with redis.url set, the named limits count in Redis, so two gateways
(two processes in production; two apps on one store here) give a client one budget between
them, answered by the same JSON 429 with Retry-After; a Redis that cannot be reached lets
requests through; the relay's per-user model request limits are shared the same way. Skipped, saying why, when redis-server is not installed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from clawrouter.changes.change import Change
from clawrouter.config import load, replace
from clawrouter.config_sections import RedisConfig
from clawrouter.http.ratelimit_redis import FailOpen, RedisRateLimiter, RedisWindows
from clawrouter.keys import OPTIONS, RELAY
from clawrouter.redis_link import RedisLink
from tests.integration.test_change_feed import chat_status
from tests.support.gateway import Gateway
from tests.support.gateway_pair import gateway_pair
from tests.support.redis_server import RedisServer, running_redis


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


async def test_two_gateways_share_one_budget(tmp_path: Path, redis_server: RedisServer):
    overrides = {
        "server.data_dir": str(tmp_path / "data"),
        "redis.url": redis_server.url,
        "redis.channel": f"test-{uuid.uuid4().hex}",
    }
    config = replace(
        load(env={}, overrides=overrides),
        security={"api_rate_limit": 0, "web_rate_limit": 0, "critical_rate_limit": 3},
    )
    a, b = Gateway(config), Gateway(config)
    await a.start()
    await b.start()
    try:
        login = {"username": "nobody", "password": "wrongpass123"}
        seen = []
        for gw in (a, b, a):  # three logins (a critical route) spread over both gateways
            status, _ = await gw.client().json("POST", "/api/user/login", json=login)
            seen.append(status)
        assert 429 not in seen, seen
        resp = await b.client().request("POST", "/api/user/login", json=login)
        assert resp.status == 429, "the fourth is over the shared budget of 3"
        assert resp.headers["Content-Type"].startswith("application/json")
        assert int(resp.headers["Retry-After"]) >= 1
        body = await resp.json()
        assert body["success"] is False and "too many requests" in body["message"]
    finally:
        await a.stop()
        await b.stop()


async def test_model_request_limits_are_shared(tmp_path: Path, redis_server: RedisServer):
    """ModelRequestRateLimitSuccessCount = 2 per user: two successes through A use up B too."""
    overrides = {
        "server.data_dir": str(tmp_path / "data"),
        "redis.url": redis_server.url,
        "redis.channel": f"test-{uuid.uuid4().hex}",
    }
    config = replace(load(env={}, overrides=overrides), security={"api_rate_limit": 0})
    async with gateway_pair(config) as (a, b, _root, _up):
        key = await a.add_token()
        for option, value in (("ModelRequestRateLimitEnabled", True),
                              ("ModelRequestRateLimitSuccessCount", 2)):  # fmt: skip
            await a.app[OPTIONS].set(option, value)
        await b.app[RELAY].apply(Change("all"))  # B reads the store A wrote
        assert [await chat_status(a.base, key) for _ in range(2)] == [200, 200]
        assert await chat_status(b.base, key) == 429


async def test_an_unreachable_redis_lets_requests_through():
    """A rate limit must not take the site down with it: Redis unreachable, the hit passes."""
    link = RedisLink(RedisConfig(url="redis://127.0.0.1:1/0"))
    try:
        redis = FailOpen(link)
        limiter = RedisRateLimiter(1, 60, lambda: 1000.0, redis=redis, name="critical")
        assert [await limiter.acquire("ip:1.2.3.4") for _ in range(3)] == [None, None, None]
        windows = RedisWindows(redis, lambda: 1000.0)
        assert await windows.take("mrrl:1", 1, 60) and await windows.take("mrrl:1", 1, 60)
    finally:
        await link.close()
