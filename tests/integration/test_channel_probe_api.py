"""/api/channel routes that reach upstreams (test, fetch_models, update_balance) against the
fake upstream, multi-key management, and /api/token search and batch routes."""

from __future__ import annotations

from clawrouter.db.repo import channels as channels_repo
from clawrouter.keys import CHANNEL_TESTS, MAIN_DB, OPTIONS, RELAY


async def test_fetch_models_per_type(root, gateway, upstream):
    for type_ in (1, 14, 24):
        cid = await gateway.add_channel(upstream.base_url, type=type_, key="k1\nk2")
        _, reply = await root.json("GET", f"/api/channel/fetch_models/{cid}")
        assert reply["success"] and reply["data"], (type_, reply)
        assert "models" in upstream.last.path
    assert upstream.last.headers.get("x-goog-api-key") == "k1"
    upstream.queue(json={"models": [{"name": "llama3:8b"}]}, match="/api/tags")
    body = {"base_url": upstream.base_url, "type": 4, "key": ""}
    _, reply = await root.json("POST", "/api/channel/fetch_models", json=body)
    assert reply == {"success": True, "message": "", "data": ["llama3:8b"]}
    upstream.queue(status=401, json={"error": {"message": "bad key"}})
    body = {"base_url": upstream.base_url, "type": 1, "key": "x"}
    status, reply = await root.json("POST", "/api/channel/fetch_models", json=body)
    # an upstream refusal is a business error (200, success false), never a 5xx (schemathesis)
    assert status == 200 and reply["success"] is False and "401" in reply["message"]
    status, reply = await root.json("POST", "/api/channel/fetch_models", json=[1])
    assert status == 400


async def test_channel_test_ok_and_failing(root, gateway, upstream):
    ok_id = await gateway.add_channel(upstream.base_url, models="gpt-4o-mini")
    status, reply = await root.json("GET", f"/api/channel/test/{ok_id}")
    assert reply["success"] is True and isinstance(reply["time"], float), reply
    assert upstream.last.json["messages"][0]["content"] == "hi"
    row = await channels_repo.get_channel(gateway.app[MAIN_DB], ok_id)
    assert row["test_time"] > 0
    _, reply = await root.json("GET", f"/api/channel/test/{ok_id}?stream=true&model=gpt-4o")
    assert reply["success"] is True and upstream.last.json["stream"] is True
    claude = await gateway.add_channel(upstream.base_url, type=14, models="claude-3-haiku")
    _, reply = await root.json("GET", f"/api/channel/test/{claude}")
    assert reply["success"] is True and upstream.last.path.endswith("/v1/messages")
    bad = await gateway.add_channel(upstream.base_url, models="gpt-4o-fail-401", status=3)
    _, reply = await root.json("GET", f"/api/channel/test/{bad}")
    assert reply["success"] is False and reply["message"]
    _, reply = await root.json("GET", "/api/channel/test/9999")
    assert reply["success"] is False


async def test_auto_enable_and_test_all(root, gateway, upstream):
    await gateway.app[OPTIONS].set("AutomaticEnableChannelEnabled", True)
    cid = await gateway.add_channel(upstream.base_url, status=3)
    _, reply = await root.json("GET", f"/api/channel/test/{cid}")
    assert reply["success"] and gateway.app[RELAY].channels[cid].status == 1
    await gateway.add_channel(upstream.base_url, status=2)
    upstream.reset()
    _, reply = await root.json("GET", "/api/channel/test")
    assert reply == {"success": True, "message": ""}
    await gateway.app[CHANNEL_TESTS].wait()
    assert len(upstream.requests_to("/chat/completions")) == 1  # the manual-disabled one skipped


async def test_update_balance(root, gateway, upstream):
    cid = await gateway.add_channel(upstream.base_url, type=43)
    upstream.queue(json={"balance_infos": [{"currency": "USD", "total_balance": "12.5"}]})
    _, reply = await root.json("GET", f"/api/channel/update_balance/{cid}")
    assert reply == {"success": True, "message": "", "balance": 12.5}
    assert upstream.last.path == "/user/balance"
    assert (await channels_repo.get_channel(gateway.app[MAIN_DB], cid))["balance"] == 12.5
    oa = await gateway.add_channel(upstream.base_url, type=1)
    upstream.queue(json={"hard_limit_usd": 10}, match="subscription")
    upstream.queue(json={"total_usage": 250}, match="usage")
    _, reply = await root.json("GET", f"/api/channel/update_balance/{oa}")
    assert reply["balance"] == 7.5
    claude = await gateway.add_channel(upstream.base_url, type=14)
    _, reply = await root.json("GET", f"/api/channel/update_balance/{claude}")
    assert reply["success"] is False and "not supported" in reply["message"]
    upstream.queue(json={"balance_infos": [{"currency": "USD", "total_balance": "0"}]}, times=5)
    upstream.queue(json={"hard_limit_usd": 10}, match="subscription")
    upstream.queue(json={"total_usage": 100}, match="usage")
    _, reply = await root.json("GET", "/api/channel/update_balance")
    assert reply["success"] is True
    assert gateway.app[RELAY].channels[cid].status == 3
    assert gateway.app[RELAY].channels[oa].status == 1


