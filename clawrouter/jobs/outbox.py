"""Mails sent after the response has gone: a password-reset request answers at once and the
same way whether or not the address belongs to a user, so neither its answer nor its timing
tells who has an account; quota notices (clawrouter.notify) are sent the same way, off the
relay's path. The outbox owns those tasks (keys.OUTBOX); shutdown gives them a moment to finish,
then cancels them. Each kind of message has a lane with its own bound, so a flood of one kind
(notices to a slow webhook, say) never crowds out another (a user's password reset)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

MAX_PENDING = 100  # per lane: beyond this, new messages are dropped (and logged), not queued


class Outbox:
    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._lanes: dict[str, set[asyncio.Task[None]]] = {}
        self._max = max_pending

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def submit(self, job: Coroutine[Any, Any, None], what: str, lane: str = "mail") -> bool:
        """Run `job` in the background; its failure is logged as `what` failed. False (and
        `job` closed unrun) when `lane` already has its bound of messages waiting."""
        waiting = self._lanes.setdefault(lane, set())
        if len(waiting) >= self._max:
            job.close()
            log.warning("%s dropped: %d %s messages are already waiting", what, len(waiting), lane)
            return False
        task = asyncio.get_running_loop().create_task(self._run(job, what), name=what)
        self._tasks.add(task)
        waiting.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(waiting.discard)
        return True

    @staticmethod
    async def _run(job: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await job
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a mail that fails must not disappear silently
            log.warning("%s failed: %s", what, e)

    async def drain(self) -> None:
        """Wait for every pending mail (tests; shutdown uses close)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self, _app: object = None, grace: float = 5.0) -> None:
        """An on_shutdown handler: let pending mails finish for up to `grace` seconds."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task
