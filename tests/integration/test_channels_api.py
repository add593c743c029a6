"""/api/channel: add modes, list/get without the key, partial update, delete, validation with
nothing half-written, the role matrix and the relay seeing every change at once."""

from __future__ import annotations

import orjson
import pytest

from clawrouter.db.repo import channels as channels_repo
from clawrouter.keys import MAIN_DB, RELAY
from tests.support.gateway import Gateway

SECRET = "sk-upstream-SECRET-0123456789"


def channel(**fields):
    return {
        "type": 1,
        "name": "openai-main",
        "key": SECRET,
        "models": "gpt-4o, gpt-4o-mini",
        "group": "default,vip",
        **fields,
    }


async def add(client, mode="single", **fields):
    body = {"mode": mode, "channel": channel(**fields)}
    status, reply = await client.json("POST", "/api/channel/", json=body)
    assert status == 200 and reply == {"success": True, "message": ""}, reply


async def stored(gateway: Gateway) -> list[dict]:
    return await channels_repo.list_channels(gateway.app[MAIN_DB])


async def test_add_single_then_list_and_get_without_key(root, gateway: Gateway):
    await add(root, model_mapping='{"gpt-4": "gpt-4o"}', priority=3)
    resp = await root.request("GET", "/api/channel/")
    raw = await resp.text()
    assert SECRET not in raw
    data = orjson.loads(raw)["data"]
    assert data["total"] == 1 and data["page"] == 1 and data["page_size"] == 10
    assert data["type_counts"] == {"1": 1}
    item = data["items"][0]
    assert item["key"] == "" and item["name"] == "openai-main" and item["status"] == 1
    assert item["models"] == "gpt-4o,gpt-4o-mini" and item["group"] == "default,vip"
    assert item["model_mapping"] == '{"gpt-4": "gpt-4o"}' and item["priority"] == 3
    assert item["channel_info"]["is_multi_key"] is False
    assert item["created_time"] > 0
    (row,) = await stored(gateway)
    assert row["key"] == SECRET
    resp = await root.request("GET", f"/api/channel/{item['id']}")
    assert SECRET not in await resp.text()
    assert (await resp.json())["data"]["name"] == "openai-main"
    # the relay routes the new models at once, in both groups
    index = gateway.app[RELAY].index
    for group in ("default", "vip"):
        assert {"gpt-4o", "gpt-4o-mini"} <= set(index[group])
    assert gateway.app[RELAY].channels[item["id"]].keys == [SECRET]


async def test_batch_mode_one_channel_per_key_with_prefix(root, gateway: Gateway):
    body = {
        "mode": "batch",
        "batch_add_set_key_prefix_2_name": True,
        "channel": channel(key="key-aaaa-1111\n\n  key-bbbb-2222  \n"),
    }
    status, reply = await root.json("POST", "/api/channel/", json=body)
    assert reply["success"], reply
    rows = await stored(gateway)
    assert [(r["name"], r["key"]) for r in rows] == [
        ("openai-main key-aaaa", "key-aaaa-1111"),
        ("openai-main key-bbbb", "key-bbbb-2222"),
    ]
    assert set(gateway.app[RELAY].channels) == {r["id"] for r in rows}


async def test_multi_to_single_and_key_append_replace(root, gateway: Gateway):
    body = {
        "mode": "multi_to_single",
        "multi_key_mode": "polling",
        "channel": channel(key="a\nb\nc"),
    }
    status, reply = await root.json("POST", "/api/channel/", json=body)
    assert reply["success"], reply
    (row,) = await stored(gateway)
    info = orjson.loads(row["channel_info"])
    assert row["key"] == "a\nb\nc"
    assert info == {
        "is_multi_key": True,
        "multi_key_size": 3,
        "multi_key_status_list": {},
        "multi_key_polling_index": 0,
        "multi_key_mode": "polling",
    }
    # keys 1 and 2 disabled by the relay, with reasons the API must not show
    info.update(
        multi_key_status_list={"1": 3, "2": 3},
        multi_key_disabled_reason={"1": "429", "2": "401"},
        multi_key_disabled_time={"1": 5, "2": 6},
        multi_key_polling_index=2,
    )
    await channels_repo.update_channel(
        gateway.app[MAIN_DB], row["id"], {"channel_info": orjson.dumps(info).decode()}
    )
    status, reply = await root.json("GET", f"/api/channel/{row['id']}")
    shown = reply["data"]["channel_info"]
    assert shown["multi_key_status_list"] == {"1": 3, "2": 3}
    assert "multi_key_disabled_reason" not in shown and "multi_key_disabled_time" not in shown

    put = {"id": row["id"], "key": "c\nd\nd", "key_mode": "append"}
    status, reply = await root.json("PUT", "/api/channel/", json=put)
    assert reply["success"] and reply["data"]["key"] == ""
    assert reply["data"]["channel_info"]["multi_key_size"] == 4
    (row,) = await stored(gateway)
    assert row["key"] == "a\nb\nc\nd"
    assert gateway.app[RELAY].channels[row["id"]].keys == ["a", "b", "c", "d"]

    put = {"id": row["id"], "key": "x\ny", "multi_key_mode": "random"}
    status, reply = await root.json("PUT", "/api/channel/", json=put)
    assert reply["success"], reply
    (row,) = await stored(gateway)
    info = orjson.loads(row["channel_info"])
    assert row["key"] == "x\ny" and info["multi_key_size"] == 2
    assert info["multi_key_status_list"] == {"1": 3}  # index 2 no longer exists
    assert info["multi_key_disabled_reason"] == {"1": "429"}
    assert info["multi_key_polling_index"] == 0 and info["multi_key_mode"] == "random"


