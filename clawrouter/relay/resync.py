"""The relay state's full resync (every relay.sync_interval_seconds, and after a change-feed
re-subscription): the safety net behind the change feed, so it must neither stall the event
loop nor hold the usage writer's lock for long.

Rows are read in pages by id, without the writer's lock, yielding to the loop between pages.
Nothing is parsed: each row is compared with its entry by a fingerprint of its columns other
than the balances (entries.fingerprint, kept on the entry when it was parsed) and by the
balances themselves, which must equal the row's plus the writer's unflushed deltas (the
invariant relay/ledger.py keeps; memory and deltas move together, synchronously). A page is
checked in one synchronous step, so a flush committed while it was read shows as a difference,
never hides one. Only an entry that differs, is new, or is gone is re-read, alone, through the
state's exact per-entry loads under the writer's lock (a few hundred per lock hold). When no
channel differs the routing index is not rebuilt."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from clawrouter.db.repo import channels as channels_repo
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.relay.entries import (
    CHANNEL_VOLATILE,
    TOKEN_VOLATILE,
    USER_VOLATILE,
    fingerprint,
)

if TYPE_CHECKING:
    from clawrouter.relay.state import RelayState

PAGE = 5000  # rows per query
BATCH = 200  # entries re-read per hold of the writer's lock

Row = dict[str, Any]
Pager = Callable[[int, int], Awaitable[list[Row]]]


async def pages(page: Pager) -> AsyncIterator[list[Row]]:
    """Every row, PAGE at a time by id (the store's reader threads keep their last result:
    one page, not a whole table)."""
    after = 0
    while True:
        rows = await page(after, PAGE)
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = rows[-1]["id"]


def users_pager(db: Any) -> Pager:
    return lambda after, n: users_repo.page_live_users(db, after, n)


def tokens_pager(db: Any) -> Pager:
    return lambda after, n: tokens_repo.page_live_tokens(db, after, n)


def channels_pager(db: Any) -> Pager:
    return lambda after, n: channels_repo.channels_after(db, after, n)


async def _differing(
    page: Pager,
    entries: dict[int, Any],
    volatile: frozenset[str],
    same_balance: Callable[[Row, Any], bool],
) -> set[int]:
    """Ids whose entry differs from its row, has no row any more, or has no entry yet."""
    stale: set[int] = set()
    seen: set[int] = set()
    async for rows in pages(page):
        for r in rows:
            i = r["id"]
            seen.add(i)
            e = entries.get(i)
            if e is None or e.fp != fingerprint(r, volatile) or not same_balance(r, e):
                stale.add(i)
        await asyncio.sleep(0)
    stale.update(i for i in list(entries) if i not in seen)  # gone, or created meanwhile
    return stale


async def _reread(
    state: RelayState, ids: Iterable[int], load: Callable[[int], Awaitable[None]]
) -> None:
    todo = sorted(ids)
    for start in range(0, len(todo), BATCH):
        async with state.writer.lock:
            for i in todo[start : start + BATCH]:
                await load(i)


async def resync(state: RelayState) -> int:
    """Bring the state in step with the store; returns how many entries were re-read."""
    db, writer = state.db, state.writer

    def token_balance(r: Row, t: Any) -> bool:
        remain, used, _ = writer.pending_token(t.id)
        return t.remain_quota == r["remain_quota"] + remain and t.used_quota == (
            r["used_quota"] + used
        )

    def user_balance(r: Row, u: Any) -> bool:
        quota, used, count = writer.pending_user(u.id)
        return (
            u.quota == r["quota"] + quota
            and u.used_quota == r["used_quota"] + used
            and u.request_count == r["request_count"] + count
        )

    def channel_balance(r: Row, c: Any) -> bool:
        return c.used_quota == r["used_quota"] + writer.pending_channel(c.id)

    users = await _differing(users_pager(db), state.users, USER_VOLATILE, user_balance)
    await _reread(state, users, state.load_user)
    tokens = await _differing(tokens_pager(db), state.tokens_by_id, TOKEN_VOLATILE, token_balance)
    await _reread(state, tokens, state.load_token)
    channels = await _differing(
        channels_pager(db), state.channels, CHANNEL_VOLATILE, channel_balance
    )
    await _reread(state, channels, state.load_channel)
    if channels:
        state.rebuild_index()
    return len(users) + len(tokens) + len(channels)
