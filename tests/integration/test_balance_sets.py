"""Setting a balance is exact (issue #8 item 3): a key's remain_quota set with PUT /api/token/
and a wallet set with the admin's quota override replace what was charged before them, keep
what is charged after them, and the store, the relay's memory and the API agree — also while
relay calls run concurrently and the write-behind flushes in between."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import pytest

from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.keys import MAIN_DB, RELAY
from tests.support.gateway import Client, RelayEnv

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "count my pennies"}]}
TRUST = 5_000_000  # $10: above it (key and wallet) nothing is reserved, one charge per call


@dataclass
class Payer:
    uid: int
    token_id: int
    key: str
    client: Client  # logged in as the payer (keys are managed by their owner)


@pytest.fixture
async def payer(relay_env: RelayEnv) -> Payer:
    gw = relay_env.gw
    uid = await gw.add_user("payer", quota=80_000_000)
    key = await gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=40_000_000)
    token_id = max(gw.app[RELAY].tokens_by_id)
    return Payer(uid, token_id, key, await gw.login("payer", "userpass123"))


@pytest.fixture
async def root(relay_env: RelayEnv) -> Client:
    return await relay_env.gw.login("root", "rootpass123")


async def call(env: RelayEnv, key: str) -> tuple[float, float]:
    """One relay call; returns when it was sent and when its answer was back."""
    loop = asyncio.get_running_loop()
    sent = loop.time()
    status, body, _ = await env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 200, body
    return sent, loop.time()


async def set_token(p: Payer, remain: int, *, quiet: bool = False) -> None:
    """PUT /api/token/ as the console sends it; `quiet`: no call runs, so it shows `remain`."""
    body = {"id": p.token_id, "name": "test-key", "remain_quota": remain}
    status, reply = await p.client.json("PUT", "/api/token/", json=body)
    assert status == 200 and reply["success"], reply
    assert not quiet or reply["data"]["remain_quota"] == remain


async def set_wallet(root: Client, uid: int, quota: int) -> None:
    body = {"id": uid, "action": "add_quota", "mode": "override", "value": quota}
    status, reply = await root.json("POST", "/api/user/manage", json=body)
    assert status == 200 and reply["success"], reply


async def balances(env: RelayEnv, p: Payer, root: Client) -> dict[str, tuple[int, int, int]]:
    """(stored, in memory, shown by the API) for the key and the wallet, after a flush."""
    await env.flush()
    db, state = env.gw.app[MAIN_DB], env.gw.app[RELAY]
    token = await tokens_repo.get_token(db, p.token_id)
    user = await users_repo.get_user(db, p.uid)
    assert token is not None and user is not None
    _, shown_token = await p.client.json("GET", f"/api/token/{p.token_id}")
    _, listed = await p.client.json("GET", "/api/token/?p=1")
    (listed_token,) = [t for t in listed["data"]["items"] if t["id"] == p.token_id]
    assert listed_token["remain_quota"] == shown_token["data"]["remain_quota"]
    _, shown_user = await root.json("GET", f"/api/user/{p.uid}")
    return {
        "token": (
            token["remain_quota"],
            state.tokens_by_id[p.token_id].remain_quota,
            shown_token["data"]["remain_quota"],
        ),
        "user": (user["quota"], state.users[p.uid].quota, shown_user["data"]["quota"]),
    }


async def cost_per_call(env: RelayEnv, uid: int) -> int:
    costs = {r["quota"] for r in await env.logs() if r["user_id"] == uid and r["type"] == 2}
    assert len(costs) == 1 and costs != {0}, costs
    return costs.pop()


async def test_set_right_after_calls_is_exact(relay_env: RelayEnv, payer: Payer, root: Client):
    """The reported case: two calls, then remain_quota 777000 (and the wallet likewise)."""
    for _ in range(2):
        await call(relay_env, payer.key)
    await set_token(payer, 777_000, quiet=True)
    await set_wallet(root, payer.uid, 9_000_000)
    assert await balances(relay_env, payer, root) == {
        "token": (777_000,) * 3,
        "user": (9_000_000,) * 3,
    }
    await call(relay_env, payer.key)
    q = await cost_per_call(relay_env, payer.uid)
    assert await balances(relay_env, payer, root) == {
        "token": (777_000 - q,) * 3,
        "user": (9_000_000 - q,) * 3,
    }


def charged_after(calls: list[tuple[float, float]], sent: float, answered: float) -> range:
    """How many calls can have been charged after a set sent at `sent` and answered at
    `answered`: at least those sent after it was answered, at most those not answered
    before it was sent (a non-streamed call is charged before its answer goes out)."""
    surely = sum(start > answered for start, _ in calls)
    maybe = sum(end >= sent for _, end in calls)
    return range(surely, maybe + 1)


async def test_sets_under_concurrent_relay_load(relay_env: RelayEnv, payer: Payer, root: Client):
    rng = random.Random(8)
    loop = asyncio.get_running_loop()
    calls: list[tuple[float, float]] = []
    last: dict[str, tuple[int, float, float]] = {}  # kind -> (value, sent, answered)

    async def setter(kind: str, value: int, delay: float) -> None:
        await asyncio.sleep(delay)
        sent = loop.time()
        if kind == "token":
            await set_token(payer, value)
        else:
            await set_wallet(root, payer.uid, value)
        if kind not in last or last[kind][1] < sent:
            last[kind] = (value, sent, loop.time())

    async def caller(delay: float) -> None:
        await asyncio.sleep(delay)
        calls.append(await call(relay_env, payer.key))

    for round_ in range(8):
        jobs = [caller(rng.uniform(0, 0.05)) for _ in range(16)]
        jobs.append(setter("token", 20_000_000 + round_ * 1_001, rng.uniform(0, 0.05)))
        jobs.append(setter("user", 30_000_000 + round_ * 7_003, rng.uniform(0, 0.05)))
        if round_ % 3 == 2:  # a flush racing the sets, as the 1 s timer would
            jobs.append(relay_env.flush())
        await asyncio.gather(*jobs)

    q = await cost_per_call(relay_env, payer.uid)
    got = await balances(relay_env, payer, root)
    for kind in ("token", "user"):
        stored, in_memory, shown = got[kind]
        assert stored == in_memory == shown, (kind, got)
        value, sent, answered = last[kind]
        assert (value - stored) % q == 0, (kind, value, stored, q)
        assert (value - stored) // q in charged_after(calls, sent, answered), (kind, got)
    assert min(v for v, _, _ in last.values()) - len(calls) * q > TRUST  # the bypass held


async def test_other_key_edits_keep_unflushed_charges(
    relay_env: RelayEnv, payer: Payer, root: Client
):
    """An update without remain_quota (a rename, a status change) loses no charge."""
    for _ in range(3):
        await call(relay_env, payer.key)
    body = {"id": payer.token_id, "name": "renamed"}
    status, reply = await payer.client.json("PUT", "/api/token/", json=body)
    assert reply["success"], reply
    q = await cost_per_call(relay_env, payer.uid)
    got = await balances(relay_env, payer, root)
    assert got["token"] == (40_000_000 - 3 * q,) * 3
    assert got["user"] == (80_000_000 - 3 * q,) * 3


async def test_admin_add_and_subtract_commute_with_unflushed_charges(
    relay_env: RelayEnv, payer: Payer, root: Client
):
    for mode, value in (("add", 500), ("subtract", 200)):
        await call(relay_env, payer.key)
        body = {"id": payer.uid, "action": "add_quota", "mode": mode, "value": value}
        status, reply = await root.json("POST", "/api/user/manage", json=body)
        assert reply["success"], reply
    q = await cost_per_call(relay_env, payer.uid)
    got = await balances(relay_env, payer, root)
    assert got["user"] == (80_000_000 - 2 * q + 300,) * 3


async def test_a_status_set_is_not_undone_by_an_unflushed_one(relay_env: RelayEnv, payer: Payer):
    """The relay marks a used-up key exhausted (written behind); raising remain_quota and
    enabling it right away must stick in the store too, not be overwritten by that write."""
    state = relay_env.gw.app[RELAY]
    await state.ledger.update_token(payer.token_id, {"remain_quota": 0})
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=payer.key)
    assert status == 401 and state.tokens_by_id[payer.token_id].status == 4
    body = {"id": payer.token_id, "remain_quota": 1_000_000}
    status, reply = await payer.client.json("PUT", "/api/token/", json=body)
    assert reply["success"], reply
    body = {"id": payer.token_id, "status": 1}
    status, reply = await payer.client.json("PUT", "/api/token/?status_only=true", json=body)
    assert reply["success"], reply
    await relay_env.flush()
    await state.load_all()  # what the next periodic resync would read back
    assert state.tokens_by_id[payer.token_id].status == 1
    await call(relay_env, payer.key)


async def test_balance_columns_change_only_through_the_ledger(relay_env: RelayEnv, payer: Payer):
    db = relay_env.gw.app[MAIN_DB]
    with pytest.raises(ValueError, match="ledger"):
        await tokens_repo.update_token(db, payer.token_id, {"remain_quota": 1})
    with pytest.raises(ValueError, match="ledger"):
        await users_repo.update_user(db, payer.uid, {"quota": 1})
