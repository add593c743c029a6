"""Ledger: the one interface every money movement goes through — the relay's reserve / settle /
refund (relay.quota.Charge calls reserve() and move()) and the management side's exact sets,
credits, debits and refunds. The repo refuses balance columns in plain updates, and a meta-test
(tests/meta/test_ledger_only.py) fails on any balance written around it.

Two implementations: LocalLedger (here: one process, balances in the relay's memory, write-behind
deltas) and RedisLedger (relay/ledger_redis.py: many processes or machines, balances in Redis
moved by atomic scripts), chosen by open_ledger() from `redis.url`. docs/scaling.md says how each
keeps the store's balance columns in step and what a crash or a Redis restart can cost.

LocalLedger, in detail. Balances live in the relay's memory; the charges not yet flushed wait in
the usage writer as deltas. An absolute value (a key's `remain_quota`, a wallet's quota) must not
have those deltas applied on top of it later, and must not lose the charges made while it is
written. So, holding the writer's lock (no flush runs meanwhile), the entity's waiting deltas are
taken out of the writer and applied to its row in the same transaction that then writes the new
value: the charges made before the set are overwritten by it, exactly as if they had been flushed
first. After the commit the entry is reloaded: the row plus what was charged while the
transaction ran, which the writer applies to the row later. Credits and debits are deltas and
commute with the waiting ones; they take the same path so the entry is refreshed at once. A
credit that must happen once (a paid order, a redeemed code) runs the caller's claim (a
conditional UPDATE of the order's or code's status) and the credit in one transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from clawrouter.config import Config, ConfigError
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import usage as usage_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Tx
from clawrouter.errors import ForbiddenError
from clawrouter.relay.entries import TokenEntry, UserEntry

if TYPE_CHECKING:
    from clawrouter.redis_link import RedisLink
    from clawrouter.relay.state import RelayState

Claim = Callable[[Tx], Awaitable[int | None]]
# why a reservation is refused (RedisLedger's reserve script returns the same numbers)
WALLET_EMPTY, KEY_SHORT, WALLET_SHORT = 3, 4, 5


class CreditRefused(Exception):
    """A claimed credit could not be applied (no such wallet, or not a positive amount); the
    claim was rolled back with it."""


def _usd(quota: int, qpu: float) -> str:
    return f"${quota / qpu:.6f}".rstrip("0").rstrip(".")


def refusal(why: int, wallet: int, remain: int, amount: int, qpu: float) -> ForbiddenError:
    """The 403 a reservation refused for reason `why` gets (new-api's wording and codes)."""
    if why == KEY_SHORT:
        return ForbiddenError(
            f"API key quota is not enough: remaining {_usd(remain, qpu)},"
            f" needed {_usd(amount, qpu)}",
            code="pre_consume_token_quota_failed",
            type="insufficient_quota",
        )
    if why == WALLET_SHORT:
        return ForbiddenError(
            f"insufficient user quota: remaining {_usd(wallet, qpu)}, needed {_usd(amount, qpu)}",
            code="insufficient_user_quota",
            type="insufficient_quota",
        )
    return ForbiddenError(
        f"insufficient user quota, remaining {_usd(wallet, qpu)}",
        code="insufficient_user_quota",
        type="insufficient_quota",
    )


def check(token: TokenEntry, wallet: int, remain: int, amount: int) -> int:
    """0 when a reservation of `amount` may be taken, else why not: the wallet must be above 0,
    the key must hold `amount` unless unlimited, and the wallet must hold `amount`."""
    if wallet <= 0:
        return WALLET_EMPTY
    if amount and not token.unlimited and remain < amount:
        return KEY_SHORT
    if amount and wallet < amount:
        return WALLET_SHORT
    return 0


class Ledger(ABC):
    """Every balance movement. reserve() may wait (RedisLedger asks Redis); move() never does."""

    # True: the relay's entries hold the exact balances (API views show them); False: each
    # process sees only its own moves, so views show the store's columns (one flush behind)
    in_memory = True

    def __init__(self, state: RelayState) -> None:
        self._state = state

    async def start(self) -> None:
        """Begin background work (RedisLedger: connect, load its scripts)."""
        return None

    async def close(self) -> None:
        """Finish what waits to be written (called before the stores close)."""
        return None

    async def forget_user(self, user_id: int) -> None:
        """A user row was deleted for good: drop what is held for its wallet (an id the store
        may hand out again must not inherit it)."""
        return None

    # ---- the relay (relay.quota.Charge) ------------------------------------------------------
    @abstractmethod
    async def reserve(self, token: TokenEntry, user: UserEntry, amount: int) -> None:
        """Take `amount` from the key and the wallet, or raise the 403 of refusal()."""

    @abstractmethod
    def move(self, token: TokenEntry, user: UserEntry, delta: int) -> None:
        """Add `delta` to the key's remaining quota and the wallet (settle's difference, a
        refund); never refused, never waits."""

    # ---- the management side -----------------------------------------------------------------
    @abstractmethod
    async def update_token(self, token_id: int, changes: dict[str, Any]) -> None:
        """Write a key's columns; `remain_quota` among them sets its balance exactly."""

    @abstractmethod
    async def set_user_quota(self, user_id: int, quota: int) -> None:
        """Set a wallet's balance exactly."""

    @abstractmethod
    async def add_user_quota(self, user_id: int, delta: int) -> None:
        """Credit (or, negative, debit) a wallet."""

    @abstractmethod
    async def credit(self, user_id: int, claim: Claim, key: str) -> int | None:
        """Credit a wallet at most once per claim: `claim` runs first in a transaction (a
        conditional UPDATE of an order's or a code's status) and returns the quota to add, or
        None when there is nothing to claim. `key` names the claim (e.g. "topup:<trade_no>"):
        RedisLedger credits each key once even when a crash separates the claim from the
        credit. Returns the quota credited (None: nothing was claimed); raises CreditRefused."""

    @abstractmethod
    async def refund(self, user_id: int, token_id: int, quota: int) -> None:
        """Give back a charge already settled (an async task that failed or timed out): the
        key's remaining quota and the wallet grow by `quota`, their used quota shrinks by it."""


class LocalLedger(Ledger):
    """One process: balances in the relay's memory, the store follows by write-behind deltas."""

    async def reserve(self, token: TokenEntry, user: UserEntry, amount: int) -> None:
        why = check(token, user.quota, token.remain_quota, amount)
        if why:
            qpu = self._state.options["QuotaPerUnit"]
            raise refusal(why, user.quota, token.remain_quota, amount, qpu)
        self.move(token, user, -amount)

    def move(self, token: TokenEntry, user: UserEntry, delta: int) -> None:
        if delta == 0:
            return
        token.remain_quota += delta
        user.quota += delta
        writer = self._state.writer
        if token.id:  # 0: the playground's temporary key, never stored
            writer.token(token.id, remain=delta)
        writer.user(user.id, quota=delta)

    async def update_token(self, token_id: int, changes: dict[str, Any]) -> None:
        fields = dict(changes)
        remain = fields.pop("remain_quota", None)
        async with self._writing(token_id=token_id) as tx:
            await tokens_repo.update_token(tx, token_id, fields)
            if remain is not None:
                await tokens_repo.set_remain_quota(tx, token_id, remain)

    async def set_user_quota(self, user_id: int, quota: int) -> None:
        async with self._writing(user_id=user_id) as tx:
            await users_repo.set_quota(tx, user_id, quota)

    async def add_user_quota(self, user_id: int, delta: int) -> None:
        async with self._writing(user_id=user_id) as tx:
            await users_repo.change_quota(tx, user_id, delta)

    async def credit(self, user_id: int, claim: Claim, key: str) -> int | None:
        async with self._writing(user_id=user_id) as tx:
            quota = await claim(tx)
            if quota is None:
                return None
            if quota <= 0 or await users_repo.change_quota(tx, user_id, quota) != 1:
                raise CreditRefused(f"cannot credit {quota} to user {user_id}")
            return quota

    async def refund(self, user_id: int, token_id: int, quota: int) -> None:
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


def open_ledger(config: Config, state: RelayState, link: RedisLink | None = None) -> Ledger:
    """LocalLedger for one process; RedisLedger on the process's Redis `link` when `redis.url`
    is set (every process and machine sharing that Redis then shares the balances)."""
    if not config.redis.url:
        return LocalLedger(state)
    assert link is not None, "redis.url is set: app.py opens the link first"
    try:
        from clawrouter.relay.ledger_redis import RedisLedger  # redis-py only when configured
    except ImportError as e:
        raise ConfigError(
            "redis.url is set but the redis package is missing: pip install 'clawrouter[redis]'"
        ) from e
    return RedisLedger(state, link)
