"""Routing and failover: retries only before the first byte and never to a failed channel,
auto-disable, model mapping, overrides, multi-key channels, priorities and weights."""

from __future__ import annotations

import orjson

from clawrouter.keys import MAIN_DB, OPTIONS, RELAY
from tests.support.gateway import RelayEnv

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}


async def set_option(env: RelayEnv, key: str, value) -> None:
    await env.gw.app[OPTIONS].set(key, value)


async def failing_channel(env: RelayEnv, marker: str, priority: int = 10, **kw) -> int:
    return await env.gw.add_channel(
        env.up.base_url, models="gpt-4o", name=f"bad-{marker}",
        model_mapping=orjson.dumps({"gpt-4o": f"gpt-4o-{marker}"}).decode(),
        priority=priority, **kw,
    )  # fmt: skip


async def test_429_fails_over_to_the_next_channel(relay_env: RelayEnv):
    await set_option(relay_env, "RetryTimes", 3)
    bad = await failing_channel(relay_env, "fail-429")
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 200, body
    models = [r.json["model"] for r in relay_env.up.requests]
    assert models == ["gpt-4o-fail-429", "gpt-4o"]
    (log,) = await relay_env.logs()
    other = orjson.loads(log["other"])
    assert other["admin_info"]["use_channel"] == [str(bad), str(relay_env.channel_id)]
    assert log["channel_id"] == relay_env.channel_id


async def test_400_is_not_retried(relay_env: RelayEnv):
    await set_option(relay_env, "RetryTimes", 3)
    await failing_channel(relay_env, "fail-400")
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 400 and len(relay_env.up.requests) == 1


async def test_retry_never_repicks_and_client_sees_last_upstream_error(relay_env: RelayEnv):
    await set_option(relay_env, "RetryTimes", 5)
    gw = relay_env.gw
    await gw.app[RELAY].reload_channels()
    state = gw.app[RELAY]
    state.channels[relay_env.channel_id].status = 2  # only the failing channels remain
    state.rebuild_index()
    ids = {await failing_channel(relay_env, "fail-500", priority=p) for p in (10, 10, 5)}
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 500 and "get_channel" not in str(body)
    assert body["error"]["message"], body
    assert len(relay_env.up.requests) == 3, "each failing channel tried once, none twice"
    assert (await relay_env.user_row())["quota"] == 100_000_000
    assert {r.json["model"] for r in relay_env.up.requests} == {"gpt-4o-fail-500"}
    assert len(ids) == 3


async def test_no_retry_when_retry_times_is_zero(relay_env: RelayEnv):
    await failing_channel(relay_env, "fail-429")
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 429 and len(relay_env.up.requests) == 1


async def test_status_code_mapping(relay_env: RelayEnv):
    await set_option(relay_env, "RetryTimes", 2)
    await failing_channel(relay_env, "fail-400", status_code_mapping='{"400": "503"}')
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 200, "mapped to 503, so retried on the healthy channel"
    assert [r.json["model"] for r in relay_env.up.requests] == ["gpt-4o-fail-400", "gpt-4o"]


async def test_auto_disable_on_401_only_when_enabled(relay_env: RelayEnv):
    gw = relay_env.gw
    bad = await failing_channel(relay_env, "fail-401")
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 401 and gw.app[RELAY].channels[bad].status == 1
    await set_option(relay_env, "AutomaticDisableChannelEnabled", True)
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 401
    assert gw.app[RELAY].channels[bad].status == 3
    await relay_env.flush()
    row = await gw.app[MAIN_DB].fetchone(
        "SELECT status, other_info FROM channels WHERE id = ?", (bad,)
    )
    assert row["status"] == 3 and "401" in orjson.loads(row["other_info"])["status_reason"]
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 200, "the disabled channel is out of the routing index"


async def test_auto_disable_by_keyword(relay_env: RelayEnv):
    await set_option(relay_env, "AutomaticDisableChannelEnabled", True)
    bad = await failing_channel(relay_env, "x")
    relay_env.up.queue(
        status=403, json={"error": {"message": "You exceeded your current quota, check billing"}}
    )
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 403 and relay_env.gw.app[RELAY].channels[bad].status == 3


