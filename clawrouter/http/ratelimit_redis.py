"""Shared rate limits: the named sliding-window limits of http/ratelimit.py counted in Redis
(one sorted set per limit and client, trimmed and counted by one atomic script), so N processes
or machines allow a client `limit` hits per window in all, not per process. Used when redis.url
is set. A Redis that cannot be reached lets the request through (logged): a rate limit must not
take the site down with it. redis-py is imported only here, and only when configured."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import Callable
from typing import Any, Literal

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from clawrouter.config import SecurityConfig
from clawrouter.http.ratelimit import Limiters, RateLimiter

log = logging.getLogger(__name__)
PREFIX = "clawrouter:limit:"
# KEYS: the set; ARGV: now (ms), window (ms), limit, member. Returns 0 or the ms to wait.
_HIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""


class RedisRateLimiter(RateLimiter):
    """RateLimiter's rule (a refused hit is not recorded) over one Redis for every process."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float],
        per: Literal["ip", "user"] = "ip",
        *,
        client: Any,
        name: str,
    ) -> None:
        super().__init__(limit, window, clock, per)
        self._client, self._name = client, name
        self._script = client.register_script(_HIT)

    async def acquire(self, key: str) -> int | None:
        if self.limit <= 0:
            return None
        now_ms = int(self._clock() * 1000)
        args = [now_ms, int(self.window * 1000), self.limit, f"{now_ms}:{uuid.uuid4().hex[:12]}"]
        try:
            wait_ms = await self._script(keys=[f"{PREFIX}{self._name}:{key}"], args=args)
        except (RedisError, OSError) as e:
            log.warning("rate limit %s: Redis unreachable (%s); request let through", self._name, e)
            return None
        return max(1, math.ceil(int(wait_ms) / 1000)) if wait_ms else None

    async def close(self) -> None:
        """Bounded whatever Redis does (gone, or paused and never answering)."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await self._client.aclose()


# KEYS: the set; ARGV: now (ms), window (ms), limit, member, mode ('take', 'room' or 'add')
_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[5] ~= 'add' and redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
if ARGV[5] ~= 'room' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
end
return 1
"""


class RedisWindows:
    """The relay's per-user model request windows in Redis (Windows, http/ratelimit.py)."""

    def __init__(self, client: Any, clock: Callable[[], float]) -> None:
        self._script = client.register_script(_WINDOW)
        self._clock = clock

    async def _run(self, key: str, limit: int, window: float, mode: str) -> bool:
        now_ms = int(self._clock() * 1000)
        args = [now_ms, int(window * 1000), limit, f"{now_ms}:{uuid.uuid4().hex[:12]}", mode]
        try:
            return bool(await self._script(keys=[PREFIX + key], args=args))
        except (RedisError, OSError) as e:
            log.warning("model request limit: Redis unreachable (%s); request let through", e)
            return True

    async def take(self, key: str, limit: int, window: float) -> bool:
        return await self._run(key, limit, window, "take")

    async def room(self, key: str, limit: int, window: float) -> bool:
        return await self._run(key, limit, window, "room")

    async def add(self, key: str, window: float) -> None:
        await self._run(key, 0, window, "add")


def shared_limiters(sec: SecurityConfig, clock: Callable[[], float], url: str) -> Limiters:
    client = aioredis.from_url(
        url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 1)
    )
    names = iter(("api", "web", "critical", "search", "email_verification"))

    def make(*args: Any, **kw: Any) -> RateLimiter:
        return RedisRateLimiter(*args, **kw, client=client, name=next(names))

    return Limiters.from_config(sec, clock, make, RedisWindows(client, clock))
