"""RedisLedger: the balances of keys and wallets shared by many processes and machines, held in
Redis and moved only by atomic Lua scripts; the store's balance columns follow as absolute values.

- reserve: one script checks the wallet is above 0, the key holds the amount (unless unlimited)
  and the wallet holds it, and takes it from both, atomically (awaited: the one wait added to the
  hot path). settle's difference and refunds are queued and sent by one task (MULTI/EXEC
  batches), so the relay never waits on them.
- sets, debits, credits and task refunds are awaited scripts, then written to the store at once.
- every script marks the ids it moved in two Redis sets; a flusher (any process) pops them every
  relay.log_flush_interval_seconds and writes Redis's values to the balance columns in one
  transaction that first locks those rows, so the last reader of Redis is the last writer.
- a balance missing from Redis (first use, or Redis lost its data) is loaded from its column
  with SET NX and the script retried.
- credit(key): the claim (SQL) and the credit (Redis) happen in one SQL transaction; the script
  credits a claim key at most once (kept 30 days), and is undone when the transaction fails.
docs/scaling.md has the bounds. used_quota, request_count and the rest stay write-behind
deltas in the usage writer (they gate nothing). redis-py is imported only when redis.url is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import usage as usage_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Tx
from clawrouter.errors import ServiceUnavailableError
from clawrouter.redis_link import RedisLink
from clawrouter.relay.entries import TokenEntry, UserEntry
from clawrouter.relay.ledger import Claim, CreditRefused, LocalLedger, refusal
from clawrouter.relay.ledger_redis_scripts import CREDIT, LATE, MOVE, RESERVE, UNCREDIT

if TYPE_CHECKING:
    from clawrouter.relay.state import RelayState

log = logging.getLogger(__name__)
PREFIX = "clawrouter:{ledger}:"  # one hash slot: the scripts touch several keys
DIRTY_U, DIRTY_T = PREFIX + "dirty:u", PREFIX + "dirty:t"
CREDIT_TTL = 30 * 86400  # seconds a credited claim key is remembered
MISSING_WALLET, MISSING_KEY = 1, 2  # a script's answer: that balance is not in Redis
BATCH = 1000
CLOSE_TIMEOUT = 3.0  # seconds for the last sends and flushes at shutdown, whatever Redis does


def _u(uid: int) -> str:
    return f"{PREFIX}u:{uid}"


def _t(tid: int) -> str:
    return f"{PREFIX}t:{tid}"


def _unavailable(e: Exception, link: RedisLink | None = None) -> ServiceUnavailableError:
    if link is None or not link.hung:  # a hung Redis: the link said so once, not per request
        log.error("shared ledger: Redis failed: %s", e)
    return ServiceUnavailableError(
        "the shared balance store (Redis) cannot be reached; try again shortly",
        code="ledger_unavailable",
    )


class RedisLedger(LocalLedger):
    in_memory = False

    def __init__(self, state: RelayState, link: RedisLink) -> None:
        super().__init__(state)
        self.link = link
        self.interval = state.writer.interval
        self.redis: Any = None
        self._moves: dict[tuple[int, int], int] = {}  # (uid, tid) -> delta not yet sent
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        # fail fast: a reservation answers 503 within the link's bound, never after two waits
        r = self.redis = self.link.client
        self._reserve = r.register_script(RESERVE)
        self._move = r.register_script(MOVE)
        self._credit = r.register_script(CREDIT)
        self._uncredit = r.register_script(UNCREDIT)
        await self.link.sync_clock()  # the scripts' deadlines are in Redis's clock
        self._tasks = [
            asyncio.create_task(self._send_loop(), name="ledger-send"),
            asyncio.create_task(self._flush_loop(), name="ledger-flush"),
        ]

    async def close(self) -> None:
        """Send what is queued and write Redis's balances to the store, within CLOSE_TIMEOUT:
        shutdown is bounded whatever Redis does (a paused Redis never answers; a socket timeout
        alone would let each command wait socket_timeout twice)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.link.try_again()  # a timeout a moment ago must not cost the last settlements
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self._send()
                while await self.flush():
                    pass
        except TimeoutError:
            log.error("shared ledger: Redis did not answer within %ss at shutdown", CLOSE_TIMEOUT)
        except (RedisError, OSError) as e:
            log.error("shared ledger: could not finish its writes at shutdown: %s", e)
        if self._moves:  # balances the columns and Redis never got: say exactly which
            log.error(
                "shared ledger: %d settlements not sent to Redis at shutdown (wallet/key ids and"
                " quota deltas: %s)",
                len(self._moves), sorted(self._moves.items())[:50],
            )  # fmt: skip
        # the client is the link's: closed by its owner (app.py), after everyone using it

    # ---- the relay ---------------------------------------------------------------------------
    async def reserve(self, token: TokenEntry, user: UserEntry, amount: int) -> None:
        tid = token.id
        keys = [_u(user.id), _t(tid), DIRTY_U, DIRTY_T]
        link = self.link
        args = [amount, int(token.unlimited), user.id, tid, token.remain_quota, 0]
        try:
            for _ in range(3):
                async with link.deadline():
                    args[5] = link.not_after()
                    why, wallet, remain = await self._reserve(keys=keys, args=args)
                if why == MISSING_WALLET:
                    await self._load_user(user.id)
                elif why == MISSING_KEY:
                    await self._load_token(tid)
                else:
                    break
        except (RedisError, OSError) as e:
            raise _unavailable(e, self.link) from None
        if why in (MISSING_WALLET, MISSING_KEY):  # loaded three times and gone again: flushed?
            raise _unavailable(RuntimeError("a balance keeps disappearing from Redis"))
        if why == LATE:  # Redis's clock moved past the deadline: sync_clock() puts that right
            raise _unavailable(RuntimeError("a reservation ran after its deadline"), link)
        user.quota = wallet
        if tid:
            token.remain_quota = remain
        if why:
            qpu = self._state.options["QuotaPerUnit"]
            raise refusal(why, wallet, remain, amount, qpu)

    def move(self, token: TokenEntry, user: UserEntry, delta: int) -> None:
        if delta == 0:
            return
        token.remain_quota += delta
        user.quota += delta
        k = (user.id, token.id)
        self._moves[k] = self._moves.get(k, 0) + delta
        self._wake.set()

    async def _send_loop(self) -> None:
        waiting = False  # logged once per outage, not every 0.5 s
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._send()
            except Exception as e:  # Redis (or the store, loading a balance): kept, retried
                if not waiting:
                    log.warning("shared ledger: settlements wait, retried every 0.5 s (%s)", e)
                waiting = True
                await asyncio.sleep(0.5)
                self._wake.set()
            else:
                if waiting:
                    log.info("shared ledger: the settlements that waited are sent")
                waiting = False

    async def _send(self) -> None:
        """Send the queued moves in MULTI/EXEC batches (all of a batch or none of it)."""
        while self._moves:
            batch, self._moves = self._moves, {}
            try:
                async with self.link.deadline(), self.redis.pipeline(transaction=True) as pipe:
                    late = self.link.not_after()  # a batch run later changes nothing: resent
                    for (uid, tid), delta in batch.items():
                        keys = [_u(uid), _t(tid), DIRTY_U, DIRTY_T]
                        await self._move(keys=keys, args=[delta, uid, tid, late], client=pipe)
                    results = await pipe.execute()
            except BaseException:
                for k, d in batch.items():
                    self._moves[k] = self._moves.get(k, 0) + d
                raise
            missing = []  # balances not in Redis: queued again first, then loaded
            for ((uid, tid), delta), (why, _, _) in zip(batch.items(), results, strict=True):
                if why:
                    self._moves[uid, tid] = self._moves.get((uid, tid), 0) + delta
                    missing.append((why, uid, tid))
            if any(why == LATE for why, _, _ in missing):  # Redis's clock: resync, send again
                await self.link.sync_clock()
                raise RedisError("settlements ran after their deadline; sent again")
            for why, uid, tid in missing:
                await (self._load_user(uid) if why == MISSING_WALLET else self._load_token(tid))

    async def _load_user(self, uid: int) -> None:
        row = await users_repo.get_user(self._state.db, uid)
        async with self.link.deadline():
            await self.redis.set(_u(uid), int(row["quota"]) if row else 0, nx=True)

    async def _load_token(self, tid: int) -> None:
        row = await tokens_repo.get_token(self._state.db, tid)
        async with self.link.deadline():
            await self.redis.set(_t(tid), int(row["remain_quota"]) if row else 0, nx=True)

    # ---- the store follows Redis -------------------------------------------------------------
    async def _flush_loop(self) -> None:
        redis_down = False  # a Redis outage is logged once, not every interval
        while True:
            await asyncio.sleep(self.interval)
            await self.link.sync_clock(every=60.0)
            try:
                while await self.flush():
                    pass
                redis_down = False
            except (RedisError, OSError, ServiceUnavailableError) as e:
                if not redis_down:
                    log.warning("shared ledger: balances not written to the store (%s)", e)
                redis_down = True
            except Exception:
                log.exception("shared ledger: writing balances to the store failed; will retry")

    async def flush(self) -> bool:
        """Write the balances Redis marked as moved to their columns; True when a full batch
        was written (more may wait). Flushes run one at a time, so once one returns, what this
        process popped before it is in the store."""
        async with self._flushing:  # one at a time: a flush that returns has written them
            async with self.link.deadline():
                uids = [int(i) for i in await self.redis.spop(DIRTY_U, BATCH) or []]
                tids = [int(i) for i in await self.redis.spop(DIRTY_T, BATCH) or []]
            if not uids and not tids:
                return False
            try:
                async with self._state.db.transaction() as tx:
                    await self._write_back(tx, uids, tids)
            except BaseException:
                await self._mark_again(uids, tids)
                raise
            return len(uids) == BATCH or len(tids) == BATCH

    async def _mark_again(self, uids: list[int], tids: list[int]) -> None:
        """Put back the ids a failed (or cancelled) flush popped, so the next turn writes them;
        bounded, as it may run in a task being cancelled at shutdown."""
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            async with asyncio.timeout(1.0):  # not the link's deadline: bounded even when hung
                if uids:
                    await self.redis.sadd(DIRTY_U, *uids)
                if tids:
                    await self.redis.sadd(DIRTY_T, *tids)

    async def _write_back(self, tx: Tx, uids: Sequence[int], tids: Sequence[int]) -> None:
        uids, tids = sorted(set(uids)), sorted(set(tids))
        await usage_repo.lock_balances(tx, uids, tids)
        try:
            async with self.link.deadline():  # the rows stay locked no longer than the bound
                values = await self.redis.mget([_u(i) for i in uids] + [_t(i) for i in tids])
        except (RedisError, OSError) as e:
            raise _unavailable(e, self.link) from None
        pairs = [(int(v), i) for v, i in zip(values, [*uids, *tids], strict=True) if v is not None]
        await usage_repo.set_balances(tx, pairs[: len(uids)], pairs[len(uids) :])

    # ---- the management side -----------------------------------------------------------------
    async def forget_user(self, user_id: int) -> None:
        try:
            async with self.link.deadline():
                await self.redis.delete(_u(user_id))
        except (RedisError, OSError) as e:
            raise _unavailable(e, self.link) from None

    async def update_token(self, token_id: int, changes: dict[str, Any]) -> None:
        fields = dict(changes)
        remain = fields.pop("remain_quota", None)
        async with self._writing(token_id=token_id) as tx:
            await tokens_repo.update_token(tx, token_id, fields)
            if remain is not None:
                await self._set(_t(token_id), DIRTY_T, token_id, remain)
                await self._write_back(tx, [], [token_id])

    async def set_user_quota(self, user_id: int, quota: int) -> None:
        async with self._writing(user_id=user_id) as tx:
            await self._set(_u(user_id), DIRTY_U, user_id, quota)
            await self._write_back(tx, [user_id], [])

    async def _set(self, key: str, dirty: str, entity: int, value: int) -> None:
        try:
            async with self.link.deadline(), self.redis.pipeline(transaction=True) as pipe:
                await pipe.set(key, value).sadd(dirty, entity).execute()
        except (RedisError, OSError) as e:
            raise _unavailable(e, self.link) from None

    async def add_user_quota(self, user_id: int, delta: int) -> None:
        await self._moved(user_id, 0, delta)

    async def refund(self, user_id: int, token_id: int, quota: int) -> None:
        if quota <= 0:
            return
        writer = self._state.writer  # used quota: a delta, write-behind like the relay's
        writer.user(user_id, used=-quota)
        if token_id:
            writer.token(token_id, used=-quota)
        await self._moved(user_id, token_id, quota)

    async def _moved(self, uid: int, tid: int, delta: int) -> None:
        """Move a balance now (awaited), write it to the store, refresh the entries."""
        try:
            for _ in range(3):
                keys = [_u(uid), _t(tid), DIRTY_U, DIRTY_T]
                async with self.link.deadline():
                    args = [delta, uid, tid, self.link.not_after()]
                    why, _, _ = await self._move(keys=keys, args=args)
                if not why:
                    break
                if why == LATE:
                    raise RedisError("a balance move ran after its deadline")
                await (self._load_user(uid) if why == MISSING_WALLET else self._load_token(tid))
        except (RedisError, OSError) as e:
            raise _unavailable(e, self.link) from None
        async with self._writing(token_id=tid, user_id=uid) as tx:
            await self._write_back(tx, [uid], [tid] if tid else [])

    async def credit(self, user_id: int, claim: Claim, key: str) -> int | None:
        state = self._state
        claim_key = PREFIX + "credit:" + hashlib.sha256(key.encode()).hexdigest()
        keys = [_u(user_id), DIRTY_U, claim_key]
        credited = committed = False
        async with state.writer.lock:
            try:
                async with state.db.transaction() as tx:
                    quota = await claim(tx)
                    if quota is None:
                        return None
                    if quota <= 0 or await users_repo.get_user(tx, user_id) is None:  # type: ignore[arg-type]
                        raise CreditRefused(f"cannot credit {quota} to user {user_id}")
                    for _ in range(2):
                        async with self.link.deadline():
                            args = [quota, user_id, CREDIT_TTL, self.link.not_after()]
                            done = await self._credit(keys=keys, args=args)
                        if done == LATE:
                            raise RedisError("a credit ran after its deadline")
                        if done != MISSING_WALLET:
                            break
                        await self._load_user(user_id)
                    credited = True  # now, or by an attempt whose transaction never committed
                    await self._write_back(tx, [user_id], [])
                committed = True
            except (RedisError, OSError) as e:
                raise _unavailable(e, self.link) from None
            finally:
                if credited and not committed:  # the claim rolled back: so does the credit
                    await self._undo_credit(keys, user_id)
            await state.load_user(user_id)
        return quota

    async def _undo_credit(self, keys: list[str], user_id: int) -> None:
        try:
            async with self.link.deadline():
                await self._uncredit(keys=keys, args=[user_id])
        except (RedisError, OSError) as e:
            log.error(
                "shared ledger: a credit to user %s stays in Redis though its claim rolled back"
                " (%s); a replay of the same claim will not credit again",
                user_id, e,
            )  # fmt: skip