async def test_update_is_partial(root, gateway: Gateway):
    await add(root, tag="t1", priority=2, weight=7)
    (before,) = await stored(gateway)
    cid = before["id"]
    put = {
        "id": cid,
        "name": "",
        "key": "",
        "status": 0,
        "type": 0,
        "models": "claude-x",
        "priority": 0,
        "tag": "",
        "channel_info": {"is_multi_key": True},
        "used_quota": 999,
    }
    status, reply = await root.json("PUT", "/api/channel/", json=put)
    assert reply["success"], reply
    data = reply["data"]
    assert data["key"] == "" and data["name"] == "openai-main" and data["status"] == 1
    assert data["type"] == 1 and data["models"] == "claude-x" and data["weight"] == 7
    assert data["priority"] == 0 and data["tag"] == ""  # zero values of pointer fields are written
    assert data["channel_info"]["is_multi_key"] is False and data["used_quota"] == 0
    (row,) = await stored(gateway)
    assert row["key"] == SECRET
    index = gateway.app[RELAY].index
    assert set(index["default"]) == {"claude-x"} and set(index["vip"]) == {"claude-x"}

    status, reply = await root.json("PUT", "/api/channel/", json={"id": cid, "status": 2})
    assert reply["data"]["status"] == 2
    assert gateway.app[RELAY].index == {}, "a disabled channel routes nothing"

    resp = await root.request("PUT", "/api/channel/", json={"id": cid, "key": "sk-new-key-42"})
    assert "sk-new-key-42" not in await resp.text()
    (row,) = await stored(gateway)
    assert row["key"] == "sk-new-key-42"
    assert gateway.app[RELAY].channels[cid].keys == ["sk-new-key-42"]


async def test_delete(root, gateway: Gateway):
    await add(root)
    (row,) = await stored(gateway)
    status, reply = await root.json("DELETE", f"/api/channel/{row['id']}")
    assert reply == {"success": True, "message": ""}
    assert await stored(gateway) == []
    assert gateway.app[RELAY].channels == {} and gateway.app[RELAY].index == {}
    abilities = await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM abilities")
    assert abilities == 0
    status, reply = await root.json("DELETE", f"/api/channel/{row['id']}")
    assert reply["success"] is False and reply["message"] == "channel not found"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"mode": "single"}, "channel is required"),
        ({"channel": "x"}, "channel is required"),
        ({"channel": {"key": "k", "models": "m"}}, "type is required"),
        ({"channel": channel(type="openai")}, "type must be an integer"),
        ({"channel": channel(type=True)}, "type must be an integer"),
        ({"channel": channel(key="")}, "key is required"),
        ({"channel": channel(key="   ")}, "key is required"),
        ({"channel": channel(key=5)}, "key must be a string"),
        ({"channel": channel(name=["x"])}, "name must be a string"),
        ({"channel": channel(models="ok," + "m" * 256)}, "too long"),
        ({"channel": channel(model_mapping="{bad")}, "model_mapping is not valid JSON"),
        ({"channel": channel(setting="[1]")}, "setting must be a JSON object"),
        ({"channel": channel(param_override=7)}, "param_override must be a JSON object"),
        ({"channel": channel(priority=-1)}, "priority must be at least 0"),
        ({"channel": channel(weight="heavy")}, "weight must be an integer"),
        ({"channel": channel(status=9)}, "status must be"),
        ({"channel": channel(remark="r" * 256)}, "remark must be at most 255"),
        ({"channel": channel(type=41, other="")}, "Vertex AI"),
        ({"mode": "everything", "channel": channel()}, "mode must be one of"),
        ({"mode": "multi_to_single", "multi_key_mode": "x", "channel": channel()}, "multi_key"),
        ({"mode": "batch", "channel": channel(type=41, other='{"default": "x"}')}, "JSON array"),
    ],
)
async def test_add_rejects_bad_input(root, gateway: Gateway, body, fragment):
    status, reply = await root.json("POST", "/api/channel/", json=body)
    assert status == 200 and reply["success"] is False, reply
    assert fragment in reply["message"]
    assert await stored(gateway) == []


