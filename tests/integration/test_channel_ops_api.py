"""/api/channel extras: search, bulk delete, copy, tags, fix, model lists, key reveal, the
role matrix, and the key never leaving except through the root-only reveal route."""

from __future__ import annotations

import orjson

from clawrouter.db.repo import channels as channels_repo
from clawrouter.keys import MAIN_DB, RELAY
from tests.support.gateway import Gateway

SECRET = "sk-upstream-SECRET-0123456789"


async def add(gateway: Gateway, base_url: str = "https://up.example", **fields) -> int:
    return await gateway.add_channel(base_url, key=SECRET, **fields)


async def row(gateway: Gateway, cid: int) -> dict:
    found = await channels_repo.get_channel(gateway.app[MAIN_DB], cid)
    assert found is not None
    return found


async def test_search_never_shows_the_key(root, gateway: Gateway):
    a = await add(gateway, name="alpha", models="gpt-4o,gpt-4o-mini", group="default,vip")
    b = await add(gateway, name="beta", type=14, models="claude-x", base_url="https://b.example")
    await add(gateway, name="gamma", status=2)
    for query, names in [
        ("keyword=alp", ["alpha"]),
        (f"keyword={b}", ["beta"]),
        ("keyword=b.example", ["beta"]),
        (f"keyword={SECRET}", ["gamma", "beta", "alpha"]),
        (f"keyword={SECRET[:8]}", []),
        ("group=vip", ["alpha"]),
        ("model=claude", ["beta"]),
        ("status=enabled&id_sort=true", ["beta", "alpha"]),
        ("type=14", ["beta"]),
    ]:
        resp = await root.request("GET", f"/api/channel/search?{query}")
        raw = await resp.text()
        assert SECRET not in raw
        data = orjson.loads(raw)["data"]
        assert [c["name"] for c in data["items"]] == names, query
    _, reply = await root.json("GET", "/api/channel/search?type=14&p=1&page_size=1")
    assert reply["data"]["total"] == 1 and reply["data"]["type_counts"] == {"1": 2, "14": 1}
    assert a


async def test_batch_delete_disabled_copy_and_fix(root, gateway: Gateway):
    a = await add(gateway, name="a")
    b = await add(gateway, name="b", status=3)
    c = await add(gateway, name="c", status=2)
    d = await add(gateway, name="d")
    await channels_repo.set_balance(gateway.app[MAIN_DB], a, 7.5, 1)
    _, reply = await root.json("POST", f"/api/channel/copy/{a}?suffix=-copy&reset_balance=false")
    copy_id = reply["data"]["id"]
    copied = await row(gateway, copy_id)
    assert copied["name"] == "a-copy" and copied["key"] == SECRET and copied["balance"] == 7.5
    assert copy_id in gateway.app[RELAY].channels
    _, reply = await root.json("POST", f"/api/channel/copy/{a}")
    assert (await row(gateway, reply["data"]["id"]))["name"] == "a_复制"
    assert (await row(gateway, reply["data"]["id"]))["balance"] == 0
    _, reply = await root.json("DELETE", "/api/channel/disabled")
    assert reply == {"success": True, "message": "", "data": 2}
    assert b not in gateway.app[RELAY].channels and c not in gateway.app[RELAY].channels
    _, reply = await root.json("POST", "/api/channel/batch", json={"ids": [d, 9999]})
    assert reply["data"] == 1 and d not in gateway.app[RELAY].channels
    _, reply = await root.json("POST", "/api/channel/batch", json={"ids": "1"})
    assert reply["success"] is False
    _, reply = await root.json("POST", "/api/channel/fix")
    assert reply["data"] == {"success": 3, "fails": 0}
    _, reply = await root.json("POST", "/api/channel/copy/9999")
    assert reply["success"] is False


