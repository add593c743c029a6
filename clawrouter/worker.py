"""Worker: which of the `--workers N` processes this one is (index 0..count-1). Worker 0 is the
leader: it alone runs the background jobs that must run once per store (the task poller). A
leaf module: the supervisor (supervisor.py) makes them, app.py hangs one off the app."""

from __future__ import annotations

from dataclasses import dataclass

HEADER = "X-ClawRouter-Worker"  # on every answer when count > 1: the index of the worker


@dataclass(frozen=True, slots=True)
class Worker:
    index: int = 0
    count: int = 1

    @property
    def leader(self) -> bool:
        return self.index == 0
