"""QuotaWatch (notify/watch.py), the settle hook: one notice per crossing of the threshold,
re-armed when the wallet is seen at or above it again; the user's threshold or the
QuotaRemindThreshold option; free calls never notify; at most 2 notices per user per 10
minutes (the reference's limit); a failing sink never reaches the caller."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from clawrouter.notify.settings import NotifySettings
from clawrouter.notify.watch import LIMIT, WINDOW, Notice, QuotaWatch


@dataclass
class User:
    id: int = 7
    username: str = "u"
    email: str = "u@example.com"
    quota: int = 5000
    notify: NotifySettings = field(default_factory=NotifySettings)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sent() -> list[Notice]:
    return []


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watch(sent: list[Notice], clock: Clock) -> QuotaWatch:
    w = QuotaWatch({"QuotaRemindThreshold": 1000}, clock)
    w.sink = sent.append
    return w


def spend(watch: QuotaWatch, user: User, quota: int) -> None:
    user.quota -= quota
    watch.settled(user, quota)


def test_once_per_crossing_and_rearmed(watch: QuotaWatch, sent: list[Notice]):
    user = User(quota=1500)
    spend(watch, user, 400)  # 1100: above the global threshold
    assert sent == []
    spend(watch, user, 400)  # 700: crossed
    spend(watch, user, 400)  # 300: still below
    assert [(n.user_id, n.remaining, n.threshold) for n in sent] == [(7, 700, 1000)]
    assert sent[0].account_email == "u@example.com"
    user.quota = 2000  # a top-up, seen by the state's loader
    watch.seen(user)
    spend(watch, user, 1500)  # 500: crossed again
    assert [n.remaining for n in sent] == [700, 500]


def test_a_settle_above_rearms_and_the_users_threshold_wins(watch: QuotaWatch, sent):
    user = User(quota=10_000, notify=NotifySettings(kind="webhook", threshold=5000))
    spend(watch, user, 6000)  # 4000 < 5000 (the option's 1000 would not warn)
    user.quota = 9000
    spend(watch, user, 100)  # 8900: above again, re-armed
    spend(watch, user, 5000)  # 3900: crossed again
    assert [(n.remaining, n.threshold, n.settings.kind) for n in sent] == [
        (4000, 5000, "webhook"),
        (3900, 5000, "webhook"),
    ]


def test_free_calls_and_no_sink_send_nothing(watch: QuotaWatch, sent, clock):
    user = User(quota=500)
    watch.settled(user, 0)
    assert sent == []
    idle = QuotaWatch({"QuotaRemindThreshold": 1000}, clock)
    idle.settled(user, 100)  # no app notifier attached: nothing to do, nothing remembered
    idle.sink = sent.append
    idle.settled(user, 100)
    assert len(sent) == 1


def test_at_most_two_per_ten_minutes(watch: QuotaWatch, sent, clock: Clock):
    user = User(quota=2000)
    for _ in range(LIMIT + 1):
        spend(watch, user, 1500)  # crosses
        user.quota = 2000
        watch.seen(user)  # re-armed by a top-up
    assert len(sent) == LIMIT
    clock.now += WINDOW
    spend(watch, user, 1500)
    assert len(sent) == LIMIT + 1


def test_a_failing_sink_never_reaches_the_relay(clock: Clock):
    def broken(_notice: Notice) -> None:
        raise RuntimeError("queue gone")

    w = QuotaWatch({"QuotaRemindThreshold": 1000}, clock)
    w.sink = broken
    w.settled(User(quota=10), 100)  # logged, not raised


def test_settings_parse_defaults_and_bad_values():
    s = NotifySettings.parse(
        {"notify_type": "pager", "quota_warning_threshold": True, "gotify_priority": 42}
    )
    assert (s.kind, s.threshold, s.gotify_priority) == ("email", 0, 5)
    s = NotifySettings.parse(
        {"notify_type": "gotify", "quota_warning_threshold": 2500.7, "gotify_token": "t0k"}
    )
    assert (s.kind, s.threshold, s.gotify_token) == ("gotify", 2500, "t0k")
    assert "t0k" not in repr(s)
