"""When a relay charge settles, is the wallet now below the user's warning threshold? Called
from relay.quota.Charge.settle on every charge, so it only compares numbers in memory: no
store, no await. A notice is handed to `sink` (the app's notifier, which sends it in the
background) once per crossing: the user is re-armed when their wallet is seen at or above the
threshold again (a later settle, or the relay state loading the user after a top-up). On top,
the reference's limit: at most LIMIT notices per user per WINDOW seconds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from clawrouter.notify.settings import NotifySettings

log = logging.getLogger(__name__)

LIMIT = 2  # the reference's NOTIFY_LIMIT_COUNT
WINDOW = 600.0  # the reference's NOTIFICATION_LIMIT_DURATION_MINUTE (10) in seconds
_PRUNE_AT = 4096  # rate-limit windows kept before the expired ones are dropped


@dataclass(frozen=True, slots=True)
class Notice:
    user_id: int
    username: str
    account_email: str
    settings: NotifySettings
    remaining: int  # the wallet after the charge that crossed
    threshold: int


class Watched(Protocol):
    """What the watch reads from a relay.entries.UserEntry (kept structural: no relay import)."""

    id: int
    username: str
    email: str
    quota: int
    notify: NotifySettings


class QuotaWatch:
    def __init__(self, options: Any, clock: Callable[[], float]) -> None:
        self.options, self.clock = options, clock
        self.sink: Callable[[Notice], None] | None = None  # set by the app (notify.notifier)
        self._warned: set[int] = set()  # users warned since their wallet was last above
        self._windows: dict[int, tuple[float, int]] = {}  # user -> (window start, notices)

    def threshold(self, user: Watched) -> int:
        return user.notify.threshold or int(self.options["QuotaRemindThreshold"])

    def settled(self, user: Watched, quota: int) -> None:
        """A charge of `quota` settled on `user` (user.quota is the wallet after it)."""
        if self.sink is None:
            return
        threshold = self.threshold(user)
        if user.quota >= threshold:
            self._warned.discard(user.id)
            return
        if quota <= 0 or user.id in self._warned:
            return
        self._warned.add(user.id)
        if not self._allowed(user.id):
            log.info("quota notice to user %d skipped: %d already sent recently", user.id, LIMIT)
            return
        notice = Notice(user.id, user.username, user.email, user.notify, user.quota, threshold)
        try:
            self.sink(notice)
        except Exception:  # never into the relay
            log.exception("quota notice to user %d could not be queued", user.id)

    def seen(self, user: Watched) -> None:
        """The relay state (re)loaded `user`: a wallet at or above the threshold re-arms."""
        if user.id in self._warned and user.quota >= self.threshold(user):
            self._warned.discard(user.id)

    def _allowed(self, user_id: int) -> bool:
        now = self.clock()
        start, count = self._windows.get(user_id, (now, 0))
        if now - start >= WINDOW:
            start, count = now, 0
        if count >= LIMIT:
            return False
        if len(self._windows) >= _PRUNE_AT:
            self._windows = {u: w for u, w in self._windows.items() if now - w[0] < WINDOW}
        self._windows[user_id] = (start, count + 1)
        return True
