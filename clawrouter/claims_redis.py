"""RedisClaims: clawrouter/claims.py's interface in Redis (SET NX PX; renew and release by
small scripts that check the holder), on the process's RedisLink. Redis unreachable or hung (no
answer within the link's bound): a claim cannot be proved unique, so it is refused with a 503
(claims_unavailable) rather than let a replay through, and never holds a request longer."""

from __future__ import annotations

import math
from typing import Any

from redis.exceptions import RedisError

from clawrouter.errors import ServiceUnavailableError
from clawrouter.redis_link import RedisLink

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
    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._r: Any = link.client

    async def _call(self, *args: Any) -> Any:
        try:
            async with self._link.deadline():
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
        return None  # the client is the link's, closed by its owner (app.py)
