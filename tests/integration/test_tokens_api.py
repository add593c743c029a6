"""/api/token: create (full key once), masked lists, reveal, update and status rules, soft
delete, validation, per-user scoping and the relay seeing every change at once."""

from __future__ import annotations

import re

import pytest

from clawrouter.api.tokens import mask_key
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.keys import MAIN_DB, RELAY
from tests.support.gateway import Gateway

FUTURE = 4_000_000_000


async def create(client, **fields) -> dict:
    status, reply = await client.json("POST", "/api/token/", json={"name": "laptop", **fields})
    assert status == 200 and reply["success"], reply
    return reply["data"]


async def count(gateway: Gateway) -> int:
    return await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM tokens")


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("abcdEFGHijklMNOPqrst", "abcd**********qrst"),
        ("abcdefgh", "ab****gh"),
        ("abcde", "ab****de"),
        ("abcd", "****"),
        ("", ""),
    ],
)
def test_mask_key(key, masked):
    assert mask_key(key) == masked


async def test_create_returns_full_key_once_then_masked(root, gateway: Gateway):
    data = await create(
        root, remain_quota=1000, model_limits="gpt-4o, o3,", allow_ips="10.0.0.0/8\n::1"
    )
    full = data["key"]
    assert re.fullmatch(r"sk-[0-9A-Za-z]{48}", full)
    key = full[3:]
    assert data["name"] == "laptop" and data["status"] == 1 and data["expired_time"] == -1
    assert data["remain_quota"] == 1000 and data["unlimited_quota"] is False
    assert data["model_limits"] == "gpt-4o,o3" and data["allow_ips"] == "10.0.0.0/8\n::1"
    row = await tokens_repo.get_token(gateway.app[MAIN_DB], data["id"])
    assert row["key"] == key, "stored without sk-"
    entry = gateway.app[RELAY].tokens[key]
    assert entry.id == data["id"] and entry.user_id == 1 and entry.remain_quota == 1000

    resp = await root.request("GET", "/api/token/")
    assert key not in await resp.text()
    page = (await resp.json())["data"]
    assert page["total"] == 1
    assert page["items"][0]["key"] == key[:4] + "**********" + key[-4:]
    status, reply = await root.json("GET", f"/api/token/{data['id']}")
    assert reply["data"]["key"] == mask_key(key)
    resp = await root.request("POST", f"/api/token/{data['id']}/key")
    assert resp.headers["Cache-Control"] == "no-store"
    assert (await resp.json())["data"] == {"key": key}


async def test_list_pages_newest_first(root):
    for i in range(3):
        await create(root, name=f"k{i}")
    status, reply = await root.json("GET", "/api/token/?p=1&size=2")
    data = reply["data"]
    assert [t["name"] for t in data["items"]] == ["k2", "k1"]
    assert data["total"] == 3 and data["page_size"] == 2
    status, reply = await root.json("GET", "/api/token/?p=2&page_size=2")
    assert [t["name"] for t in reply["data"]["items"]] == ["k0"]
    status, reply = await root.json("GET", "/api/token/?p=50")
    assert reply["data"]["items"] == []


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"name": ""}, "name is required"),
        ({"name": None}, "name is required"),
        ({"name": "n" * 51}, "at most 50"),
        ({"name": 7}, "name must be a string"),
        ({"expired_time": 1_000}, "future"),
        ({"expired_time": -2}, "at least -1"),
        ({"expired_time": "never"}, "expired_time must be an integer"),
        ({"remain_quota": -1}, "at least 0"),
        ({"remain_quota": 500_000 * 10**9 + 1}, "at most"),
        ({"remain_quota": 1.5}, "remain_quota must be an integer"),
        ({"unlimited_quota": "yes"}, "true or false"),
        ({"allow_ips": "10.0.0.1\nnot-an-ip"}, "not-an-ip"),
        ({"allow_ips": "10.0.0.0/33"}, "10.0.0.0/33"),
        ({"group": "secret-tier"}, "not available"),
        ({"model_limits": ["a"]}, "model_limits must be a string"),
    ],
)
async def test_create_rejects_bad_input(root, gateway: Gateway, fields, fragment):
    status, reply = await root.json("POST", "/api/token/", json={"name": "n", **fields})
    assert status == 200 and reply["success"] is False, reply
    assert fragment in reply["message"]
    assert await count(gateway) == 0


async def test_create_accepts_groups_and_unlimited(root, gateway: Gateway):
    data = await create(root, group="vip", unlimited_quota=True, remain_quota=10**16)
    assert data["group"] == "vip" and data["unlimited_quota"] is True
    data = await create(root, group="auto", cross_group_retry=True, expired_time=FUTURE)
    assert data["cross_group_retry"] is True and data["expired_time"] == FUTURE
    data = await create(root, group="default", cross_group_retry=True)
    assert data["cross_group_retry"] is False, "only meaningful for the auto group"
    status, reply = await root.json("POST", "/api/token/", data=b"[]")
    assert status == 400 and reply["success"] is False


async def test_max_user_tokens(root, gateway: Gateway):
    status, reply = await root.json(
        "PUT", "/api/option/", json={"key": "token_setting.max_user_tokens", "value": "2"}
    )
    assert reply["success"], reply
    await create(root)
    await create(root)
    status, reply = await root.json("POST", "/api/token/", json={"name": "third"})
    assert reply["success"] is False and "maximum" in reply["message"]
    assert await count(gateway) == 2


