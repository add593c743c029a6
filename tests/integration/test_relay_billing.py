"""Quota to the token: pre-consume (and the trust bypass), settle, refund, cached tokens,
key and wallet balances, the hourly quota_data aggregate and reading the log back."""

from __future__ import annotations

import asyncio
from fractions import Fraction

import orjson

from clawrouter.keys import LOG_DB, RELAY
from tests.support.gateway import RelayEnv

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}


def rounded(x: Fraction) -> int:
    return int(x + Fraction(1, 2))


async def test_openai_cached_tokens_are_subtracted_once(relay_env: RelayEnv):
    relay_env.up.usage_override = {"prompt_tokens": 1000, "cached_tokens": 600}
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 200 and body["usage"]["prompt_tokens_details"]["cached_tokens"] == 600
    completion = body["usage"]["completion_tokens"]
    # gpt-4o: ratio 1.25, completion 4, cache 0.5: (400 + 600*0.5 + C*4) * 1.25
    expected = rounded((400 + 600 * Fraction(1, 2) + completion * 4) * Fraction(5, 4))
    (log,) = await relay_env.logs()
    assert log["quota"] == expected and log["prompt_tokens"] == 1000
    assert orjson.loads(log["other"])["cache_tokens"] == 600


async def test_key_and_wallet_balances_and_counters(relay_env: RelayEnv):
    gw = relay_env.gw
    uid = await gw.add_user("payer", quota=2_000_000, group="default")
    key = await gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=1_000_000)
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 200
    u = body["usage"]
    q = rounded((u["prompt_tokens"] + u["completion_tokens"] * 4) * Fraction(5, 4))
    user = await relay_env.user_row(uid)
    assert (user["quota"], user["used_quota"], user["request_count"]) == (2_000_000 - q, q, 1)
    (log,) = [r for r in await relay_env.logs() if r["user_id"] == uid]
    assert log["quota"] == q and log["token_id"] > 0
    row = await gw.app[RELAY].db.fetchone(
        "SELECT remain_quota, used_quota, accessed_time FROM tokens WHERE user_id = ?", (uid,)
    )
    assert row["remain_quota"] == 1_000_000 - q and row["used_quota"] == q
    assert row["accessed_time"] > 0
    channel = await gw.app[RELAY].db.fetchone(
        "SELECT used_quota FROM channels WHERE id = ?", (relay_env.channel_id,)
    )
    assert channel["used_quota"] == q


async def test_pre_consume_is_held_during_the_call_and_settled_after(relay_env: RelayEnv):
    gw = relay_env.gw
    await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", priority=9,
        model_mapping='{"gpt-4o": "gpt-4o-first-300"}',
    )  # fmt: skip
    uid = await gw.add_user("small", quota=1_000_000)
    key = await gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=500_000)
    req = {**CHAT, "max_tokens": 100}
    call = asyncio.create_task(relay_env.post("/v1/chat/completions", req, key=key))
    await relay_env.up.wait_requests(1)
    state = gw.app[RELAY]
    prompt_estimate = 500  # below the 500-token floor the floor is used
    held = rounded((prompt_estimate + 100) * Fraction(5, 4))
    assert state.users[uid].quota == 1_000_000 - held
    status, body, _ = await call
    assert status == 200
    u = body["usage"]
    final = rounded((u["prompt_tokens"] + u["completion_tokens"] * 4) * Fraction(5, 4))
    assert state.users[uid].quota == 1_000_000 - final
    assert state.tokens_by_id[max(state.tokens_by_id)].remain_quota == 500_000 - final


async def test_trusted_callers_are_not_pre_charged(relay_env: RelayEnv):
    gw = relay_env.gw
    await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", priority=9,
        model_mapping='{"gpt-4o": "gpt-4o-first-300"}',
    )  # fmt: skip
    call = asyncio.create_task(relay_env.post("/v1/chat/completions", CHAT))
    await relay_env.up.wait_requests(1)
    assert gw.app[RELAY].users[1].quota == 100_000_000, "root (> $10, unlimited key): no hold"
    assert (await call)[0] == 200


async def test_failure_refunds_the_pre_consumed_amount(relay_env: RelayEnv):
    gw = relay_env.gw
    await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", priority=9,
        model_mapping='{"gpt-4o": "gpt-4o-fail-500"}',
    )  # fmt: skip
    uid = await gw.add_user("refund", quota=1_000_000)
    key = await gw.add_token(user_id=uid, unlimited_quota=0, remain_quota=400_000)
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 500
    user = await relay_env.user_row(uid)
    assert user["quota"] == 1_000_000 and user["used_quota"] == 0 and user["request_count"] == 0
    assert gw.app[RELAY].tokens_by_id[max(gw.app[RELAY].tokens_by_id)].remain_quota == 400_000


async def test_quota_data_and_log_readback(relay_env: RelayEnv, gateway):
    for _ in range(3):
        assert (await relay_env.post("/v1/chat/completions", CHAT))[0] == 200
    await relay_env.flush()
    rows = await gateway.app[LOG_DB].fetchall("SELECT * FROM quota_data")
    assert len(rows) == 1 and rows[0]["count"] == 3 and rows[0]["model_name"] == "gpt-4o"
    logs = await relay_env.logs()
    assert rows[0]["quota"] == sum(r["quota"] for r in logs)
    assert rows[0]["created_at"] % 3600 == 0
    root = await gateway.login("root", "rootpass123")
    status, body = await root.json("GET", "/api/log/self?type=2")
    assert body["success"] and body["data"]["total"] == 3
    item = body["data"]["items"][0]
    assert item["model_name"] == "gpt-4o" and "admin_info" not in item["other"]
    status, body = await root.json("GET", "/api/log/?model_name=gpt-4o")
    assert body["data"]["total"] == 3 and "admin_info" in body["data"]["items"][0]["other"]


async def test_unlimited_quota_flag_and_writer_shutdown_flush(relay_env: RelayEnv):
    gw = relay_env.gw
    assert (await relay_env.post("/v1/chat/completions", CHAT))[0] == 200
    await gw.restart()  # a graceful stop flushes the writer before the stores close
    rows = await gw.app[LOG_DB].fetchall("SELECT quota FROM logs")
    assert len(rows) == 1
