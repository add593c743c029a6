"""Quota for one relay request: reserve before the call, then settle or refund — all through the
relay state's ledger (relay/ledger.py), which holds the balances (in memory, or in Redis when
shared). settle() and refund() never wait; reserve() waits only on a shared ledger."""

from __future__ import annotations

from clawrouter.relay.entries import TokenEntry, UserEntry
from clawrouter.relay.state import RelayState


class Charge:
    """Reserve before the call; then exactly one of settle() or refund()."""

    __slots__ = ("done", "reserved", "settled", "state", "token", "user")

    def __init__(self, state: RelayState, token: TokenEntry, user: UserEntry) -> None:
        self.state, self.token, self.user = state, token, user
        self.reserved = 0
        self.settled = 0  # quota charged by settle() (the metrics count it)
        self.done = False

    async def reserve(self, amount: int) -> None:
        """Raises 403 when the key or the wallet cannot cover `amount` (0 for trusted callers:
        the pipeline applies the trust bypass before estimating anything)."""
        await self.state.ledger.reserve(self.token, self.user, amount)
        self.reserved = amount

    def settle(self, quota: int, channel_id: int, now: int) -> None:
        if self.done:
            return
        self.done = True
        self.settled = quota
        self.state.ledger.move(self.token, self.user, self.reserved - quota)
        w = self.state.writer
        self.token.used_quota += quota
        self.user.used_quota += quota
        self.user.request_count += 1
        if self.token.id:
            w.token(self.token.id, used=quota, accessed=now)
        w.user(self.user.id, used=quota, count=1)
        channel = self.state.channels.get(channel_id)
        if channel is not None:
            channel.used_quota += quota
        if quota and channel_id:
            w.channel(channel_id, quota)
        self.state.quota_watch.settled(self.user, quota)  # notify/watch.py: no I/O, no await

    def refund(self) -> None:
        if self.done:
            return
        self.done = True
        self.state.ledger.move(self.token, self.user, self.reserved)
        self.reserved = 0
