"""RedisLink: the one Redis client a process shares for its shared state (the ledger, claims,
rate limits, the change feed's publishes), with the bounds a hung Redis must not break.

- every command waits at most redis.command_timeout_seconds for its answer (plus
  redis.connect_timeout_seconds when it opens a connection), under one hard deadline;
- a timeout is never retried (only a connection refused or reset, once, on a fresh connection:
  the pool's connections are dead after Redis restarts);
- after a timeout the link is "hung" for COOLDOWN_SECONDS: commands fail at once instead of
  waiting again, so one request never waits two timeouts, then one command is let through to
  try again;
- a command given up on may still run when a hung Redis comes back (it sits in the socket), so
  the scripts that move money carry not_after(), their caller's deadline in Redis's clock
  (sync_clock() measures the offset), and change nothing when run later.
redis-py is imported only when a link is made (redis.url set). docs/scaling.md has the bounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from types import TracebackType
from typing import Any

from clawrouter.config_sections import RedisConfig

log = logging.getLogger(__name__)
COOLDOWN_SECONDS = 1.0  # after a timeout, commands fail at once for this long
CLOSE_TIMEOUT = 1.0  # seconds; closing a client at shutdown waits no longer than this


class RedisLink:
    def __init__(self, cfg: RedisConfig, clock: Any = time.monotonic) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import RedisError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        self.config = cfg
        self.url = cfg.url
        self.command_timeout = cfg.command_timeout_seconds
        self.connect_timeout = cfg.connect_timeout_seconds
        # the hard bound on one command, from the call to its answer, connecting included
        self.bound = cfg.command_timeout_seconds + cfg.connect_timeout_seconds
        self.client: Any = aioredis.from_url(
            cfg.url,
            socket_connect_timeout=cfg.connect_timeout_seconds,
            socket_timeout=cfg.command_timeout_seconds,
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        self._timeout_error = RedisTimeoutError
        self._errors = (RedisError, OSError)
        self._clock = clock
        self._hung_until = 0.0
        self._warned = False
        self.offset = 0.0  # Redis's clock minus this machine's, in seconds (sync_clock)
        self._synced = -math.inf

    def not_after(self) -> int:
        """The deadline of a command sent now, in Redis's clock (ms): a script that moves
        money and runs later than this changes nothing (relay/ledger_redis_scripts.py). Its
        caller waits command_timeout for the answer once the command is sent, so no later."""
        return int((time.time() + self.offset + self.command_timeout) * 1000)

    async def sync_clock(self, every: float = 0.0) -> None:
        """Measure Redis's clock against this machine's (TIME, taken at the middle of the round
        trip), unless done less than `every` seconds ago; best effort: a failure keeps the last
        offset."""
        if self._clock() - self._synced < every:
            return
        try:
            async with self.deadline():
                sent = time.time()
                seconds, micros = await self.client.time()
                back = time.time()
        except self._errors:
            return
        self._synced = self._clock()
        self.offset = seconds + micros / 1e6 - (sent + back) / 2

    def deadline(self) -> _Deadline:
        """`async with link.deadline():` around the commands of one step (a reservation, a
        credit): they answer within `bound` or raise redis' TimeoutError (a RedisError)."""
        return _Deadline(self)

    @property
    def hung(self) -> bool:
        return self._clock() < self._hung_until

    def try_again(self) -> None:
        """Let the next command wait for Redis even within the cool-down (shutdown's last
        writes, bounded by their own deadline)."""
        self._hung_until = 0.0

    def _timed_out(self) -> None:
        self._hung_until = self._clock() + COOLDOWN_SECONDS
        if not self._warned:  # once per outage; _answered() re-arms it
            self._warned = True
            log.warning(
                "Redis did not answer within %.1fs: commands fail at once for the next %.1fs,"
                " then one is tried again",
                self.bound, COOLDOWN_SECONDS,
            )  # fmt: skip

    def _answered(self) -> None:
        if self._warned:
            self._warned = False
            log.info("Redis answers again")

    def pubsub_client(self) -> Any:
        """A client of its own for one subscription: no socket timeout (a subscription waits
        for messages; the feed pings it with a deadline instead) and no retry inside redis-py
        (a dropped subscription must surface, so that what was missed is resynced)."""
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        return aioredis.from_url(
            self.url, socket_connect_timeout=self.connect_timeout, retry=Retry(NoBackoff(), 0)
        )

    async def close(self) -> None:
        await close_client(self.client)


class _Deadline:
    __slots__ = ("_link", "_timeout")

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._timeout: asyncio.Timeout | None = None

    async def __aenter__(self) -> None:
        link = self._link
        if link.hung:
            raise link._timeout_error("Redis did not answer a moment ago; not waiting again yet")
        self._timeout = asyncio.timeout(link.bound)
        await self._timeout.__aenter__()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        assert self._timeout is not None
        link = self._link
        try:
            await self._timeout.__aexit__(kind, exc, tb)
        except TimeoutError as e:  # the hard deadline
            link._timed_out()
            raise link._timeout_error(f"Redis did not answer within {link.bound:.1f}s") from e
        if exc is None:
            link._answered()
        elif isinstance(exc, link._timeout_error):  # redis-py's own socket timeout
            link._timed_out()
        return False


async def close_client(client: Any) -> None:
    """aclose() a redis-py client or pubsub within CLOSE_TIMEOUT; errors and a Redis that does
    not answer are ignored (the connection is dropped either way). Also called from a task
    being cancelled: the deadline still holds."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await client.aclose()


def open_link(cfg: RedisConfig) -> RedisLink | None:
    """The process's link when redis.url is set, else None."""
    if not cfg.url:
        return None
    try:
        return RedisLink(cfg)
    except ImportError as e:
        from clawrouter.config import ConfigError

        raise ConfigError(
            "redis.url is set but the redis package is missing: pip install 'clawrouter[redis]'"
        ) from e
