"""SqlFeed: the change feed shared by the processes of one store through a table (`changes`),
with no other service: the workers of `--workers N` on SQLite, or several gateways on one
PostgreSQL without Redis (changes.feed = "sql").

publish() applies a change to this process's subscribers first (awaited, as LocalFeed does), then
appends a row. A poller reads the rows after the last id it saw every `poll_interval` seconds,
skips its own (origin) and applies the rest; now and then it deletes rows older than `keep`
seconds. Ids follow commit order (db/repo/changes.py), so "after the last id" misses nothing.
A poller that could not read for longer than `keep` (rows it never saw may be gone) applies
Change("all"), a full resync; a publish the store refuses is logged: the periodic resync
(relay.sync_interval_seconds) is the safety net, as with Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable

import orjson

from clawrouter.changes.change import Change, ChangeError, Subscriber
from clawrouter.db.repo import changes as changes_repo
from clawrouter.db.store import Store

log = logging.getLogger(__name__)
BATCH = 500  # rows read per query; a longer backlog is read in several
PRUNE_EVERY = 60.0  # seconds between deletes of old rows (by every process: idempotent)


class SqlFeed:
    def __init__(
        self,
        db: Store,
        *,
        poll_interval: float = 0.25,
        keep: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self.keep = keep
        self.clock = clock
        self.origin = uuid.uuid4().hex  # this process: its own rows are skipped
        self.last_id = 0
        self._subscribers: list[Subscriber] = []
        self._poller: asyncio.Task[None] | None = None
        self._closed = True
        self._pruned_at = 0.0

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, change: Change, *, here: bool = True) -> None:
        if here:
            for subscriber in self._subscribers:
                await subscriber(change)
        if self._closed:  # shutting down: the others' resync covers the rest
            return
        ids = orjson.dumps(list(change.ids)).decode()
        try:
            await changes_repo.insert_change(self.db, self.origin, change.kind, ids, self._now())
        except Exception as e:  # the store's or the driver's: the write itself has committed
            log.warning(
                "change feed: could not store %s %s (%s); other processes see it at their"
                " next periodic resync",
                change.kind, list(change.ids)[:20], e,
            )  # fmt: skip

    async def start(self) -> None:
        """Begin after the newest row: this process has just loaded everything."""
        self.last_id = await changes_repo.last_change_id(self.db)
        self._closed = False
        self._poller = asyncio.create_task(self._poll_loop(), name="change-feed")

    async def close(self) -> None:
        self._closed = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    # ---- the poller --------------------------------------------------------------------------
    def _now(self) -> int:
        return int(self.clock())

    async def _poll_loop(self) -> None:
        read_at = time.monotonic()
        failing = False
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.poll()
            except Exception as e:
                if not failing:
                    log.warning("change feed: cannot read the changes table (%s)", e)
                failing = True
                continue
            if failing:
                failing = False
                if time.monotonic() - read_at > self.keep / 2:  # rows may have been pruned
                    log.info("change feed: reading again after an outage; resyncing everything")
                    await self._deliver(Change("all"))
            read_at = time.monotonic()
            await self._maybe_prune()

    async def poll(self) -> int:
        """Apply every other process's change committed since the last poll; returns how many."""
        applied = 0
        while True:
            rows = await changes_repo.list_changes_after(self.db, self.last_id, BATCH)
            for row in rows:
                self.last_id = int(row["id"])
                if row["origin"] == self.origin:
                    continue
                try:
                    change = Change(row["kind"], orjson.loads(row["ids"]))
                except (ChangeError, orjson.JSONDecodeError, TypeError) as e:
                    log.warning("change feed: dropped row %s: %s", row["id"], e)
                    continue
                await self._deliver(change)
                applied += 1
            if len(rows) < BATCH:
                return applied

    async def _maybe_prune(self) -> None:
        now = time.monotonic()
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            await changes_repo.delete_changes_before(self.db, self._now() - int(self.keep))
        except Exception as e:
            log.warning("change feed: could not prune old rows (%s)", e)

    async def _deliver(self, change: Change) -> None:
        for subscriber in self._subscribers:
            try:
                await subscriber(change)
            except Exception:
                log.exception("change feed: applying %s %s failed", change.kind, change.ids)
