"""new-api's per-user model request limits (options ModelRequestRateLimit*): within
ModelRequestRateLimitDurationMinutes, a user may send at most ModelRequestRateLimitCount relay
requests (failures included; 0: no limit) and have at most ModelRequestRateLimitSuccessCount
succeed; ModelRequestRateLimitGroup overrides both per group ({"vip": [total, success]}, the
key's group, else the user's). Over either: a 429 in the caller's format with new-api's text.

The windows (Limiters.windows) are counted in this process (http/ratelimit.LocalWindows) or,
with redis.url, in Redis for every process (http/ratelimit_redis.RedisWindows)."""

from __future__ import annotations

from typing import Any

from clawrouter.errors import RateLimitedError
from clawrouter.http.ratelimit import Windows

TOTAL = "您已达到总请求数限制：{m}分钟内最多请求{n}次，包括失败次数，请检查您的请求是否正确"
SUCCESS = "您已达到请求数限制：{m}分钟内最多请求{n}次"


Limits = tuple[int, int, int]  # (minutes, total, success)


def limits_for(options: Any, group: str) -> Limits | None:
    """(minutes, total, success) when the limits apply, else None: decided without awaiting,
    so a request under no limit (the default) pays no coroutine for them."""
    if not options["ModelRequestRateLimitEnabled"]:
        return None
    minutes = int(options["ModelRequestRateLimitDurationMinutes"])
    total = int(options["ModelRequestRateLimitCount"])
    success = int(options["ModelRequestRateLimitSuccessCount"])
    override = options["ModelRequestRateLimitGroup"].get(group)
    if isinstance(override, list) and len(override) == 2:
        total, success = int(override[0]), int(override[1])
    return (minutes, total, success) if minutes > 0 else None


async def check(windows: Windows, limits: Limits, user_id: int) -> None:
    """Before a relay request under `limits`: count it against the total, check the successes."""
    minutes, total, success = limits
    window = minutes * 60.0
    if total > 0 and not await windows.take(f"mrrl:{user_id}", total, window):
        raise RateLimitedError(TOTAL.format(m=minutes, n=total), retry_after=None)
    if success > 0 and not await windows.room(f"mrrls:{user_id}", success, window):
        raise RateLimitedError(SUCCESS.format(m=minutes, n=success), retry_after=None)


async def succeeded(windows: Windows, limits: Limits, user_id: int) -> None:
    """After a relay request under `limits` answered successfully: count it as a success."""
    if limits[2] > 0:
        await windows.add(f"mrrls:{user_id}", limits[0] * 60.0)
