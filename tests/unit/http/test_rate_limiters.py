"""The sliding-window limiter on a fake clock, and the named limiters built from [security]."""

from __future__ import annotations

import pytest

from clawrouter.config import load
from clawrouter.http.ratelimit import ROUTE_LIMITS, Limiters, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_count_window_and_retry_after():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock)
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    assert limiter.hit("a") == 60
    clock.now += 20.2
    assert limiter.hit("a") == 40, "rounded up to whole seconds"
    assert limiter.hit("b") is None, "each key has its own budget"
    clock.now = 1060.0  # the three hits are a full window old
    assert [limiter.hit("a") for _ in range(4)] == [None, None, None, 60]


def test_refused_hits_do_not_extend_the_wait():
    clock = Clock()
    limiter = RateLimiter(1, 30, clock)
    assert limiter.hit("a") is None
    for _ in range(50):
        clock.now += 0.5
        assert limiter.hit("a") is not None
    clock.now = 1030.0
    assert limiter.hit("a") is None


def test_the_window_slides():
    clock = Clock()
    limiter = RateLimiter(2, 10, clock)
    assert limiter.hit("a") is None  # t=1000
    clock.now = 1006.0
    assert limiter.hit("a") is None  # t=1006
    clock.now = 1009.0
    assert limiter.hit("a") == 1
    clock.now = 1010.0
    assert limiter.hit("a") is None, "the hit at 1000 left the window"
    assert limiter.hit("a") == 6, "the hit at 1006 leaves at 1016"


def test_zero_is_off_and_idle_keys_are_forgotten():
    clock = Clock()
    assert all(RateLimiter(0, 10, clock).hit("a") is None for _ in range(100))
    limiter = RateLimiter(5, 10, clock)
    for i in range(100):
        limiter.hit(f"ip{i}")
    clock.now += 11
    limiter.hit("fresh")
    assert list(limiter._hits) == ["fresh"]


def test_named_limiters_follow_the_config():
    cfg = load(
        env={
            "CLAWROUTER_SECURITY_API_RATE_LIMIT": "1",
            "CLAWROUTER_SECURITY_WEB_RATE_WINDOW_SECONDS": "5",
            "CLAWROUTER_SECURITY_CRITICAL_RATE_LIMIT": "3",
        }
    )
    limiters = Limiters.from_config(cfg.security, Clock())
    got = {
        name: (limiters.named(name).limit, limiters.named(name).window, limiters.named(name).per)
        for name in ("api", "web", "critical", "search", "email_verification")
    }
    assert got == {
        "api": (1, 180, "ip"),
        "web": (60, 5, "ip"),
        "critical": (3, 1200, "ip"),
        "search": (10, 60, "user"),
        "email_verification": (2, 30, "ip"),
    }
    assert {n: limiters.named(n).per for n in ROUTE_LIMITS} == ROUTE_LIMITS
    with pytest.raises(KeyError):
        limiters.named("from_config")
