"""In-memory sliding-window rate limiters (per IP or per user), with an injected clock."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class RateLimiter:
    """At most `limit` hits per `window` seconds per key; limit 0 disables it."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
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

    def _sweep(self, now: float) -> None:
        """Forget idle keys now and then so memory stays bounded."""
        if now < self._sweep_at:
            return
        self._sweep_at = now + self.window
        cutoff = now - self.window
        for key in [k for k, q in self._hits.items() if not q or q[-1] <= cutoff]:
            del self._hits[key]


@dataclass(slots=True)
class Limiters:
    login: RateLimiter
    api: RateLimiter
    search: RateLimiter
    extra: dict[str, RateLimiter] = field(default_factory=dict)