async def test_multi_key_manage(root, gateway):
    info = '{"is_multi_key": true, "multi_key_size": 3, "multi_key_mode": "random"}'
    cid = await gateway.add_channel("https://x", key="key-aaaaaaaa-1\nkey-bbbbbbbb-2\nkey-c-3",
                                    channel_info=info)  # fmt: skip
    url = "/api/channel/multi_key/manage"
    _, reply = await root.json("POST", url, json={"channel_id": cid, "action": "get_key_status"})
    data = reply["data"]
    assert data["total"] == 3 and data["enabled_count"] == 3
    assert data["keys"][0]["key_preview"] == "key-aaaaaa..."
    body = {"channel_id": cid, "action": "disable_key", "key_index": 1}
    _, reply = await root.json("POST", url, json=body)
    assert reply["success"], reply
    assert gateway.app[RELAY].channels[cid].enabled_key_indexes() == [0, 2]
    _, reply = await root.json(
        "POST", url, json={"channel_id": cid, "action": "delete_disabled_keys"}
    )
    ch = gateway.app[RELAY].channels[cid]
    assert ch.keys == ["key-aaaaaaaa-1", "key-c-3"] and ch.enabled_key_indexes() == [0, 1]
    _, reply = await root.json("POST", url, json={"channel_id": cid, "action": "disable_all_keys"})
    assert gateway.app[RELAY].channels[cid].status == 3
    _, reply = await root.json("POST", url, json={"channel_id": cid, "action": "enable_all_keys"})
    assert gateway.app[RELAY].channels[cid].status == 1
    body = {"channel_id": cid, "action": "delete_key", "key_index": 0}
    _, reply = await root.json("POST", url, json=body)
    assert gateway.app[RELAY].channels[cid].keys == ["key-c-3"]
    _, reply = await root.json("POST", url, json={**body, "key_index": 5})
    assert reply["success"] is False
    single = await gateway.add_channel("https://x")
    _, reply = await root.json("POST", url, json={"channel_id": single, "action": "get_key_status"})
    assert reply["success"] is False and "multi-key" in reply["message"]


async def test_token_search_and_batch(root, gateway):
    keys = [await gateway.add_token(name=n) for n in ("alpha", "alpha_2", "beta")]
    _, reply = await root.json("GET", "/api/token/search?keyword=alpha")
    assert [t["name"] for t in reply["data"]["items"]] == ["alpha"]
    _, reply = await root.json("GET", "/api/token/search?keyword=alpha%25")
    assert {t["name"] for t in reply["data"]["items"]} == {"alpha", "alpha_2"}
    _, reply = await root.json("GET", "/api/token/search?keyword=alpha!2")
    assert reply["data"]["items"] == []
    _, reply = await root.json("GET", f"/api/token/search?token={keys[2]}")
    items = reply["data"]["items"]
    assert [t["name"] for t in items] == ["beta"] and keys[2][3:] not in str(items)
    _, reply = await root.json("GET", "/api/token/search?keyword=%25a%25%25")
    assert reply["success"] is False
    ids = [t["id"] for t in (await root.json("GET", "/api/token/"))[1]["data"]["items"]]
    resp = await root.request("POST", "/api/token/batch/keys", json={"ids": ids})
    assert resp.headers["Cache-Control"] == "no-store"
    revealed = (await resp.json())["data"]["keys"]
    assert sorted(revealed.values()) == sorted(k[3:] for k in keys)
    _, reply = await root.json("POST", "/api/token/batch/keys", json={"ids": list(range(101))})
    assert reply["success"] is False
    _, reply = await root.json("POST", "/api/token/batch", json={"ids": ids[:2]})
    assert reply["data"] == 2
    assert len(gateway.app[RELAY].tokens_by_id) == 1
