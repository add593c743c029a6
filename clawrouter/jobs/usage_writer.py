"""Write-behind for the relay: balance deltas, log rows and hourly aggregates are collected in
memory and written in batches by one task, so no request waits on a database write. Flushed on
a short timer, when the backlog grows, and on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from clawrouter.db.repo import usage as usage_repo
from clawrouter.db.store import Store

log = logging.getLogger(__name__)


class UsageWriter:
    def __init__(
        self, main: Store, logs: Store, *, interval: float = 1.0, max_rows: int = 100_000
    ) -> None:
        self._main, self._logs = main, logs
        self.interval = interval
        self.max_rows = max_rows
        self.lock = asyncio.Lock()  # held while a flush commits; reloads take it too
        self._users: dict[int, list[int]] = {}  # id -> [quota, used_quota, request_count]
        self._tokens: dict[int, list[int]] = {}  # id -> [remain_quota, used_quota, accessed]
        self._channels: dict[int, int] = {}
        self._token_status: dict[int, int] = {}
        self._logs_rows: list[tuple] = []
        self._quota_data: dict[tuple[int, str, str, int], list[int]] = {}
        self._tasks: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        self.dropped = 0
        self.beat = time.monotonic()  # the run loop's last turn (readiness checks it)
        self.on_flush: Callable[[float, bool], None] | None = None  # (seconds, ok): metrics
        # (user ids, token ids) whose balances a flush wrote: with --workers N and no shared
        # ledger, the other processes re-read them (app.py); called outside the lock
        self.on_balances: Callable[[list[int], list[int]], Awaitable[None]] | None = None

    # ---- recording (synchronous, called on the hot path) -------------------------------------
    def user(self, uid: int, quota: int = 0, used: int = 0, count: int = 0) -> None:
        d = self._users.setdefault(uid, [0, 0, 0])
        d[0] += quota
        d[1] += used
        d[2] += count

    def token(self, tid: int, remain: int = 0, used: int = 0, accessed: int = 0) -> None:
        d = self._tokens.setdefault(tid, [0, 0, 0])
        d[0] += remain
        d[1] += used
        d[2] = max(d[2], accessed)

    def channel(self, cid: int, used: int) -> None:
        self._channels[cid] = self._channels.get(cid, 0) + used

    def token_status(self, tid: int, status: int) -> None:
        self._token_status[tid] = status

    def log(self, row: tuple | None, aggregate: tuple[int, str, str, int, int, int] | None) -> None:
        """row in usage_repo.LOG_COLUMNS order (None: no row); aggregate (user_id, username,
        model, hour, quota, tokens) adds one request to the hourly quota_data bucket."""
        if row is None:
            pass
        elif len(self._logs_rows) >= self.max_rows:
            self.dropped += 1
            if self.dropped in (1, 100, 10_000) or self.dropped % 100_000 == 0:
                log.warning("log backlog full: %d log rows dropped so far", self.dropped)
        else:
            self._logs_rows.append(row)
            if len(self._logs_rows) >= 1000:
                self._wake.set()
        if aggregate is not None:
            uid, uname, model, hour, quota, tokens = aggregate
            d = self._quota_data.setdefault((uid, uname, model, hour), [0, 0, 0])
            d[0] += 1
            d[1] += quota
            d[2] += tokens

    def backlog(self) -> dict[str, int]:
        """What waits to be written, by kind (read by the metrics at scrape time)."""
        return {
            "log_rows": len(self._logs_rows),
            "balances": len(self._users) + len(self._tokens) + len(self._channels),
            "hourly_aggregates": len(self._quota_data),
            "background_writes": len(self._tasks),
        }

    def pending_user(self, uid: int) -> list[int]:
        return self._users.get(uid, [0, 0, 0])

    def pending_token(self, tid: int) -> list[int]:
        return self._tokens.get(tid, [0, 0, 0])

    def pending_channel(self, cid: int) -> int:
        return self._channels.get(cid, 0)

    # ---- one entity's deltas, for the ledger (called holding self.lock) ------------------------
    def take_token(self, tid: int) -> tuple[list[int] | None, int | None]:
        """Remove a key's unflushed deltas and status: the ledger writes them in its own
        transaction. give_back_token puts them back if that transaction fails."""
        return self._tokens.pop(tid, None), self._token_status.pop(tid, None)

    def give_back_token(self, tid: int, deltas: list[int] | None, status: int | None) -> None:
        if deltas is not None:
            self.token(tid, *deltas)
        if status is not None:
            self._token_status.setdefault(tid, status)  # a newer status recorded meanwhile wins

    def take_user(self, uid: int) -> list[int] | None:
        return self._users.pop(uid, None)

    def give_back_user(self, uid: int, deltas: list[int] | None) -> None:
        if deltas is not None:
            self.user(uid, *deltas)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a one-off write in the background; awaited before shutdown completes."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background write failed", exc_info=task.exception())

    # ---- flushing ----------------------------------------------------------------------------
    def _take(self) -> tuple:
        taken = (
            [(*v, k) for k, v in self._users.items()],
            [(*v, k) for k, v in self._tokens.items()],
            [(v, k) for k, v in self._channels.items()],
            [(v, k) for k, v in self._token_status.items()],
            self._logs_rows,
            [(*k, *v) for k, v in self._quota_data.items()],
        )
        self._users, self._tokens, self._channels, self._token_status = {}, {}, {}, {}
        self._logs_rows, self._quota_data = [], {}
        return taken

    async def flush(self) -> None:
        """Write everything pending. A flush that has begun runs to its end even when the
        caller is cancelled (shutdown), so a batch is never both written and given back."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        batch = asyncio.ensure_future(self._flush())
        try:
            await asyncio.shield(batch)
        except asyncio.CancelledError:
            await batch
            raise

    async def _flush(self) -> None:
        if self.on_flush is None:
            await self._write()
            return
        started = time.perf_counter()
        try:
            wrote = await self._write()
        except Exception:
            self.on_flush(time.perf_counter() - started, False)
            raise
        if wrote:  # an idle timer's empty flush is no write
            self.on_flush(time.perf_counter() - started, True)

    async def _write(self) -> bool:
        moved: tuple[list[int], list[int]] | None = None
        try:
            async with self.lock:
                users, tokens, channels, statuses, rows, quota_data = self._take()
                try:
                    if users or tokens or channels or statuses:
                        await usage_repo.apply_balances(
                            self._main, users, tokens, channels, statuses
                        )
                except Exception:  # rolled back: nothing was applied, keep all of it for later
                    self._give_back_balances(users, tokens, channels, statuses)
                    self._give_back_logs(rows, quota_data)
                    raise
                if self.on_balances is not None and (users or tokens or statuses):
                    tids = {t[-1] for t in tokens} | {t[-1] for t in statuses}
                    moved = ([u[-1] for u in users], sorted(tids))
                try:
                    if rows or quota_data:
                        await usage_repo.insert_logs(self._logs, rows, quota_data)
                except Exception:
                    self._give_back_logs(rows, quota_data)
                    raise
                return bool(users or tokens or channels or statuses or rows or quota_data)
        finally:
            if moved is not None and self.on_balances is not None:
                await self.on_balances(*moved)  # outside the lock: the feed may re-read

    def _give_back_balances(self, users, tokens, channels, statuses) -> None:
        """Deltas taken by a flush that failed go back under what was recorded since."""
        for quota, used, count, uid in users:
            self.user(uid, quota, used, count)
        for remain, used, accessed, tid in tokens:
            self.token(tid, remain, used, accessed)
        for used, cid in channels:
            self.channel(cid, used)
        for status, tid in statuses:
            self._token_status.setdefault(tid, status)  # a newer status wins

    def _give_back_logs(self, rows: list[tuple], quota_data: list[tuple]) -> None:
        self._logs_rows[:0] = rows
        for uid, uname, model, hour, count, quota, tokens in quota_data:
            d = self._quota_data.setdefault((uid, uname, model, hour), [0, 0, 0])
            d[0] += count
            d[1] += quota
            d[2] += tokens

    async def run(self) -> None:
        while True:
            self.beat = time.monotonic()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("usage flush failed; will retry")

    async def close(self) -> None:
        """Wait for background writes, then flush what is left."""
        await self.flush()