async def test_multi_key_disables_only_the_bad_key(relay_env: RelayEnv):
    await set_option(relay_env, "AutomaticDisableChannelEnabled", True)
    await set_option(relay_env, "RetryTimes", 3)
    info = '{"is_multi_key": true, "multi_key_size": 2, "multi_key_mode": "polling"}'
    cid = await relay_env.gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", key="key-fail-401\nkey-good", channel_info=info,
        priority=10,
    )  # fmt: skip
    for _ in range(3):
        status, _, _ = await relay_env.post("/v1/chat/completions", CHAT)
        assert status == 200
    ch = relay_env.gw.app[RELAY].channels[cid]
    assert ch.status == 1 and ch.key_status(0) == 3 and ch.key_status(1) == 1
    keys = [r.api_key for r in relay_env.up.requests]
    assert keys.count("key-fail-401") == 1 and keys[-1] == "key-good"


async def test_model_mapping_billing_uses_requested_name(relay_env: RelayEnv):
    await relay_env.gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", priority=10,
        model_mapping='{"gpt-4o": "gpt-4o-2024-11-20", "gpt-4o-2024-11-20": "upstream-4o"}',
    )  # fmt: skip
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 200 and relay_env.up.last.json["model"] == "upstream-4o"
    (log,) = await relay_env.logs()
    other = orjson.loads(log["other"])
    assert log["model_name"] == "gpt-4o" and other["model_ratio"] == 1.25
    assert other["is_model_mapped"] is True and other["upstream_model_name"] == "upstream-4o"


async def test_param_and_header_override_and_system_prompt(relay_env: RelayEnv):
    await relay_env.gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", priority=10,
        param_override='{"temperature": 0.1, "operations": [{"path": "user", "mode": "set", "value": "gw"}]}',
        header_override='{"X-Channel-Key": "k={api_key}", "X-Trace": "{client_header:X-Trace}"}',
        setting='{"system_prompt": "Be brief."}', key="sk-chan",
    )  # fmt: skip
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, **{"X-Trace": "abc"})
    sent = relay_env.up.last
    assert status == 200
    assert sent.json["temperature"] == 0.1 and sent.json["user"] == "gw"
    assert sent.json["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent.headers["X-Channel-Key"] == "k=sk-chan" and sent.headers["X-Trace"] == "abc"


async def test_priority_then_weight(relay_env: RelayEnv):
    gw = relay_env.gw
    high = await gw.add_channel(relay_env.up.base_url, models="gpt-4o", priority=100, key="hi")
    for _ in range(5):
        await relay_env.post("/v1/chat/completions", CHAT)
    assert {r.api_key for r in relay_env.up.requests} == {"hi"}
    logs = await relay_env.logs()
    assert {log["channel_id"] for log in logs} == {high}


async def test_channel_change_seen_without_restart(relay_env: RelayEnv):
    gw = relay_env.gw
    state = gw.app[RELAY]
    await gw.app[MAIN_DB].execute(
        "UPDATE channels SET models = 'gpt-4o-mini' WHERE id = ?", (relay_env.channel_id,)
    )
    await state.reload_channels([relay_env.channel_id])
    status, body, _ = await relay_env.post("/v1/chat/completions", CHAT)
    assert status == 503 and body["error"]["code"] == "model_not_found"


async def test_error_log_rows_when_enabled(relay_env: RelayEnv):
    await failing_channel(relay_env, "fail-500")
    await relay_env.post("/v1/chat/completions", CHAT)
    assert await relay_env.logs() == [], "error rows are off by default"
    await set_option(relay_env, "ErrorLogEnabled", True)
    await relay_env.post("/v1/chat/completions", CHAT)
    (row,) = await relay_env.logs()
    other = orjson.loads(row["other"])
    assert row["type"] == 5 and row["quota"] == 0 and row["content"].startswith("status_code=500")
    assert other["status_code"] == 500 and other["channel_name"] == "bad-fail-500"


async def test_auto_group_and_cross_group_retry(relay_env: RelayEnv):
    gw = relay_env.gw
    await set_option(relay_env, "AutoGroups", '["vip", "default"]')
    await set_option(relay_env, "RetryTimes", 3)
    await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o", group="vip", name="vip-bad",
        model_mapping='{"gpt-4o": "gpt-4o-fail-503"}',
    )  # fmt: skip
    key = await gw.add_token(group="auto")
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 503, "the first auto group serves; without cross_group_retry no fallback"
    key = await gw.add_token(group="auto", cross_group_retry=1)
    status, _, _ = await relay_env.post("/v1/chat/completions", CHAT, key=key)
    assert status == 200
    logs = await relay_env.logs()
    assert logs[-1]["group"] == "default"