async def test_tags(root, gateway: Gateway):
    a = await add(gateway, name="a", models="m1")
    b = await add(gateway, name="b", models="m1,m2,m3")
    c = await add(gateway, name="c", models="m9")
    _, reply = await root.json("POST", "/api/channel/batch/tag", json={"ids": [a, b], "tag": "t"})
    assert reply["data"] == 2
    _, reply = await root.json("GET", "/api/channel/tag/models?tag=t")
    assert reply["data"] == "m1,m2,m3"
    status, reply = await root.json("GET", "/api/channel/tag/models")
    assert status == 400 and reply["success"] is False
    _, reply = await root.json("POST", "/api/channel/tag/disabled", json={"tag": "t"})
    assert reply["data"] == 2
    relay = gateway.app[RELAY]
    assert relay.channels[a].status == 2 and "m2" not in relay.index["default"]
    _, reply = await root.json("POST", "/api/channel/tag/enabled", json={"tag": "t"})
    assert relay.channels[b].status == 1 and "m2" in relay.index["default"]
    body = {"tag": "t", "new_tag": "u", "priority": 5, "models": "x1, x2", "groups": "vip"}
    _, reply = await root.json("PUT", "/api/channel/tag", json=body)
    assert reply["data"] == 2, reply
    assert relay.channels[a].models == ["x1", "x2"] and relay.channels[a].tag == "u"
    assert relay.channels[b].priority == 5 and "x1" in relay.index["vip"]
    assert relay.channels[c].tag == ""
    _, reply = await root.json("PUT", "/api/channel/tag", json={"tag": "u", "model_mapping": "["})
    assert reply["success"] is False
    _, reply = await root.json("PUT", "/api/channel/tag", json={"new_tag": "z"})
    assert reply["success"] is False
    _, reply = await root.json("POST", "/api/channel/batch/tag", json={"ids": [a], "tag": None})
    assert relay.channels[a].tag == ""


async def test_model_lists(root, gateway: Gateway):
    await add(gateway, models="gpt-4o,my-model")
    await add(gateway, models="off-model", status=2)
    _, reply = await root.json("GET", "/api/channel/models_enabled")
    assert reply["data"] == ["gpt-4o", "my-model"]
    _, reply = await root.json("GET", "/api/channel/models")
    ids = {m["id"]: m for m in reply["data"]}
    assert ids["gpt-4o"]["owned_by"] == "openai" and ids["gpt-4o"]["object"] == "model"
    assert any(m["owned_by"] == "anthropic" for m in reply["data"])


async def test_key_reveal_is_root_only_and_not_cached(root, gateway: Gateway):
    cid = await add(gateway)
    verify = {"method": "password", "password": "rootpass123"}  # tests/integration/test_verify_api
    assert (await root.json("POST", "/api/verify", json=verify))[1]["success"]
    resp = await root.request("POST", f"/api/channel/{cid}/key")
    assert resp.headers["Cache-Control"].startswith("no-store")
    assert (await resp.json())["data"] == {"key": SECRET}
    await gateway.add_user("adam", role=10)
    admin = await gateway.login("adam", "userpass123")
    status, reply = await admin.json("POST", f"/api/channel/{cid}/key")
    assert reply["success"] is False and SECRET not in orjson.dumps(reply).decode()
    _, reply = await root.json("POST", "/api/channel/9999/key")
    assert reply["success"] is False


ADMIN_ROUTES = [
    ("GET", "/api/channel/search"),
    ("GET", "/api/channel/models"),
    ("GET", "/api/channel/models_enabled"),
    ("POST", "/api/channel/batch"),
    ("DELETE", "/api/channel/disabled"),
    ("POST", "/api/channel/copy/1"),
    ("POST", "/api/channel/fix"),
    ("POST", "/api/channel/batch/tag"),
    ("POST", "/api/channel/tag/disabled"),
    ("POST", "/api/channel/tag/enabled"),
    ("PUT", "/api/channel/tag"),
    ("GET", "/api/channel/tag/models?tag=t"),
    ("POST", "/api/channel/multi_key/manage"),
    ("GET", "/api/channel/test"),
    ("GET", "/api/channel/test/1"),
    ("GET", "/api/channel/fetch_models/1"),
    ("GET", "/api/channel/update_balance"),
    ("GET", "/api/channel/update_balance/1"),
]
ROOT_ROUTES = [("POST", "/api/channel/1/key"), ("POST", "/api/channel/fetch_models")]


async def test_role_matrix(root, gateway: Gateway):
    await add(gateway, tag="t")
    await gateway.add_user("carol", role=1)
    await gateway.add_user("adam", role=10)
    common = await gateway.login("carol", "userpass123")
    admin = await gateway.login("adam", "userpass123")
    body = {"ids": [1], "tag": "t", "channel_id": 1, "action": "get_key_status"}
    for method, path in ADMIN_ROUTES + ROOT_ROUTES:
        status, reply = await common.json(method, path, json=body)
        assert status == 200 and reply["success"] is False, (method, path)
        assert "privilege" in reply["message"]
    for method, path in ROOT_ROUTES:
        status, reply = await admin.json(method, path, json=body)
        assert reply["success"] is False and "privilege" in reply["message"], path
    assert len(gateway.app[RELAY].channels) == 1
