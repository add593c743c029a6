"""In-memory sliding-window rate limiters with an injected clock, and the app's named set of them
(the reference's GlobalAPI, GlobalWeb, Critical, Search and EmailVerification limits). With
redis.url set, http/ratelimit_redis.py makes the same limits shared by every process.

Pure: no aiohttp. clawrouter/http/limits.py applies them to requests."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal, Protocol

from clawrouter.config import Config, SecurityConfig

if TYPE_CHECKING:
    from clawrouter.redis_link import RedisLink

# The limits a route may declare (Routes.add(..., limit=...)), and whom each one counts:
# the client's IP address, or the logged-in user (so rotating proxies does not help).
RouteLimit = Literal["critical", "search", "email_verification"]
ROUTE_LIMITS: dict[str, Literal["ip", "user"]] = {
    "critical": "ip",
    "search": "user",
    "email_verification": "ip",
}


class RateLimiter:
    """At most `limit` hits per `window` seconds per key; limit 0 disables it. A refused hit is
    not recorded, so a client that keeps knocking is let in again once its oldest hit is
    `window` seconds old."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float],
        per: Literal["ip", "user"] = "ip",
    ) -> None:
        self.limit = limit
        self.window = window
        self.per = per
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._sweep_at = 0.0

    def hit(self, key: str) -> int | None:
        """Record a hit; None when allowed, else the seconds to wait (Retry-After)."""
        if self.limit <= 0:
            return None
        now = self._clock()
        self._sweep(now)
        q = self._hits.setdefault(key, deque())
        cutoff = now - self.window
        while q and q[0] <= cutoff:
            q.popleft()
        if len(q) >= self.limit:
            return max(1, math.ceil(q[0] + self.window - now))
        q.append(now)
        return None

    async def acquire(self, key: str) -> int | None:
        """hit() as the request path calls it: a shared limiter (http/ratelimit_redis.py)
        counts in Redis, so every process and machine shares one budget."""
        return self.hit(key)

    async def close(self) -> None:
        return None

    def _sweep(self, now: float) -> None:
        """Forget idle keys now and then so memory stays bounded."""
        if now < self._sweep_at:
            return
        self._sweep_at = now + self.window
        cutoff = now - self.window
        for key in [k for k, q in self._hits.items() if not q or q[-1] <= cutoff]:
            del self._hits[key]


class Windows(Protocol):
    async def take(self, key: str, limit: int, window: float) -> bool:
        """Count a hit if fewer than `limit` fell in the last `window` seconds; else False."""
        ...

    async def room(self, key: str, limit: int, window: float) -> bool:
        """Fewer than `limit` hits in the last `window` seconds (nothing is counted)."""
        ...

    async def add(self, key: str, window: float) -> None: ...


class LocalWindows:
    """Sliding windows in this process's memory, on the injected clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._sweep_at = 0.0

    def _window(self, key: str, window: float) -> deque[float]:
        now = self._clock()
        if now >= self._sweep_at:  # forget idle keys now and then: memory stays bounded
            self._sweep_at = now + 60
            for k in [k for k, q in self._hits.items() if not q or q[-1] <= now - 86_400]:
                del self._hits[k]
        q = self._hits.setdefault(key, deque())
        while q and q[0] <= now - window:
            q.popleft()
        return q

    async def take(self, key: str, limit: int, window: float) -> bool:
        q = self._window(key, window)
        if len(q) >= limit:
            return False
        q.append(self._clock())
        return True

    async def room(self, key: str, limit: int, window: float) -> bool:
        return len(self._window(key, window)) < limit

    async def add(self, key: str, window: float) -> None:
        self._window(key, window).append(self._clock())


@dataclass(frozen=True, slots=True)
class Limiters:
    """The app's limiters (keys.LIMITERS), one per [security] *_rate_limit setting."""

    api: RateLimiter  # every /api request, per IP
    web: RateLimiter  # the web pages and other paths outside /api and the relay, per IP
    critical: RateLimiter  # logins, registration, resets, payments, key reveals, per IP
    search: RateLimiter  # the search routes, per user
    email_verification: RateLimiter  # verification mails, per IP
    windows: Windows  # the relay's per-user model request limits (relay/model_limits.py)

    @classmethod
    def from_config(
        cls,
        sec: SecurityConfig,
        clock: Callable[[], float],
        make: Callable[..., RateLimiter] = RateLimiter,
        windows: Windows | None = None,
    ) -> Limiters:
        """`make` builds each limiter (RateLimiter: in this process; a shared one in Redis)."""
        return cls(
            api=make(sec.api_rate_limit, sec.api_rate_window_seconds, clock),
            web=make(sec.web_rate_limit, sec.web_rate_window_seconds, clock),
            critical=make(sec.critical_rate_limit, sec.critical_rate_window_seconds, clock),
            search=make(sec.search_rate_limit, sec.search_rate_window_seconds, clock, per="user"),
            email_verification=make(
                sec.email_verification_rate_limit,
                sec.email_verification_rate_window_seconds,
                clock,
            ),
            windows=windows or LocalWindows(clock),
        )

    async def close(self) -> None:
        await self.api.close()  # the shared ones share one client

    def named(self, name: str) -> RateLimiter:
        limiter = getattr(self, name, None)
        if not isinstance(limiter, RateLimiter):
            raise KeyError(f"no rate limiter named {name!r}")
        return limiter


def _share(
    workers: int,
    limit: int,
    window: float,
    clock: Callable[[], float],
    per: Literal["ip", "user"] = "ip",
) -> RateLimiter:
    """One worker's part of a limit: ceil(limit / workers); 0 (no limit) stays 0."""
    return RateLimiter(math.ceil(limit / workers) if limit > 0 else limit, window, clock, per)


def open_limiters(
    config: Config, clock: Callable[[], float], workers: int = 1, link: RedisLink | None = None
) -> Limiters:
    """In this process by default; in Redis, shared by every process, when redis.url is set.
    One of `workers` (--workers N) without Redis counts ceil(limit / N) of each named limit,
    so the gateway as a whole allows about the limit, not N times it (docs/scaling.md)."""
    if not config.redis.url:
        if workers > 1:
            return Limiters.from_config(config.security, clock, partial(_share, workers))
        return Limiters.from_config(config.security, clock)
    from clawrouter.http.ratelimit_redis import shared_limiters  # redis-py only when configured

    assert link is not None, "redis.url is set: app.py opens the link first"
    return shared_limiters(config.security, clock, link)
