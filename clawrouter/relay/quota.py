"""Quota for one relay request, in memory: pre-consume (with the trust bypass), settle, refund.
Every change is mirrored to the write-behind writer; nothing here waits on the database."""

from __future__ import annotations

from clawrouter.errors import ForbiddenError
from clawrouter.relay.entries import TokenEntry, UserEntry
from clawrouter.relay.state import RelayState


def _usd(quota: int, qpu: float) -> str:
    return f"${quota / qpu:.6f}".rstrip("0").rstrip(".")


class Charge:
    """Reserve before the call; then exactly one of settle() or refund()."""

    def __init__(self, state: RelayState, token: TokenEntry, user: UserEntry) -> None:
        self.state, self.token, self.user = state, token, user
        self.reserved = 0
        self.settled = 0  # quota charged by settle() (the metrics count it)
        self.done = False

    def reserve(self, amount: int) -> None:
        """Raises 403 when the key or the wallet cannot cover `amount` (0 for trusted callers:
        the pipeline applies the trust bypass before estimating anything)."""
        token, user = self.token, self.user
        qpu = self.state.options["QuotaPerUnit"]
        if user.quota <= 0:
            raise ForbiddenError(
                f"insufficient user quota, remaining {_usd(user.quota, qpu)}",
                code="insufficient_user_quota",
                type="insufficient_quota",
            )
        if amount and not token.unlimited and token.remain_quota < amount:
            raise ForbiddenError(
                f"API key quota is not enough: remaining {_usd(token.remain_quota, qpu)},"
                f" needed {_usd(amount, qpu)}",
                code="pre_consume_token_quota_failed",
                type="insufficient_quota",
            )
        if amount and user.quota < amount:
            raise ForbiddenError(
                f"insufficient user quota: remaining {_usd(user.quota, qpu)},"
                f" needed {_usd(amount, qpu)}",
                code="insufficient_user_quota",
                type="insufficient_quota",
            )
        self._move(-amount)
        self.reserved = amount

    def _move(self, delta: int) -> None:
        """Add delta to the key's remaining quota and the wallet (negative = spend)."""
        if delta == 0:
            return
        self.token.remain_quota += delta
        self.user.quota += delta
        if self.token.id:  # 0: the playground's temporary key, never stored
            self.state.writer.token(self.token.id, remain=delta)
        self.state.writer.user(self.user.id, quota=delta)

    def settle(self, quota: int, channel_id: int, now: int) -> None:
        if self.done:
            return
        self.done = True
        self.settled = quota
        self._move(self.reserved - quota)
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

    def refund(self) -> None:
        if self.done:
            return
        self.done = True
        self._move(self.reserved)
        self.reserved = 0