async def test_malformed_bodies_and_ids(root, gateway: Gateway):
    status, reply = await root.json("POST", "/api/channel/", data=b"{not json")
    assert status == 400 and reply["success"] is False and "JSON" in reply["message"]
    status, reply = await root.json("PUT", "/api/channel/", json=[1, 2])
    assert status == 400 and reply["success"] is False
    status, reply = await root.json("GET", "/api/channel/abc")
    assert status == 200 and reply["success"] is False and "integer" in reply["message"]
    status, reply = await root.json("DELETE", "/api/channel/1.5")
    assert reply["success"] is False and "integer" in reply["message"]
    status, reply = await root.json("GET", "/api/channel/42")
    assert reply == {"success": False, "message": "channel not found"}
    status, reply = await root.json("PUT", "/api/channel/", json={"id": 42, "name": "x"})
    assert reply == {"success": False, "message": "channel not found"}
    status, reply = await root.json("PUT", "/api/channel/", json={"name": "x"})
    assert reply["success"] is False and "id is required" in reply["message"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"model_mapping": "not json"}, "model_mapping"),
        ({"key_mode": "merge", "key": "k"}, "key_mode"),
        ({"priority": "high"}, "priority"),
        ({"models": "a," + "b" * 300}, "too long"),
        ({"type": 41}, "Vertex AI"),
    ],
)
async def test_bad_update_changes_nothing(root, gateway: Gateway, change, fragment):
    await add(root)
    (before,) = await stored(gateway)
    status, reply = await root.json("PUT", "/api/channel/", json={"id": before["id"], **change})
    assert reply["success"] is False and fragment in reply["message"], reply
    assert await stored(gateway) == [before]


async def test_list_filters_order_and_pages(root, gateway: Gateway):
    await add(root, name="low", priority=1)
    await add(root, name="high", priority=9)
    await add(root, name="off", priority=5, status=2)
    await add(root, name="claude", type=14, priority=0)
    status, reply = await root.json("GET", "/api/channel/")
    assert [c["name"] for c in reply["data"]["items"]] == ["high", "off", "low", "claude"]
    status, reply = await root.json("GET", "/api/channel/?id_sort=true")
    assert [c["name"] for c in reply["data"]["items"]] == ["claude", "off", "high", "low"]
    status, reply = await root.json("GET", "/api/channel/?status=enabled")
    data = reply["data"]
    assert data["total"] == 3 and data["type_counts"] == {"1": 2, "14": 1}
    status, reply = await root.json("GET", "/api/channel/?status=0")
    assert [c["name"] for c in reply["data"]["items"]] == ["off"]
    status, reply = await root.json("GET", "/api/channel/?type=14")
    data = reply["data"]
    assert [c["name"] for c in data["items"]] == ["claude"]
    assert data["total"] == 1 and data["type_counts"] == {"1": 3, "14": 1}
    status, reply = await root.json("GET", "/api/channel/?p=2&page_size=3")
    assert [c["name"] for c in reply["data"]["items"]] == ["claude"]
    status, reply = await root.json("GET", "/api/channel/?p=99")
    assert reply["data"]["items"] == [] and reply["data"]["total"] == 4
    status, reply = await root.json("GET", "/api/channel/?p=x")
    assert status == 400 and reply["success"] is False


ROUTES = [
    ("GET", "/api/channel/"),
    ("GET", "/api/channel/1"),
    ("POST", "/api/channel/"),
    ("PUT", "/api/channel/"),
    ("DELETE", "/api/channel/1"),
]


async def test_role_matrix(root, gateway: Gateway):
    await add(root)
    await gateway.add_user("carol", role=1)
    common = await gateway.login("carol", "userpass123")
    anonymous = gateway.client(user_id=1)
    for method, path in ROUTES:
        body = {"id": 1, "name": "hijack"} if method == "PUT" else {"channel": channel()}
        status, reply = await anonymous.json(method, path, json=body)
        assert status == 401 and reply["success"] is False, (method, path)
        status, reply = await common.json(method, path, json=body)
        assert status == 200 and reply["success"] is False, (method, path)
        assert "privilege" in reply["message"]
    (row,) = await stored(gateway)
    assert row["name"] == "openai-main"


async def test_list_in_tag_mode(root, gateway):
    for name, tag in (("a1", "alpha"), ("a2", "alpha"), ("b1", "beta"), ("n1", None)):
        await gateway.add_channel("http://127.0.0.1:9", name=name, tag=tag)
    status, body = await root.json("GET", "/api/channel/?tag_mode=true&page_size=1")
    data = body["data"]
    assert data["total"] == 2 and {i["name"] for i in data["items"]} == {"a1", "a2"}
    status, body = await root.json("GET", "/api/channel/?tag_mode=true&page_size=1&p=2")
    assert [i["name"] for i in body["data"]["items"]] == ["b1"]
    assert all(i["key"] == "" for i in body["data"]["items"])
