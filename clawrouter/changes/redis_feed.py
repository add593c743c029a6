"""RedisFeed: the change feed shared by many processes and machines over Redis pub/sub.

publish() applies a change to this process's subscribers first (awaited, as LocalFeed does), then
PUBLISHes it on one Redis channel; a listener task applies what the other processes publish.
Pub/sub keeps nothing: while the subscription is down, changes are missed, so after every
(re)subscription the listener applies Change("all") (a full resync). A subscription that hears
nothing for PING_EVERY seconds is pinged; no answer within the link's bound (a hung Redis: the
connection stays open, nothing comes) counts as lost, like a dropped one: logged once, then
subscribed again with backoff and resynced. A publish Redis refuses, or does not answer within
the link's bound, is logged and not retried: the periodic resync (relay.sync_interval_seconds)
is the safety net. close() is bounded whatever Redis does (gone, restarting, or paused and never
answering): every wait on a connection at shutdown has a deadline (CLOSE_TIMEOUT).
`redis` (redis-py's asyncio client) is imported here only, when redis.url is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from redis.exceptions import RedisError

from clawrouter.changes.change import Change, ChangeError, Subscriber
from clawrouter.redis_link import CLOSE_TIMEOUT, RedisLink, close_client

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)  # between attempts to subscribe again
PING_EVERY = 2.0  # seconds of silence on the subscription before it is pinged
__all__ = ["CLOSE_TIMEOUT", "PING_EVERY", "RETRY_DELAYS", "RedisFeed"]


class Hung(Exception):
    """The subscription's connection is open but Redis answers nothing (paused, or packets
    dropped on the way)."""


class RedisFeed:
    def __init__(self, link: RedisLink, channel: str) -> None:
        self.link, self.url, self.channel = link, link.url, channel
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
            async with self.link.deadline():
                await self._publisher.publish(self.channel, change.encode(self.origin))
        except (RedisError, OSError) as e:
            log.warning(
                "change feed: could not publish %s %s to Redis (%s); other processes see it at"
                " their next periodic resync",
                change.kind, list(change.ids)[:20], e,
            )  # fmt: skip

    async def start(self) -> None:
        """Connect and subscribe; returns once the subscription is live (or, when Redis cannot
        be reached, after one failed attempt: the listener keeps trying in the background)."""
        self._publisher = self.link.client  # the link's: closed by its owner (app.py)
        live = await self._try_subscribe(quiet=False)
        self._listener = asyncio.create_task(self._listen(live), name="change-feed")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._publisher = None

    # ---- the listener ------------------------------------------------------------------------
    async def _try_subscribe(self, quiet: bool) -> tuple[Any, Any] | None:
        """A live subscription (confirmed by the server) and its client, or None when Redis
        cannot be reached or does not answer within the link's bound (`quiet`: a retry, the
        failure was logged already)."""
        client = self.link.pubsub_client()
        pubsub = client.pubsub()
        try:
            async with asyncio.timeout(self.link.bound):
                await pubsub.subscribe(self.channel)
                while True:  # the server confirms before anything published later reaches us
                    msg = await pubsub.get_message(timeout=self.link.bound)
                    if msg is not None and msg["type"] == "subscribe":
                        break
        except (RedisError, OSError, TimeoutError) as e:
            why = str(e) or "no answer in time"
            (log.debug if quiet else log.error)(
                "change feed: cannot subscribe to Redis at %s: %s", _where(self.url), why
            )
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
                live = await self._try_subscribe(quiet=True)
                if live is None:
                    continue
                log.info("change feed: subscribed to Redis again; resyncing everything")
                await self._deliver(Change("all"))
            attempt = 0
            pubsub, client = live
            try:
                await self._pump(pubsub)
            except (RedisError, OSError, Hung) as e:
                log.warning(
                    "change feed: Redis subscription lost (%s); reconnecting, then resyncing",
                    str(e) or type(e).__name__,
                )
            finally:
                self.subscribed.clear()
                await _close(pubsub, client)
            live = None

    async def _pump(self, pubsub: Any) -> None:
        """Apply what arrives; ping after PING_EVERY of silence and raise Hung when the answer
        (or anything else) does not come within the link's bound."""
        bound = self.link.bound
        heard = time.monotonic()
        pinged: float | None = None
        while True:
            wait = PING_EVERY if pinged is None else max(0.0, pinged + bound - time.monotonic())
            msg = await pubsub.get_message(timeout=wait)
            now = time.monotonic()
            if msg is not None:
                heard, pinged = now, None
                if msg.get("type") == "message":
                    await self._received(msg["data"])
            elif pinged is not None and now - pinged >= bound:
                raise Hung(f"no answer to a ping within {bound:.1f}s")
            elif pinged is None and now - heard >= PING_EVERY:
                async with asyncio.timeout(bound):  # writing to a hung peer can block too
                    await pubsub.ping()
                pinged = now

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
    await close_client(pubsub)
    await close_client(client)


def _where(url: str) -> str:
    """host:port of a Redis URL, without its credentials (for log lines)."""
    rest = url.partition("://")[2] or url
    return rest.rpartition("@")[2].partition("/")[0] or url.partition("://")[0]
