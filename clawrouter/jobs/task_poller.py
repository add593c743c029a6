"""The video task poller: a background job (started and stopped by app.py's cleanup context)
that asks each unfinished task's upstream how it is doing, stores the answer, and refunds a task
that failed or outlived relay.task_timeout_minutes.

Everything it needs is in the tasks table, so a restart loses nothing: the new process polls
every unfinished task at once, then each on its own backoff (relay.task_poll_interval_seconds,
doubled after every poll that did not finish it, up to relay.task_poll_max_interval_seconds).
A task moves to SUCCESS or FAILURE exactly once (the update is conditional), so a refund is
never paid twice, even with two gateways polling the same store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from clawrouter.config import RelayConfig
from clawrouter.db.repo import tasks as tasks_repo
from clawrouter.keys import CONFIG, HTTP, RELAY, WORKER
from clawrouter.relay import upstream
from clawrouter.relay.attempt import channel_view
from clawrouter.relay.providers import video
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.state import RelayState
from clawrouter.relay.video.tasks import loads, refund_task
from clawrouter.wire.status import FINISHED_TASKS, TaskStatus

log = logging.getLogger(__name__)
BATCH = 200  # unfinished tasks read per round
CONCURRENCY = 8  # polls in flight at once
POLL_TIMEOUT_SECONDS = 60.0  # one poll, whole answer
MIN_ROUND_SECONDS = 0.01  # a 0 interval must not spin
PLATFORMS = [str(t) for t in video.VIDEO_ADAPTERS]


class TaskPoller:
    def __init__(self, state: RelayState, http: aiohttp.ClientSession, cfg: RelayConfig) -> None:
        self.state, self.http, self.cfg = state, http, cfg
        self._due: dict[int, tuple[float, float]] = {}  # task row id -> (next poll, delay)
        self._limits = aiohttp.ClientTimeout(
            total=min(cfg.first_byte_timeout_seconds, POLL_TIMEOUT_SECONDS),
            sock_connect=cfg.connect_timeout_seconds,
        )

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("task poll round failed")
            await asyncio.sleep(max(self.cfg.task_poll_interval_seconds, MIN_ROUND_SECONDS))

    async def tick(self) -> None:
        state = self.state
        rows = await tasks_repo.list_unfinished_tasks(state.db, PLATFORMS, BATCH)
        now = state.clock()
        timeout = self.cfg.task_timeout_minutes * 60
        alive, due = set(), []
        for row in rows:
            if timeout > 0 and now - row["submit_time"] >= timeout:
                minutes = f"{self.cfg.task_timeout_minutes:g}"
                await self._finish_failed(row, f"task timed out after {minutes} minutes")
                continue
            alive.add(row["id"])
            if now >= self._due.get(row["id"], (0.0, 0.0))[0]:
                due.append(row)
        gate = asyncio.Semaphore(CONCURRENCY)
        await asyncio.gather(*(self._poll_once(row, gate) for row in due))
        for row_id in set(self._due) - alive:
            del self._due[row_id]

    async def _poll_once(self, row: dict[str, Any], gate: asyncio.Semaphore) -> None:
        """Poll one task (a few at a time), then schedule its next poll: the wait doubles after
        every poll that did not finish it, up to the configured maximum."""
        delay = self._due.get(row["id"], (0.0, self.cfg.task_poll_interval_seconds))[1]
        async with gate:
            try:
                await self._poll(row)
            except UpstreamError as e:
                log.info("polling task %s failed: %s", row["task_id"], e)
            except (aiohttp.ClientError, TimeoutError) as e:
                log.info("polling task %s failed: %s", row["task_id"], type(e).__name__)
            except Exception:
                log.exception("polling task %s failed", row["task_id"])
        longer = min(delay * 2, self.cfg.task_poll_max_interval_seconds)
        self._due[row["id"]] = (self.state.clock() + delay, longer)

    async def _poll(self, row: dict[str, Any]) -> None:
        ch = self.state.channels.get(row["channel_id"])
        adapter = video.video_adapter_for(ch.type) if ch is not None else None
        if ch is None or adapter is None:
            return  # the channel is gone: the timeout will refund the task
        private = loads(row["private_data"])
        index = int(private.get("key_index") or 0)
        key = ch.keys[index] if 0 <= index < len(ch.keys) else ch.keys[0]
        call = adapter.fetch_call(str(private.get("upstream_task_id") or ""), channel_view(ch, key))
        resp = await upstream.send(self.http, call, self._limits)
        if resp.status != 200:
            raise await upstream.read_error(resp, adapter)
        poll = adapter.parse_poll(resp.status, await upstream.read_body(resp))
        now = int(self.state.clock())
        fields: dict[str, Any] = {"updated_at": now, "data": orjson.dumps(poll.data).decode()}
        if poll.status != TaskStatus.UNKNOWN:
            fields["status"] = poll.status
        if poll.progress:
            fields["progress"] = poll.progress
        if poll.status == TaskStatus.IN_PROGRESS and not row["start_time"]:
            fields["start_time"] = now
        if poll.status in FINISHED_TASKS:
            fields.update(finish_time=now, fail_reason=poll.fail_reason)
            fields.setdefault("start_time", row["start_time"] or now)
        changed = await tasks_repo.update_unfinished_task(self.state.db, row["id"], fields)
        if changed and poll.status == TaskStatus.FAILURE:
            await refund_task(self.state, row, poll.fail_reason)

    async def _finish_failed(self, row: dict[str, Any], reason: str) -> None:
        now = int(self.state.clock())
        fields = {
            "updated_at": now, "status": TaskStatus.FAILURE, "fail_reason": reason,
            "finish_time": now, "progress": "100%",
        }  # fmt: skip
        if await tasks_repo.update_unfinished_task(self.state.db, row["id"], fields):
            log.info("task %s: %s; refunding %s", row["task_id"], reason, row["quota"])
            await refund_task(self.state, row, reason)


async def task_poller(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: poll while the app runs (after the relay's state and HTTP session).
    With --workers N, only the leader (worker 0) polls: one poll per task, not N."""
    if not app[WORKER].leader:
        yield
        return
    poller = TaskPoller(app[RELAY], app[HTTP], app[CONFIG].relay)
    task = asyncio.create_task(poller.run(), name="task-poller")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
