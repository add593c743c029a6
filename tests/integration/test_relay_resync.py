"""The relay state's periodic resync (relay/resync.py): it finds what the change feed missed
(rows written around it, balances moved by another process), re-reads only what differs,
keeps every charge made while it runs (balance = row + unflushed deltas), and never needs the
usage writer's lock when nothing differs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from clawrouter.config import load
from clawrouter.db.repo import channels as channels_repo
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.db.repo import usage as usage_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.stores import open_stores
from clawrouter.jobs.usage_writer import UsageWriter
from clawrouter.keys import MAIN_DB, RELAY, WRITER
from clawrouter.options.store import Options
from clawrouter.relay import resync as resync_module
from clawrouter.relay.resync import resync
from clawrouter.relay.state import RelayState
from tests.support.gateway import RelayEnv

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}


async def test_resync_finds_what_the_feed_missed(relay_env: RelayEnv) -> None:
    gw = relay_env.gw
    db, state = gw.app[MAIN_DB], gw.app[RELAY]
    uid = await gw.add_user("drifter", quota=1_000_000)
    await gw.add_token(user_id=uid, name="before")
    tid = max(state.tokens_by_id)
    assert await resync(state) == 0  # in step: nothing re-read
    index = state.index
    (new_cid,) = await channels_repo.insert_channels(
        db,
        [{"type": 1, "key": "sk-x", "name": "unseen", "base_url": relay_env.up.base_url,
          "models": "gpt-4o", "group": "default", "status": 1, "created_time": 1}],
    )  # fmt: skip
    await channels_repo.update_channel(db, relay_env.channel_id, {"weight": 7})
    await tokens_repo.update_token(db, tid, {"name": "after"})
    # another process flushed charges for this wallet, key and channel
    await usage_repo.apply_balances(
        db, [(-500, 500, 2, uid)], [(-300, 300, 0, tid)], [(40, relay_env.channel_id)], []
    )
    gone = await gw.add_token(user_id=uid, name="gone")
    gone_id = max(state.tokens_by_id)
    await tokens_repo.soft_delete_tokens(db, uid, [gone_id], 1)

    await state.load_all()

    assert state.channels[relay_env.channel_id].weight == 7
    assert new_cid in {c.id for tier in state.tiers("default", "gpt-4o") for c in tier}
    assert state.index is not index  # a channel differed: rebuilt
    assert state.tokens_by_id[tid].name == "after"
    assert state.tokens_by_id[tid].used_quota == 300
    assert gone.removeprefix("sk-") not in state.tokens
    user = state.users[uid]
    assert (user.quota, user.used_quota, user.request_count) == (999_500, 500, 2)
    stored = await channels_repo.get_channel(db, relay_env.channel_id)
    assert stored is not None
    assert state.channels[relay_env.channel_id].used_quota == stored["used_quota"]
    index = state.index
    assert await resync(state) == 0
    assert state.index is index  # nothing differed: the routing index is kept


async def test_resync_in_step_never_takes_the_writers_lock(relay_env: RelayEnv) -> None:
    state = relay_env.gw.app[RELAY]
    async with state.writer.lock:  # a flush that never ends
        await asyncio.wait_for(state.load_all(), 10)
    assert relay_env.key.removeprefix("sk-") in state.tokens


async def test_resync_keeps_charges_made_while_it_runs(relay_env: RelayEnv) -> None:
    gw = relay_env.gw
    db, state, writer = gw.app[MAIN_DB], gw.app[RELAY], gw.app[WRITER]
    uid = await gw.add_user("payer", quota=50_000_000)
    key = await gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=20_000_000)
    tid = max(state.tokens_by_id)

    async def calls() -> None:
        for _ in range(12):
            status, body, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
            assert status == 200, body

    async def churn() -> None:
        for _ in range(12):
            await writer.flush()
            await state.load_all()

    await asyncio.gather(calls(), churn())
    await state.load_all()
    await writer.flush()
    token, user = await tokens_repo.get_token(db, tid), await users_repo.get_user(db, uid)
    assert token is not None and user is not None
    assert token["used_quota"] > 0
    t, u = state.tokens_by_id[tid], state.users[uid]
    assert (t.remain_quota, t.used_quota) == (token["remain_quota"], token["used_quota"])
    assert (u.quota, u.used_quota, u.request_count) == (
        user["quota"],
        user["used_quota"],
        user["request_count"],
    )
    assert u.request_count == 12


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_paged_loads_on_each_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages by id on SQLite and PostgreSQL: every row once, across page boundaries."""
    monkeypatch.setattr(resync_module, "PAGE", 3)
    overrides = {"server.data_dir": str(tmp_path / "data")}
    if backend == "postgresql":
        overrides["database.url"] = request.getfixturevalue("postgres_url")
    main, logs, _ = await open_stores(load(env={}, overrides=overrides))
    try:
        options = Options(main)
        await options.load()
        writer = UsageWriter(main, logs)
        uid = await users_repo.insert_user(main, {"username": "u", "password": "x"})
        for i in range(7):
            await tokens_repo.insert_token(
                main, {"user_id": uid, "key": f"k{i}", "name": f"n{i}", "status": 1}
            )
        await channels_repo.insert_channels(
            main,
            [{"type": 1, "key": f"sk-{i}", "name": f"c{i}", "base_url": "http://127.0.0.1:9",
              "models": "m", "group": "default", "status": 1, "created_time": 1}
             for i in range(5)],
        )  # fmt: skip
        state = RelayState(main, options, writer, time.time)
        await state.load_all()
        assert sorted(state.tokens) == [f"k{i}" for i in range(7)]
        assert len(state.tiers("default", "m")[0]) == 5
        assert await resync(state) == 0
        await state.load_all()
        assert len(state.tokens_by_id) == 7 and uid in state.users
    finally:
        await main.close()
        if logs is not main:
            await logs.close()


def _shape(index: dict) -> dict:
    return {
        g: {m: [[c.id for c in tier] for tier in tiers] for m, tiers in models.items()}
        for g, models in index.items()
    }


async def test_one_channels_edit_reindexes_as_a_full_rebuild_would(relay_env: RelayEnv) -> None:
    gw = relay_env.gw
    db, state = gw.app[MAIN_DB], gw.app[RELAY]
    base = relay_env.up.base_url
    ids = [
        await gw.add_channel(base, models="a,b", group="default,vip", priority=p, weight=w)
        for p, w in ((0, 1), (5, 2), (0, 3), (5, 0))
    ]
    edits = [
        {"priority": 0},  # moves tier
        {"models": "b,c"},  # leaves a, joins c
        {"group": "solo"},  # a group of its own
        {"status": 2},  # disabled: leaves every pair
        {"status": 1, "group": "vip"},
    ]
    for cid, fields in zip([ids[1], ids[0], ids[2], ids[3], ids[3]], edits, strict=True):
        await channels_repo.update_channel(db, cid, fields)
        await state.reload_channels([cid])
        partial = _shape(state.index)
        state.rebuild_index()
        assert partial == _shape(state.index), fields
    assert _shape(state.index)["solo"] == {"a": [[ids[2]]], "b": [[ids[2]]]}
    assert "c" in _shape(state.index)["vip"]