async def test_update_full_and_status_only(root, gateway: Gateway):
    data = await create(root, remain_quota=100)
    tid, key = data["id"], data["key"][3:]
    put = {"id": tid, "name": "desk", "remain_quota": 5000, "group": "vip", "status": 2}
    status, reply = await root.json("PUT", "/api/token/", json=put)
    assert reply["success"], reply
    got = reply["data"]
    assert got["name"] == "desk" and got["remain_quota"] == 5000 and got["group"] == "vip"
    assert got["status"] == 1, "a full update leaves the status alone"
    assert got["key"] == mask_key(key) and got["allow_ips"] == ""
    entry = gateway.app[RELAY].tokens[key]
    assert entry.remain_quota == 5000 and entry.group == "vip" and entry.name == "desk"

    status, reply = await root.json(
        "PUT", "/api/token/?status_only=true", json={"id": tid, "status": 2, "name": "x"}
    )
    assert reply["data"]["status"] == 2 and reply["data"]["name"] == "desk"
    assert gateway.app[RELAY].tokens[key].status == 2
    status, reply = await root.json(
        "PUT", "/api/token/?status_only=1", json={"id": tid, "status": 1}
    )
    assert reply["data"]["status"] == 1 and gateway.app[RELAY].tokens[key].status == 1
    status, reply = await root.json(
        "PUT", "/api/token/?status_only=1", json={"id": tid, "status": 7}
    )
    assert reply["success"] is False and "status" in reply["message"]


@pytest.mark.parametrize(
    ("stored", "fragment"),
    [
        ({"status": 3, "expired_time": 1_000}, "expired"),
        ({"status": 4, "remain_quota": 0}, "used up"),
    ],
)
async def test_reenabling_refused_when_expired_or_exhausted(
    root, gateway: Gateway, stored, fragment
):
    data = await create(root, remain_quota=10)
    await gateway.app[RELAY].ledger.update_token(data["id"], stored)
    body = {"id": data["id"], "status": 1}
    status, reply = await root.json("PUT", "/api/token/?status_only=true", json=body)
    assert reply["success"] is False and fragment in reply["message"]
    row = await tokens_repo.get_token(gateway.app[MAIN_DB], data["id"])
    assert row["status"] == stored["status"]
    # an unlimited key is never exhausted; a new expiry makes the key usable again
    fix = {"expired_time": -1} if "expired_time" in stored else {"unlimited_quota": True}
    status, reply = await root.json("PUT", "/api/token/", json={"id": data["id"], **fix})
    assert reply["success"], reply
    status, reply = await root.json("PUT", "/api/token/?status_only=true", json=body)
    assert reply["success"] and reply["data"]["status"] == 1


async def test_update_rejects_bad_input(root, gateway: Gateway):
    data = await create(root)
    before = await tokens_repo.get_token(gateway.app[MAIN_DB], data["id"])
    for body in (
        {"name": "x"},
        {"id": 999, "name": "x"},
        {"id": data["id"], "name": "n" * 51},
        {"id": data["id"], "remain_quota": -5},
        {"id": data["id"], "allow_ips": "300.1.1.1"},
        {"id": data["id"], "group": "nope"},
    ):
        status, reply = await root.json("PUT", "/api/token/", json=body)
        assert reply["success"] is False and reply["message"], body
    assert await tokens_repo.get_token(gateway.app[MAIN_DB], data["id"]) == before


async def test_delete_is_soft(root, gateway: Gateway):
    data = await create(root)
    key = data["key"][3:]
    status, reply = await root.json("DELETE", f"/api/token/{data['id']}")
    assert reply == {"success": True, "message": ""}
    assert key not in gateway.app[RELAY].tokens
    row = await gateway.app[MAIN_DB].fetchone(
        "SELECT deleted_at FROM tokens WHERE id = ?", (data["id"],)
    )
    assert row["deleted_at"] is not None
    for method, path in (
        ("GET", f"/api/token/{data['id']}"),
        ("DELETE", f"/api/token/{data['id']}"),
    ):
        status, reply = await root.json(method, path)
        assert reply == {"success": False, "message": "token not found"}
    status, reply = await root.json("GET", "/api/token/")
    assert reply["data"]["total"] == 0
    status, reply = await root.json("GET", "/api/token/abc")
    assert reply["success"] is False and "integer" in reply["message"]


async def test_users_only_reach_their_own_tokens(root, gateway: Gateway):
    mine = await create(root)
    await gateway.add_user("mallory")
    mallory = await gateway.login("mallory", "userpass123")
    tid = mine["id"]
    for method, path, body in (
        ("GET", f"/api/token/{tid}", None),
        ("POST", f"/api/token/{tid}/key", None),
        ("PUT", "/api/token/", {"id": tid, "name": "stolen"}),
        ("PUT", "/api/token/?status_only=true", {"id": tid, "status": 2}),
        ("DELETE", f"/api/token/{tid}", None),
    ):
        status, reply = await mallory.json(method, path, json=body)
        assert reply == {"success": False, "message": "token not found"}, (method, path)
    status, reply = await mallory.json("GET", "/api/token/")
    assert reply["data"]["items"] == []
    own = await create(mallory, name="m")
    assert gateway.app[RELAY].tokens[own["key"][3:]].user_id != 1
    status, reply = await root.json("GET", f"/api/token/{tid}")
    assert reply["data"]["name"] == "laptop" and reply["data"]["status"] == 1


async def test_anonymous_is_401(gateway: Gateway):
    anonymous = gateway.client(user_id=1)
    for method, path in (
        ("GET", "/api/token/"),
        ("GET", "/api/token/1"),
        ("POST", "/api/token/"),
        ("PUT", "/api/token/"),
        ("DELETE", "/api/token/1"),
        ("POST", "/api/token/1/key"),
    ):
        status, reply = await anonymous.json(method, path, json={"name": "x"})
        assert status == 401 and reply["success"] is False, (method, path)
