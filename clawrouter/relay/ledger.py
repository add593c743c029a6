"""Ledger: the one way a key's or a wallet's balance is set or credited from outside the relay
(the relay's own reserve/settle/refund are relay.quota.Charge). The repo refuses balance columns
in plain updates, so nothing writes a balance around it.

Balances live in the relay's memory; the charges not yet flushed wait in the usage writer as
deltas. An absolute value (a key's `remain_quota`, a wallet's quota) must not have those
deltas applied on top of it later, and must not lose the charges made while it is written. So,
holding the writer's lock (no flush runs meanwhile), the entity's waiting deltas are taken out of
the writer and applied to its row in the same transaction that then writes the new value: the
charges made before the set are overwritten by it, exactly as if they had been flushed first.
After the commit the entry is reloaded: the row plus what was charged while the transaction ran,
which the writer applies to the row later. Store and memory agree, and agree with the value set
minus what was charged after it. Credits and debits are deltas and commute with the waiting
ones; they take the same path so the entry is refreshed at once.

A credit that must happen once (a paid top-up order, a redeemed code) goes through credit(): the
caller's claim (a conditional UPDATE of the order's or code's status) and the wallet's credit
share one transaction, so no replay or race credits twice.

Issue #11 grows this into the interface every money movement goes through (the relay's charges
included) with a shared implementation for many processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import usage as usage_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Tx

if TYPE_CHECKING:
    from clawrouter.relay.state import RelayState

Claim = Callable[[Tx], Awaitable[int | None]]


class CreditRefused(Exception):
    """A claimed credit could not be applied (no such wallet, or not a positive amount); the
    claim was rolled back with it."""


class Ledger:
    """In-process ledger over the relay's memory and the write-behind writer."""

    def __init__(self, state: RelayState) -> None:
        self._state = state

    async def update_token(self, token_id: int, changes: dict[str, Any]) -> None:
        """Write a key's columns; `remain_quota` among them sets its balance exactly."""
        fields = dict(changes)
        remain = fields.pop("remain_quota", None)
        async with self._writing(token_id=token_id) as tx:
            await tokens_repo.update_token(tx, token_id, fields)
            if remain is not None:
                await tokens_repo.set_remain_quota(tx, token_id, remain)

    async def set_user_quota(self, user_id: int, quota: int) -> None:
        """Set a wallet's balance exactly."""
        async with self._writing(user_id=user_id) as tx:
            await users_repo.set_quota(tx, user_id, quota)

    async def add_user_quota(self, user_id: int, delta: int) -> None:
        """Credit (or, negative, debit) a wallet."""
        async with self._writing(user_id=user_id) as tx:
            await users_repo.change_quota(tx, user_id, delta)

    async def credit(self, user_id: int, claim: Claim) -> int | None:
        """Credit a wallet at most once per claim: `claim` runs first in the transaction (a
        conditional UPDATE of an order's or a code's status) and returns the quota to add, or
        None when there is nothing to claim (already paid, used, unknown). The claim and the
        credit commit together or not at all, so a replayed or concurrent delivery credits
        nothing; the relay's in-memory balance is refreshed right after the commit. Returns the
        quota credited (None: nothing was claimed)."""
        async with self._writing(user_id=user_id) as tx:
            quota = await claim(tx)
            if quota is None:
                return None
            if quota <= 0 or await users_repo.change_quota(tx, user_id, quota) != 1:
                raise CreditRefused(f"cannot credit {quota} to user {user_id}")
            return quota

    async def refund(self, user_id: int, token_id: int, quota: int) -> None:
        """Give back a charge already settled (an async task that failed or timed out): the
        key's remaining quota and the wallet grow by `quota`, their used quota shrinks by it."""
        if quota <= 0:
            return
        async with self._writing(token_id=token_id, user_id=user_id) as tx:
            await usage_repo.apply_balances_in(
                tx,
                [(quota, -quota, 0, user_id)],
                [(quota, -quota, 0, token_id)] if token_id else [],
                [],
                [],
            )

    @asynccontextmanager
    async def _writing(self, *, token_id: int = 0, user_id: int = 0) -> AsyncIterator[Tx]:
        """One transaction under the writer's lock that starts by applying the entity's
        unflushed deltas; the entity's entry is reloaded after the commit. The caller must not
        take the writer's lock inside (reload_*): it is not re-entrant."""
        state = self._state
        writer = state.writer
        async with writer.lock:
            token_deltas, status = writer.take_token(token_id) if token_id else (None, None)
            user_deltas = writer.take_user(user_id) if user_id else None
            committing = False
            try:
                async with state.db.transaction() as tx:
                    await usage_repo.apply_balances_in(
                        tx,
                        [(*user_deltas, user_id)] if user_deltas else [],
                        [(*token_deltas, token_id)] if token_deltas else [],
                        [],
                        [(status, token_id)] if status is not None else [],
                    )
                    yield tx
                    committing = True
            except BaseException:
                if not committing:  # rolled back: the deltas still wait to be written
                    writer.give_back_token(token_id, token_deltas, status)
                    writer.give_back_user(user_id, user_deltas)
                raise
            if token_id:
                await state.load_token(token_id)
            if user_id:
                await state.load_user(user_id)
