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


def _limits(options: Any, group: str) -> tuple[int, int, int] | None:
    """(minutes, total, success) when the limits apply, else None."""
    if not options["ModelRequestRateLimitEnabled"]:
        return None
    minutes = int(options["ModelRequestRateLimitDurationMinutes"])
    total = int(options["ModelRequestRateLimitCount"])
    success = int(options["ModelRequestRateLimitSuccessCount"])
    override = options["ModelRequestRateLimitGroup"].get(group)
    if isinstance(override, list) and len(override) == 2:
        total, success = int(override[0]), int(override[1])
    return (minutes, total, success) if minutes > 0 else None


async def check(windows: Windows, options: Any, user_id: int, group: str) -> None:
    """Before a relay request: count it against the total and check the successes."""
    limits = _limits(options, group)
    if limits is None:
        return
    minutes, total, success = limits
    window = minutes * 60.0
    if total > 0 and not await windows.take(f"mrrl:{user_id}", total, window):
        raise RateLimitedError(TOTAL.format(m=minutes, n=total), retry_after=None)
    if success > 0 and not await windows.room(f"mrrls:{user_id}", success, window):
        raise RateLimitedError(SUCCESS.format(m=minutes, n=success), retry_after=None)


async def succeeded(windows: Windows, options: Any, user_id: int, group: str) -> None:
    """After a relay request answered successfully: count it as a success."""
    limits = _limits(options, group)
    if limits is not None and limits[2] > 0:
        await windows.add(f"mrrls:{user_id}", limits[0] * 60.0)
