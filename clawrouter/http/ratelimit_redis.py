"""Shared rate limits: the named sliding-window limits of http/ratelimit.py counted in Redis
(one sorted set per limit and client, trimmed and counted by one atomic script), so N processes
or machines allow a client `limit` hits per window in all, not per process. Used when redis.url
is set. A Redis that cannot be reached, or does not answer within the link's bound (a hung one:
then for the link's cool-down it is not asked at all), lets the request through, "fail open", as
most gateways do: a rate limit must not take the site down with it. That is logged as a warning
at most once a minute (with the count let through). redis-py is imported only when configured."""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal

from redis.exceptions import RedisError

from clawrouter.config import SecurityConfig
from clawrouter.http.ratelimit import Limiters, RateLimiter
from clawrouter.redis_link import RedisLink

log = logging.getLogger(__name__)
PREFIX = "clawrouter:limit:"
WARN_EVERY = 60.0  # seconds between two warnings that requests were let through


class FailOpen:
    """Redis calls for the limits, each within the link's bound; a failure lets the request
    through, logged once per WARN_EVERY with how many were let through since the last line."""

    def __init__(self, link: RedisLink, clock: Callable[[], float] = time.monotonic) -> None:
        self.link, self._clock = link, clock
        self._next_warning = 0.0
        self.let_through = 0

    async def run(self, what: str, script: Any, keys: list[str], args: list[Any]) -> Any:
        """The script's answer, or None when Redis failed (the caller lets the request by)."""
        try:
            async with self.link.deadline():
                return await script(keys=keys, args=args)
        except (RedisError, OSError) as e:
            self.let_through += 1
            now = self._clock()
            if now >= self._next_warning:
                self._next_warning = now + WARN_EVERY
                log.warning(
                    "%s: Redis unreachable or not answering (%s); requests let through"
                    " (%d since the last warning)",
                    what, e, self.let_through,
                )  # fmt: skip
                self.let_through = 0
            return None


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
        redis: FailOpen,
        name: str,
    ) -> None:
        super().__init__(limit, window, clock, per)
        self._redis, self._name = redis, name
        self._script = redis.link.client.register_script(_HIT)

    async def acquire(self, key: str) -> int | None:
        if self.limit <= 0:
            return None
        now_ms = int(self._clock() * 1000)
        args = [now_ms, int(self.window * 1000), self.limit, f"{now_ms}:{uuid.uuid4().hex[:12]}"]
        keys = [f"{PREFIX}{self._name}:{key}"]
        wait_ms = await self._redis.run(f"rate limit {self._name}", self._script, keys, args)
        return max(1, math.ceil(int(wait_ms) / 1000)) if wait_ms else None

    async def close(self) -> None:
        return None  # the client is the link's, closed by its owner (app.py)


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

    def __init__(self, redis: FailOpen, clock: Callable[[], float]) -> None:
        self._redis = redis
        self._script = redis.link.client.register_script(_WINDOW)
        self._clock = clock

    async def _run(self, key: str, limit: int, window: float, mode: str) -> bool:
        now_ms = int(self._clock() * 1000)
        args = [now_ms, int(window * 1000), limit, f"{now_ms}:{uuid.uuid4().hex[:12]}", mode]
        room = await self._redis.run("model request limit", self._script, [PREFIX + key], args)
        return room is None or bool(room)

    async def take(self, key: str, limit: int, window: float) -> bool:
        return await self._run(key, limit, window, "take")

    async def room(self, key: str, limit: int, window: float) -> bool:
        return await self._run(key, limit, window, "room")

    async def add(self, key: str, window: float) -> None:
        await self._run(key, 0, window, "add")


def shared_limiters(sec: SecurityConfig, clock: Callable[[], float], link: RedisLink) -> Limiters:
    redis = FailOpen(link)
    names = iter(("api", "web", "critical", "search", "email_verification"))

    def make(*args: Any, **kw: Any) -> RateLimiter:
        return RedisRateLimiter(*args, **kw, redis=redis, name=next(names))

    return Limiters.from_config(sec, clock, make, RedisWindows(redis, clock))
