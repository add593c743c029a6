"""The SQL-table change feed (clawrouter/changes/sql_feed.py) on a real store: SQLite files and,
when installed, a real PostgreSQL. Two feeds on one store stand for two processes: what one
publishes the other applies within a poll, in order, never its own; old rows are pruned; a feed
that could not read for long resyncs everything."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clawrouter.changes.change import Change, LocalFeed
from clawrouter.changes.open import open_feed
from clawrouter.changes.sql_feed import SqlFeed
from clawrouter.config import load
from clawrouter.db.repo import changes as changes_repo
from clawrouter.db.store import Store
from clawrouter.db.stores import open_stores

POLL = 0.05


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    overrides = {"server.data_dir": str(tmp_path / "data")}
    if request.param == "postgresql":
        overrides["database.url"] = request.getfixturevalue("postgres_url")
    main, logs, _ = await open_stores(load(env={}, overrides=overrides))
    try:
        yield main
    finally:
        await main.close()
        if logs is not main:
            await logs.close()


class Recorder:
    def __init__(self, feed: SqlFeed) -> None:
        self.seen: list[Change] = []
        feed.subscribe(self.record)

    async def record(self, change: Change) -> None:
        self.seen.append(change)

    async def wait(self, count: int, within: float = 2.0) -> float:
        start = time.monotonic()
        while len(self.seen) < count:
            assert time.monotonic() - start < within, f"{len(self.seen)} of {count} changes"
            await asyncio.sleep(0.01)
        return time.monotonic() - start


@pytest.fixture
async def feeds(store: Store) -> AsyncIterator[tuple[SqlFeed, SqlFeed]]:
    a, b = SqlFeed(store, poll_interval=POLL), SqlFeed(store, poll_interval=POLL)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_what_one_publishes_the_other_applies_and_not_itself(feeds):
    a, b = feeds
    seen_a, seen_b = Recorder(a), Recorder(b)
    await b.publish(Change("user", 9))
    assert seen_b.seen == [Change("user", 9)], "here=True: applied before it returns"
    await a.publish(Change("channel", [3, 4]))
    await a.publish(Change("option", ["ModelRatio"]), here=False)
    took = await seen_b.wait(3)
    assert took < 1.0
    # its own (here=True) at once, then a's two rows in commit order
    assert seen_b.seen == [
        Change("user", 9),
        Change("channel", [3, 4]),
        Change("option", ["ModelRatio"]),
    ]
    await seen_a.wait(2)  # its own channel change; b's row, whenever a's poll came to it
    assert sorted(seen_a.seen, key=repr) == [Change("channel", [3, 4]), Change("user", 9)]
    await asyncio.sleep(3 * POLL)
    assert len(seen_a.seen) == 2 and len(seen_b.seen) == 3, "nothing applied twice"


async def test_order_is_kept_over_many_rows_and_concurrent_publishers(store: Store):
    a, b, c = (SqlFeed(store, poll_interval=POLL) for _ in range(3))
    for f in (a, b, c):
        await f.start()
    try:
        seen = Recorder(c)
        await asyncio.gather(
            *(a.publish(Change("token", i), here=False) for i in range(0, 700)),
            *(b.publish(Change("user", i), here=False) for i in range(0, 700)),
        )
        await seen.wait(1400, within=10.0)
        tokens = [ch.ids[0] for ch in seen.seen if ch.kind == "token"]
        users = [ch.ids[0] for ch in seen.seen if ch.kind == "user"]
        assert sorted(tokens) == list(range(700)) and sorted(users) == list(range(700))
        ids = [r["id"] for r in await changes_repo.list_changes_after(store, 0, 5000)]
        assert ids == sorted(ids) and len(ids) == 1400 and c.last_id == ids[-1]
    finally:
        for f in (a, b, c):
            await f.close()


async def test_a_feed_starts_after_the_newest_row(store: Store):
    a = SqlFeed(store, poll_interval=POLL)
    await a.start()
    await a.publish(Change("user", 1), here=False)
    late = SqlFeed(store, poll_interval=POLL)
    await late.start()
    try:
        seen = Recorder(late)
        await a.publish(Change("user", 2), here=False)
        await seen.wait(1)
        await asyncio.sleep(3 * POLL)
        assert seen.seen == [Change("user", 2)], "what came before its start is in its load"
    finally:
        await a.close()
        await late.close()


async def test_old_rows_are_pruned(store: Store):
    now = [1_000_000.0]
    a = SqlFeed(store, poll_interval=POLL, keep=60, clock=lambda: now[0])
    await a.start()
    try:
        await a.publish(Change("user", 1), here=False)
        now[0] += 61
        await a.publish(Change("user", 2), here=False)
        assert await changes_repo.delete_changes_before(store, int(now[0]) - 60) == 1
        rows = await changes_repo.list_changes_after(store, 0, 10)
        assert [r["ids"] for r in rows] == ["[2]"]
    finally:
        await a.close()


async def test_bad_rows_are_dropped_and_the_feed_goes_on(feeds, store: Store):
    a, b = feeds
    seen = Recorder(b)
    await changes_repo.insert_change(store, "elsewhere", "nope", "[]", int(time.time()))
    await changes_repo.insert_change(store, "elsewhere", "user", "not json", int(time.time()))
    await a.publish(Change("token", 5), here=False)
    await seen.wait(1)
    assert seen.seen == [Change("token", 5)]


async def test_after_a_long_outage_everything_is_resynced(feeds, monkeypatch):
    a, b = feeds
    seen = Recorder(b)
    real = changes_repo.list_changes_after
    down = [True]

    async def flaky(db, after, limit):
        if down[0]:
            raise OSError("the store went away")
        return await real(db, after, limit)

    monkeypatch.setattr(changes_repo, "list_changes_after", flaky)
    b.keep = 0.2  # an outage longer than half of it may have lost pruned rows
    await asyncio.sleep(0.3)
    down[0] = False
    await seen.wait(1)
    assert seen.seen[0] == Change("all")


def test_open_feed_picks_the_table_for_workers_or_when_asked(tmp_path: Path):
    base = {"server.data_dir": str(tmp_path)}
    store: Store = object()  # type: ignore[assignment]
    assert isinstance(open_feed(load(env={}, overrides=base), store), LocalFeed)
    two = load(env={}, overrides={**base, "server.workers": 2})
    assert two.worker_count == 2 and isinstance(open_feed(two, store), SqlFeed)
    asked = load(env={"CLAWROUTER_CHANGES_FEED": "sql"}, overrides=base)
    assert isinstance(open_feed(asked, store), SqlFeed)
    auto = load(env={"CLAWROUTER_SERVER_WORKERS": "auto"}, overrides=base)
    assert auto.server.workers == 0 and auto.worker_count >= 1
