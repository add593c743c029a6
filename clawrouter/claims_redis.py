"""RedisClaims: clawrouter/claims.py's interface in Redis (SET NX PX; renew and release by
small scripts that check the holder). Redis unreachable: a claim cannot be proved unique, so
it is refused with a 503 rather than let a replay through."""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from clawrouter.errors import ServiceUnavailableError

PREFIX = "clawrouter:claim:"
_RENEW = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then"
    " return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1])"
    " else return 0 end"
)


def _ms(ttl: float) -> int:
    return max(1, math.ceil(ttl * 1000))


class RedisClaims:
    def __init__(self, url: str) -> None:
        self._r: Any = aioredis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 1)
        )

    async def _call(self, *args: Any) -> Any:
        try:
            return await self._r.execute_command(*args)
        except (RedisError, OSError) as e:
            raise ServiceUnavailableError(
                "the shared state (Redis) is unreachable: try again in a moment",
                code="claims_unavailable",
            ) from e

    async def claim(self, name: str, ttl: float, holder: str = "") -> bool:
        return bool(await self._call("SET", PREFIX + name, holder, "PX", _ms(ttl), "NX"))

    async def renew(self, name: str, ttl: float, holder: str) -> bool:
        return bool(await self._call("EVAL", _RENEW, 1, PREFIX + name, holder, _ms(ttl)))

    async def release(self, name: str, holder: str) -> None:
        await self._call("EVAL", _RELEASE, 1, PREFIX + name, holder)

    async def holder(self, name: str) -> str | None:
        value = await self._call("GET", PREFIX + name)
        return None if value is None else value.decode()

    async def close(self) -> None:
        """Bounded whatever Redis does (gone, or paused and never answering)."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await self._r.aclose()
