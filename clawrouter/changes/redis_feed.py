"""RedisFeed: the change feed shared by many processes and machines over Redis pub/sub.

publish() applies a change to this process's subscribers first (awaited, as LocalFeed does), then
PUBLISHes it on one Redis channel; a listener task applies what the other processes publish.
Pub/sub keeps nothing: while the subscription is down, changes are missed, so after every
(re)subscription the listener applies Change("all") (a full resync). A publish Redis refuses is
logged and not retried: the periodic resync (relay.sync_interval_seconds) is the safety net.
close() is bounded whatever Redis does (gone, restarting, or paused and never answering): every
wait on a connection at shutdown has a deadline (CLOSE_TIMEOUT).
`redis` (redis-py's asyncio client) is imported here only, when redis.url is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from clawrouter.changes.change import Change, ChangeError, Subscriber

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT = 2.0  # seconds; a publish that takes longer is given up (and logged)
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)  # between attempts to subscribe again
CLOSE_TIMEOUT = 1.0  # seconds; closing one client at shutdown waits no longer than this


class RedisFeed:
    def __init__(self, url: str, channel: str) -> None:
        self.url, self.channel = url, channel
        self.origin = uuid.uuid4().hex  # this process: its own messages come back and are skipped
        self._subscribers: list[Subscriber] = []
        self._publisher: Any = None
        self._listener: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()  # set while the subscription is live

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, change: Change, *, here: bool = True) -> None:
        if here:
            for subscriber in self._subscribers:
                await subscriber(change)
        if self._publisher is None:  # closed (shutting down): the resync covers the rest
            return
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await self._publisher.publish(self.channel, change.encode(self.origin))
        except (RedisError, OSError, TimeoutError) as e:
            log.warning(
                "change feed: could not publish %s %s to Redis (%s); other processes see it at"
                " their next periodic resync",
                change.kind, list(change.ids)[:20], e,
            )  # fmt: skip

    async def start(self) -> None:
        """Connect and subscribe; returns once the subscription is live (or, when Redis cannot
        be reached, after one failed attempt: the listener keeps trying in the background)."""
        self._publisher = aioredis.from_url(self.url, socket_connect_timeout=5)
        live = await self._try_subscribe()
        self._listener = asyncio.create_task(self._listen(live), name="change-feed")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._publisher is not None:
            publisher, self._publisher = self._publisher, None
            await _close_client(publisher)

    # ---- the listener ------------------------------------------------------------------------
    async def _try_subscribe(self) -> tuple[Any, Any] | None:
        """A live subscription (confirmed by the server) and its client, or None when Redis
        cannot be reached."""
        # No retry inside redis-py: a dropped subscription must surface here, so that what was
        # missed while it was down is made good by a full resync.
        client = aioredis.from_url(
            self.url,
            socket_connect_timeout=5,
            health_check_interval=15,
            retry=Retry(NoBackoff(), 0),
        )
        pubsub = client.pubsub()
        try:
            async with asyncio.timeout(10):
                await pubsub.subscribe(self.channel)
                while True:  # the server confirms before anything published later reaches us
                    msg = await pubsub.get_message(timeout=1.0)
                    if msg is not None and msg["type"] == "subscribe":
                        break
        except (RedisError, OSError, TimeoutError) as e:
            log.error("change feed: cannot subscribe to Redis at %s: %s", _where(self.url), e)
            await _close(pubsub, client)
            return None
        except BaseException:  # cancelled (shutting down): nothing is left open behind
            await _close(pubsub, client)
            raise
        self.subscribed.set()
        return pubsub, client

    async def _listen(self, live: tuple[Any, Any] | None) -> None:
        attempt = 0
        while True:
            if live is None:
                await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                attempt += 1
                live = await self._try_subscribe()
                if live is None:
                    continue
                log.info("change feed: subscribed to Redis again; resyncing everything")
                await self._deliver(Change("all"))
            attempt = 0
            pubsub, client = live
            try:
                async for msg in pubsub.listen():
                    if msg.get("type") == "message":
                        await self._received(msg["data"])
                raise ConnectionError("subscription ended")
            except (RedisError, OSError) as e:
                log.warning("change feed: Redis subscription lost (%s); reconnecting", e)
            finally:
                self.subscribed.clear()
                await _close(pubsub, client)
            live = None

    async def _received(self, data: bytes) -> None:
        try:
            origin, change = Change.decode(data)
        except ChangeError as e:
            log.warning("change feed: dropped a message: %s", e)
            return
        if origin != self.origin:
            await self._deliver(change)

    async def _deliver(self, change: Change) -> None:
        for subscriber in self._subscribers:
            try:
                await subscriber(change)
            except Exception:
                log.exception("change feed: applying %s %s failed", change.kind, change.ids)


async def _close(pubsub: Any, client: Any) -> None:
    await _close_client(pubsub)
    await _close_client(client)


async def _close_client(client: Any) -> None:
    """aclose() a redis-py client or pubsub within CLOSE_TIMEOUT; errors and a Redis that does
    not answer are ignored (the connection is dropped either way). Also called from a task
    being cancelled: the deadline still holds."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await client.aclose()


def _where(url: str) -> str:
    """host:port of a Redis URL, without its credentials (for log lines)."""
    rest = url.partition("://")[2] or url
    return rest.rpartition("@")[2].partition("/")[0] or url.partition("://")[0]
