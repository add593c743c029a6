"""BackgroundRun: owns at most one long background job at a time (the "test every channel"
run started from the API), so it can be refused while running and cancelled on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundRun:
    def __init__(self, name: str) -> None:
        self.name = name
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, coro: Coroutine[Any, Any, Any]) -> bool:
        """Start `coro` unless a run is already going (then it is closed, unstarted)."""
        if self.running:
            coro.close()
            return False
        self._task = asyncio.get_running_loop().create_task(coro, name=self.name)
        self._task.add_done_callback(self._done)
        return True

    def _done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", self.name, exc_info=task.exception())

    async def wait(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)

    async def shutdown(self, _app: object = None) -> None:
        """Cancel a run in progress and wait for it to stop (an on_shutdown handler)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
