"""The shared ledger's guarantees on a real Redis (RedisLedger, one gateway on SQLite): a credit
is applied once per claim key, also when the process died between the Redis credit and the
store's commit; a failed commit undoes the credit; an exact set reaches Redis and the column;
a Redis that lost its data loads balances again from the columns (SET NX), settlements
queued meanwhile included. Skipped, saying why, when redis-server is not installed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from clawrouter.config import load, replace
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import Tx
from clawrouter.keys import MAIN_DB, RELAY
from clawrouter.relay import ledger_redis
from clawrouter.relay.ledger_redis import RedisLedger
from tests.support.gateway import Gateway
from tests.support.redis_server import RedisServer, running_redis


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
async def gateway(tmp_path: Path, redis_server: RedisServer) -> AsyncIterator[Gateway]:
    overrides = {
        "server.data_dir": str(tmp_path / "data"),
        "redis.url": redis_server.url,
        "redis.channel": f"test-{uuid.uuid4().hex}",
    }
    gw = Gateway(replace(load(env={}, overrides=overrides), security={"api_rate_limit": 0}))
    await gw.start()
    await gw.setup_root()
    try:
        yield gw
    finally:
        await gw.stop()


class Claims:
    """A claim that can be made once (like a pending order): returns 100, then None."""

    def __init__(self) -> None:
        self.open = True

    async def __call__(self, tx: Tx) -> int | None:
        if not self.open:
            return None
        self.open = False
        return 100


async def balances(gw: Gateway, uid: int) -> tuple[int, int]:
    """(Redis, the store's column) for a wallet, after a flush (flushes run one at a time: one
    the background flusher had begun has written its rows once this one returns)."""
    ledger = gw.app[RELAY].ledger
    assert isinstance(ledger, RedisLedger)
    while await ledger.flush():
        pass
    live = int(await ledger.redis.get(ledger_redis._u(uid)))
    row = await users_repo.get_user(gw.app[MAIN_DB], uid)
    assert row is not None
    return live, int(row["quota"])


async def test_a_credit_is_applied_once_per_claim_key(gateway: Gateway):
    ledger = gateway.app[RELAY].ledger
    start = (await users_repo.get_user(gateway.app[MAIN_DB], 1))["quota"]
    claims = Claims()
    assert await ledger.credit(1, claims, "topup:T1") == 100
    assert await ledger.credit(1, claims, "topup:T1") is None  # the claim is taken
    assert await ledger.credit(1, Claims(), "topup:T1") == 100  # claimed, but credited before
    assert await balances(gateway, 1) == (start + 100, start + 100)
    assert gateway.app[RELAY].users[1].quota == start + 100


async def test_a_crash_between_the_credit_and_the_commit_credits_once(gateway: Gateway):
    """The process died after the Redis script credited and before the claim committed: the
    order is still pending, the payment notice is replayed, and the credit is not doubled."""
    ledger = gateway.app[RELAY].ledger
    start = (await users_repo.get_user(gateway.app[MAIN_DB], 1))["quota"]
    await ledger.add_user_quota(1, 0)  # the wallet is in Redis
    claim_key = (
        ledger_redis.PREFIX + "credit:" + ledger_redis.hashlib.sha256(b"topup:T2").hexdigest()
    )
    keys = [ledger_redis._u(1), ledger_redis.DIRTY_U, claim_key]
    args = [100, 1, 60, ledger.link.not_after()]
    assert await ledger._credit(keys=keys, args=args) == 0  # ...and then the crash
    assert await ledger.credit(1, Claims(), "topup:T2") == 100  # the replayed notice
    assert await balances(gateway, 1) == (start + 100, start + 100)


async def test_a_failed_commit_undoes_the_credit(gateway: Gateway, monkeypatch):
    ledger = gateway.app[RELAY].ledger
    start = (await users_repo.get_user(gateway.app[MAIN_DB], 1))["quota"]

    async def broken(*args, **kw):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(ledger, "_write_back", broken)
    claims = Claims()
    with pytest.raises(RuntimeError):
        await ledger.credit(1, claims, "topup:T3")
    monkeypatch.undo()
    assert await balances(gateway, 1) == (start, start), "the credit was undone"
    assert await ledger.credit(1, Claims(), "topup:T3") == 100  # the retry credits it
    assert await balances(gateway, 1) == (start + 100, start + 100)


async def test_exact_sets_and_a_cold_redis(gateway: Gateway, redis_server: RedisServer):
    ledger = gateway.app[RELAY].ledger
    await ledger.set_user_quota(1, 12_345)
    assert await balances(gateway, 1) == (12_345, 12_345)
    await ledger.add_user_quota(1, -345)
    assert await balances(gateway, 1) == (12_000, 12_000)
    client = aioredis.from_url(redis_server.url)
    await client.flushdb()  # Redis lost its data (no persistence)
    await client.aclose()
    await ledger.add_user_quota(1, 500)  # loaded again from the column (SET NX), then moved
    assert await balances(gateway, 1) == (12_500, 12_500)


async def test_a_deleted_user_leaves_nothing_in_redis(gateway: Gateway):
    """A hard-deleted user's wallet is dropped from Redis: a store that hands the id out again
    starts the new user from its row, not from the old balance."""
    uid = await gateway.add_user("temp", quota=777)
    ledger = gateway.app[RELAY].ledger
    await ledger.add_user_quota(uid, 0)  # the wallet is in Redis now
    assert int(await ledger.redis.get(ledger_redis._u(uid))) == 777
    root = await gateway.login("root", "rootpass123")
    status, reply = await root.json("DELETE", f"/api/user/{uid}")
    assert status == 200 and reply["success"], reply
    assert await ledger.redis.get(ledger_redis._u(uid)) is None


async def test_a_settlement_after_redis_lost_its_data_is_applied(
    gateway: Gateway, redis_server: RedisServer
):
    """Reserved, written to the columns, then Redis loses everything: the settlement queued
    next finds no balance, loads it from the column and is applied on top."""
    state = gateway.app[RELAY]
    ledger = state.ledger
    key = await gateway.add_token(remain_quota=1000, unlimited_quota=0)
    token, user = state.tokens[key.removeprefix("sk-")], state.users[1]
    wallet = (await users_repo.get_user(gateway.app[MAIN_DB], 1))["quota"]
    await ledger.reserve(token, user, 100)
    assert await balances(gateway, 1) == (wallet - 100, wallet - 100)
    client = aioredis.from_url(redis_server.url)
    await client.flushdb()
    await client.aclose()
    ledger.move(token, user, 40)  # settle: the call cost 60 of the 100 reserved
    deadline = time.monotonic() + 10  # the sender loads both balances, then applies the move
    while int(await ledger.redis.get(ledger_redis._t(token.id)) or 0) != 940:
        assert time.monotonic() < deadline, await ledger.redis.get(ledger_redis._t(token.id))
        await asyncio.sleep(0.02)
    assert await balances(gateway, 1) == (wallet - 60, wallet - 60)
