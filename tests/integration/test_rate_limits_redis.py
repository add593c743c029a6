"""Shared rate limits: with redis.url set, the named limits count in Redis, so two gateways
(two processes in production; two apps on one store here) give a client one budget between
them, answered by the same JSON 429 with Retry-After; a Redis that cannot be reached lets
requests through. Skipped, saying why, when redis-server is not installed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from clawrouter.config import load, replace
from tests.support.gateway import Gateway
from tests.support.redis_server import RedisServer, find_redis


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    program = find_redis()
    if program is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server): skipped")
    server = RedisServer(program)
    server.start()
    try:
        yield server
    finally:
        server.remove()


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
        redis_server.stop()  # unreachable: let through rather than refuse everyone
        try:
            status, _ = await a.client().json("POST", "/api/user/login", json=login)
            assert status != 429
        finally:
            redis_server.start()
    finally:
        await a.stop()
        await b.stop()
